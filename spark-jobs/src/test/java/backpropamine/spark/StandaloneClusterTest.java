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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on loopback: a master and two workers as separate JVMs, with a Spark home laid
 * out from the Maven Spark jars. Each worker advertises two fake GPUs through deploy/gpu-discovery.sh (worker A
 * "0,1", worker B "2,3"). Mid-sweep, worker A and its executor are killed.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class StandaloneClusterTest {
    @TempDir
    static Path tmp;
    static Path logs;
    static Process master;
    static final List<Process> workers = new ArrayList<>();
    static int masterPort;
    static int masterUiPort;

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
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile());
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
        String discovery = TestData.root().resolve("deploy/gpu-discovery.sh").toString();
        String[] gpus = {"0,1", "2,3"};
        for (int w = 0; w < 2; w++) {
            workers.add(start("worker-" + w, Map.of("BPM_FAKE_GPUS", gpus[w]),
                    "-Dspark.worker.resource.gpu.amount=2", "-Dspark.worker.resource.gpu.discoveryScript=" + discovery, "--",
                    "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2", "--memory", "3g",
                    "--webui-port", String.valueOf(freePort()), "--work-dir", tmp.resolve("work-" + w).toString(),
                    "spark://127.0.0.1:" + masterPort));
        }
        long deadline = System.currentTimeMillis() + 90_000;
        while (!masterJson().contains("\"aliveworkers\" : 2")) {
            assertTrue(System.currentTimeMillis() < deadline, "workers did not register; see " + logs.toAbsolutePath());
            Thread.sleep(500);
        }
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
    }

    /** The executor id of the executor JVM a worker launched (from its command line), or null. */
    static String executorIdOf(Process worker) {
        return worker.descendants().map(p -> p.info().arguments().orElse(new String[0])).map(List::of)
                .filter(a -> a.contains("--executor-id")).map(a -> a.get(a.indexOf("--executor-id") + 1))
                .findFirst().orElse(null);
    }

    static int running(Map<String, AtomicInteger> byExecutor, String id) {
        return id == null || !byExecutor.containsKey(id) ? 0 : byExecutor.get(id).get();
    }

    @Test
    void killedWorkerLosesNoTrialDuplicatesNoneAndGpusAreExclusive() throws Exception {
        ResultsLocation results = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        String dirs = String.join(File.pathSeparator, classpath().stream().filter(e -> !e.endsWith(".jar")).toList());
        Map<String, String> conf = Map.of(
                "spark.executor.cores", "2",
                "spark.executor.memory", "1g",
                "spark.executor.resource.gpu.amount", "2",
                "spark.task.resource.gpu.amount", "1",
                "spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector",
                "spark.executor.extraClassPath", dirs,
                "spark.executorEnv.OMP_NUM_THREADS", "1",
                "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1");
        conf.forEach(System::setProperty);
        SparkSession spark = SparkSessions.create("cluster-test", "spark://127.0.0.1:" + masterPort, results);
        conf.keySet().forEach(System::clearProperty);
        AtomicInteger lostTasks = new AtomicInteger();
        Map<String, AtomicInteger> runningByExecutor = new ConcurrentHashMap<>();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                runningByExecutor.computeIfAbsent(start.taskInfo().executorId(), k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                runningByExecutor.computeIfAbsent(end.taskInfo().executorId(), k -> new AtomicInteger()).decrementAndGet();
                if (end.reason() instanceof ExecutorLostFailure) {
                    lostTasks.incrementAndGet();
                }
            }
        });
        try {
            TrialConfig training = TrialConfig.builder(Variant.LSTM).epochs(2).maxBatches(20).bptt(10).batch(8)
                    .validBatch(8).testBatch(8).paramBudget(200_000).build();
            SweepSpec spec = new SweepSpec("cluster", List.of(Variant.LSTM, Variant.SIMPLE),
                    List.of(new Axis(TrialSetting.DECAY_FACTOR, List.of(0.3, 0.4, 0.5, 0.6)),
                            new Axis(TrialSetting.DECAY_START, List.of(1)), new Axis(TrialSetting.INIT_SCALE, List.of(0.1)),
                            new Axis(TrialSetting.L2, List.of(1e-5))), List.of(1L), training, TestData.dir(), results, 1);
            SweepRunner runner = new SweepRunner(spark, spec, "c1", false, 4, 1, new PrintStream(new ByteArrayOutputStream()));
            CompletableFuture<SweepRunner.Summary> sweep = CompletableFuture.supplyAsync(() -> {
                try {
                    return runner.run();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // kill worker A (and its executor) while trials are running on it
            long deadline = System.currentTimeMillis() + 120_000;
            while (running(runningByExecutor, executorIdOf(workers.get(0))) < 1) {
                assertTrue(System.currentTimeMillis() < deadline, "no trial ever ran on worker A; see " + logs.toAbsolutePath());
                Thread.sleep(100);
            }
            Thread.sleep(1500);
            workers.get(0).descendants().forEach(ProcessHandle::destroyForcibly);
            workers.get(0).destroyForcibly();

            SweepRunner.Summary s = sweep.get(5, TimeUnit.MINUTES);
            assertEquals(8, s.total());
            assertEquals(8, s.completed(), "every trial finished despite the lost worker: " + s);
            assertEquals(0, s.lost());
            assertTrue(lostTasks.get() > 0, "the kill hit running trials, which Spark retried elsewhere");
            Row counts = spark.sql("SELECT count(*), count(DISTINCT trial_key) FROM bpm.results.trials WHERE sweep_id = 'c1'").first();
            assertEquals(8L, counts.getLong(0), "one row per grid point");
            assertEquals(8L, counts.getLong(1));
            assertEquals(16L, spark.sql("SELECT count(*) FROM bpm.results.epochs WHERE sweep_id = 'c1'").first().getLong(0));

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
        } finally {
            spark.stop();
        }
    }
}
