package backpropamine.cuda;

import static backpropamine.cuda.CudaLstmModelTest.assertClose;
import static backpropamine.cuda.CudaLstmModelTest.assertGradients;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.LanguageModel;
import backpropamine.model.LargeShape;
import backpropamine.model.LayerState;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Regularization;
import backpropamine.model.Variant;
import backpropamine.train.Sgd;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The large model's CUDA kernels, run in the host emulation, against the fused CPU kernels in double (gradient-
 * checked against finite differences in {@code LargeModelGradientTest}), from the same initial weights and
 * dropout seeds: training segments of 5, 3 and 6 steps (variable BPTT: the buffers grow, then are cut) with
 * carried state and SGD steps (weight decay, clip) between them, then evaluation at two other batch sizes. Every
 * dropout at p = 0.3, AR and TAR on; 19 units, so the per-neuron rule's sums over i run in chunks of 2 with an
 * odd one; clip 1e6 (inactive) and 0.05 (saturating). Float against double: losses to 1e-5 relative, each
 * parameter's gradient, the parameters after the steps and the carried states to 1e-4 of their largest magnitude.
 */
class CudaLargeModelTest {
    private static final int VOCAB = 29;
    private static final Regularization REG = new Regularization(0.3, 0.3, 0.3, 0.3, 2, 1);

    @ParameterizedTest(name = "{0}, clip {1}")
    @CsvSource({"LSTM, 1e6", "SIMPLE, 1e6", "SIMPLE, 0.05"})
    void segmentsMatchTheFusedKernels(Variant variant, double clip) {
        LargeShape shape = new LargeShape(variant, VOCAB, 6, 19);
        try (CudaLargeModel cuda = new CudaLargeModel(Emulation.open(), shape, REG, clip, 5, 0.5)) {
            plasticityOn(cuda);
            var reference = new backpropamine.nn64.LargeLstmModel(shape, REG, clip, 5, 0.5);
            reference.parameters().set(cuda.parameters().toDoubleArray()); // the float initialisation, exactly
            Sgd sgdReference = new Sgd(reference, 0.25, true);
            Sgd sgdCuda = new Sgd(cuda, 0.25, true);
            SplittableRandom rng = new SplittableRandom(9);
            int batch = 2;
            for (int steps : new int[] {5, 3, 6}) {
                int[] in = tokens(rng, batch * steps);
                int[] out = tokens(rng, batch * steps);
                reference.reseed(steps);
                cuda.reseed(steps);
                double expected = reference.trainSegment(in, out, batch, steps);
                double actual = cuda.trainSegment(in, out, batch, steps);
                String what = variant + " segment of " + steps + " steps";
                assertEquals(expected, actual, 1e-5 * expected, what + ": loss");
                assertGradients(cuda.layout(), reference.gradients().toDoubleArray(), cuda.gradients().toDoubleArray(),
                        what);
                assertStates(reference.state(batch), cuda.state(batch), what + ": carried state");
                sgdReference.step(1.0, 1e-3);
                sgdCuda.step(1.0, 1e-3);
            }
            assertClose(reference.parameters().toDoubleArray(), cuda.parameters().toDoubleArray(),
                    variant + " parameters after three steps");
            for (int batch2 : new int[] {3, 1}) {
                int[] in = tokens(rng, 7 * batch2);
                int[] out = tokens(rng, 7 * batch2);
                double expected = reference.evaluateSegment(in, out, batch2, 7);
                assertEquals(expected, cuda.evaluateSegment(in, out, batch2, 7), 1e-5 * expected,
                        variant + " evaluation at batch " + batch2);
                assertStates(reference.state(batch2), cuda.state(batch2), variant + " evaluation state, batch " + batch2);
            }
            assertStates(reference.state(batch), cuda.state(batch), variant + " training state untouched by evaluation");
            if (variant == Variant.SIMPLE) {
                assertTrue(cuda.traceBytes(batch) > 0, "the traces held are reported");
            }
        }
    }

    /** alpha starts at 1e-4, which would hide the plastic path: +-0.5 instead. */
    private static void plasticityOn(LanguageModel m) {
        SplittableRandom rnd = new SplittableRandom(2);
        double[] theta = m.parameters().toDoubleArray();
        for (Entry e : m.layout().entries()) {
            if (e.name().endsWith(".alpha")) {
                for (long k = 0; k < e.length(); k++) {
                    theta[(int) (e.offset() + k)] = rnd.nextDouble() - 0.5;
                }
            }
        }
        m.parameters().set(theta);
    }

    private static void assertStates(List<LayerState> expected, List<LayerState> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": layers");
        for (int l = 0; l < expected.size(); l++) {
            assertClose(expected.get(l).h(), actual.get(l).h(), what + " h" + l);
            assertClose(expected.get(l).c(), actual.get(l).c(), what + " c" + l);
            assertEquals(expected.get(l).hebb() == null, actual.get(l).hebb() == null, what + " Hebb" + l + " kept");
            if (expected.get(l).hebb() != null) {
                assertClose(expected.get(l).hebb(), actual.get(l).hebb(), what + " Hebb" + l);
            }
        }
    }

    private static int[] tokens(SplittableRandom rng, int n) {
        int[] t = new int[n];
        for (int k = 0; k < n; k++) {
            t[k] = rng.nextInt(VOCAB);
        }
        return t;
    }
}
