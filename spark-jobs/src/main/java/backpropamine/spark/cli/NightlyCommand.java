package backpropamine.spark.cli;

import backpropamine.spark.SparkSessions;
import backpropamine.spark.SweepLock;
import backpropamine.spark.SweepRunner;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.SweepsTable;
import backpropamine.spark.sweep.SweepFile;
import backpropamine.spark.sweep.SweepSpec;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bpm nightly SWEEP_FILE}: the scheduled entry point. The sweep id is {@code <name>-<yyyy-mm-dd>} (UTC), a
 * lock keeps a second start of the same night from running alongside, a start later the same night resumes,
 * and the night's summary (counts, best per variant, change against the previous night) goes to the log and
 * to the {@code sweeps} table. Exit status 1, with a one-line summary, when any trial failed.
 */
@Command(name = "nightly", mixinStandardHelpOptions = true,
        description = "Run tonight's sweep (id <name>-<date>), resuming if it already started, and summarise it.")
public final class NightlyCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;
    @Option(names = "--date", description = "the night, yyyy-mm-dd (default: today, UTC)")
    LocalDate date;
    @Option(names = "--lock-dir", description = "where the per-sweep lock lives (default $BPM_LOCK_DIR, else <warehouse>/_locks"
            + " for a local warehouse, else ./locks)")
    Path lockDir;

    @Override
    public Integer call() throws Exception {
        SweepSpec spec = SweepFile.read(options.file);
        LocalDate night = date != null ? date : LocalDate.now(ZoneOffset.UTC);
        String id = spec.name() + "-" + night;
        Path locks = lockDir(spec.results());
        try (SweepLock lock = SweepLock.tryAcquire(locks, id)) {
            if (lock == null) {
                System.out.println("nightly " + id + " is already running (" + SweepLock.holder(locks, id) + ", lock "
                        + locks.resolve(id + ".lock") + "); this start does nothing");
                return 0;
            }
            Timestamp started = new Timestamp(System.currentTimeMillis());
            try (SparkSession spark = SparkSessions.create("bpm nightly " + id, options.master, spec.results())) {
                SweepRunner.Summary run = new SweepRunner(spark, spec, id, false, options.parallelism, options.commitSeconds, System.out).run();
                return summarise(spark, spec, id, night, started, run);
            }
        }
    }

    private Path lockDir(ResultsLocation results) {
        if (lockDir != null) {
            return lockDir;
        }
        String env = System.getenv("BPM_LOCK_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String w = results.warehouse();
        if (w.startsWith("file:")) {
            return Path.of(java.net.URI.create(w)).resolve("_locks");
        }
        return w.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? Path.of("locks") : Path.of(w, "_locks");
    }

    private int summarise(SparkSession spark, SweepSpec spec, String id, LocalDate night, Timestamp started,
                          SweepRunner.Summary run) {
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
        SweepsTable sweeps = new SweepsTable(spark, spec.results());
        sweeps.ensure();
        sweeps.upsert(id, spec.name(), java.sql.Date.valueOf(night), started, new Timestamp(System.currentTimeMillis()),
                done, completed, diverged, failed, bestVariant, bestPpl, prevId, prevPpl, line.toString());
        System.out.println(line);
        return failed > 0 || run.lost() > 0 || done < run.total() ? 1 : 0;
    }
}
