package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.testing.BpmProcess;
import backpropamine.spark.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four sweeps started together on one warehouse (synthetic trials: the scheduler, commits, compaction and snapshot
 * expiry of real sweeps, without the training): Iceberg serialises their commits, and one sweep's maintenance
 * must not delete a snapshot another is reading. Each exits 0 with its rows, no duplicates, and no stack trace.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ConcurrentSweepsTest {
    static final int SWEEPS = 4; // more than the 2 cores of CI: commits and maintenance still interleave

    @TempDir
    Path tmp;

    @Test
    void fourSweepsAtOnceOnOneWarehouseAllFinishWithTheirRowsAndNoStackTrace() throws Exception {
        Path logs = java.nio.file.Files.createDirectories(Path.of("target", "concurrent-sweeps")).toAbsolutePath();
        Path file = tmp.resolve("quick.yaml");
        java.nio.file.Files.writeString(file, "name: quick\nvariants: [LSTM, PLASTIC, SIMPLE, RETRO]\ngrid:\n"
                + "  decay_factor: [0.3, 0.4, 0.5]\n  decay_start: [1]\n  init_scale: [0.1]\n  l2: [1e-5, 1e-3]\n"
                + "training: {epochs: 2}\ndata: " + TestData.dir() + "\nresults: {warehouse: " + tmp.resolve("warehouse") + "}\n");
        long t0 = System.nanoTime();
        List<Process> runs = new ArrayList<>();
        for (int k = 0; k < SWEEPS; k++) {
            runs.add(BpmProcess.start(logs, "s" + k, Map.of(), "sweep", file.toString(), "--sweep-id", "s" + k,
                    "--synthetic=0.2", "--master", "local[2]", "--commit-seconds", "2"));
        }
        try {
            for (int k = 0; k < SWEEPS; k++) {
                int k2 = k;
                assertEquals(0, runs.get(k).waitFor(), () -> BpmProcess.tail(logs, "s" + k2));
            }
        } finally {
            runs.forEach(Process::destroyForcibly); // none left behind by a failure or the timeout
        }
        System.out.printf("%d concurrent synthetic sweeps of 24 trials in %.0f s%n", SWEEPS, (System.nanoTime() - t0) / 1e9);
        for (int k = 0; k < SWEEPS; k++) {
            String log = BpmProcess.log(logs, "s" + k);
            assertTrue(log.contains("24 completed, 0 diverged, 0 failed"), log);
            assertTrue(!log.contains("\tat ") && !log.contains("Exception"), "no stack trace, no exception: " + log);
        }
        ResultsLocation at = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of()).synthetic();
        try (SparkSession spark = SparkSessions.create("concurrent-check", "local[1]", at)) {
            List<Row> rows = spark.sql("SELECT sweep_id, count(*), count(DISTINCT trial_key) FROM bpm.results_synthetic.trials"
                    + " GROUP BY sweep_id ORDER BY sweep_id").collectAsList();
            assertEquals(SWEEPS, rows.size(), rows.toString());
            for (Row r : rows) {
                assertEquals(24L, r.getLong(1), "one row per grid point: " + r);
                assertEquals(24L, r.getLong(2), "no duplicates: " + r);
            }
            assertEquals(SWEEPS * 24L * 2, spark.sql("SELECT count(*) FROM bpm.results_synthetic.epochs").first().getLong(0));
        }
    }
}
