package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.testing.BpmProcess;
import backpropamine.spark.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps that meet failures (injected with BPM_FAULTS in the process that runs the trials: in local mode, the
 * driver): a trial whose task always fails is recorded LOST and retried by the next run; a process that dies
 * mid-sweep is resumed from the trials' checkpoints, to exactly the figures of an uninterrupted run.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SweepResilienceTest {
    @TempDir
    Path tmp;

    Path sweepFile(String name, int epochs) throws IOException {
        Path f = tmp.resolve(name + ".yaml");
        Files.writeString(f, "name: " + name + "\nvariants: [LSTM, RETRO]\ngrid:\n  decay_factor: [0.3, 0.5]\n"
                + "  decay_start: [1]\n  init_scale: [0.1]\n  l2: [1e-5]\ntraining: {epochs: " + epochs + ", hidden: 8,"
                + " batch: 4, bptt: 5, valid_batch: 4, test_batch: 4, max_batches: 12}\ndata: " + TestData.dir()
                + "\nresults: {warehouse: " + tmp.resolve("warehouse") + "}\n");
        return f;
    }

    Process sweep(Path file, String log, Map<String, String> env, String... extra) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("sweep", file.toString(), "--master", "local[3]",
                "--commit-seconds", "1"));
        args.addAll(List.of(extra));
        return BpmProcess.start(tmp, log, env, args.toArray(String[]::new));
    }

    SparkSession session() {
        System.setProperty("spark.sql.catalog.bpm.cache-enabled", "false"); // see other processes' commits at once
        try {
            return SparkSessions.create("resilience-check", "local[1]",
                    new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of()));
        } finally {
            System.clearProperty("spark.sql.catalog.bpm.cache-enabled");
        }
    }

    @Test
    void aTrialWhoseTaskAlwaysFailsIsLostVisibleAndRetriedByTheNextRun() throws Exception {
        Path f = sweepFile("faulty", 1);
        Process first = sweep(f, "first", Map.of("BPM_FAULTS", "task-error:3"));
        assertEquals(1, first.waitFor(), () -> BpmProcess.tail(tmp, "first"));
        String out = BpmProcess.log(tmp, "first");
        assertTrue(out.contains("3 completed, 0 diverged, 0 failed, 1 lost"), out);
        assertTrue(out.contains("task-error:3"), out);

        Process status = BpmProcess.start(tmp, "status", Map.of(), "status", "faulty", "--warehouse",
                tmp.resolve("warehouse").toString());
        assertEquals(0, status.waitFor(), () -> BpmProcess.tail(tmp, "status"));
        assertTrue(BpmProcess.log(tmp, "status").contains("lost trials"), BpmProcess.tail(tmp, "status"));

        Process second = sweep(f, "second", Map.of());
        assertEquals(0, second.waitFor(), () -> BpmProcess.tail(tmp, "second"));
        assertTrue(BpmProcess.log(tmp, "second").contains("4 trials, 3 already finished, 1 to run"),
                BpmProcess.tail(tmp, "second"));
        try (SparkSession spark = session()) {
            Row c = spark.sql("SELECT count(*), count(DISTINCT trial_key), sum(CASE WHEN status = 'COMPLETED' THEN 1"
                    + " ELSE 0 END) FROM bpm.results.trials WHERE sweep_id = 'faulty'").first();
            assertEquals(4L, c.getLong(0), "one row per grid point");
            assertEquals(4L, c.getLong(1));
            assertEquals(4L, c.getLong(2));
            assertEquals(1, spark.sql("SELECT min(attempts) FROM bpm.results.trials WHERE sweep_id = 'faulty'").first()
                    .getInt(0));
        }
        assertTrue(checkpointDirs("faulty").isEmpty(), "checkpoints are deleted once the rows are committed");
    }

    @Test
    void aNodeErrorFailsTheTaskAndTheTrialCompletesOnItsRetryFromItsCheckpoint() throws Exception {
        Path f = sweepFile("node", 1);
        // local[3,2]: Spark tries each task twice, as spark.task.maxFailures does on a cluster
        Process run = BpmProcess.start(tmp, "node", Map.of("BPM_FAULTS", "node-error-after-epoch:1"), "sweep",
                f.toString(), "--master", "local[3,2]", "--commit-seconds", "1");
        assertEquals(0, run.waitFor(), () -> BpmProcess.tail(tmp, "node"));
        String out = BpmProcess.log(tmp, "node");
        assertTrue(out.contains("4 completed, 0 diverged, 0 failed"), out);
        assertTrue(out.contains("node-error-after-epoch:1"), "the injected device error failed a task: " + out);
        try (SparkSession spark = session()) {
            List<Row> rows = spark.sql("SELECT status, attempts, resumed_from_epoch FROM bpm.results.trials"
                    + " WHERE sweep_id = 'node'").collectAsList();
            assertEquals(4, rows.size());
            rows.forEach(r -> assertEquals("COMPLETED", r.getString(0), "no FAILED row for a node error: " + rows));
            List<Row> retried = rows.stream().filter(r -> r.getInt(1) >= 2).toList();
            assertEquals(1, retried.size(), "the trial hit by the device error ran a second attempt: " + rows);
            assertEquals(1, retried.get(0).getInt(2), "its checkpoint was kept, and the retry resumed from it");
        }
    }

    @Test
    void aSweepKilledMidEpochResumesFromCheckpointsToTheUninterruptedFigures() throws Exception {
        Path f = sweepFile("halted", 2); // halted after epoch 1: each resumed trial has an epoch left to run
        Process first = sweep(f, "first", Map.of("BPM_FAULTS", "halt-after-epoch:1"));
        assertEquals(137, first.waitFor(), () -> BpmProcess.tail(tmp, "first"));
        assertTrue(!checkpointDirs("halted").isEmpty(), "the halted run left checkpoints");

        Process second = sweep(f, "second", Map.of());
        assertEquals(0, second.waitFor(), () -> BpmProcess.tail(tmp, "second"));
        // the same grid, never interrupted, under another id; its epochs are visible while its trials run
        Process straight = sweep(f, "straight", Map.of(), "--sweep-id", "straight");
        boolean liveEpochSeen = false;
        try (SparkSession spark = session()) {
            while (straight.isAlive()) {
                if (spark.catalog().tableExists("bpm.results.epochs")) {
                    liveEpochSeen |= spark.sql("SELECT 1 FROM bpm.results.epochs e LEFT ANTI JOIN bpm.results.trials t"
                            + " ON t.sweep_id = e.sweep_id AND t.trial_key = e.trial_key WHERE e.sweep_id = 'straight'")
                            .count() > 0;
                }
                Thread.sleep(300);
            }
            assertEquals(0, straight.exitValue(), () -> BpmProcess.tail(tmp, "straight"));
            assertTrue(liveEpochSeen, "epochs of running trials reach the epochs table before their trial row");

            Map<String, Row> resumed = byKey(spark, "halted");
            Map<String, Row> uninterrupted = byKey(spark, "straight");
            assertEquals(4, resumed.size());
            assertEquals(uninterrupted.keySet(), resumed.keySet());
            int resumedTrials = 0;
            for (Map.Entry<String, Row> e : resumed.entrySet()) {
                Row r = e.getValue();
                Row u = uninterrupted.get(e.getKey());
                assertEquals("COMPLETED", r.getString(0));
                for (int k = 1; k <= 3; k++) {
                    assertEquals(u.getDouble(k), r.getDouble(k), "bit for bit: column " + k + " of " + e.getKey());
                }
                resumedTrials += r.getInt(4) >= 1 ? 1 : 0;
            }
            assertTrue(resumedTrials >= 1, "at least the trial that reached epoch 1 resumed from its checkpoint");
            assertEquals(8L, spark.sql("SELECT count(*) FROM bpm.results.epochs WHERE sweep_id = 'halted'").first()
                    .getLong(0), "one row per epoch, none duplicated by the resume");
        }
        assertTrue(checkpointDirs("halted").isEmpty());
    }

    private static Map<String, Row> byKey(SparkSession spark, String sweepId) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : spark.sql("SELECT trial_key, status, best_valid_ppl, final_valid_ppl, test_ppl, resumed_from_epoch"
                + " FROM bpm.results.trials WHERE sweep_id = '" + sweepId + "'").collectAsList()) {
            out.put(r.getString(0), org.apache.spark.sql.RowFactory.create(r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)));
        }
        return out;
    }

    private List<Path> checkpointDirs(String sweepId) throws IOException {
        Path dir = tmp.resolve("checkpoints").resolve(sweepId);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith("_")).toList(); // not _journal
        }
    }
}
