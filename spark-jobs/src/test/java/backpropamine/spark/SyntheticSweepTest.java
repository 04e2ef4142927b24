package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import backpropamine.spark.results.Listing;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.ResultsSchema;
import backpropamine.spark.results.ResultsStore;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.spark.sweep.Axis;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.testing.TestData;
import backpropamine.train.EpochResult;
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
import org.apache.spark.sql.Dataset;
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
                // the current snapshot's files: expired snapshots' files stay a day for concurrent readers and time travel
                long data = spark.sql("SELECT count(*) FROM bpm.results_synthetic." + t + ".files").first().getLong(0);
                long metadata = count(table.resolve("metadata"), ".metadata.json");
                System.out.printf("synthetic %d trials in %.1f s: %s has %d data and %d metadata files%n", 576, seconds,
                        t, data, metadata);
                assertTrue(data <= 2, t + ": data files compacted, " + data);
                assertTrue(metadata <= ResultsStore.METADATA_VERSIONS + 2, t + ": old metadata deleted, " + metadata);
            }
            assertTrue(log.toString().matches("(?s).*[0-9]+ commits of trial rows.*"), log.toString());
            System.out.println(log.toString().lines().filter(l -> l.contains("commits")).findFirst().orElse(""));
            statusWithoutSparkIsStatusWithSpark(spark, real.synthetic());
        }
    }

    /**
     * bpm status reads through Iceberg's Java API: the same text as the SQL of ResultsQueries on Spark, on these 576
     * rows plus a LOST trial (its error over two lines) and a trial still running (no valid perplexity yet in its
     * latest epoch); and Listing prints what Spark's show prints.
     */
    private static void statusWithoutSparkIsStatusWithSpark(SparkSession spark, ResultsLocation at) {
        ResultsStore store = new ResultsStore(spark, at);
        java.sql.Timestamp t0 = new java.sql.Timestamp(1_700_000_000_123L);
        store.commit(List.of(TrialOutcome.lost("syn", "lost-key", TrialConfig.builder(Variant.SIMPLE).build(),
                "executor lost\n\tat somewhere", new TrialOutcome.Attempt("host", null, t0, t0, 4), "test")));
        store.commit(List.of(), ResultsSchema.epochRows("syn", "running-key", List.of(
                new EpochResult(1, 1.0, 300, 250.125, 1000, 10), new EpochResult(2, 1.0, 200, Double.NaN, 1000, 10))));
        ResultsQueries withSpark = new ResultsQueries(spark, at);
        ResultsQueries without = ResultsQueries.withoutSpark(at);
        assertTrue(without.tablesExist() && without.hasSweep("syn") && !without.hasSweep("sy"));
        assertTrue(!ResultsQueries.withoutSpark(new ResultsLocation("bpm", "nowhere", "results", Map.of())).tablesExist());
        assertEquals(withSpark.sweeps().show(100), without.sweeps().show(100));
        assertEquals(withSpark.status("syn").show(10), without.status("syn").show(10));
        assertEquals(withSpark.bestPerVariant("syn").show(10), without.bestPerVariant("syn").show(10));
        assertEquals(withSpark.lost("syn").show(50), without.lost("syn").show(50));
        assertEquals(withSpark.running("syn").show(50), without.running("syn").show(50));
        assertEquals(1, without.running("syn").rows().size());
        assertEquals(null, without.running("syn").get(0, "valid_ppl"), "the latest epoch's, not the latest known");
        assertEquals(250.13, without.running("syn").get(0, "best_valid_ppl"), "rounded half up as Spark does");
        assertEquals(4, without.status("syn").rows().size());
        System.out.print(without.status("syn").show(10));
        for (String q : List.of("SELECT * FROM trials WHERE sweep_id = 'syn' ORDER BY trial_key",
                "SELECT * FROM trials WHERE status = 'LOST'", "SELECT * FROM epochs WHERE trial_key = 'running-key'")) {
            Dataset<Row> df = withSpark.user(q, false);
            assertEquals(df.showString(5, 0, false), Listing.of(df).show(5), q);
        }
    }

    private static long count(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
        }
    }
}
