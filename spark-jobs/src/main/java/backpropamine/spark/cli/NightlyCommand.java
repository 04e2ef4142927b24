package backpropamine.spark.cli;

import backpropamine.spark.FileSystemClock;
import backpropamine.spark.Locations;
import backpropamine.spark.SparkSessions;
import backpropamine.spark.SweepLease;
import backpropamine.spark.SweepRunner;
import backpropamine.spark.report.Reports;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.SweepsTable;
import backpropamine.spark.sweep.SweepSpec;
import java.io.IOException;
import java.net.URI;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.iceberg.Table;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bpm nightly SWEEP_FILE}: the scheduled entry point. The sweep id is {@code <name>-<yyyy-mm-dd>} (UTC), a
 * lease on the sweep's name in the {@code sweeps} table ({@link SweepLease}) keeps a second start from running
 * alongside (exit 3), a start later the same night resumes, and the night's summary (counts, best per variant,
 * change against the previous night) goes to the log and to the {@code sweeps} table. Exit status 1, with a
 * one-line summary, when any trial failed; 4 when the lease was lost mid-run and this driver stopped.
 */
@Command(name = "nightly", mixinStandardHelpOptions = true,
        description = "Run tonight's sweep (id <name>-<date>), resuming if it already started, and summarise it.")
public final class NightlyCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;
    @Option(names = "--date", description = "the night, yyyy-mm-dd (default: today, UTC)")
    LocalDate date;
    @Option(names = "--lease-seconds", defaultValue = "600", description = "how long the night's lease lives without"
            + " renewal; a driver that died on another host is taken over after that (default ${DEFAULT-VALUE})")
    long leaseSeconds;

    /** Exit status when another driver holds the lease: this start did nothing. */
    static final int HELD_ELSEWHERE = 3;
    /** Exit status when the lease was lost mid-run (another driver took it over): this run stopped. */
    static final int LEASE_LOST = 4;

    @Option(names = "--report-dir", description = "where the night's HTML report goes: a path or a Hadoop URI"
            + " (default $BPM_LOG_DIR, else reports beside the warehouse)")
    String reportDir;

    @Override
    public Integer call() throws Exception {
        SweepSpec spec = options.read();
        LocalDate night = date != null ? date : LocalDate.now(ZoneOffset.UTC);
        String id = spec.name() + "-" + night;
        SparkConf conf = SparkSessions.conf("bpm nightly " + id, options.master, spec.results());
        Locations where = Locations.of(conf, spec.results(), spec.checkpoints()).requireReachable();
        String reports = where.reportDir(reportDir != null ? reportDir : System.getenv("BPM_LOG_DIR"));
        where.requireReachableReports(reports);
        try (SparkSession spark = SparkSessions.start(conf)) {
            SweepsTable sweeps = new SweepsTable(spark, spec.results());
            sweeps.ensure();
            Table table = sweeps.iceberg();
            FileSystemClock clock = new FileSystemClock(table.location() + "/lease-clock",
                    spark.sparkContext().hadoopConfiguration());
            // one lease per sweep name, not per night: a night still running keeps the next one from starting
            try (SweepLease lease = SweepLease.tryAcquire(table, clock, spec.name(), id, Duration.ofSeconds(leaseSeconds),
                    System.out)) {
                if (lease == null) {
                    String holder = SweepLease.holder(table, spec.name());
                    boolean sameNight = holder.startsWith("holder " + id + ",");
                    System.out.println("nightly " + id + ": " + (sameNight ? "this night is already running"
                            : "the previous night is still running") + " (" + holder + "; lease of " + spec.name()
                            + " on " + spec.results().table("sweeps") + "); this start does nothing");
                    return HELD_ELSEWHERE;
                }
                Timestamp started = new Timestamp(System.currentTimeMillis());
                sweeps.running(id, spec.name(), java.sql.Date.valueOf(night), started);
                SweepRunner runner = new SweepRunner(spark, spec, id, false, options.scheduling.parallelism,
                        options.scheduling.commitSeconds, System.out).stopWhen(lease::lost);
                SweepRunner.Summary run = runner.run();
                if (runner.stopped() != null) { // the night is another driver's now: its row and report are too
                    System.out.println("nightly " + id + ": stopped, " + runner.stopped() + "; the other driver"
                            + " finishes the night");
                    return LEASE_LOST;
                }
                return summarise(spark, spec, id, night, started, run, reports);
            }
        }
    }

    private int summarise(SparkSession spark, SweepSpec spec, String id, LocalDate night, Timestamp started,
                          SweepRunner.Summary run, String reportDir) {
        ResultsQueries results = new ResultsQueries(spark, spec.results());
        ResultsQueries.Counts counts = results.counts(id);
        int done = counts.trials() - counts.lost(); // a LOST row is not a result
        int completed = counts.completed();
        int diverged = counts.diverged();
        int failed = counts.failed();
        Map<String, Double> best = results.bestValidPerVariant(id);
        String prevId = results.previousNight(spec.name(), id);
        Map<String, Double> prevBest = prevId == null ? Map.of() : results.bestValidPerVariant(prevId);

        String bestVariant = best.isEmpty() ? null : best.keySet().iterator().next();
        Double bestPpl = bestVariant == null ? null : best.get(bestVariant);
        Double prevPpl = prevBest.values().stream().min(Double::compare).orElse(null);
        StringBuilder line = new StringBuilder(String.format("nightly %s: %d/%d trials done, %d completed, %d diverged, %d failed",
                id, done, run.total(), completed, diverged, failed));
        if (bestVariant != null) {
            line.append(String.format("; best %s valid ppl %.2f", bestVariant, bestPpl));
            line.append(prevPpl == null ? " (no previous night)"
                    : String.format(" (previous night %s: %.2f, change %+.2f)", prevId, prevPpl, bestPpl - prevPpl));
        }
        if (run.lost() > 0) {
            line.append("; ").append(run.lost()).append(" trials lost (start again to retry)");
        }
        System.out.println("best validation perplexity per variant:");
        for (Map.Entry<String, Double> e : best.entrySet()) {
            Double p = prevBest.get(e.getKey());
            System.out.printf("  %-8s %8.2f%s%n", e.getKey(), e.getValue(),
                    p == null ? "" : String.format("   previous night %.2f (%+.2f)", p, e.getValue() - p));
        }
        URI report = URI.create(reportDir + (reportDir.endsWith("/") ? "" : "/") + "report-" + id + ".html");
        try { // the night's report next to its log (or beside the warehouse); the sweeps row names it
            Reports.write(spark, spec.results(), id, report);
            line.append("; report ").append(report);
        } catch (IOException | RuntimeException e) {
            System.out.println("the night's report could not be written to " + report + ": " + e.getMessage());
        }
        new SweepsTable(spark, spec.results()).upsert(id, spec.name(), java.sql.Date.valueOf(night), started,
                new Timestamp(System.currentTimeMillis()), done, completed, diverged, failed, bestVariant, bestPpl, prevId,
                prevPpl, line.toString(), failed > 0 || run.lost() > 0 || done < run.total() ? "INCOMPLETE" : "DONE");
        System.out.println(line);
        return failed > 0 || run.lost() > 0 || done < run.total() ? 1 : 0;
    }
}
