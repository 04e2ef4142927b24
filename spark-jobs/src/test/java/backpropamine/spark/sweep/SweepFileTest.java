package backpropamine.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import backpropamine.spark.testing.TestData;
import backpropamine.train.TrialConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    @Test
    void paperGridExpandsTo3840TrialsWithExactDecimalRanges() {
        SweepSpec s = SweepFile.read(TestData.root().resolve("conf/sweeps/paper-basic.yaml"));
        assertEquals(3840, s.size());
        List<TrialConfig> all = s.expand();
        assertEquals(3840, all.size());
        assertEquals(16, s.decayFactor().values().size());
        assertEquals(0.25, s.decayFactor().values().get(0));
        assertEquals(0.28, s.decayFactor().values().get(3));
        assertEquals(0.4, s.decayFactor().values().get(15));
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
        assertEquals(List.of(1e-5, 1e-3), s.l2().values());
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
        refused(VALID.replace("decay_start: [4, 5]", "decay_start: [4.5]"), "grid.decay_start", "integers");
        refused(VALID.replace("variants: [LSTM, RETRO]", "variants: [LSTM, HEBB]"), "variants", "unknown variant 'HEBB'");
        refused(VALID.replace("epochs: 3", "epochs: 0"), "training", "epochs must be in");
        refused(VALID.replace("name: t", "name: 'bad name'"), "name");
        refused(VALID.replace("  l2: [1e-5, 1.0e-3]\n", ""), "grid.l2", "required");
        refused("name: [unclosed", "not valid YAML");
    }

    @Test
    void trialKeysAreDeterministicAndCoverEveryInput() {
        TrialConfig a = TrialConfig.builder(Variant.SIMPLE).build();
        String k = TrialKey.of(a, "abc");
        assertEquals(k, TrialKey.of(TrialConfig.builder(Variant.SIMPLE).build(), "abc"));
        assertEquals(32, k.length());
        Set<String> keys = new HashSet<>(List.of(k,
                TrialKey.of(a, "abd"),
                TrialKey.of(a.toBuilder().variant(Variant.RETRO).build(), "abc"),
                TrialKey.of(a.toBuilder().decayFactor(0.31).build(), "abc"),
                TrialKey.of(a.toBuilder().decayStart(5).build(), "abc"),
                TrialKey.of(a.toBuilder().initScale(0.11).build(), "abc"),
                TrialKey.of(a.toBuilder().l2(1e-4).build(), "abc"),
                TrialKey.of(a.toBuilder().seed(9).build(), "abc"),
                TrialKey.of(a.toBuilder().epochs(12).build(), "abc"),
                TrialKey.of(a.toBuilder().maxBatches(3).build(), "abc")));
        assertEquals(10, keys.size());
    }
}
