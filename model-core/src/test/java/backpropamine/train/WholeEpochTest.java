package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFiles.Split;
import backpropamine.data.TokenBatches;
import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.testing.TestData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole epochs and whole evaluation passes on a corpus whose splits all end in a short segment (the trainer and
 * the evaluator hand the model buffers sized for a full one), on both kernels, at batch sizes down to 1.
 */
class WholeEpochTest {
    /** The implementations in double precision (the CUDA kernels are float only: CudaTrialTest holds them to these). */
    private static final List<Kernels> IMPLEMENTED = Arrays.stream(Kernels.values())
            .filter(k -> LanguageModels.implemented(k) && LanguageModels.supports(k, Precision.DOUBLE)).toList();

    static PtbCorpus corpus;

    @BeforeAll
    static void slice() {
        corpus = TestData.corpus().slice(603, 331, 131);
    }

    private static TrialConfig.Builder tiny(Variant v) {
        return TrialConfig.builder(v).hidden(8).epochs(2).batch(4).bptt(7).validBatch(3).testBatch(1).decayStart(1)
                .decayFactor(0.5).seed(7);
    }

    @Test
    void everySplitEndsInAShortSegment() {
        TrialConfig c = tiny(Variant.LSTM).build();
        assertShortLast(new TokenBatches(corpus.tokens(Split.TRAIN), c.batch(), c.bptt()), c.bptt());
        assertShortLast(new TokenBatches(corpus.tokens(Split.VALID), c.validBatch(), PerplexityEvaluator.EVAL_STEPS),
                PerplexityEvaluator.EVAL_STEPS);
        assertShortLast(new TokenBatches(corpus.tokens(Split.TEST), c.testBatch(), PerplexityEvaluator.EVAL_STEPS),
                PerplexityEvaluator.EVAL_STEPS);
    }

    private static void assertShortLast(TokenBatches b, int steps) {
        int last = b.stepsOf(b.segments() - 1);
        assertTrue(last > 0 && last < steps, "last segment has " + last + " of " + steps + " steps");
    }

    private static void assertClose(List<Double> a, List<Double> b, double tolerance, String what) {
        assertEquals(a.size(), b.size(), what);
        for (int k = 0; k < a.size(); k++) {
            assertTrue(Math.abs(a.get(k) - b.get(k)) <= tolerance * Math.abs(b.get(k)), what + ": " + a + " vs " + b);
        }
    }

    /** Two epochs and the test pass give the same perplexities on the fused kernels and the ND4J-ops path. */
    @Test
    void bothKernelsTrainAndEvaluateWholeSplitsAlike() {
        for (Variant v : Variant.values()) {
            TrialConfig c = tiny(v).precision(Precision.DOUBLE).build();
            TrialResult fused = new Trainer(corpus, Kernels.FUSED).run(c, TrialListener.NONE, new Cancellation(), null);
            TrialResult ops = new Trainer(corpus, Kernels.OPS).run(c, TrialListener.NONE, new Cancellation(), null);
            assertEquals(TrialStatus.COMPLETED, fused.status(), fused.message());
            assertEquals(TrialStatus.COMPLETED, ops.status(), ops.message());
            assertClose(TrialFigures.of(ops), TrialFigures.of(fused), 1e-9, v + " double");
        }
        TrialConfig c = tiny(Variant.RETRO).build();
        assertClose(TrialFigures.of(new Trainer(corpus, Kernels.OPS).run(c, TrialListener.NONE, new Cancellation(), null)),
                TrialFigures.of(new Trainer(corpus, Kernels.FUSED).run(c, TrialListener.NONE, new Cancellation(), null)),
                1e-3, "RETRO float");
    }

    /**
     * Every epoch starts from zero state: a trial resumed from its epoch-1 checkpoint (a fresh model) ends exactly as
     * an uninterrupted one only if the uninterrupted one reset h, c, Hebb and E at the start of epoch 2.
     */
    @Test
    void everyEpochStartsFromZeroStateOnBothKernels(@TempDir Path tmp) {
        for (Kernels k : IMPLEMENTED) {
            Trainer trainer = new Trainer(corpus, k);
            TrialConfig c = tiny(Variant.RETRO).precision(Precision.DOUBLE).build();
            TrialResult straight = trainer.run(c, TrialListener.NONE, new Cancellation(), null);
            Path dir = tmp.resolve(k.name());
            Cancellation cancel = new Cancellation();
            trainer.run(c, new TrialListener() {
                @Override
                public void onEpoch(EpochResult epoch) {
                    cancel.cancel();
                }
            }, cancel, CheckpointStore.directory(dir));
            TrialResult resumed = trainer.run(c, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(dir));
            assertEquals(TrialFigures.of(straight), TrialFigures.of(resumed), k.name());
        }
    }

    /** resetState(batch) zeroes h, c, Hebb and E of every layer at that batch size only; resetState() at all. */
    @Test
    void resetStateClearsEveryLayerAtEveryBatchSize() {
        for (Kernels k : IMPLEMENTED) {
            LanguageModel m = LanguageModels.create(new ModelShape(Variant.RETRO, corpus.vocabulary().size(), 6, 2),
                    Precision.DOUBLE, k, 1.0, 3, 0.3);
            int[] tokens = Arrays.copyOf(corpus.tokens(Split.TRAIN), 4 * 5);
            m.trainSegment(tokens, tokens, 4, 5);
            m.evaluateSegment(tokens, tokens, 2, 3);
            assertTrue(norm(m.state(4)) > 0 && norm(m.state(2)) > 0, k + ": segments leave state behind");
            m.resetState(4);
            assertEquals(0.0, norm(m.state(4)), k.name());
            assertTrue(norm(m.state(2)) > 0, k + ": another batch size's stream is left alone");
            m.resetState();
            assertEquals(0.0, norm(m.state(2)), k.name());
        }
    }

    private static double norm(List<LayerState> state) {
        double s = 0;
        for (LayerState l : state) {
            for (double[] a : new double[][] {l.h(), l.c(), l.hebb(), l.eligibility()}) {
                for (double x : a) {
                    s += x * x;
                }
            }
        }
        return s;
    }
}
