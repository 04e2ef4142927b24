package backpropamine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.LayerState;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout;
import backpropamine.model.Variant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CUDA implementation, run in the host emulation of its kernels, against the fused CPU kernels in double
 * precision (an independent implementation of the same equations, gradient-checked against finite differences):
 * two consecutive training segments (state and traces carried, some trace entries saturating at a small clip),
 * then an evaluation segment at another batch size. Float against double: losses to 1e-5 relative, gradients and
 * states to 1e-4 of their largest magnitude.
 */
class CudaLstmModelTest {
    private static final int VOCAB = 23;
    private static final int HIDDEN = 7; // not a multiple of any SIMD width or warp
    private static final int BATCH = 3;
    private static final int STEPS = 5;
    private static final double CLIP = 0.02;

    @ParameterizedTest
    @EnumSource(Variant.class)
    void segmentsMatchTheFusedKernels(Variant variant) {
        ModelShape shape = new ModelShape(variant, VOCAB, HIDDEN, 2);
        try (CudaLstmModel cuda = new CudaLstmModel(Emulation.open(), shape, CLIP, 7, 0.5)) {
            backpropamine.nn64.PlasticLstmModel reference = new backpropamine.nn64.PlasticLstmModel(shape, CLIP, 7, 0.5);
            // the same values: the CUDA model holds the initialisation rounded to float
            reference.parameters().set(cuda.parameters().toDoubleArray());
            SplittableRandom rng = new SplittableRandom(3);
            for (int segment = 0; segment < 2; segment++) {
                int[] in = tokens(rng, BATCH * STEPS);
                int[] out = tokens(rng, BATCH * STEPS);
                double expected = reference.trainSegment(in, out, BATCH, STEPS);
                double actual = cuda.trainSegment(in, out, BATCH, STEPS);
                assertEquals(expected, actual, 1e-5 * expected, variant + " loss of segment " + segment);
                assertGradients(cuda.layout(), reference.gradients().toDoubleArray(), cuda.gradients().toDoubleArray(),
                        variant + " segment " + segment);
                assertStates(reference.state(BATCH), cuda.state(BATCH), variant + " state after segment " + segment);
            }
            int[] in = tokens(rng, 2 * STEPS);
            int[] out = tokens(rng, 2 * STEPS);
            double expected = reference.evaluateSegment(in, out, 2, STEPS);
            assertEquals(expected, cuda.evaluateSegment(in, out, 2, STEPS), 1e-5 * expected, variant + " evaluation");
            assertStates(reference.state(2), cuda.state(2), variant + " evaluation state");
            assertStates(reference.state(BATCH), cuda.state(BATCH), variant + " training state untouched by evaluation");
        }
    }

    private static int[] tokens(SplittableRandom rng, int n) {
        int[] t = new int[n];
        for (int k = 0; k < n; k++) {
            t[k] = rng.nextInt(VOCAB);
        }
        return t;
    }

    /** Each parameter's gradient to its own scale, so that a small one (lambda, a bias) is held as tightly. */
    static void assertGradients(ParameterLayout layout, double[] expected, double[] actual, String what) {
        for (ParameterLayout.Entry e : layout.entries()) {
            int from = (int) e.offset();
            int to = (int) (e.offset() + e.length());
            assertClose(Arrays.copyOfRange(expected, from, to), Arrays.copyOfRange(actual, from, to),
                    what + " gradient of " + e.name());
        }
    }

    private static void assertStates(List<LayerState> expected, List<LayerState> actual, String what) {
        for (int l = 0; l < expected.size(); l++) {
            assertClose(expected.get(l).h(), actual.get(l).h(), what + " h" + l);
            assertClose(expected.get(l).c(), actual.get(l).c(), what + " c" + l);
            if (expected.get(l).hebb() != null) {
                assertClose(expected.get(l).hebb(), actual.get(l).hebb(), what + " Hebb" + l);
            }
            if (expected.get(l).eligibility() != null) {
                assertClose(expected.get(l).eligibility(), actual.get(l).eligibility(), what + " E" + l);
            }
        }
    }

    /** Largest difference within 1e-4 of the largest magnitude (float arithmetic against double). */
    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        double worst = 0;
        int at = -1;
        for (int k = 0; k < expected.length; k++) {
            scale = Math.max(scale, Math.abs(expected[k]));
            double d = Math.abs(expected[k] - actual[k]);
            if (!(d <= worst)) {
                worst = d;
                at = k;
            }
        }
        assertTrue(scale > 0, what + " is all zeros: nothing was compared");
        assertTrue(worst <= 1e-4 * scale, what + ": worst difference " + worst + " at " + at + " (expected "
                + (at < 0 ? "?" : expected[at]) + ", got " + (at < 0 ? "?" : actual[at]) + ", scale " + scale + ")");
    }
}
