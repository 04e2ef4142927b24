package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.testing.BpmProcess;
import backpropamine.spark.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
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

/** {@code bpm nightly} as cron and systemd start it: separate JVMs on the same sweep file. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NightlyTest {
    @TempDir
    Path tmp;

    Path sweepFile(int decayValues) throws IOException {
        StringBuilder decays = new StringBuilder();
        for (int k = 0; k < decayValues; k++) {
            decays.append(k == 0 ? "" : ", ").append(0.3 + 0.05 * k);
        }
        Path f = tmp.resolve("nightly.yaml");
        Files.writeString(f, "name: nt\nvariants: [LSTM]\ngrid:\n  decay_factor: [" + decays + "]\n  decay_start: [1]\n"
                + "  init_scale: [0.1]\n  l2: [1e-5]\ntraining: {epochs: 1, batch: 4, bptt: 5, valid_batch: 4, test_batch: 4,"
                + " max_batches: 30, param_budget: 150000}\ndata: " + TestData.dir() + "\nresults: {warehouse: "
                + tmp.resolve("warehouse") + "}\n");
        return f;
    }

    Process nightly(Path file, String date, String name, String... extra) throws IOException {
        return nightlyOn("host-a", tmp, Map.of(), file, date, name, extra);
    }

    Process nightlyOn(String host, Path workDir, Path file, String date, String name, String... extra) throws IOException {
        return nightlyOn(host, workDir, Map.of(), file, date, name, extra);
    }

    /**
     * A nightly start as if on another host: its own host name and working directory, the same warehouse.
     *
     * @param faults extra environment (BPM_FAULTS)
     */
    Process nightlyOn(String host, Path workDir, Map<String, String> faults, Path file, String date, String name,
            String... extra) throws IOException {
        // two slots: with --parallelism 1 one stays free, so commits never queue behind a trial
        List<String> args = new ArrayList<>(List.of("nightly", file.toString(), "--date", date, "--master", "local[2]",
                "--commit-seconds", "1"));
        args.addAll(List.of(extra));
        Files.createDirectories(workDir);
        Map<String, String> env = new java.util.HashMap<>(faults);
        env.put("BPM_HOST", host);
        Process p = BpmProcess.start(workDir, name, env, args.toArray(String[]::new));
        logDirs.put(name, workDir);
        return p;
    }

    final Map<String, Path> logDirs = new java.util.concurrent.ConcurrentHashMap<>();

    String log(String name) throws IOException {
        return BpmProcess.log(logDirs.getOrDefault(name, tmp), name);
    }

    @Test
    void twoStartsOfTheSameNightOnTwoHostsRunOnce() throws Exception {
        Path f = sweepFile(2);
        Process a = nightlyOn("host-a", tmp.resolve("host-a"), f, "2026-01-01", "a");
        Process b = nightlyOn("host-b", tmp.resolve("host-b"), f, "2026-01-01", "b");
        int ea = a.waitFor();
        int eb = b.waitFor();
        String la = log("a");
        String lb = log("b");
        boolean aRan = la.contains("nightly nt-2026-01-01: 2/2 trials done");
        boolean bRan = lb.contains("nightly nt-2026-01-01: 2/2 trials done");
        assertTrue(aRan ^ bRan, "exactly one start runs the sweep:\n" + la + "\n---\n" + lb);
        assertEquals(0, aRan ? ea : eb, "the start that ran: " + (aRan ? la : lb));
        assertEquals(3, aRan ? eb : ea, "the start that found the night held exits non-zero, so an orchestrator does"
                + " not record it as the night's success");
        String other = aRan ? lb : la;
        assertTrue(other.contains("nightly nt-2026-01-01: this night is already running"), other);
        assertTrue(other.contains("host host-"), "the message names the holder's host: " + other);
        assertTrue(Files.exists(tmp.resolve("reports/report-nt-2026-01-01.html")),
                "without BPM_LOG_DIR, the night's report goes beside the warehouse, where every host finds it");
        assertTrue((aRan ? la : lb).contains("; report "), "the summary names the report");
    }

    @Test
    void killedHalfWayThenStartedAgainFinishesWithoutDuplicatesAndComparesNights() throws Exception {
        Path f = sweepFile(4);
        // halted (as by kill -9) inside the third trial: two finished before it, so however fast the machine,
        // the restart finds some trials done (committed or only journaled) and some still to run
        Process first = nightlyOn("host-a", tmp, Map.of("BPM_FAULTS", "halt-in-trial:3"), f, "2026-01-02", "first",
                "--parallelism", "1");
        assertEquals(137, first.waitFor(), () -> tail("first"));

        Process second = nightly(f, "2026-01-02", "second");
        assertEquals(0, second.waitFor(), () -> tail("second"));
        String out = log("second");
        assertTrue(out.matches("(?s).*4 trials, [12] already finished.*"), out);
        assertTrue(out.contains("nightly nt-2026-01-02: 4/4 trials done, 4 completed"), out);

        Process next = nightly(sweepFile(1), "2026-01-03", "next"); // one trial is enough to compare nights
        assertEquals(0, next.waitFor(), () -> tail("next"));
        assertTrue(log("next").contains("previous night nt-2026-01-02"), tail("next"));

        ResultsLocation r = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        try (SparkSession spark = SparkSessions.create("nightly-check", "local[1]", r)) {
            Row c = spark.sql("SELECT count(*), count(DISTINCT trial_key) FROM bpm.results.trials WHERE sweep_id = 'nt-2026-01-02'").first();
            assertEquals(4L, c.getLong(0), "no trial lost or duplicated");
            assertEquals(4L, c.getLong(1));
            List<Row> nights = spark.sql("SELECT sweep_id, trials, failed, previous_sweep_id FROM bpm.results.sweeps ORDER BY sweep_id")
                    .collectAsList();
            assertEquals(2, nights.size());
            assertEquals(4, nights.get(0).getInt(1));
            assertEquals("nt-2026-01-02", nights.get(1).getString(3));
        }
    }

    /** Waits, while {@code p} still runs, for the first commit after a table's creation. */
    void awaitSecondVersion(String table, Process p, String name) throws InterruptedException {
        awaitVersion(table, 2, p, name);
    }

    /** Waits, while {@code p} still runs, for a table's metadata version {@code n} (1: created). */
    void awaitVersion(String table, int n, Process p, String name) throws InterruptedException {
        Path hint = tmp.resolve("warehouse/results/" + table + "/metadata/version-hint.text");
        long deadline = System.currentTimeMillis() + 120_000;
        while (committedVersions(hint) < n) {
            assertTrue(p.isAlive(), () -> "finished too soon: " + tail(name));
            assertTrue(System.currentTimeMillis() < deadline, () -> "no commit to " + table + " seen: " + tail(name));
            Thread.sleep(100);
        }
    }

    /** The Hadoop catalog's current metadata version of a table (0 before it exists). */
    static int committedVersions(Path versionHint) {
        try {
            return Integer.parseInt(Files.readString(versionHint).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    String tail(String name) {
        return BpmProcess.tail(logDirs.getOrDefault(name, tmp), name);
    }

    @Test
    void aDriverWhoseLeaseIsTakenStopsWithinARenewalPeriodAndExitsNonZero() throws Exception {
        Path f = sweepFile(6);
        Process holder = nightly(f, "2026-03-01", "holder", "--parallelism", "1", "--lease-seconds", "3");
        awaitSecondVersion("trials", holder, "holder"); // trials are running and committing
        org.apache.iceberg.Table sweeps = new org.apache.iceberg.hadoop.HadoopCatalog(new org.apache.hadoop.conf.Configuration(),
                tmp.resolve("warehouse").toUri().toString()).loadTable(org.apache.iceberg.catalog.TableIdentifier.of("results", "sweeps"));
        // what a driver on another host writes when it judged the lease stale (the holder paused past its duration)
        sweeps.updateProperties().set(SweepLease.PROPERTY_PREFIX + "nt", "token=taker;holder=nt-2026-03-01;host=host-b;pid=1;renewed="
                + System.currentTimeMillis()).commit();
        long taken = System.nanoTime();
        while (!log("holder").contains("stops: the lease was taken over")) {
            assertTrue(System.nanoTime() - taken < 30_000_000_000L, () -> "the holder ran on: " + tail("holder"));
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - taken) / 1e9;
        assertTrue(seconds <= 1.0 + 1.0, "stopped within a renewal period (1 s) and a commit: " + seconds + " s");
        assertEquals(4, holder.waitFor(), () -> tail("holder"));
        assertTrue(log("holder").contains("nightly nt-2026-03-01: stopped, the lease was taken over (holder nt-2026-03-01,"
                + " host host-b"), tail("holder"));
        ResultsLocation r = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        try (SparkSession spark = SparkSessions.create("nightly-taken", "local[1]", r)) {
            assertEquals(0L, spark.sql("SELECT count(*) FROM bpm.results.trials WHERE status <> 'COMPLETED'").first()
                    .getLong(0), "the stopped driver recorded no LOST or FAILED row for the trials it cancelled");
            assertEquals("RUNNING", spark.sql("SELECT status FROM bpm.results.sweeps WHERE sweep_id = 'nt-2026-03-01'")
                    .first().getString(0), "the night's row is left to the driver that holds it now");
        }
        assertTrue(((org.apache.iceberg.HasTableOperations) sweeps).operations().refresh().properties().get(SweepLease.PROPERTY_PREFIX + "nt").contains("token=taker"),
                "the stopped driver did not release the taker's lease");
    }

    @Test
    void aNightStillRunningKeepsTheNextFromStartingAndShowsRunning() throws Exception {
        Path f = sweepFile(6);
        Process slow = nightly(f, "2026-02-01", "slow", "--parallelism", "1");
        awaitVersion("sweeps", 3, slow, "slow"); // created, leased, the RUNNING row in
        Process next = nightlyOn("host-b", tmp.resolve("host-b"), f, "2026-02-02", "next");
        assertEquals(3, next.waitFor(60, TimeUnit.SECONDS) ? next.exitValue() : -1, () -> tail("next"));
        assertTrue(slow.isAlive(), "the next night exited at once, while the previous one still ran");
        assertTrue(log("next").contains("the previous night is still running (holder nt-2026-02-01"), tail("next"));
        ResultsLocation r = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        System.setProperty("spark.sql.catalog.bpm.cache-enabled", "false");
        try (SparkSession spark = SparkSessions.create("nightly-running", "local[1]", r)) {
            assertEquals("RUNNING", spark.sql("SELECT status FROM bpm.results.sweeps WHERE sweep_id = 'nt-2026-02-01'")
                    .first().getString(0));
            assertEquals(0, slow.waitFor(), () -> tail("slow"));
            assertEquals("DONE", spark.sql("SELECT status FROM bpm.results.sweeps WHERE sweep_id = 'nt-2026-02-01'")
                    .first().getString(0));
        } finally {
            System.clearProperty("spark.sql.catalog.bpm.cache-enabled");
        }
    }
}
