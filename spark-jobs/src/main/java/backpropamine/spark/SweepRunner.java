package backpropamine.spark;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFetcher;
import backpropamine.data.PtbFiles;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.ResultsStore;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.sweep.TrialKey;
import backpropamine.spark.sweep.TrialSpec;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialStatus;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The driver of a sweep: expands the grid, skips trials already finished under this sweep id, runs every
 * remaining grid point as its own Spark job of exactly one task, and commits outcomes to the results tables
 * every {@code commitSeconds} (and at the end), so results become visible while the sweep runs.
 *
 * <p>All learning happens in the task ({@link TrialTask}); this class only schedules and stores.
 */
public final class SweepRunner {
    /** Counts of a finished sweep run. */
    public record Summary(String sweepId, int total, int skipped, int completed, int diverged, int failed, int lost,
                          double seconds) {
        public boolean allGood() {
            return failed == 0 && lost == 0;
        }
    }

    private final SparkSession spark;
    private final SweepSpec spec;
    private final String sweepId;
    private final boolean rerunFailed;
    private final int parallelism;
    private final long commitSeconds;
    private final PrintStream out;
    private final List<TrialOutcome> pending = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger diverged = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();

    public SweepRunner(SparkSession spark, SweepSpec spec, String sweepId, boolean rerunFailed, int parallelism,
                       long commitSeconds, PrintStream out) {
        this.spark = spark;
        this.spec = spec;
        this.sweepId = sweepId;
        this.rerunFailed = rerunFailed;
        this.parallelism = parallelism > 0 ? parallelism : defaultParallelism(spark);
        this.commitSeconds = commitSeconds;
        this.out = out;
    }

    /**
     * Trials at a time: task slots (cores / spark.task.cpus) less one, which stays free for the commit jobs so
     * that results become visible while every other slot trains (Spark never preempts a running task). On GPU
     * clusters Spark itself keeps to one GPU per task.
     */
    static int defaultParallelism(SparkSession spark) {
        int cores = spark.sparkContext().defaultParallelism();
        int taskCpus = Integer.parseInt(spark.conf().get("spark.task.cpus", "1"));
        return Math.max(1, cores / Math.max(1, taskCpus) - 1);
    }

    /** The grid as trial specs with their keys, in grid order, without duplicates. */
    public static List<TrialSpec> trials(SweepSpec spec, String sweepId, String dataDir, String dataChecksum) {
        Map<String, TrialSpec> byKey = new LinkedHashMap<>();
        for (TrialConfig c : spec.expand()) {
            String key = TrialKey.of(c, dataChecksum);
            byKey.putIfAbsent(key, new TrialSpec(sweepId, key, c, dataDir, spec.threads()));
        }
        return List.copyOf(byKey.values());
    }

    public Summary run() throws InterruptedException {
        long start = System.nanoTime();
        java.nio.file.Path dataDir = PtbFiles.resolveDirectory(spec.data()).toAbsolutePath().normalize();
        PtbCorpus corpus = PtbFetcher.loadOrFetch(dataDir); // refuses missing or corrupt data before any trial
        ResultsStore store = new ResultsStore(spark, spec.results());
        store.ensureTables();
        List<TrialSpec> all = trials(spec, sweepId, dataDir.toString(), corpus.checksum());
        Set<String> done = new ResultsQueries(spark, spec.results()).finishedKeys(sweepId, rerunFailed);
        List<TrialSpec> todo = all.stream().filter(t -> !done.contains(t.trialKey())).toList();
        out.printf("sweep %s: %d trials, %d already finished, %d to run, %d at a time; results in %s%n", sweepId,
                all.size(), all.size() - todo.size(), todo.size(), parallelism, store.trials());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Progress progress = new Progress(todo.size(), out);
        // progress and commits on separate threads: a commit waits for a task slot and must not freeze the display
        ScheduledExecutorService display = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bpm-progress"));
        display.scheduleWithFixedDelay(() -> progress.print(running.get(), completed.get(), diverged.get(), failed.get(),
                lost.get(), false), 1, 1, TimeUnit.SECONDS);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bpm-commit"));
        ticker.scheduleWithFixedDelay(() -> flush(store), // never throws: a throw would silently stop this schedule
                commitSeconds, commitSeconds, TimeUnit.SECONDS);
        ExecutorService pool = Executors.newFixedThreadPool(parallelism, r -> daemon(r, "bpm-trial"));
        List<Future<?>> futures = new ArrayList<>();
        for (TrialSpec t : todo) {
            futures.add(pool.submit(() -> {
                running.incrementAndGet();
                try {
                    jsc.setJobDescription(t.config().variant() + " " + t.trialKey());
                    TrialOutcome o = jsc.parallelize(List.of(t), 1).map(TrialTask::run).collect().get(0);
                    record(o);
                } catch (RuntimeException e) {
                    // Spark gave up after its retries (lost executors): no row, so the next run retries the trial
                    lost.incrementAndGet();
                    out.printf("%ntrial %s could not run: %s%n", t.trialKey(), e.getMessage());
                } finally {
                    running.decrementAndGet();
                }
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            display.shutdownNow();
            ticker.shutdown(); // not shutdownNow: interrupting a commit in flight breaks Spark's broadcast
            ticker.awaitTermination(10, TimeUnit.MINUTES);
            for (int attempt = 0; attempt < 5 && !pendingEmpty(); attempt++) {
                flush(store);
            }
        }
        progress.print(running.get(), completed.get(), diverged.get(), failed.get(), lost.get(), true);
        int uncommitted;
        synchronized (pending) {
            uncommitted = pending.size();
        }
        if (uncommitted > 0) {
            lost.addAndGet(uncommitted);
            out.printf("%d results could not be committed; those trials will run again on the next run%n", uncommitted);
        }
        return new Summary(sweepId, all.size(), all.size() - todo.size(), completed.get(), diverged.get(), failed.get(),
                lost.get(), (System.nanoTime() - start) / 1e9);
    }

    private void record(TrialOutcome o) {
        switch (o.status()) {
            case COMPLETED -> completed.incrementAndGet();
            case DIVERGED -> diverged.incrementAndGet();
            case FAILED -> failed.incrementAndGet();
            case CANCELLED -> {
                lost.incrementAndGet(); // killed task: not a result; the next run retries it
                return;
            }
        }
        synchronized (pending) {
            pending.add(o);
        }
    }

    private boolean pendingEmpty() {
        synchronized (pending) {
            return pending.isEmpty();
        }
    }

    /** Commits what has arrived since the last commit; on failure keeps it for the next attempt. Never throws. */
    private void flush(ResultsStore store) {
        List<TrialOutcome> batch;
        synchronized (pending) {
            batch = new ArrayList<>(pending);
            pending.clear();
        }
        try {
            store.commit(batch);
        } catch (Throwable e) {
            synchronized (pending) {
                pending.addAll(0, batch);
            }
            out.printf("%ncommit of %d results failed, will retry: %s%n", batch.size(), e);
            if (System.getenv("BPM_DEBUG") != null) {
                e.printStackTrace(out);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** done / running / failed, trials per hour and ETA, on one self-overwriting line when on a terminal. */
    static final class Progress {
        private final int total;
        private final PrintStream out;
        private final long start = System.nanoTime();
        private final boolean live = System.console() != null;
        private long lastLine;

        Progress(int total, PrintStream out) {
            this.total = total;
            this.out = out;
        }

        synchronized void print(int running, int completed, int diverged, int failed, int lost, boolean last) {
            long now = System.nanoTime();
            if (!live && !last && now - lastLine < 30_000_000_000L) {
                return;
            }
            lastLine = now;
            int done = completed + diverged + failed + lost;
            double hours = (now - start) / 3.6e12;
            double rate = hours > 0 ? done / hours : 0;
            String eta = rate > 0 ? duration((total - done) / rate * 3600) : "?";
            String line = String.format("done %d/%d (completed %d, diverged %d, failed %d%s)  running %d  %.0f trials/h  ETA %s",
                    done, total, completed, diverged, failed, lost > 0 ? ", lost " + lost : "", running, rate, eta);
            if (live) {
                out.print("\r" + line + "\u001b[K" + (last ? "\n" : ""));
            } else {
                out.println(line);
            }
            out.flush();
        }

        static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
        }
    }
}
