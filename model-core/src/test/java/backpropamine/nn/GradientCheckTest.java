package backpropamine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.LanguageModel;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.train.LanguageModels;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import java.util.stream.Stream;

/**
 * Central finite differences against the analytic gradient, in double precision, for every parameter of every
 * variant. The checked objective is the truncated-BPTT loss of a second segment whose initial state (h, c,
 * Hebb, E) was carried from a first segment run with the unperturbed parameters: exactly what training
 * differentiates.
 */
class GradientCheckTest {
    static final int VOCAB = 11;
    static final int HIDDEN = 4;
    static final int BATCH = 2;
    static final int STEPS = 4;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Variant v : Variant.values()) {
            b.add(Arguments.of(v, 1e6));   // clip inactive
            if (v.plastic()) {
                b.add(Arguments.of(v, 1e-4)); // clip saturated on part of the trace
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}, clip {1}")
    @MethodSource("cases")
    void analyticGradientMatchesFiniteDifferences(Variant variant, double clip) {
        ModelShape shape = new ModelShape(variant, VOCAB, HIDDEN, 2);
        LanguageModel model = LanguageModels.create(shape, Precision.DOUBLE, clip, 7, 0.6);
        Random rnd = new Random(3);
        int[] in1 = tokens(rnd);
        int[] out1 = tokens(rnd);
        int[] in2 = tokens(rnd);
        int[] out2 = tokens(rnd);

        model.resetState();
        model.evaluateSegment(in1, out1, BATCH, STEPS);
        model.trainSegment(in2, out2, BATCH, STEPS);
        INDArray analytic = Nd4jVector.array(model.gradients()).dup();
        INDArray theta = Nd4jVector.array(model.parameters());

        double eps = 1e-5;
        double worst = 0;
        String worstAt = "";
        Set<String> checked = new HashSet<>();
        for (Entry e : model.layout().entries()) {
            for (long k = 0; k < e.length(); k++) {
                long idx = e.offset() + k;
                double orig = theta.getDouble(idx);
                theta.putScalar(idx, orig + eps);
                double plus = loss(model, in1, out1, in2, out2, theta, idx, orig);
                theta.putScalar(idx, orig - eps);
                double minus = loss(model, in1, out1, in2, out2, theta, idx, orig);
                theta.putScalar(idx, orig);
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic.getDouble(idx);
                // relative error, with an absolute floor at the finite-difference round-off (~1e-16 * loss / eps)
                double err = Math.abs(a - numeric) / Math.max(1e-3, Math.abs(a) + Math.abs(numeric));
                if (err > worst) {
                    worst = err;
                    worstAt = e.name() + "[" + k + "] analytic " + a + " numeric " + numeric;
                }
                checked.add(e.name());
            }
        }
        assertTrue(worst < 1e-5, "worst relative error " + worst + " at " + worstAt);
        if (variant.plastic() && clip < 1) {
            // the saturated case must really saturate: the loss differs from the unclipped model's
            LanguageModel unclipped = LanguageModels.create(shape, Precision.DOUBLE, 1e6, 7, 0.6);
            assertTrue(Math.abs(twoSegments(model, in1, out1, in2, out2) - twoSegments(unclipped, in1, out1, in2, out2))
                    > 1e-9, "clip " + clip + " never saturated");
        }
    }

    private static double twoSegments(LanguageModel model, int[] in1, int[] out1, int[] in2, int[] out2) {
        model.resetState();
        return model.evaluateSegment(in1, out1, BATCH, STEPS) + model.evaluateSegment(in2, out2, BATCH, STEPS);
    }

    /** Loss of segment 2 after segment 1 ran with the unperturbed value {@code orig} at {@code idx}. */
    private static double loss(LanguageModel model, int[] in1, int[] out1, int[] in2, int[] out2, INDArray theta,
                               long idx, double orig) {
        double perturbed = theta.getDouble(idx);
        model.resetState();
        theta.putScalar(idx, orig);
        model.evaluateSegment(in1, out1, BATCH, STEPS);
        theta.putScalar(idx, perturbed);
        return model.evaluateSegment(in2, out2, BATCH, STEPS) / BATCH;
    }

    private static int[] tokens(Random rnd) {
        int[] t = new int[BATCH * STEPS];
        for (int k = 0; k < t.length; k++) {
            t[k] = rnd.nextInt(VOCAB);
        }
        return t;
    }
}
