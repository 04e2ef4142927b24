package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.cli.BuildInfo;
import backpropamine.model.Variant;
import backpropamine.spark.sweep.Axis;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.testing.TestData;
import backpropamine.spark.testing.TestHdfs;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on loopback: a master and workers as separate JVMs, with a Spark home laid out
 * from the Maven Spark jars, and the warehouse on an in-process HDFS. As on separate hosts, no two processes share a
 * working directory (each its own, each worker its own SPARK_WORKER_DIR) or the data: the workers have no BPM_DATA,
 * the driver alone reads Penn Treebank and sends the corpus. Each worker has three cores and advertises two fake
 * GPUs through deploy/gpu-discovery.sh. The sweep starts on worker A alone; worker B joins mid-sweep and is used;
 * worker A is killed while a trial that has checkpointed on HDFS runs on it, and that trial resumes on B from that
 * checkpoint to the figures of an uninterrupted run. Then, with dynamic allocation from zero executors, trials run
 * two and more at a time.
 */
@Timeout(value = 9, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    @TempDir
    static Path tmp;
    static Path logs;
    static Process master;
    static final List<Process> workers = new ArrayList<>();
    static int masterPort;
    static int masterUiPort;
    static MiniDFSCluster hdfs;
    static String hdfsRoot;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static List<String> classpath() {
        return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    static Process start(String name, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.addAll(BuildInfo.jvmFlags());
        int split = List.of(args).indexOf("--");
        List<String> jvm = split < 0 ? List.of() : List.of(args).subList(0, split);
        List<String> rest = split < 0 ? List.of(args) : List.of(args).subList(split + 1, args.length);
        cmd.addAll(jvm);
        cmd.add("-cp");
        cmd.add(tmp.resolve("spark-home/jars").toString() + "/*");
        cmd.addAll(rest);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile())
                .directory(Files.createDirectories(tmp.resolve("cwd-" + name)).toFile()); // a working directory of its own
        pb.environment().keySet().removeIf(k -> k.startsWith("BPM_")); // no data path, no faults: what a remote host has
        pb.environment().put("SPARK_HOME", tmp.resolve("spark-home").toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().putAll(env);
        return pb.start();
    }

    static String masterJson() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    @BeforeAll
    static void cluster() throws Exception {
        hdfs = TestHdfs.start(tmp);
        hdfsRoot = TestHdfs.uri(hdfs) + "/bpm";
        logs = Files.createDirectories(Path.of("target", "cluster-logs"));
        Path jars = Files.createDirectories(tmp.resolve("spark-home/jars"));
        for (String entry : classpath()) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                Path link = jars.resolve(p.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p.toAbsolutePath());
                }
            }
        }
        masterPort = freePort();
        masterUiPort = freePort();
        master = start("master", Map.of(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(masterPort), "--webui-port", String.valueOf(masterUiPort));
        workers.add(worker("0,1"));
        long deadline = System.currentTimeMillis() + 90_000;
        while (!masterJson().contains("\"aliveworkers\" : 1")) {
            assertTrue(System.currentTimeMillis() < deadline, "workers did not register; see " + logs.toAbsolutePath());
            Thread.sleep(500);
        }
    }

    /** A worker with three cores and two fake GPUs at these addresses. */
    static Process worker(String gpus) throws IOException {
        String discovery = TestData.root().resolve("deploy/gpu-discovery.sh").toString();
        int w = workers.size();
        return start("worker-" + w, Map.of("BPM_FAKE_GPUS", gpus),
                "-Dspark.worker.resource.gpu.amount=2", "-Dspark.worker.resource.gpu.discoveryScript=" + discovery, "--",
                "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "3", "--memory", "3g",
                "--webui-port", String.valueOf(freePort()), "--work-dir", tmp.resolve("work-" + w).toString(),
                "spark://127.0.0.1:" + masterPort);
    }

    @AfterAll
    static void teardown() {
        for (Process p : workers) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (master != null) {
            master.destroyForcibly();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    /** The executor id of the executor JVM a worker launched (from its command line), or null. */
    static String executorIdOf(Process worker) {
        return worker.descendants().map(p -> p.info().arguments().orElse(new String[0])).map(List::of)
                .filter(a -> a.contains("--executor-id")).map(a -> a.get(a.indexOf("--executor-id") + 1))
                .findFirst().orElse(null);
    }

    /** Which trials run where, from the job descriptions ("VARIANT key") of the trial jobs. */
    static final class Placement extends SparkListener {
        final Map<Integer, String> trialOfStage = new ConcurrentHashMap<>();
        final Map<Long, String> trialOfTask = new ConcurrentHashMap<>();
        final Map<String, Set<String>> runningOn = new ConcurrentHashMap<>();   // executor -> trial keys
        final Set<String> executorsUsed = ConcurrentHashMap.newKeySet();
        final AtomicInteger lostTasks = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            String d = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
            if (d != null && d.matches("[A-Z]+ [0-9a-f]{32}")) {
                for (Object id : scala.collection.JavaConverters.seqAsJavaList(job.stageIds())) {
                    trialOfStage.put((Integer) id, d.split(" ")[1]);
                }
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart start) {
            String key = trialOfStage.get(start.stageId());
            if (key != null) {
                trialOfTask.put(start.taskInfo().taskId(), key);
                runningOn.computeIfAbsent(start.taskInfo().executorId(), k -> ConcurrentHashMap.newKeySet()).add(key);
                executorsUsed.add(start.taskInfo().executorId());
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            String key = trialOfTask.remove(end.taskInfo().taskId());
            if (key != null) {
                runningOn.getOrDefault(end.taskInfo().executorId(), Set.of()).remove(key);
                running.decrementAndGet();
                if (end.reason() instanceof ExecutorLostFailure) {
                    lostTasks.incrementAndGet();
                }
            }
        }

        Set<String> on(String executorId) {
            return executorId == null ? Set.of() : runningOn.getOrDefault(executorId, Set.of());
        }
    }

    /** The moments the target or the trials in flight changed, as "12.3s: 4/3". */
    static String changes(List<SweepRunner.InFlight> history) {
        StringBuilder sb = new StringBuilder();
        SweepRunner.InFlight last = null;
        for (SweepRunner.InFlight h : history) {
            if (last == null || h.target() != last.target() || h.inFlight() != last.inFlight()) {
                sb.append(String.format("%.1fs: %d/%d  ", h.seconds(), h.target(), h.inFlight()));
            }
            last = h;
        }
        return sb.toString().trim();
    }

    static SparkSession session(String app, Map<String, String> extra) {
        String dirs = String.join(File.pathSeparator, classpath().stream().filter(e -> !e.endsWith(".jar")).toList());
        Map<String, String> conf = new HashMap<>(Map.of(
                "spark.executor.memory", "1g",
                "spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector",
                "spark.executor.extraClassPath", dirs,
                "spark.executorEnv.OMP_NUM_THREADS", "1",
                "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1"));
        conf.putAll(extra);
        conf.forEach(System::setProperty);
        try {
            return SparkSessions.create(app, "spark://127.0.0.1:" + masterPort, results());
        } finally {
            conf.keySet().forEach(System::clearProperty);
        }
    }

    static ResultsLocation results() {
        return new ResultsLocation("bpm", hdfsRoot + "/warehouse", "results", Map.of());
    }

    static SweepSpec grid(String name, int decays, int epochs) {
        TrialConfig training = TrialConfig.builder(Variant.LSTM).epochs(epochs).maxBatches(25).bptt(10).batch(8)
                .validBatch(8).testBatch(8).paramBudget(200_000).build();
        List<Object> decay = new ArrayList<>();
        for (int k = 0; k < decays; k++) {
            decay.add(0.3 + 0.05 * k);
        }
        return new SweepSpec(name, List.of(Variant.LSTM, Variant.SIMPLE), List.of(new Axis(TrialSetting.DECAY_FACTOR, decay),
                new Axis(TrialSetting.DECAY_START, List.of(1)), new Axis(TrialSetting.INIT_SCALE, List.of(0.1)),
                new Axis(TrialSetting.L2, List.of(1e-5))), List.of(1L), training, TestData.dir(), results(), 1);
    }

    static boolean onHdfs(FileSystem fs, String path) {
        try {
            return fs.exists(new org.apache.hadoop.fs.Path(hdfsRoot + "/" + path));
        } catch (IOException e) {
            return false;
        }
    }

    static CompletableFuture<SweepRunner.Summary> runAsync(SweepRunner runner) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return runner.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 150_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, what + "; see " + logs.toAbsolutePath());
            Thread.sleep(50);
        }
    }

    @Test
    @Order(1)
    void addedWorkerIsUsedKilledWorkersTrialsResumeElsewhereAndGpusAreExclusive() throws Exception {
        // trial tasks take their GPU through a stage-level profile: commit tasks take none and use the third core
        SparkSession spark = session("cluster-test", Map.of("spark.executor.cores", "3",
                "spark.executor.resource.gpu.amount", "2", SweepRunner.TRIAL_GPUS, "1"));
        Placement placement = new Placement();
        spark.sparkContext().addSparkListener(placement);
        try {
            SweepSpec spec = grid("cluster", 6, 4);
            SweepRunner runner = new SweepRunner(spark, spec, "c1", false, 0, 1, new PrintStream(new ByteArrayOutputStream()));
            CompletableFuture<SweepRunner.Summary> sweep = runAsync(runner);

            await("no trial ran on worker A", () -> !placement.on(executorIdOf(workers.get(0))).isEmpty());
            workers.add(worker("2,3"));
            await("the worker added mid-sweep was never used", () -> !placement.on(executorIdOf(workers.get(1))).isEmpty());
            // kill worker A while one of its trials has a checkpoint on HDFS and is still running
            FileSystem fs = FileSystem.get(URI.create(hdfsRoot), new Configuration());
            await("no trial on worker A got to checkpoint an epoch on HDFS", () -> placement.on(executorIdOf(workers.get(0)))
                    .stream().anyMatch(k -> onHdfs(fs, "checkpoints/c1/" + k + "/epoch-0001.ckpt")
                            || onHdfs(fs, "checkpoints/c1/" + k + "/epoch-0002.ckpt")));
            workers.get(0).descendants().forEach(ProcessHandle::destroyForcibly);
            workers.get(0).destroyForcibly();

            SweepRunner.Summary s = sweep.get(5, TimeUnit.MINUTES);
            assertEquals(12, s.total());
            assertEquals(12, s.completed(), "every trial finished despite the lost worker: " + s);
            assertEquals(0, s.lost());
            assertTrue(placement.lostTasks.get() > 0, "the kill hit running trials, which Spark retried elsewhere");
            int peak = runner.inFlightHistory().stream().mapToInt(SweepRunner.InFlight::inFlight).max().orElse(0);
            assertTrue(peak >= 3, "in flight followed the slots of two workers: " + runner.inFlightHistory());
            System.out.println("in flight over time (s: target/in flight): " + changes(runner.inFlightHistory()));

            Row counts = spark.sql("SELECT count(*), count(DISTINCT trial_key) FROM bpm.results.trials WHERE sweep_id = 'c1'").first();
            assertEquals(12L, counts.getLong(0), "one row per grid point");
            assertEquals(12L, counts.getLong(1));
            assertEquals(48L, spark.sql("SELECT count(*) FROM bpm.results.epochs WHERE sweep_id = 'c1'").first().getLong(0));
            List<Row> resumed = spark.sql("SELECT trial_key, attempts, resumed_from_epoch FROM bpm.results.trials"
                    + " WHERE sweep_id = 'c1' AND resumed_from_epoch >= 1").collectAsList();
            assertTrue(!resumed.isEmpty(), "the killed trial resumed from its checkpoint");
            for (Row r : resumed) {
                assertTrue(r.getInt(1) >= 2, "a resumed trial ran more than one attempt: " + r);
            }

            List<Row> rows = spark.sql("SELECT gpu, started, finished, executor_host FROM bpm.results.trials WHERE sweep_id = 'c1'")
                    .collectAsList();
            for (Row r : rows) {
                assertNotNull(r.getString(0), "every trial ran on a GPU");
                assertNotNull(r.getString(3));
            }
            int overlapping = 0;
            for (int i = 0; i < rows.size(); i++) {
                for (int j = i + 1; j < rows.size(); j++) {
                    Row a = rows.get(i);
                    Row b = rows.get(j);
                    boolean overlap = a.getTimestamp(1).before(b.getTimestamp(2)) && b.getTimestamp(1).before(a.getTimestamp(2));
                    if (overlap) {
                        overlapping++;
                        assertTrue(!a.getString(0).equals(b.getString(0)), "concurrent trials shared GPU " + a.getString(0));
                    }
                }
            }
            assertTrue(overlapping > 0, "some trials ran concurrently");

            // the same grid, uninterrupted, under another id: the resumed trials end with the same figures, bit for bit
            new SweepRunner(spark, spec, "c2", false, 0, 1, new PrintStream(new ByteArrayOutputStream())).run();
            for (Row r : resumed) {
                String q = "SELECT best_valid_ppl, final_valid_ppl, test_ppl FROM bpm.results.trials WHERE trial_key = '"
                        + r.getString(0) + "' AND sweep_id = ";
                Row a = spark.sql(q + "'c1'").first();
                Row b = spark.sql(q + "'c2'").first();
                for (int k = 0; k < 3; k++) {
                    assertEquals(b.getDouble(k), a.getDouble(k), "figure " + k + " of resumed trial " + r.getString(0));
                }
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    @Order(2)
    void dynamicAllocationFromZeroExecutorsRunsTrialsTwoAndMoreAtATime() throws Exception {
        workers.add(worker("4,5"));
        SparkSession spark = session("dynamic-test", Map.of("spark.executor.cores", "2",
                "spark.dynamicAllocation.enabled", "true", "spark.dynamicAllocation.shuffleTracking.enabled", "true",
                "spark.dynamicAllocation.minExecutors", "0", "spark.dynamicAllocation.initialExecutors", "0",
                "spark.dynamicAllocation.maxExecutors", "2", "spark.dynamicAllocation.schedulerBacklogTimeout", "1s"));
        Placement placement = new Placement();
        spark.sparkContext().addSparkListener(placement);
        try {
            assertEquals(0, JavaConverters.seqAsJavaList(spark.sparkContext().statusStore().executorList(true)).stream()
                    .filter(e -> !e.id().equals("driver")).count(), "no executor before the sweep");
            SweepRunner runner = new SweepRunner(spark, grid("dynamic", 3, 2), "d1", false, 0, 1,
                    new PrintStream(new ByteArrayOutputStream()));
            SweepRunner.Summary s = runner.run();
            assertEquals(6, s.completed(), s.toString());
            assertTrue(placement.maxRunning.get() >= 2, "trials at once: " + placement.maxRunning.get());
            System.out.println("dynamic allocation, in flight over time (s: target/in flight): "
                    + changes(runner.inFlightHistory()));
        } finally {
            spark.stop();
        }
    }
}
