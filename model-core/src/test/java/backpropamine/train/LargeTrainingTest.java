package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.data.PtbCorpus;
import backpropamine.model.Kernels;
import backpropamine.model.ModelKind;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.testing.ArrayVector;
import backpropamine.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The large model's training regime: averaged SGD, variable BPTT, the regime's defaults, exact resumption. */
class LargeTrainingTest {
    static PtbCorpus corpus;

    @BeforeAll
    static void slice() {
        corpus = TestData.corpus().slice(2000, 400, 150);
    }

    /** After k steps the average is the arithmetic mean of the k parameter vectors; a checkpoint restores it. */
    @Test
    void averageIsTheMeanOfTheParametersSinceAveragingBegan() {
        SplittableRandom rng = new SplittableRandom(4);
        ParameterAverage avg = new ParameterAverage();
        double[] sum = new double[50];
        for (int k = 1; k <= 30; k++) {
            double[] theta = new double[50];
            for (int i = 0; i < 50; i++) {
                theta[i] = rng.nextDouble() * 10 - 5;
                sum[i] += theta[i];
            }
            avg.add(new ArrayVector(theta));
            assertEquals(k, avg.count());
            for (int i = 0; i < 50; i++) {
                assertEquals(sum[i] / k, avg.mean().toDoubleArray()[i], 1e-12);
            }
        }
        ParameterAverage restored = new ParameterAverage();
        restored.restore(new ArrayVector(new double[50]), avg.mean().toDoubleArray(), avg.count());
        ArrayVector next = new ArrayVector(ones(50));
        avg.add(next);
        restored.add(next);
        assertArrayEquals(avg.mean().toDoubleArray(), restored.mean().toDoubleArray());
    }

    private static double[] ones(int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1.0);
        return v;
    }

    /**
     * Variable BPTT covers every position once, in order, with lengths in [5, base + 10]; about 5% of the segments
     * draw base/2; the draws depend on the seed and the epoch only.
     */
    @Test
    void variableBpttCoversTheColumnsWithLengthsAroundTheBase() {
        SegmentSchedule s = SegmentSchedule.variable(70, 1);
        List<SegmentSchedule.Segment> epoch = s.epoch(1, 200_000);
        int next = 0;
        int shortOnes = 0;
        long total = 0;
        for (int k = 0; k < epoch.size(); k++) {
            SegmentSchedule.Segment seg = epoch.get(k);
            assertEquals(next, seg.start());
            next += seg.steps();
            total += seg.steps();
            assertTrue(seg.steps() <= 80 && (seg.steps() >= 5 || k == epoch.size() - 1), seg.toString());
            shortOnes += seg.steps() < 52 ? 1 : 0; // N(35, 5) lies below 52 and N(70, 5) above it, but for 1e-4
        }
        assertEquals(200_000, next);
        double shortFraction = (double) shortOnes / epoch.size();
        assertTrue(shortFraction > 0.035 && shortFraction < 0.065, "base/2 drawn for " + shortFraction);
        double mean = (double) total / epoch.size();
        // lengths are truncated to integers as the AWD-LSTM's int(np.random.normal(...)): half a step below the base
        assertTrue(Math.abs(mean - (0.95 * 69.5 + 0.05 * 34.5)) < 0.3, "mean length " + mean);
        assertEquals(epoch, s.epoch(1, 200_000));
        assertNotEquals(epoch, s.epoch(2, 200_000));
        assertNotEquals(epoch, SegmentSchedule.variable(70, 2).epoch(1, 200_000));
    }

    @Test
    void theLargeModelHasTheAwdLstmRegimeByDefault() {
        TrialConfig c = TrialConfig.builder(Variant.SIMPLE).model(ModelKind.LARGE).build();
        assertEquals(30.0, c.learningRate());
        assertEquals(7, c.batch());
        assertEquals(70, c.bptt());
        assertEquals(0.25, c.gradClip());
        assertEquals(1.2e-6, c.l2());
        assertEquals(500, c.epochs());
        assertEquals(45, c.asgdStart());
        assertEquals(30.0, c.learningRate(100), "no step decay");
        assertTrue(c.averaging(45) && !c.averaging(44));
        assertEquals(24_198_893L, c.shape(10_000).parameterCount());
        assertEquals(c, TrialConfig.fromFingerprint(c.fingerprint()));
        assertTrue(c.fingerprint().contains("model=large"));
        // the basic model is unchanged: same defaults, same fingerprint as before the large model
        TrialConfig basic = TrialConfig.builder(Variant.SIMPLE).build();
        assertEquals(1.0, basic.learningRate());
        assertTrue(!basic.fingerprint().contains("model=") && !basic.fingerprint().contains("asgd_start"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrialConfig.builder(Variant.RETRO).model(ModelKind.LARGE).build());
        assertTrue(e.getMessage().contains("LSTM or SIMPLE"), e.getMessage());
    }

    private static TrialConfig.Builder tiny(int asgdStart) {
        return TrialConfig.builder(Variant.SIMPLE).model(ModelKind.LARGE).hidden(12).epochs(3).asgdStart(asgdStart)
                .batch(2).bptt(10).maxBatches(4).validBatch(2).testBatch(1).precision(Precision.DOUBLE).seed(3);
    }

    /**
     * A large trial interrupted after epoch 2, with averaging under way, resumes from its checkpoint (parameters,
     * average, best model, and the seeded segment lengths and dropout masks) to the uninterrupted trial's figures
     * exactly; averaging changes what is evaluated.
     */
    @Test
    void aLargeTrialAveragesAndResumesExactly(@TempDir Path tmp) {
        Trainer trainer = new Trainer(corpus, Kernels.FUSED);
        TrialConfig c = tiny(2).build();
        TrialResult straight = trainer.run(c, TrialListener.NONE, new Cancellation(), null);
        assertEquals(TrialStatus.COMPLETED, straight.status(), straight.message());
        assertEquals(12, straight.hidden());

        Interruptions.stopAfterEpoch(trainer, c, 2, tmp);
        TrialResult resumed = trainer.run(c, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(tmp));
        assertEquals(2, resumed.resumedFromEpoch());
        assertEquals(TrialFigures.of(straight), TrialFigures.of(resumed));

        TrialResult plain = trainer.run(tiny(0).build(), TrialListener.NONE, new Cancellation(), null);
        List<Double> a = TrialFigures.of(straight);
        List<Double> p = TrialFigures.of(plain);
        assertEquals(a.subList(0, 2), p.subList(0, 2), "epoch 1 is plain SGD in both");
        assertNotEquals(a.get(3), p.get(3), "epoch 2 is evaluated with the average");
    }

    /** A whole large trial (variable BPTT, dropout, averaging, best model) on the ND4J-ops path equals the fused one. */
    @Test
    void theOpsPathTrainsTheSameLargeTrial() {
        TrialConfig c = tiny(2).epochs(2).build();
        List<Double> fused = TrialFigures.of(new Trainer(corpus, Kernels.FUSED).run(c, TrialListener.NONE, new Cancellation(), null));
        List<Double> ops = TrialFigures.of(new Trainer(corpus, Kernels.OPS).run(c, TrialListener.NONE, new Cancellation(), null));
        for (int k = 0; k < fused.size(); k++) {
            assertEquals(fused.get(k), ops.get(k), 1e-9 * fused.get(k), "figure " + k);
        }
    }
}
