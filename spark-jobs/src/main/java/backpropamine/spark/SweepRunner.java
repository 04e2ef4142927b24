package backpropamine.spark;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFetcher;
import backpropamine.data.PtbFiles;
import backpropamine.model.CodeVersion;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.ResultsSchema;
import backpropamine.spark.results.ResultsStore;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.sweep.TrialKey;
import backpropamine.spark.sweep.TrialSpec;
import backpropamine.train.EpochResult;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Timestamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The driver of a sweep: expands the grid, skips trials already finished under this sweep id, runs every
 * remaining grid point as its own Spark job of exactly one task, and commits outcomes to the results tables
 * every {@code commitSeconds} (and at the end), so results become visible while the sweep runs.
 *
 * <ul>
 *   <li>Trials in flight follow the task slots Spark has at each moment ({@link TaskSlots}).</li>
 *   <li>Every trial checkpoints each epoch under the sweep's checkpoint root; a retried task or a later run of the
 *       sweep continues from the last complete epoch. Epochs of running trials are read from there and committed
 *       with the other results, so a running trial's epochs are visible in {@code epochs}. A trial's checkpoints
 *       are deleted once its row is committed (unless the sweep keeps them).</li>
 *   <li>A trial whose Spark job fails (every attempt of its task failed) is recorded as LOST with the error and
 *       its attempts; the others keep running, and the next run retries it.</li>
 * </ul>
 *
 * <p>All learning happens in the task ({@link TrialTask}); this class only schedules and stores.
 */
public final class SweepRunner {
    /** Spark conf: GPUs of one trial task, requested for trial stages only (commit tasks then take none). */
    public static final String TRIAL_GPUS = "spark.bpm.trial.gpus";

    /**
     * Scheduler pools (SparkSessions sets FAIR scheduling): a commit's tasks, in a pool with nothing running, take
     * the next free slot before any queued trial.
     */
    static final String TRIALS_POOL = "bpm-trials";
    static final String COMMITS_POOL = "bpm-commits";

    /** Counts of a finished sweep run. */
    public record Summary(String sweepId, int total, int skipped, int completed, int diverged, int failed, int lost,
                          double seconds) {
        public boolean allGood() {
            return failed == 0 && lost == 0;
        }
    }

    /** Trials in flight and the scheduler's target at one moment (seconds since the start). */
    public record InFlight(double seconds, int target, int inFlight) {
    }

    private final SparkSession spark;
    private final SweepSpec spec;
    private final String sweepId;
    private final boolean rerunFailed;
    private final int parallelism;
    private final long commitSeconds;
    private final PrintStream out;
    private final List<TrialOutcome> pending = new ArrayList<>();
    private final Map<String, TrialSpec> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Integer> liveEpochsCommitted = new ConcurrentHashMap<>();
    private final List<InFlight> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger diverged = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final Object finishedSignal = new Object();
    private String checkpointRoot;
    private Configuration hadoop;
    private Journal journal;
    private double synthetic = -1;
    private List<TrialConfig> explicit;
    private java.util.function.Supplier<String> stopReason = () -> null;
    private volatile String stopped;

    /** @param parallelism trials at a time; 0 follows the task slots Spark has */
    public SweepRunner(SparkSession spark, SweepSpec spec, String sweepId, boolean rerunFailed, int parallelism,
                       long commitSeconds, PrintStream out) {
        this.spark = spark;
        this.spec = spec;
        this.sweepId = sweepId;
        this.rerunFailed = rerunFailed;
        this.parallelism = parallelism;
        this.commitSeconds = commitSeconds;
        this.out = out;
    }

    /** The grid as trial specs with their keys, in grid order, without duplicates. */
    public static List<TrialSpec> trials(SweepSpec spec, String sweepId, String dataChecksum, String checkpointRoot,
                                         double synthetic) {
        return trials(spec.expand(), spec, sweepId, dataChecksum, checkpointRoot, synthetic);
    }

    private static List<TrialSpec> trials(List<TrialConfig> configs, SweepSpec spec, String sweepId,
                                          String dataChecksum, String checkpointRoot, double synthetic) {
        Map<String, TrialSpec> byKey = new LinkedHashMap<>();
        for (TrialConfig c : configs) {
            String key = TrialKey.of(c, dataChecksum);
            byKey.putIfAbsent(key, new TrialSpec(sweepId, key, c, spec.threads(),
                    synthetic >= 0 ? null : checkpointRoot, spec.allowSharedGpu(), synthetic));
        }
        return List.copyOf(byKey.values());
    }

    /**
     * Makes this a synthetic run: every trial goes through the scheduler, the commits and the tables, but its task
     * sleeps {@code seconds} instead of training and returns made-up epochs ({@link SyntheticTrial}). The caller
     * points the sweep at a results namespace of its own ({@link ResultsLocation#synthetic()}).
     */
    public SweepRunner synthetic(double seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("--synthetic seconds must be >= 0, was " + seconds);
        }
        this.synthetic = seconds;
        return this;
    }

    /**
     * Runs these trials instead of the spec's grid (the replication stage: chosen configurations x seeds); the spec
     * still says where data, results and checkpoints are.
     */
    public SweepRunner trials(List<TrialConfig> configs) {
        this.explicit = List.copyOf(configs);
        return this;
    }

    /**
     * Makes the run stop as soon as {@code reason} answers non-null (a lost lease: another driver now runs the sweep):
     * no trial is started any more, trials in flight are cancelled and not recorded, no checkpoint is deleted, and
     * {@link #run} returns with them counted lost.
     */
    public SweepRunner stopWhen(java.util.function.Supplier<String> reason) {
        this.stopReason = reason;
        return this;
    }

    /** Why the last run stopped early, or null. */
    public String stopped() {
        return stopped;
    }

    /** Trials in flight over time, sampled whenever the scheduler looked (for tests and capacity notes). */
    public List<InFlight> inFlightHistory() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    public Summary run() throws InterruptedException {
        long start = System.nanoTime();
        Faults.parse(System.getenv("BPM_FAULTS")); // a malformed BPM_FAULTS is refused before anything runs
        Locations where = Locations.of(spark, spec.results(), spec.checkpoints()).requireReachable();
        checkpointRoot = where.checkpointRoot();
        hadoop = where.hadoop();
        // the driver's copy of the data is the only one needed: it reaches the executors as a broadcast
        java.nio.file.Path dataDir = PtbFiles.resolveDirectory(spec.data()).toAbsolutePath().normalize();
        PtbCorpus corpus = PtbFetcher.loadOrFetch(dataDir); // refuses missing or corrupt data before any trial
        ResultsStore store = new ResultsStore(spark, spec.results());
        store.ensureTables();
        journal = new Journal(checkpointRoot, sweepId, hadoop);
        List<TrialOutcome> recovered = readJournal();
        if (!recovered.isEmpty()) { // finished by an earlier run that could not commit them: commit before anything
            store.commit(recovered);
            removeFromJournal(recovered);
            out.printf("%d finished trials recovered from the journal and committed%n", recovered.size());
        }
        List<TrialSpec> all = trials(explicit != null ? explicit : spec.expand(), spec, sweepId, corpus.checksum(),
                checkpointRoot, synthetic);
        Set<String> done = new ResultsQueries(spark, spec.results()).finishedKeys(sweepId, rerunFailed);
        if (spec.reuse()) { // trials some earlier sweep computed: copy their rows instead of training them again
            Set<String> reused = store.reuse(sweepId, all.stream().map(TrialSpec::trialKey)
                    .filter(k -> !done.contains(k)).toList());
            out.printf("reuse: %d trials copied from earlier sweeps%n", reused.size());
            done.addAll(reused);
        }
        Deque<TrialSpec> queue = new ArrayDeque<>(all.stream().filter(t -> !done.contains(t.trialKey())).toList());
        int toRun = queue.size();
        double trialGpus = spark.sparkContext().conf().getDouble(TRIAL_GPUS, 0);
        TaskSlots slots = new TaskSlots(spark.sparkContext(), parallelism, trialGpus > 0 ? trialGpus
                : spark.sparkContext().conf().getDouble("spark.task.resource.gpu.amount", 0), trialGpus > 0);
        out.printf("sweep %s: %d trials, %d already finished, %d to run, %d at a time now; results in %s, checkpoints"
                + " in %s%n", sweepId, all.size(), all.size() - toRun, toRun, slots.target(), store.trials(), checkpointRoot);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TrialInputs inputs = TrialInputs.broadcast(spark.sparkContext(), corpus, hadoop);
        ResourceProfile trialProfile = trialGpus > 0 ? new ResourceProfileBuilder().require(new TaskResourceRequests()
                .cpus(spark.sparkContext().conf().getInt("spark.task.cpus", 1)).resource("gpu", trialGpus)).build() : null;
        Progress progress = new Progress(toRun, out);
        // progress and commits on separate threads: a commit waits for a task slot and must not freeze the display
        ScheduledExecutorService display = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bpm-progress"));
        display.scheduleWithFixedDelay(() -> progress.print(inFlight.size(), completed.get(), diverged.get(),
                failed.get(), lost.get(), false), 1, 1, TimeUnit.SECONDS);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bpm-commit"));
        ticker.scheduleWithFixedDelay(() -> flush(store, true), // never throws: a throw would silently stop this schedule
                commitSeconds, commitSeconds, TimeUnit.SECONDS);
        ExecutorService pool = Executors.newCachedThreadPool(r -> daemon(r, "bpm-trial"));
        try {
            while (!queue.isEmpty() || !inFlight.isEmpty()) {
                if (stopped == null && (stopped = stopReason.get()) != null) {
                    out.printf("%nsweep %s stops: %s; %d trials in flight are cancelled, %d not started%n", sweepId,
                            stopped, inFlight.size(), queue.size());
                    lost.addAndGet(queue.size());
                    queue.clear();
                    inFlight.keySet().forEach(k -> jsc.cancelJobGroup(jobGroup(k)));
                }
                int target = slots.target();
                while (inFlight.size() < target && !queue.isEmpty()) {
                    TrialSpec t = queue.poll();
                    inFlight.put(t.trialKey(), t);
                    pool.submit(() -> runTrial(jsc, t, inputs, trialProfile));
                }
                history.add(new InFlight((System.nanoTime() - start) / 1e9, target, inFlight.size()));
                synchronized (finishedSignal) {
                    finishedSignal.wait(500); // a trial ending wakes the scheduler; else look at the slots again
                }
            }
        } finally {
            pool.shutdown();
            display.shutdownNow();
            ticker.shutdown(); // not shutdownNow: interrupting a commit in flight breaks Spark's broadcast
            ticker.awaitTermination(10, TimeUnit.MINUTES);
            for (int attempt = 0; attempt < 5 && !pendingEmpty(); attempt++) {
                flush(store, false);
            }
            try {
                store.maintain(sweepId);
            } catch (RuntimeException e) {
                out.printf("%ncompaction of sweep %s's files failed (results are safe; the next run retries): %s%n",
                        sweepId, e.getMessage());
            }
            inputs.destroy();
        }
        progress.print(0, completed.get(), diverged.get(), failed.get(), lost.get(), true);
        out.printf("%d commits of trial rows; the sweep's files compacted every %d commits and at the end%n",
                store.commits(), ResultsStore.MAINTAIN_EVERY);
        int uncommitted;
        synchronized (pending) {
            uncommitted = pending.size();
        }
        if (uncommitted > 0) {
            lost.addAndGet(uncommitted);
            out.printf("%d finished results could not be committed now; they are kept in the journal and committed by"
                    + " the next run of the sweep%n", uncommitted);
        }
        return new Summary(sweepId, all.size(), all.size() - toRun, completed.get(), diverged.get(), failed.get(),
                lost.get(), (System.nanoTime() - start) / 1e9);
    }

    /** One trial as one Spark job; its outcome, or LOST when Spark gave up on the task. */
    private void runTrial(JavaSparkContext jsc, TrialSpec t, TrialInputs inputs, ResourceProfile profile) {
        Timestamp started = new Timestamp(System.currentTimeMillis());
        try {
            jsc.setLocalProperty("spark.scheduler.pool", TRIALS_POOL);
            jsc.setJobGroup(jobGroup(t.trialKey()), t.config().variant() + " " + t.trialKey(), true);
            JavaRDD<TrialSpec> rdd = jsc.parallelize(List.of(t), 1);
            if (profile != null) {
                rdd = rdd.withResources(profile);
            }
            record(rdd.map(spec -> TrialTask.run(spec, inputs)).collect().get(0));
        } catch (Exception e) { // SparkException too: Java does not see Scala's checked exceptions, catch them all
            if (stopped != null) { // cancelled by the stop: not a result, and the sweep is another driver's now
                lost.incrementAndGet();
                return;
            }
            int attempts = maxTaskFailures(spark.sparkContext());
            String error = rootMessage(e);
            out.printf("%ntrial %s lost after %d attempt(s), will run again on the next run: %s%n", t.trialKey(),
                    attempts, error);
            record(TrialOutcome.lost(t.sweepId(), t.trialKey(), t.config(), error, new TrialOutcome.Attempt(null, null,
                    started, new Timestamp(System.currentTimeMillis()), attempts), CodeVersion.VALUE));
        } finally {
            inFlight.remove(t.trialKey());
            synchronized (finishedSignal) {
                finishedSignal.notifyAll();
            }
        }
    }

    private static String jobGroup(String trialKey) {
        return "bpm-trial-" + trialKey;
    }

    /** Attempts Spark gives a task: local[N] never retries, local[N,F] tries F times, a cluster spark.task.maxFailures. */
    static int maxTaskFailures(org.apache.spark.SparkContext sc) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[[^,\\]]+,\\s*([0-9]+)\\]").matcher(sc.master());
        if (m.matches()) {
            return Integer.parseInt(m.group(1));
        }
        return sc.isLocal() ? 1 : sc.conf().getInt("spark.task.maxFailures", 4);
    }

    /** The first line of the deepest cause's message: what the task reported, without Spark's wrapping. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = String.valueOf(e.getMessage());
        int reason = m.indexOf("): ");
        String text = reason >= 0 ? m.substring(reason + 3) : root.getClass().getName() + ": " + root.getMessage();
        int nl = text.indexOf('\n');
        return nl >= 0 ? text.substring(0, nl) : text;
    }

    private void record(TrialOutcome o) {
        switch (o.status()) {
            case COMPLETED -> completed.incrementAndGet();
            case DIVERGED -> diverged.incrementAndGet();
            case FAILED -> failed.incrementAndGet();
            case LOST -> lost.incrementAndGet();
            case CANCELLED -> {
                lost.incrementAndGet(); // killed task: not a result; the next run resumes it from its checkpoint
                return;
            }
        }
        try {
            journal.write(o);
        } catch (IOException e) {
            out.printf("%ncannot journal the outcome of trial %s (%s); it is kept in memory until committed%n",
                    o.trialKey(), e.getMessage());
        }
        synchronized (pending) {
            pending.add(o);
        }
    }

    private List<TrialOutcome> readJournal() {
        try {
            return journal.read();
        } catch (IOException e) {
            out.printf("cannot read the journal of sweep %s: %s%n", sweepId, e.getMessage());
            return List.of();
        }
    }

    private void removeFromJournal(List<TrialOutcome> committed) {
        try {
            journal.remove(committed);
        } catch (IOException e) {
            out.printf("%ncannot clear %d committed entries from the journal (they commit again, harmlessly): %s%n",
                    committed.size(), e.getMessage());
        }
    }

    private boolean pendingEmpty() {
        synchronized (pending) {
            return pending.isEmpty();
        }
    }

    /**
     * Commits what has arrived since the last commit, and with {@code live} the new epochs of running trials (read
     * from their checkpoints); on failure keeps the outcomes for the next attempt. Never throws.
     */
    private void flush(ResultsStore store, boolean live) {
        spark.sparkContext().setLocalProperty("spark.scheduler.pool", COMMITS_POOL);
        List<TrialOutcome> batch;
        synchronized (pending) {
            batch = new ArrayList<>(pending);
            pending.clear();
        }
        Map<String, Integer> liveCounts = new LinkedHashMap<>();
        Set<String> finishing = new java.util.HashSet<>();
        batch.forEach(o -> finishing.add(o.trialKey()));
        List<Row> epochRows = new ArrayList<>(live ? liveEpochs(liveCounts, finishing) : List.of());
        for (TrialOutcome o : batch) { // the epochs not already committed while the trial ran
            int already = Math.min(liveEpochsCommitted.getOrDefault(o.trialKey(), 0), o.epochs().size());
            epochRows.addAll(ResultsSchema.epochRows(o.sweepId(), o.trialKey(), o.epochs().subList(already, o.epochs().size())));
        }
        try {
            store.commit(batch, epochRows);
            if (!batch.isEmpty() && store.commits() % ResultsStore.MAINTAIN_EVERY == 0) {
                store.maintain(sweepId);
            }
            liveEpochsCommitted.putAll(liveCounts);
            removeFromJournal(batch);
            for (TrialOutcome o : batch) {
                liveEpochsCommitted.remove(o.trialKey());
                // after a stop another driver may be resuming this trial from its checkpoints
                if (synthetic < 0 && !spec.checkpoints().keep() && o.status() != TrialStatus.LOST && stopped == null) {
                    deleteCheckpoints(o.trialKey());
                }
            }
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

    /** Rows of the epochs that running trials finished since the last commit (from their checkpoints). */
    private List<Row> liveEpochs(Map<String, Integer> counts, Set<String> finishing) {
        List<Row> rows = new ArrayList<>();
        if (synthetic >= 0) {
            return rows; // synthetic trials write no checkpoints
        }
        for (TrialSpec t : List.copyOf(inFlight.values())) {
            if (finishing.contains(t.trialKey())) {
                continue; // its outcome, with its epochs, is in this very commit
            }
            try {
                List<EpochResult> epochs = new HadoopCheckpoints(checkpointRoot, sweepId, t.trialKey(), hadoop).epochs();
                if (epochs.size() > liveEpochsCommitted.getOrDefault(t.trialKey(), 0)) {
                    rows.addAll(ResultsSchema.epochRows(sweepId, t.trialKey(), epochs));
                    counts.put(t.trialKey(), epochs.size());
                }
            } catch (IOException e) {
                out.printf("%ncannot read the checkpoints of running trial %s (%s); its epochs come with its row%n",
                        t.trialKey(), e.getMessage());
            }
        }
        return rows;
    }

    private void deleteCheckpoints(String trialKey) {
        try {
            new HadoopCheckpoints(checkpointRoot, sweepId, trialKey, hadoop).delete();
        } catch (IOException e) {
            out.printf("%ncannot delete the checkpoints of trial %s: %s%n", trialKey, e.getMessage());
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
