package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import backpropamine.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole trials on the real Penn Treebank, made small (hidden 16, a few batches per epoch). */
class TrainerTest {
    private static TrialConfig.Builder small(Variant v) {
        return TrialConfig.builder(v).hidden(16).epochs(3).maxBatches(4).bptt(10).batch(8).decayStart(1).decayFactor(0.5)
                .seed(42);
    }

    private static List<Double> figures(TrialResult r) {
        return List.of(r.epochs().get(0).trainPerplexity(), r.epochs().get(0).validPerplexity(),
                r.epochs().get(r.epochsDone() - 1).trainPerplexity(), r.bestValidPerplexity(), r.testPerplexity());
    }

    @Test
    void resumedTrialEndsExactlyAsAnUninterruptedOne(@TempDir Path tmp) {
        Trainer trainer = new Trainer(TestData.corpus());
        TrialConfig config = small(Variant.RETRO).build();
        TrialResult straight = trainer.run(config, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(tmp.resolve("a")));
        assertEquals(TrialStatus.COMPLETED, straight.status());

        Cancellation cancel = new Cancellation();
        TrialListener stopAfterFirstEpoch = new TrialListener() {
            @Override
            public void onEpoch(EpochResult epoch) {
                cancel.cancel();
            }
        };
        Path dir = tmp.resolve("b");
        TrialResult interrupted = trainer.run(config, stopAfterFirstEpoch, cancel, CheckpointStore.directory(dir));
        assertEquals(TrialStatus.CANCELLED, interrupted.status());
        assertEquals(1, interrupted.epochsDone());
        assertTrue(Files.exists(dir.resolve(Checkpoint.FILE)));

        int[] resumedFrom = new int[1];
        TrialResult resumed = trainer.run(config, new TrialListener() {
            @Override
            public void onStart(TrialConfig c, int hidden, long parameters, int resumedEpochs) {
                resumedFrom[0] = resumedEpochs;
            }
        }, new Cancellation(), CheckpointStore.directory(dir));
        assertEquals(1, resumedFrom[0]);
        assertEquals(TrialStatus.COMPLETED, resumed.status());
        assertEquals(3, resumed.epochsDone());
        assertEquals(figures(straight), figures(resumed));
        assertEquals(1, resumed.resumedFromEpoch());
        assertEquals(0, straight.resumedFromEpoch());
    }

    @Test
    void sameSeedReproducesDifferentSeedDoesNot() {
        Trainer trainer = new Trainer(TestData.corpus());
        TrialConfig config = small(Variant.SIMPLE).epochs(1).build();
        TrialResult a = trainer.run(config, TrialListener.NONE, new Cancellation(), null);
        TrialResult b = trainer.run(config, TrialListener.NONE, new Cancellation(), null);
        TrialResult c = trainer.run(config.toBuilder().seed(43).build(), TrialListener.NONE, new Cancellation(), null);
        assertEquals(figures(a), figures(b));
        assertNotEquals(figures(a), figures(c));
    }

    @Test
    void divergingTrialEndsWithAResultNotAnException() {
        TrialConfig config = small(Variant.PLASTIC).learningRate(1e6).gradClip(1e9).build();
        TrialResult r = new Trainer(TestData.corpus()).run(config, TrialListener.NONE, new Cancellation(), null);
        assertEquals(TrialStatus.DIVERGED, r.status());
        assertTrue(!r.message().isEmpty());
        assertTrue(Double.isNaN(r.testPerplexity()));
    }

    @Test
    void checkpointOfAnotherTrialIsRefused(@TempDir Path tmp) {
        Trainer trainer = new Trainer(TestData.corpus());
        TrialConfig config = small(Variant.LSTM).epochs(1).build();
        trainer.run(config, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(tmp));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.run(config.toBuilder().l2(1e-3).build(), TrialListener.NONE, new Cancellation(), CheckpointStore.directory(tmp)));
        assertTrue(e.getMessage().contains("different trial"), e.getMessage());
    }

    @Test
    void perplexityFallsOverTraining() {
        TrialConfig config = small(Variant.LSTM).hidden(32).maxBatches(30).epochs(2).decayStart(4).build();
        TrialResult r = new Trainer(TestData.corpus()).run(config, TrialListener.NONE, new Cancellation(), null);
        assertEquals(TrialStatus.COMPLETED, r.status());
        assertTrue(r.epochs().get(1).validPerplexity() < r.epochs().get(0).validPerplexity(), r.epochs().toString());
        assertTrue(r.testPerplexity() < 2000, "far below the uniform 10,000: " + r.testPerplexity());
    }
}
