package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TrialConfigTest {
    private static void refused(String key, Consumer<TrialConfig.Builder> change) {
        TrialConfig.Builder b = TrialConfig.builder(Variant.SIMPLE);
        change.accept(b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().startsWith(key + " must be"), e.getMessage());
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheField() {
        refused("decay_factor", b -> b.decayFactor(0));
        refused("decay_factor", b -> b.decayFactor(1.5));
        refused("decay_factor", b -> b.decayFactor(Double.NaN));
        refused("decay_start", b -> b.decayStart(-1));
        refused("init_scale", b -> b.initScale(0));
        refused("l2", b -> b.l2(-1e-5));
        refused("epochs", b -> b.epochs(0));
        refused("hidden", b -> b.hidden(0));
        refused("batch", b -> b.batch(0));
        refused("bptt", b -> b.bptt(0));
        refused("trace_clip", b -> b.traceClip(0));
        refused("max_batches", b -> b.maxBatches(-3));
    }

    @Test
    void learningRateFollowsThePaperSchedule() {
        TrialConfig c = TrialConfig.builder(Variant.LSTM).decayFactor(0.5).decayStart(4).build();
        assertEquals(1.0, c.learningRate(1));
        assertEquals(1.0, c.learningRate(4));
        assertEquals(0.5, c.learningRate(5));
        assertEquals(0.125, c.learningRate(7));
        assertEquals(Math.pow(0.5, 9), c.learningRate(13));
    }

    @Test
    void fingerprintChangesWithEveryResultRelevantField() {
        TrialConfig a = TrialConfig.builder(Variant.RETRO).build();
        assertEquals(a.fingerprint(), TrialConfig.builder(Variant.RETRO).build().fingerprint());
        assertTrue(!a.fingerprint().equals(a.toBuilder().seed(2).build().fingerprint()));
        assertTrue(!a.fingerprint().equals(a.toBuilder().l2(1e-4).build().fingerprint()));
        assertTrue(!a.fingerprint().equals(a.toBuilder().variant(Variant.SIMPLE).build().fingerprint()));
    }

    @Test
    void unknownVariantListsTheValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variant.parse("hebbian"));
        assertTrue(e.getMessage().contains("[LSTM, PLASTIC, SIMPLE, RETRO]"), e.getMessage());
        assertEquals(Variant.RETRO, Variant.parse(" retro "));
    }
}
