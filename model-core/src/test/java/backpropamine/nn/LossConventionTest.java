package backpropamine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import backpropamine.model.LanguageModel;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.train.LanguageModels;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The update's loss is the per-step mean over the batch summed over steps: a batch of two identical sequences
 * has the same gradient as one, and twice its summed cross-entropy. The float model matches the double twin.
 */
class LossConventionTest {
    @ParameterizedTest
    @EnumSource(Variant.class)
    void gradientIsTheBatchMeanSummedOverSteps(Variant v) {
        ModelShape shape = new ModelShape(v, 23, 8, 2);
        int steps = 6;
        Random rnd = new Random(1);
        int[] in1 = new int[steps];
        int[] out1 = new int[steps];
        for (int t = 0; t < steps; t++) {
            in1[t] = rnd.nextInt(23);
            out1[t] = rnd.nextInt(23);
        }
        int[] in2 = new int[2 * steps];
        int[] out2 = new int[2 * steps];
        for (int t = 0; t < steps; t++) {
            in2[2 * t] = in2[2 * t + 1] = in1[t];
            out2[2 * t] = out2[2 * t + 1] = out1[t];
        }
        LanguageModel one = LanguageModels.create(shape, Precision.DOUBLE, 1.0, 9, 0.3);
        LanguageModel two = LanguageModels.create(shape, Precision.DOUBLE, 1.0, 9, 0.3);
        double l1 = one.trainSegment(in1, out1, 1, steps);
        double l2 = two.trainSegment(in2, out2, 2, steps);
        assertEquals(2 * l1, l2, 1e-10 * l2);
        INDArray diff = Nd4jVector.array(one.gradients()).sub(Nd4jVector.array(two.gradients()));
        assertEquals(0, diff.norm2Number().doubleValue(), 1e-10 * Nd4jVector.array(one.gradients()).norm2Number().doubleValue());
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void floatModelAgreesWithTheDoubleTwin(Variant v) {
        ModelShape shape = new ModelShape(v, 50, 12, 2);
        LanguageModel f = LanguageModels.create(shape, Precision.FLOAT, 1.0, 4, 0.2);
        LanguageModel d = LanguageModels.create(shape, Precision.DOUBLE, 1.0, 4, 0.2);
        Nd4jVector.array(d.parameters()).assign(Nd4jVector.array(f.parameters()).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        Random rnd = new Random(2);
        for (int segment = 0; segment < 3; segment++) {
            int[] in = new int[4 * 10];
            int[] out = new int[4 * 10];
            for (int k = 0; k < in.length; k++) {
                in[k] = rnd.nextInt(50);
                out[k] = rnd.nextInt(50);
            }
            double lf = f.trainSegment(in, out, 4, 10);
            double ld = d.trainSegment(in, out, 4, 10);
            assertEquals(ld, lf, 1e-5 * ld, "loss, segment " + segment);
            double gd = Nd4jVector.array(d.gradients()).norm2Number().doubleValue();
            double err = Nd4jVector.array(f.gradients()).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(Nd4jVector.array(d.gradients()))
                    .norm2Number().doubleValue();
            assertEquals(0, err, 1e-4 * gd, "gradient, segment " + segment);
        }
    }
}
