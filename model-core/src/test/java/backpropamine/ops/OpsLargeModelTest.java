package backpropamine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.LanguageModel;
import backpropamine.model.LargeShape;
import backpropamine.model.LayerState;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Precision;
import backpropamine.model.Regularization;
import backpropamine.model.Variant;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.train.Sgd;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The large model in ND4J ops (the CUDA path) against the fused kernels, in double, from the same initial weights
 * and dropout seeds: segments of varying length with carried state and SGD steps in between, then evaluation at
 * another batch size. Losses, every parameter's gradient and the carried states agree to rounding.
 */
class OpsLargeModelTest {
    static final int VOCAB = 11;
    static final Regularization REG = new Regularization(0.3, 0.3, 0.3, 0.3, 2, 1);

    @ParameterizedTest(name = "{0}, clip {1}")
    @CsvSource({"LSTM, 1e6", "SIMPLE, 1e6", "SIMPLE, 0.08"})
    void opsPathMatchesTheFusedKernels(Variant variant, double clip) {
        LargeShape shape = new LargeShape(variant, VOCAB, 3, 5);
        LanguageModel fused = plasticityOn(new backpropamine.nn64.LargeLstmModel(shape, REG, clip, 5, 0.5));
        LanguageModel ops = plasticityOn(new OpsLargeModel(shape, REG, Precision.DOUBLE, clip, 5, 0.5));
        assertEquals(0, Nd4jVector.array(fused.parameters()).sub(Nd4jVector.array(ops.parameters())).amaxNumber().doubleValue(), "same initial weights");
        Sgd sgdFused = new Sgd(fused, 0.25, true);
        Sgd sgdOps = new Sgd(ops, 0.25, true);
        Random rnd = new Random(9);
        int batch = 2;
        for (int steps : new int[] {5, 3, 6}) {
            int[] in = tokens(rnd, batch * steps);
            int[] out = tokens(rnd, batch * steps);
            fused.reseed(steps);
            ops.reseed(steps);
            double a = fused.trainSegment(in, out, batch, steps);
            double b = ops.trainSegment(in, out, batch, steps);
            assertEquals(a, b, 1e-10 * Math.abs(a), "loss at " + steps + " steps");
            assertClose(Nd4jVector.array(fused.gradients()), Nd4jVector.array(ops.gradients()), "gradients at " + steps + " steps");
            sgdFused.step(1.0, 1e-3);
            sgdOps.step(1.0, 1e-3);
        }
        assertClose(Nd4jVector.array(fused.parameters()), Nd4jVector.array(ops.parameters()), "parameters after three steps");
        assertStates(fused.state(batch), ops.state(batch));
        int[] in = tokens(rnd, 7);
        int[] out = tokens(rnd, 7);
        double a = fused.evaluateSegment(in, out, 1, 7);
        assertEquals(a, ops.evaluateSegment(in, out, 1, 7), 1e-10 * a, "evaluation at batch 1");
        assertStates(fused.state(1), ops.state(1));
    }

    /** Sets every alpha to +-0.5 alike in both (it starts at 1e-4, which would hide the plastic path). */
    private static LanguageModel plasticityOn(LanguageModel m) {
        Random rnd = new Random(2);
        for (Entry e : m.layout().entries()) {
            if (e.name().endsWith(".alpha")) {
                for (long k = 0; k < e.length(); k++) {
                    Nd4jVector.array(m.parameters()).putScalar(e.offset() + k, rnd.nextDouble() - 0.5);
                }
            }
        }
        return m;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(scale > 0 && diff <= 1e-9 * scale, what + ": max difference " + diff + " of " + scale);
    }

    private static void assertStates(List<LayerState> a, List<LayerState> b) {
        for (int l = 0; l < a.size(); l++) {
            double[][] x = {a.get(l).h(), a.get(l).c(), a.get(l).hebb()};
            double[][] y = {b.get(l).h(), b.get(l).c(), b.get(l).hebb()};
            for (int k = 0; k < x.length; k++) {
                if (x[k] == null) {
                    assertEquals(null, y[k]);
                    continue;
                }
                for (int i = 0; i < x[k].length; i++) {
                    assertEquals(x[k][i], y[k][i], 1e-10, "layer " + l + " state " + k + "[" + i + "]");
                }
            }
        }
    }

    private static int[] tokens(Random rnd, int n) {
        int[] t = new int[n];
        for (int k = 0; k < n; k++) {
            t[k] = rnd.nextInt(VOCAB);
        }
        return t;
    }
}
