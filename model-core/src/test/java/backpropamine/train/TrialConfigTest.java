package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Precision;
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

    /**
     * The fingerprint is derived from the record's components, in the encoding the hand-written one used (and so
     * the trial keys of results already written stay the same): keys in record order, Double.toString, auto.
     */
    @Test
    void fingerprintKeepsTheEncodingOfEarlierTrialKeys() {
        TrialConfig c = TrialConfig.builder(Variant.SIMPLE).decayFactor(0.3).decayStart(4).initScale(0.1).l2(1e-5)
                .epochs(13).hidden(null).paramBudget(4_812_002).batch(20).bptt(20).validBatch(10).testBatch(1)
                .maxBatches(0).seed(1).traceClip(1.0).gradClip(5.0).learningRate(1.0).precision(Precision.FLOAT).build();
        assertEquals("variant=SIMPLE;decay_factor=0.3;decay_start=4;init_scale=0.1;l2=1.0E-5;epochs=13;hidden=auto;"
                + "param_budget=4812002;batch=20;bptt=20;valid_batch=10;test_batch=1;max_batches=0;seed=1;trace_clip=1.0;"
                + "grad_clip=5.0;learning_rate=1.0;precision=FLOAT", c.fingerprint());
        assertEquals("hidden=200", c.toBuilder().hidden(200).build().fingerprint().split(";")[6]);
    }

    @Test
    void everyRecordComponentIsATrialSettingInTheSameOrder() {
        var components = TrialConfig.class.getRecordComponents();
        assertEquals(TrialSetting.values().length, components.length);
        for (int k = 0; k < components.length; k++) {
            assertEquals(components[k].getName(), TrialSetting.values()[k].component());
        }
    }

    @Test
    void aFingerprintRebuildsItsConfig() {
        TrialConfig a = TrialConfig.builder(Variant.RETRO).hidden(77).seed(9).traceClip(0.5).l2(1e-6).decayFactor(0.33)
                .precision(Precision.DOUBLE).build();
        assertEquals(a, TrialConfig.fromFingerprint(a.fingerprint()));
        TrialConfig auto = TrialConfig.builder(Variant.LSTM).build();
        assertEquals(auto, TrialConfig.fromFingerprint(auto.fingerprint()));
        assertThrows(IllegalArgumentException.class, () -> TrialConfig.fromFingerprint("variant=LSTM;colour=blue"));
    }

    @Test
    void toBuilderRoundTripsEverySetting() {
        TrialConfig a = TrialConfig.builder(Variant.RETRO).hidden(77).seed(9).traceClip(0.5).precision(Precision.DOUBLE)
                .build();
        assertEquals(a, a.toBuilder().build());
    }

    @Test
    void textValuesParseAsSweepFilesAndOptionsWriteThem() {
        assertEquals(0.28, TrialSetting.DECAY_FACTOR.parse("0.28"));
        assertEquals(1e-5, TrialSetting.L2.parse("1e-5"));
        assertEquals(4, TrialSetting.DECAY_START.parse("4"));
        assertEquals(null, TrialSetting.HIDDEN.parse("AUTO"));
        assertEquals(Precision.DOUBLE, TrialSetting.PRECISION.parse("double"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrialSetting.DECAY_START.parse("4.5"));
        assertTrue(e.getMessage().contains("must be an integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrialSetting.L2.parse("small"));
        assertTrue(e.getMessage().contains("not a number"), e.getMessage());
    }

    @Test
    void unknownVariantListsTheValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variant.parse("hebbian"));
        assertTrue(e.getMessage().contains("[LSTM, PLASTIC, SIMPLE, RETRO]"), e.getMessage());
        assertEquals(Variant.RETRO, Variant.parse(" retro "));
    }
}
