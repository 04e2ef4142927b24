package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.spark.sweep.Axis;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.sweep.TrialSpec;
import backpropamine.spark.testing.TestData;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Sweeps on Spark in local mode against a temporary Iceberg warehouse. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SweepRunnerLocalTest {
    @TempDir
    static Path warehouse;
    static SparkSession spark;
    static ResultsLocation results;

    @BeforeAll
    static void start() {
        results = new ResultsLocation("bpm", warehouse.toString(), "results", Map.of());
        spark = SparkSessions.create("test", "local[2]", results);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** A small grid of fast trials; {@code budget} far too small makes every trial throw inside the task. */
    static SweepSpec spec(String name, List<Variant> variants, long budget) {
        TrialConfig training = TrialConfig.builder(Variant.LSTM).epochs(1).maxBatches(2).bptt(5).batch(4).validBatch(4)
                .testBatch(4).paramBudget(budget).build();
        return new SweepSpec(name, variants, List.of(new Axis(TrialSetting.DECAY_FACTOR, List.of(0.3, 0.5)),
                new Axis(TrialSetting.DECAY_START, List.of(1)), new Axis(TrialSetting.INIT_SCALE, List.of(0.1)),
                new Axis(TrialSetting.L2, List.of(1e-5))), List.of(1L), training, TestData.dir(), results, 1);
    }

    static SweepRunner.Summary run(SweepSpec s, String id, boolean rerunFailed) throws InterruptedException {
        return new SweepRunner(spark, s, id, rerunFailed, 2, 1, new PrintStream(new ByteArrayOutputStream())).run();
    }

    @Test
    @Order(1)
    void everyGridPointGetsOneRowAndEpochRows() throws InterruptedException {
        SweepSpec s = spec("small", List.of(Variant.LSTM, Variant.SIMPLE), 160_000);
        SweepRunner.Summary sum = run(s, "s1", false);
        assertEquals(4, sum.total());
        assertEquals(4, sum.completed());
        List<Row> rows = spark.sql("SELECT variant, status, hidden, params, epochs_done, best_valid_ppl, test_ppl, gpu"
                + " FROM bpm.results.trials WHERE sweep_id = 's1'").collectAsList();
        assertEquals(4, rows.size());
        for (Row r : rows) {
            assertEquals("COMPLETED", r.getString(1));
            assertTrue(r.getLong(3) <= 160_000, "parameter matched");
            assertEquals(1, r.getInt(4));
            assertTrue(r.getDouble(5) > 1 && r.getDouble(5) < 20_000);
            assertTrue(r.isNullAt(7), "no GPU in local mode");
        }
        assertEquals(4L, spark.sql("SELECT count(*) FROM bpm.results.epochs WHERE sweep_id = 's1'").first().getLong(0));
    }

    @Test
    @Order(2)
    void rerunningTheSameSweepSkipsFinishedTrialsAndDuplicatesNothing() throws InterruptedException {
        SweepSpec s = spec("small", List.of(Variant.LSTM, Variant.SIMPLE), 160_000);
        SweepRunner.Summary again = run(s, "s1", false);
        assertEquals(4, again.skipped());
        assertEquals(0, again.completed());
        SweepSpec bigger = spec("small", List.of(Variant.LSTM, Variant.SIMPLE, Variant.RETRO), 160_000);
        SweepRunner.Summary grown = run(bigger, "s1", false);
        assertEquals(4, grown.skipped());
        assertEquals(2, grown.completed());
        Row r = spark.sql("SELECT count(*), count(DISTINCT trial_key) FROM bpm.results.trials WHERE sweep_id = 's1'").first();
        assertEquals(6L, r.getLong(0));
        assertEquals(6L, r.getLong(1));
        assertEquals(6L, spark.sql("SELECT count(*) FROM bpm.results.epochs WHERE sweep_id = 's1'").first().getLong(0));
    }

    @Test
    @Order(3)
    void throwingTrialIsRecordedAsFailedAndNotRetriedUnlessAsked() throws InterruptedException {
        SweepSpec s = spec("broken", List.of(Variant.PLASTIC), 10); // no model fits 10 parameters
        SweepRunner.Summary first = run(s, "s2", false);
        assertEquals(2, first.failed());
        Row r = spark.sql("SELECT status, error FROM bpm.results.trials WHERE sweep_id = 's2'").first();
        assertEquals("FAILED", r.getString(0));
        assertTrue(r.getString(1).startsWith("java.lang.IllegalArgumentException: parameter budget 10"), r.getString(1));
        assertEquals(2, run(s, "s2", false).skipped(), "deterministic errors are not retried blindly");
        SweepRunner.Summary retried = run(s, "s2", true);
        assertEquals(2, retried.failed());
        assertEquals(2L, spark.sql("SELECT count(*) FROM bpm.results.trials WHERE sweep_id = 's2'").first().getLong(0));
    }

    @Test
    @Order(4)
    void finishedKeysAndTablesSurviveANewSession() {
        spark.stop();
        spark = SparkSessions.create("test-2", "local[2]", results);
        ResultsQueries queries = new ResultsQueries(spark, results);
        assertEquals(6, queries.finishedKeys("s1", false).size());
        assertEquals(0, queries.finishedKeys("s2", true).size());
        assertTrue(queries.hasSweep("s1"));
        assertTrue(!queries.hasSweep("x' OR sweep_id = 's1"), "a sweep id is a bound value, never SQL");
        assertTrue(queries.finishedKeys("s1' OR '1' = '1", false).isEmpty());
        assertEquals(2L, spark.sql("SELECT count(DISTINCT sweep_id) FROM bpm.results.trials").first().getLong(0));
    }

    @Test
    @Order(5)
    void userSqlIsReadOnlyUnlessAskedToWrite() {
        ResultsQueries queries = new ResultsQueries(spark, results);
        for (String q : List.of("DELETE FROM trials WHERE true", "DROP TABLE trials", "INSERT INTO trials SELECT * FROM trials",
                "UPDATE trials SET status = 'FAILED'", "CREATE TABLE x (a int) USING iceberg",
                "MERGE INTO trials t USING trials s ON t.trial_key = s.trial_key WHEN MATCHED THEN DELETE",
                "ALTER TABLE trials DROP COLUMN config", "CALL bpm.system.expire_snapshots('results.trials')")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> queries.user(q, false), q);
            assertTrue(e.getMessage().contains("--write"), e.getMessage());
        }
        assertEquals(2L, queries.user("SELECT count(DISTINCT sweep_id) FROM trials", false).first().getLong(0));
        assertTrue(queries.user("SHOW TABLES", false).count() >= 2);
        queries.user("DESCRIBE trials", false).collectAsList();
        queries.user("CREATE TABLE scratch (a int) USING iceberg", true);
        queries.user("DROP TABLE scratch", true);
        assertEquals(2L, queries.user("SELECT count(DISTINCT sweep_id) FROM trials", false).first().getLong(0));
    }

    @Test
    @Order(6)
    void reuseCopiesTrialsAnEarlierSweepComputedInsteadOfTraining() throws InterruptedException {
        SweepSpec small = spec("small", List.of(Variant.LSTM, Variant.SIMPLE, Variant.RETRO), 160_000);
        SweepSpec reusing = new SweepSpec(small.name(), small.variants(), small.axes(), small.seeds(), small.training(),
                small.data(), small.results(), small.threads(), small.checkpoints(), false, true, null);
        SweepRunner.Summary s = run(reusing, "s3", false);
        assertEquals(6, s.total());
        assertEquals(6, s.skipped(), "every key was finished by s1 (LSTM, SIMPLE) or by the later run with RETRO");
        assertEquals(0, s.completed(), "nothing trained");
        List<Row> rows = spark.sql("SELECT reused_from, count(*) FROM bpm.results.trials WHERE sweep_id = 's3'"
                + " GROUP BY reused_from").collectAsList();
        assertEquals(1, rows.size(), rows.toString());
        assertEquals("s1", rows.get(0).getString(0));
        assertEquals(6L, rows.get(0).getLong(1));
        assertEquals(spark.sql("SELECT sum(valid_ppl) FROM bpm.results.epochs WHERE sweep_id = 's1'").first().getDouble(0),
                spark.sql("SELECT sum(valid_ppl) FROM bpm.results.epochs WHERE sweep_id = 's3'").first().getDouble(0),
                "epochs copied with the rows");
    }

    @Test
    @Order(7)
    void aResultLeftInTheJournalIsCommittedByTheNextRunInsteadOfRetraining() throws Exception {
        SweepSpec s = spec("journaled", List.of(Variant.LSTM), 160_000);
        Locations where = Locations.of(spark, s.results(), s.checkpoints());
        String root = where.checkpointRoot();
        TrialSpec first = SweepRunner.trials(s, "s4", backpropamine.data.PtbCorpus.load(TestData.dir()).checksum(), root,
                -1).get(0);
        // a finished trial whose commit never happened: the driver died with it in the journal
        TrialOutcome o = TrialOutcome.trained("s4", first.trialKey(), SyntheticTrial.run(first.config(), first.trialKey(), 0),
                new TrialOutcome.Attempt("elsewhere", null, new java.sql.Timestamp(0), new java.sql.Timestamp(1000), 1),
                "test");
        new Journal(root, "s4", where.hadoop()).write(o);
        SweepRunner.Summary sum = run(s, "s4", false);
        assertEquals(1, sum.skipped(), "the journaled trial is not trained again");
        assertEquals(1, sum.completed());
        assertEquals("elsewhere", spark.sql("SELECT executor_host FROM bpm.results.trials WHERE sweep_id = 's4'"
                + " AND trial_key = '" + first.trialKey() + "'").first().getString(0));
        assertTrue(new Journal(root, "s4", where.hadoop()).read().isEmpty(), "committed entries leave the journal");
    }
}
