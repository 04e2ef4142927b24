package backpropamine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.LargeShape;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Regularization;
import backpropamine.model.Variant;
import backpropamine.nd4j.Nd4jVector;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The large model's gradient against central finite differences, in double, at a tiny size, for every parameter:
 * tied embedding/softmax weights, both biases per gate, per-neuron alpha, the per-neuron fan-out of the modulator,
 * dropout of every kind under fixed masks, AR and TAR, and the traces recomputed from checkpoints (5 steps,
 * stride 3). The objective is that of a second segment whose state was carried from a first one, as in training.
 */
class LargeModelGradientTest {
    static final int VOCAB = 11;
    static final int EMBEDDING = 3;
    static final int HIDDEN = 5;
    static final int BATCH = 2;
    static final int STEPS = 5;
    static final Regularization REG = new Regularization(0.3, 0.3, 0.3, 0.3, 2, 1);

    @ParameterizedTest(name = "{0}, clip {1}")
    @CsvSource({"LSTM, 1e6", "SIMPLE, 1e6", "SIMPLE, 0.08"})
    void analyticGradientMatchesFiniteDifferences(Variant variant, double clip) {
        backpropamine.nn64.LargeLstmModel model = plasticityOn(new backpropamine.nn64.LargeLstmModel(
                new LargeShape(variant, VOCAB, EMBEDDING, HIDDEN), REG, clip, 5, 0.5));
        Random rnd = new Random(11);
        int[] in1 = tokens(rnd);
        int[] out1 = tokens(rnd);
        int[] in2 = tokens(rnd);
        int[] out2 = tokens(rnd);
        model.freezeMasks(BATCH);

        model.resetState();
        model.evaluateSegment(in1, out1, BATCH, STEPS);
        model.trainSegment(in2, out2, BATCH, STEPS);
        assertTrue(model.lastPenalty() > 0, "AR and TAR take part");
        INDArray analytic = Nd4jVector.array(model.gradients()).dup();
        INDArray theta = Nd4jVector.array(model.parameters());

        double eps = 1e-5;
        double worst = 0;
        String worstAt = "";
        Set<String> nonZero = new HashSet<>();
        for (Entry e : model.layout().entries()) {
            for (long k = 0; k < e.length(); k++) {
                long idx = e.offset() + k;
                double orig = theta.getDouble(idx);
                theta.putScalar(idx, orig + eps);
                double plus = objective(model, in1, out1, in2, out2, theta, idx, orig);
                theta.putScalar(idx, orig - eps);
                double minus = objective(model, in1, out1, in2, out2, theta, idx, orig);
                theta.putScalar(idx, orig);
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic.getDouble(idx);
                double err = Math.abs(a - numeric) / Math.max(1e-4, Math.abs(a) + Math.abs(numeric));
                if (err > worst) {
                    worst = err;
                    worstAt = e.name() + "[" + k + "] analytic " + a + " numeric " + numeric;
                }
                if (Math.abs(a) > 1e-9) {
                    nonZero.add(e.name());
                }
            }
        }
        assertTrue(worst < 1e-5, "worst relative error " + worst + " at " + worstAt);
        for (Entry e : model.layout().entries()) {
            assertTrue(nonZero.contains(e.name()), e.name() + " gets no gradient: the check would be vacuous");
        }
        if (clip < 1) { // the saturated case must really saturate: the objective differs from the unclipped model's
            backpropamine.nn64.LargeLstmModel unclipped = plasticityOn(new backpropamine.nn64.LargeLstmModel(
                    new LargeShape(variant, VOCAB, EMBEDDING, HIDDEN), REG, 1e6, 5, 0.5));
            unclipped.freezeMasks(BATCH);
            double clipped = objective(model, in1, out1, in2, out2, theta, 0, theta.getDouble(0));
            double free = objective(unclipped, in1, out1, in2, out2, Nd4jVector.array(unclipped.parameters()), 0,
                    Nd4jVector.array(unclipped.parameters()).getDouble(0));
            assertTrue(Math.abs(clipped - free) > 1e-9, "clip " + clip + " never saturated");
        }
    }

    /**
     * alpha starts at most 1e-4 (plasticity almost off, as the authors initialise it), which would leave the plastic
     * path's gradients below what finite differences resolve; the checks set it to +-0.5.
     */
    static <M extends backpropamine.model.LanguageModel> M plasticityOn(M model) {
        Random rnd = new Random(2);
        for (Entry e : model.layout().entries()) {
            if (e.name().endsWith(".alpha")) {
                for (long k = 0; k < e.length(); k++) {
                    Nd4jVector.array(model.parameters()).putScalar(e.offset() + k, rnd.nextDouble() - 0.5);
                }
            }
        }
        return model;
    }

    /** Objective of segment 2 after segment 1 ran (without dropout) with the unperturbed value at {@code idx}. */
    private static double objective(backpropamine.nn64.LargeLstmModel model, int[] in1, int[] out1, int[] in2,
                                    int[] out2, INDArray theta, long idx, double orig) {
        double perturbed = theta.getDouble(idx);
        model.resetState();
        theta.putScalar(idx, orig);
        model.evaluateSegment(in1, out1, BATCH, STEPS);
        theta.putScalar(idx, perturbed);
        return model.objective(in2, out2, BATCH, STEPS);
    }

    /**
     * Recomputing the traces from every sqrt(T)-th step gives the gradient of keeping them all, bit for bit, for
     * segment lengths with full and partial last blocks.
     */
    @ParameterizedTest(name = "{0} steps")
    @CsvSource({"9", "10", "2"})
    void recomputedTracesGiveExactlyTheGradientOfKeptTraces(int steps) {
        LargeShape shape = new LargeShape(Variant.SIMPLE, VOCAB, EMBEDDING, HIDDEN);
        LargeLstmModel recomputing = plasticityOn(new LargeLstmModel(shape, REG, 0.05, 3, 0.5));
        LargeLstmModel keeping = plasticityOn(new LargeLstmModel(shape, REG, 0.05, 3, 0.5));
        keeping.keepAllTraces();
        Random rnd = new Random(5);
        for (int segment = 0; segment < 3; segment++) {
            int[] in = new int[BATCH * steps];
            int[] out = new int[BATCH * steps];
            for (int k = 0; k < in.length; k++) {
                in[k] = rnd.nextInt(VOCAB);
                out[k] = rnd.nextInt(VOCAB);
            }
            recomputing.reseed(segment);
            keeping.reseed(segment);
            assertEquals(keeping.trainSegment(in, out, BATCH, steps), recomputing.trainSegment(in, out, BATCH, steps));
            assertArrayEquals(Nd4jVector.array(keeping.gradients()).toFloatVector(), Nd4jVector.array(recomputing.gradients()).toFloatVector());
        }
        if (steps > 4) {
            assertTrue(recomputing.traceBytes(BATCH) < keeping.traceBytes(BATCH),
                    recomputing.traceBytes(BATCH) + " vs " + keeping.traceBytes(BATCH));
        }
    }

    /** A segment run in buffers cut from a longer segment's gives what fresh buffers give, bit for bit. */
    @Test
    void shorterSegmentsReuseTheBuffersOfLongerOnes() {
        LargeShape shape = new LargeShape(Variant.SIMPLE, VOCAB, EMBEDDING, HIDDEN);
        LargeLstmModel reused = new LargeLstmModel(shape, REG, 0.05, 3, 0.5);
        LargeLstmModel fresh = new LargeLstmModel(shape, REG, 0.05, 3, 0.5);
        Random rnd = new Random(8);
        int[] longIn = new int[BATCH * 9];
        int[] longOut = new int[BATCH * 9];
        for (int k = 0; k < longIn.length; k++) {
            longIn[k] = rnd.nextInt(VOCAB);
            longOut[k] = rnd.nextInt(VOCAB);
        }
        reused.trainSegment(longIn, longOut, BATCH, 9);
        reused.resetState();
        int[] in = tokens(rnd);
        int[] out = tokens(rnd);
        reused.reseed(1);
        fresh.reseed(1);
        assertEquals(fresh.trainSegment(in, out, BATCH, STEPS), reused.trainSegment(in, out, BATCH, STEPS));
        assertArrayEquals(Nd4jVector.array(fresh.gradients()).toFloatVector(), Nd4jVector.array(reused.gradients()).toFloatVector());
        assertEquals(fresh.evaluateSegment(in, out, BATCH, 3), reused.evaluateSegment(in, out, BATCH, 3));
    }

    @Test
    void dropoutMasksChangeEverySegmentAndFollowTheSeed() {
        LargeShape shape = new LargeShape(Variant.LSTM, VOCAB, EMBEDDING, HIDDEN);
        LargeLstmModel a = new LargeLstmModel(shape, Regularization.PAPER, 1, 3, 0.5);
        LargeLstmModel b = new LargeLstmModel(shape, Regularization.PAPER, 1, 3, 0.5);
        int[] in = tokens(new Random(1));
        int[] out = tokens(new Random(2));
        a.reseed(42);
        b.reseed(42);
        double first = a.trainSegment(in, out, BATCH, STEPS);
        assertEquals(first, b.trainSegment(in, out, BATCH, STEPS), "same seed, same masks");
        a.resetState();
        assertNotEquals(first, a.trainSegment(in, out, BATCH, STEPS), "a new segment draws new masks");
        a.resetState();
        double eval1 = a.evaluateSegment(in, out, BATCH, STEPS);
        a.resetState();
        assertEquals(eval1, a.evaluateSegment(in, out, BATCH, STEPS), "evaluation has no dropout");
    }

    private static int[] tokens(Random rnd) {
        int[] t = new int[BATCH * STEPS];
        for (int k = 0; k < t.length; k++) {
            t[k] = rnd.nextInt(VOCAB);
        }
        return t;
    }
}
