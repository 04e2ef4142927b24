package backpropamine.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.ModelKind;
import backpropamine.model.Variant;
import backpropamine.spark.testing.TestData;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepFileTest {
    @TempDir
    Path tmp;

    private Path write(String yaml) throws IOException {
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static final String VALID = """
            name: t
            variants: [LSTM, RETRO]
            grid:
              decay_factor: {from: 0.25, to: 0.40, step: 0.01}
              decay_start: [4, 5]
              init_scale: [0.1]
              l2: [1e-5, 1.0e-3]
            seeds: [1, 2]
            training: {epochs: 3, hidden: auto, max_batches: 7}
            """;

    /** The large model's sweep: both models, 5 seeds, no grid, the AWD-LSTM regime; what a large sweep refuses. */
    @Test
    void largeModelSweep() throws IOException {
        SweepSpec s = SweepFile.read(TestData.root().resolve("conf/sweeps/paper-large.yaml"));
        List<TrialConfig> all = s.expand();
        assertEquals(10, all.size());
        for (TrialConfig c : all) {
            assertEquals(ModelKind.LARGE, c.model());
            assertEquals(7, c.batch());
            assertEquals(70, c.bptt());
            assertEquals(30.0, c.learningRate());
            assertEquals(45, c.asgdStart());
            assertEquals(500, c.epochs());
            assertEquals(c.variant() == Variant.LSTM ? 24_221_600L : 24_198_893L, c.shape(10_000).parameterCount());
        }
        // a minimal large sweep takes every value from the large model's defaults
        String minimal = "name: l\nvariants: [SIMPLE]\ntraining: {model: large}\n";
        TrialConfig d = SweepFile.read(write(minimal)).expand().get(0);
        assertEquals(all.stream().filter(c -> c.variant() == Variant.SIMPLE && c.seed() == 1).findFirst().orElseThrow()
                .fingerprint(), d.fingerprint(), "paper-large.yaml writes out the defaults");
        assertEquals(2, SweepFile.read(write(minimal + "grid: {asgd_start: [45, 60]}\n")).size());
        refused(minimal.replace("[SIMPLE]", "[SIMPLE, RETRO]"), "variants", "RETRO has no large model");
        refused(minimal + "grid: {model: [basic, large]}\n", "grid.model", "not a grid axis");
        refused(VALID.replace("hidden: auto", "hidden: auto, asgd_start: 30"), "asgd_start applies to the large model only");
    }

    @Test
    void paperGridExpandsTo3840TrialsWithExactDecimalRanges() {
        SweepSpec s = SweepFile.read(TestData.root().resolve("conf/sweeps/paper-basic.yaml"));
        assertEquals(3840, s.size());
        List<TrialConfig> all = s.expand();
        assertEquals(3840, all.size());
        List<Object> decay = s.axis(TrialSetting.DECAY_FACTOR).values();
        assertEquals(16, decay.size());
        assertEquals(0.25, decay.get(0));
        assertEquals(0.28, decay.get(3));
        assertEquals(0.4, decay.get(15));
        assertEquals(13, all.get(0).epochs());
        assertEquals(3840, new HashSet<>(all.stream().map(TrialConfig::fingerprint).toList()).size());
    }

    @Test
    void quickstartIsSmall() {
        SweepSpec s = SweepFile.read(TestData.root().resolve("conf/sweeps/quickstart.yaml"));
        assertTrue(s.size() >= 12 && s.size() <= 60, "a few dozen trials: " + s.size());
    }

    @Test
    void validFileParsesEveryKey() throws IOException {
        SweepSpec s = SweepFile.read(write(VALID));
        assertEquals(List.of(Variant.LSTM, Variant.RETRO), s.variants());
        assertEquals(List.of(1e-5, 1e-3), s.axis(TrialSetting.L2).values());
        assertEquals(List.of(4, 5), s.axis(TrialSetting.DECAY_START).values());
        assertEquals(2 * 16 * 2 * 1 * 2 * 2, s.size());
        assertEquals(7, s.training().maxBatches());
        assertEquals(null, s.training().hidden());
        assertEquals("warehouse", s.results().warehouse());
    }

    private void refused(String yaml, String... fragments) throws IOException {
        SweepFileException e = assertThrows(SweepFileException.class, () -> SweepFile.read(write(yaml)));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void badFilesAreRefusedNamingKeyAndProblem() throws IOException {
        refused(VALID.replace("seeds:", "sedes:"), "sedes", "unknown key");
        refused(VALID.replace("max_batches: 7", "max_batchs: 7"), "training.max_batchs", "unknown key");
        refused(VALID.replace("to: 0.40", "to: 0.20"), "grid.decay_factor", "inverted");
        refused(VALID.replace("step: 0.01", "step: 0"), "grid.decay_factor", "step must be positive");
        refused(VALID.replace("init_scale: [0.1]", "init_scale: []"), "grid.init_scale", "empty");
        refused(VALID.replace("init_scale: [0.1]", "init_scale: [2.0]"), "init_scale must be in");
        refused(VALID.replace("{from: 0.25, to: 0.40, step: 0.01}", "[0.3, 1.5]"), "decay_factor must be in", "1.5");
        refused(VALID.replace("decay_start: [4, 5]", "decay_start: [4.5]"), "grid.decay_start", "must be an integer");
        refused(VALID.replace("variants: [LSTM, RETRO]", "variants: [LSTM, HEBB]"), "variants", "unknown variant 'HEBB'");
        refused(VALID.replace("epochs: 3", "epochs: 0"), "training", "epochs must be in");
        refused(VALID.replace("name: t", "name: 'bad name'"), "name");
        refused(VALID.replace("  l2: [1e-5, 1.0e-3]\n", ""), "grid.l2", "required");
        refused("name: [unclosed", "not valid YAML");
        refused(VALID.replace("l2: [1e-5, 1.0e-3]", "l2: [1e-5, 1.0e-3]\n  trace_clip: [1.0, 1.0]"), "grid.trace_clip",
                "listed twice");
        refused(VALID.replace("l2: [1e-5, 1.0e-3]", "l2: [1e-5, 1.0e-3]\n  epochs: [2, 3]"), "grid.epochs",
                "also set under training");
        refused(VALID.replace("l2: [1e-5, 1.0e-3]", "l2: [1e-5, 1.0e-3]\n  seed: [1, 2]"), "grid.seed", "unknown key");
        refused(VALID.replace("l2: [1e-5, 1.0e-3]", "l2: [1e-5, 1.0e-3]\n  trace_clip: [0.5, -1]"), "trace_clip must be in");
        // a billion-point range is refused before anything is expanded, with its size
        refused(VALID.replace("l2: [1e-5, 1.0e-3]", "l2: {from: 0, to: 1, step: 1e-9}"), "grid",
                "expands to 128000000128 trials, more than max_trials 1000000");
        refused(VALID + "max_trials: 100\n", "expands to 256 trials, more than max_trials 100");
        assertEquals(256, SweepFile.read(write(VALID + "max_trials: 256\n")).size());
        refused(VALID.replace("decay_start: [4, 5]", "decay_start: {from: 1, to: 2, step: 0.5}"), "grid.decay_start",
                "must be an integer");
    }

    /**
     * Any training setting can be a grid axis with no code change: each becomes an axis whose values reach the
     * trials, multiply the grid and give every trial its own key.
     */
    @Test
    void everyTrainingSettingCanBeAGridAxis() throws IOException {
        Map<TrialSetting, String> values = Map.of(TrialSetting.TRACE_CLIP, "[0.5, 2.0]",
                TrialSetting.LEARNING_RATE, "{from: 0.5, to: 1.0, step: 0.5}", TrialSetting.HIDDEN, "[auto, 50]",
                TrialSetting.PRECISION, "[float, double]");
        for (TrialSetting setting : TrialSetting.values()) {
            if (setting.role() != TrialSetting.Role.TRAINING || setting == TrialSetting.MODEL
                    || setting == TrialSetting.ASGD_START) {
                continue; // the model is not an axis (one regime per sweep), asgd_start only with it: see largeModelSweep
            }
            String list = values.containsKey(setting) ? values.get(setting)
                    : "[" + setting.format(setting.defaultValue()) + ", " + alternative(setting) + "]";
            String yaml = VALID.replace("training: {epochs: 3, hidden: auto, max_batches: 7}", "training: {}")
                    .replace("l2: [1e-5, 1.0e-3]", "l2: [1e-5, 1.0e-3]\n  " + setting.key() + ": " + list);
            SweepSpec s = SweepFile.read(write(yaml));
            Axis axis = s.axis(setting);
            assertEquals(2, axis.values().size(), setting.key());
            assertEquals(2 * 16 * 2 * 1 * 2 * 2 * 2, s.size(), setting.key());
            List<TrialConfig> all = s.expand();
            assertEquals(new HashSet<>(axis.values()), all.stream().map(setting::get).collect(Collectors.toSet()),
                    setting.key());
            assertEquals(all.size(), all.stream().map(c -> TrialKey.of(c, "abc")).distinct().count(), setting.key());
        }
    }

    /** A second valid value of a numeric setting (integral settings step by one, reals double). */
    private static String alternative(TrialSetting s) {
        Object d = s.defaultValue();
        return switch (s.kind()) {
            case REAL -> String.valueOf(((Double) d) / 2);
            case INTEGER, LONG -> String.valueOf(((Number) d).longValue() + 1);
            default -> throw new IllegalArgumentException(s.key());
        };
    }

    @Test
    void trialKeysAreDeterministicAndChangeWithEverySettingAndTheData() {
        TrialConfig a = TrialConfig.builder(Variant.SIMPLE).build();
        String k = TrialKey.of(a, "abc");
        assertEquals(k, TrialKey.of(TrialConfig.builder(Variant.SIMPLE).build(), "abc"));
        assertEquals(32, k.length());
        Set<String> keys = new HashSet<>(List.of(k, TrialKey.of(a, "abd")));
        for (TrialSetting s : TrialSetting.values()) {
            // asgd_start exists for the large model only
            TrialConfig base = s == TrialSetting.ASGD_START ? a.toBuilder().model(ModelKind.LARGE).build() : a;
            TrialConfig changed = base.toBuilder().set(s, otherValue(s, s.get(base))).build();
            assertTrue(keys.add(TrialKey.of(changed, "abc")), "changing " + s.key() + " alone changes the key");
        }
        assertEquals(TrialSetting.values().length + 2, keys.size());
    }

    /** A different valid value of any setting. */
    static Object otherValue(TrialSetting s, Object v) {
        return switch (s.kind()) {
            case VARIANT -> v == Variant.LSTM ? Variant.RETRO : Variant.LSTM;
            case PRECISION -> s.parse(v.toString().equals("FLOAT") ? "double" : "float");
            case MODEL -> v == ModelKind.BASIC ? ModelKind.LARGE : ModelKind.BASIC;
            case SIZE_OR_AUTO -> v == null ? 100 : null;
            case REAL -> (Double) v / 2 > 0 && (Double) v / 2 != (Double) v ? (Double) v / 2 : 0.5;
            case INTEGER -> (Integer) v + 1;
            case LONG -> (Long) v + 1;
        };
    }
}
