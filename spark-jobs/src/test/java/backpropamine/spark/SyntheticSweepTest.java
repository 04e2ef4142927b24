package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.sweep.Axis;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.testing.TestData;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A synthetic sweep of 576 trials through the real scheduler, commits and tables (trials sleep instead of
 * training): one row per grid point, in the synthetic namespace only, with the table's files kept few by the
 * compaction and snapshot expiry that run every few commits and at the end.
 */
class SyntheticSweepTest {
    @TempDir
    Path tmp;

    @Test
    void fiveHundredTrialsGiveOneRowEachAndFewFiles() throws Exception {
        ResultsLocation real = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        List<Object> decay = new ArrayList<>();
        for (int k = 0; k < 24; k++) {
            decay.add(0.25 + 0.01 * k);
        }
        TrialConfig training = TrialConfig.builder(Variant.LSTM).epochs(13).build();
        SweepSpec spec = new SweepSpec("synthetic", List.of(Variant.values()), List.of(
                new Axis(TrialSetting.DECAY_FACTOR, decay), new Axis(TrialSetting.DECAY_START, List.of(4, 5, 6)),
                new Axis(TrialSetting.INIT_SCALE, List.of(0.1, 0.12)), new Axis(TrialSetting.L2, List.of(1e-5))),
                List.of(1L), training, TestData.dir(), real.synthetic(), 1);
        assertEquals(576, spec.size());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (SparkSession spark = SparkSessions.create("synthetic-test", "local[3]", real)) {
            long t0 = System.nanoTime();
            SweepRunner.Summary s = new SweepRunner(spark, spec, "syn", false, 0, 1, new PrintStream(log, true))
                    .synthetic(0).run();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(576, s.completed(), log.toString());
            Row c = spark.sql("SELECT count(*), count(DISTINCT trial_key) FROM bpm.results_synthetic.trials"
                    + " WHERE sweep_id = 'syn'").first();
            assertEquals(576L, c.getLong(0), "one row per grid point");
            assertEquals(576L, c.getLong(1));
            assertEquals(576L * 13, spark.sql("SELECT count(*) FROM bpm.results_synthetic.epochs").first().getLong(0));
            assertTrue(!spark.catalog().tableExists("bpm.results.trials"), "synthetic rows never reach the real tables");
            for (String t : List.of("trials", "epochs")) {
                Path table = tmp.resolve("warehouse/results_synthetic").resolve(t);
                long data = count(table.resolve("data"), ".parquet");
                long metadata = count(table.resolve("metadata"), ".metadata.json");
                System.out.printf("synthetic %d trials in %.1f s: %s has %d data and %d metadata files%n", 576, seconds,
                        t, data, metadata);
                assertTrue(data <= 2, t + ": data files compacted, " + data);
                assertTrue(metadata <= 7, t + ": old metadata deleted, " + metadata);
            }
            assertTrue(log.toString().matches("(?s).*[0-9]+ commits of trial rows.*"), log.toString());
            System.out.println(log.toString().lines().filter(l -> l.contains("commits")).findFirst().orElse(""));
        }
    }

    private static long count(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
        }
    }
}
