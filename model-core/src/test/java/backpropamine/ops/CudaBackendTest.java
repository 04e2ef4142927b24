package backpropamine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.train.LanguageModels;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.testing.TestData;
import backpropamine.train.Cancellation;
import backpropamine.train.Sgd;
import backpropamine.train.Trainer;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialListener;
import backpropamine.train.TrialResult;
import backpropamine.train.TrialStatus;
import backpropamine.model.LargeShape;
import backpropamine.model.ModelKind;
import backpropamine.model.Regularization;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs only where ND4J loaded its CUDA backend (the {@code -Pcuda} build on a machine with a GPU:
 * {@code mvn -Pcuda test -pl model-core -Dtest=CudaBackendTest}). On CPU, {@link OpsLstmModelTest} already
 * pins the ops path to the fused kernels; here the same path must hold on the device.
 */
@EnabledIf("onCuda")
class CudaBackendTest {
    static boolean onCuda() {
        try {
            return LanguageModels.kernelsForBackend() == Kernels.OPS;
        } catch (Throwable noBackend) { // -Pcuda on a machine without a GPU: ND4J cannot load its backend at all
            return false;
        }
    }

    @Test
    void cudaGetsTheOpsPathAndRefusesTheFusedKernels() {
        ModelShape shape = new ModelShape(Variant.RETRO, 50, 8, 2);
        assertInstanceOf(OpsLstmModel.class, LanguageModels.create(shape, Precision.FLOAT, 1.0, 1, 0.1));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> LanguageModels.create(shape, Precision.FLOAT, Kernels.FUSED, 1.0, 1, 0.1));
        assertTrue(e.getMessage().contains("CPU backend only"), e.getMessage());
    }

    /** Float on the device against double on the device: rounding only, over segments with carried state. */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void floatAgreesWithDoubleOnTheDevice(Variant variant) {
        ModelShape shape = new ModelShape(variant, 97, 24, 2);
        LanguageModel f = LanguageModels.create(shape, Precision.FLOAT, Kernels.OPS, 0.2, 3, 0.3);
        LanguageModel d = LanguageModels.create(shape, Precision.DOUBLE, Kernels.OPS, 0.2, 3, 0.3);
        Random rnd = new Random(9);
        for (int segment = 0; segment < 3; segment++) {
            int[] in = new int[8 * 10];
            int[] out = new int[8 * 10];
            for (int k = 0; k < in.length; k++) {
                in[k] = rnd.nextInt(97);
                out[k] = rnd.nextInt(97);
            }
            double lf = f.trainSegment(in, out, 8, 10);
            double ld = d.trainSegment(in, out, 8, 10);
            assertEquals(ld, lf, 1e-4 * ld, "loss, segment " + segment);
            double norm = Nd4jVector.array(d.gradients()).norm2Number().doubleValue();
            double diff = Nd4jVector.array(f.gradients()).castTo(Nd4jVector.array(d.gradients()).dataType()).sub(Nd4jVector.array(d.gradients())).norm2Number().doubleValue();
            assertTrue(diff <= 1e-3 * norm, "gradient differs by " + diff + " of norm " + norm);
            new Sgd(f, 5.0).step(1.0, 0);
            new Sgd(d, 5.0).step(1.0, 0);
        }
    }

    /**
     * The large model on the device (full size: 24M parameters, every step's traces kept, batch 7 x 70): float
     * against double over two segments, then a short large trial of the neuromodulated model that learns.
     */
    @Test
    void theLargeModelTrainsOnTheDevice() {
        LargeShape shape = LargeShape.matched(Variant.SIMPLE, ModelShape.PAPER_VOCAB, LargeShape.PAPER_EMBEDDING,
                LargeShape.DEFAULT_BUDGET);
        LanguageModel f = LanguageModels.createLarge(shape, Regularization.PAPER, Precision.FLOAT, Kernels.OPS, 1.0, 3, 0.1);
        LanguageModel d = LanguageModels.createLarge(shape, Regularization.PAPER, Precision.DOUBLE, Kernels.OPS, 1.0, 3, 0.1);
        Random rnd = new Random(4);
        for (int segment = 0; segment < 2; segment++) {
            int[] in = new int[7 * 70];
            int[] out = new int[7 * 70];
            for (int k = 0; k < in.length; k++) {
                in[k] = rnd.nextInt(ModelShape.PAPER_VOCAB);
                out[k] = rnd.nextInt(ModelShape.PAPER_VOCAB);
            }
            f.reseed(segment);
            d.reseed(segment);
            double lf = f.trainSegment(in, out, 7, 70);
            double ld = d.trainSegment(in, out, 7, 70);
            assertEquals(ld, lf, 1e-4 * ld, "loss, segment " + segment);
            double norm = Nd4jVector.array(d.gradients()).norm2Number().doubleValue();
            double diff = Nd4jVector.array(f.gradients()).castTo(Nd4jVector.array(d.gradients()).dataType()).sub(Nd4jVector.array(d.gradients())).norm2Number().doubleValue();
            assertTrue(diff <= 1e-3 * norm, "gradient differs by " + diff + " of norm " + norm);
        }
        TrialConfig config = TrialConfig.builder(Variant.SIMPLE).model(ModelKind.LARGE).epochs(1).maxBatches(100).build();
        TrialResult r = new Trainer(TestData.corpus()).run(config, TrialListener.NONE, new Cancellation(), null);
        assertEquals(TrialStatus.COMPLETED, r.status(), r.message());
        assertTrue(r.bestValidPerplexity() < 2000, "valid perplexity " + r.bestValidPerplexity());
    }

    /** A short real trial on the device: training lowers the perplexity well below uniform guessing. */
    @Test
    void aShortTrialTrainsOnTheDevice() {
        TrialConfig config = TrialConfig.builder(Variant.SIMPLE).hidden(64).epochs(2).maxBatches(100).bptt(20).batch(20)
                .decayStart(1).decayFactor(0.5).build();
        TrialResult r = new Trainer(TestData.corpus()).run(config, TrialListener.NONE, new Cancellation(), null);
        assertEquals(TrialStatus.COMPLETED, r.status(), r.message());
        assertTrue(r.testPerplexity() < 1000, "test perplexity " + r.testPerplexity());
    }
}
