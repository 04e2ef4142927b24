package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.cli.BuildInfo;
import backpropamine.spark.testing.TestData;
import backpropamine.spark.testing.TestHdfs;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep submitted as YARN's users do: {@code deploy/submit.sh} (through Spark's own SparkSubmit) with
 * {@code --deploy-mode cluster} to an in-process YARN and HDFS, the warehouse on hdfs:// given only by {@code --conf},
 * Penn Treebank only on the submitting side ({@code BPM_DATA} of the submit process, shipped by submit.sh). As in
 * Spark's YarnClusterSuite, the containers run on this host with the test's jars as their class path
 * ({@code spark.yarn.jars} a placeholder, {@code extraClassPath} the jars), the cluster's configuration reaches
 * SparkSubmit through {@code HADOOP_CONF_DIR}; the project's own classes travel in the application jar.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterModeTest {
    @TempDir
    static Path tmp;
    static MiniDFSCluster hdfs;
    static MiniYARNCluster yarn;
    static YarnClient client;
    static String root;
    static Path clusterConf;
    static Path submitHome;
    static Path appJar;
    static Path hadoopConf;

    @BeforeAll
    static void cluster() throws Exception {
        hdfs = TestHdfs.start(tmp);
        String fs = TestHdfs.uri(hdfs);
        root = fs + "/bpm";

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", fs); // staging and the application's files on HDFS, as on a real cluster
        conf.set("yarn.resourcemanager.hostname", "localhost");
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false); // a JVM reserves far more than it uses
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        // capacity-scheduler.xml is missing in hadoop-client-minicluster (as Spark's BaseYarnClusterSuite notes)
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        yarn = new MiniYARNCluster("bpm-yarn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        long deadline = System.currentTimeMillis() + 20_000; // start() may return before the RM knows its port
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.currentTimeMillis() < deadline, "the ResourceManager did not come up");
            Thread.sleep(100);
        }
        client = YarnClient.createYarnClient();
        client.init(yarn.getConfig());
        client.start();

        hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
        for (String site : List.of("core-site.xml", "yarn-site.xml")) {
            try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(site))) {
                yarn.getConfig().writeXml(out);
            }
        }
        appJar = applicationJar();
        submitHome = sparkSubmit(hadoopConf);
        clusterConf = clusterConf();
    }

    @AfterAll
    static void teardown() {
        if (client != null) {
            client.stop();
        }
        if (yarn != null) {
            yarn.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    /** The project's classes (the class-path directories but tests') as the application jar. */
    static Path applicationJar() throws IOException {
        Path jar = tmp.resolve("bpm-app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path dir : classpath().stream().map(Path::of).filter(Files::isDirectory)
                    .filter(d -> !d.endsWith("test-classes")).toList()) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        out.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
                        Files.copy(f, out);
                        out.closeEntry();
                    }
                }
            }
        }
        return jar;
    }

    static List<String> classpath() {
        return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    /** A Spark home whose bin/spark-submit is Spark's SparkSubmit on the test's jars (and HADOOP_CONF_DIR). */
    static Path sparkSubmit(Path hadoopConf) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("spark-home/bin"));
        String jars = String.join(File.pathSeparator, classpath().stream().filter(e -> e.endsWith(".jar")).toList());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path script = bin.resolve("spark-submit");
        Files.writeString(script, "#!/usr/bin/env bash\nexec " + java + " -Xmx512m " + String.join(" ", BuildInfo.jvmFlags())
                + " -Dlog4j2.configurationFile=" + TestData.root().resolve("conf/log4j2.properties") + " -cp '"
                + hadoopConf + File.pathSeparator + jars + "' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return tmp.resolve("spark-home");
    }

    /** The cluster settings of this test, as deploy/yarn.conf's are given: a file for submit.sh --cluster-conf. */
    static Path clusterConf() throws IOException {
        // the containers get Hadoop's client jars, as on a cluster: the mini cluster's shaded servers would shadow them
        String jars = String.join(File.pathSeparator, classpath().stream().filter(e -> e.endsWith(".jar"))
                .filter(e -> !e.contains("hadoop-client-minicluster")).toList());
        Path placeholder = Files.createFile(tmp.resolve("spark-jars-placeholder.jar"));
        String opts = "--add-modules=jdk.incubator.vector -Dlog4j2.configurationFile="
                + TestData.root().resolve("conf/log4j2.properties");
        Map<String, String> c = new TreeMap<>();
        c.put("spark.master", "yarn");
        c.put("spark.submit.deployMode", "cluster");
        // the shipped setting: one attempt (a second one would rerun a sweep that ended with lost trials)
        c.put("spark.yarn.maxAppAttempts", shippedYarnSetting("spark.yarn.maxAppAttempts"));
        c.put("spark.yarn.jars", "local:" + placeholder);
        c.put("spark.driver.extraClassPath", jars);
        c.put("spark.executor.extraClassPath", jars);
        c.put("spark.driver.extraJavaOptions", opts);
        c.put("spark.executor.extraJavaOptions", opts);
        c.put("spark.yarn.appMasterEnv.JAVA_HOME", System.getProperty("java.home"));
        c.put("spark.executorEnv.JAVA_HOME", System.getProperty("java.home"));
        c.put("spark.driver.memory", "768m");
        c.put("spark.executor.memory", "640m");
        c.put("spark.executor.cores", "2");
        c.put("spark.executor.instances", "2");
        c.put("spark.task.maxFailures", "2");
        c.put("spark.excludeOnFailure.enabled", "false"); // one node: excluding it would only delay the LOST verdict
        c.put("spark.yarn.report.interval", "500ms");
        c.put("spark.ui.enabled", "false");
        StringBuilder text = new StringBuilder();
        c.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
        return Files.writeString(tmp.resolve("test-yarn.conf"), text.toString());
    }

    static String shippedYarnSetting(String key) throws IOException {
        return Files.readAllLines(TestData.root().resolve("deploy/yarn.conf")).stream()
                .filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length()).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("deploy/yarn.conf does not set " + key));
    }

    static Path sweepFile() throws IOException {
        // no data and no warehouse: the data comes from BPM_DATA of the submit process, the warehouse from --conf
        return Files.writeString(tmp.resolve("onyarn.yaml"), "name: onyarn\nvariants: [LSTM, SIMPLE]\ngrid:\n"
                + "  decay_factor: [0.3, 0.5]\n  decay_start: [1]\n  init_scale: [0.1]\n  l2: [1e-5]\n"
                + "training: {epochs: 3, hidden: 8, batch: 4, bptt: 5, valid_batch: 4, test_batch: 4, max_batches: 30}\n");
    }

    /** What a run left: the submit process's exit status, its YARN application, and the sweep's files seen on HDFS. */
    record Run(int exit, ApplicationReport app, int attempts, Set<String> seenOnHdfs, String log) {
    }

    /** Runs deploy/submit.sh with BPM_DATA set for it alone, listing the sweep's HDFS files while it runs. */
    static Run submit(String sweepId, String... sparkArgs) throws Exception {
        Set<String> before = ConcurrentHashMap.newKeySet();
        client.getApplications().forEach(a -> before.add(a.getApplicationId().toString()));
        List<String> cmd = new ArrayList<>(List.of(TestData.root().resolve("deploy/submit.sh").toString(),
                "--cluster-conf", clusterConf.toString(), "--conf", "spark.sql.catalog.bpm.warehouse=" + root + "/warehouse"));
        cmd.addAll(List.of(sparkArgs));
        cmd.addAll(List.of(sweepFile().toString(), "--sweep-id", sweepId, "--commit-seconds", "4"));
        Path log = tmp.resolve(sweepId + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(tmp.toFile());
        pb.environment().put("SPARK_HOME", submitHome.toString());
        pb.environment().put("HADOOP_CONF_DIR", hadoopConf.toString()); // the cluster, as a site's client sees it
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("BPM_APP_JAR", appJar.toString());
        pb.environment().put("BPM_DATA", TestData.dir().toString());
        pb.environment().put("BPM_SPARK_CONF", TestData.root().resolve("conf/spark-defaults.conf").toString());
        pb.environment().remove("BPM_FAULTS");
        Process p = pb.start();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        FileSystem fs = FileSystem.get(URI.create(root), new Configuration());
        org.apache.hadoop.fs.Path sweepDir = new org.apache.hadoop.fs.Path(root + "/checkpoints/" + sweepId);
        while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
            try { // what is on HDFS mid-run: trial checkpoints and journal entries
                RemoteIterator<LocatedFileStatus> files = fs.listFiles(sweepDir, true);
                while (files.hasNext()) {
                    String name = files.next().getPath().getName();
                    seen.add(name.endsWith(".ckpt") ? "checkpoint" : name.endsWith(".outcome") ? "journal" : "other");
                }
            } catch (java.io.FileNotFoundException notYet) {
                // the sweep has not started writing
            }
        }
        String text = Files.readString(log);
        ApplicationReport app = client.getApplications().stream()
                .filter(a -> !before.contains(a.getApplicationId().toString()))
                .max(Comparator.comparing(ApplicationReport::getApplicationId))
                .orElseThrow(() -> new AssertionError("no YARN application was submitted (exit " + p.exitValue() + "):\n" + text));
        int attempts = client.getApplicationAttempts(app.getApplicationId()).size();
        return new Run(p.exitValue(), app, attempts, seen, text);
    }

    static Map<String, Long> statuses(String sweepId) throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        try (HadoopCatalog catalog = new HadoopCatalog(new Configuration(), root + "/warehouse");
             CloseableIterable<Record> rows = IcebergGenerics.read(catalog.loadTable(TableIdentifier.of("results", "trials")))
                     .where(org.apache.iceberg.expressions.Expressions.equal("sweep_id", sweepId)).build()) {
            for (Record r : rows) {
                counts.merge((String) r.getField("status"), 1L, Long::sum);
            }
        }
        return counts;
    }

    @Test
    @Order(1)
    void aClusterModeSweepRunsEveryTrialWithItsStateOnHdfsAndSucceedsInOneAttempt() throws Exception {
        Run run = submit("yarn-ok");
        assertEquals(0, run.exit(), run.log());
        assertEquals(FinalApplicationStatus.SUCCEEDED, run.app().getFinalApplicationStatus(), run.app().getDiagnostics());
        assertEquals(1, run.attempts(), "one application attempt");
        assertEquals(Map.of("COMPLETED", 4L), statuses("yarn-ok"), "every trial completed");
        assertTrue(run.seenOnHdfs().contains("checkpoint"), "trial checkpoints were on HDFS mid-run: " + run.seenOnHdfs());
        assertTrue(run.seenOnHdfs().contains("journal"), "the journal was on HDFS mid-run: " + run.seenOnHdfs());
    }

    @Test
    @Order(2)
    void aClusterModeSweepWithALostTrialEndsFailedWithExitStatusOneOnce() throws Exception {
        // one executor whose first trial fails on every attempt: that trial ends LOST, the others complete
        Run run = submit("yarn-lost", "--conf", "spark.executor.instances=1", "--conf",
                "spark.executorEnv.BPM_FAULTS=task-error:1");
        assertEquals(1, run.exit(), run.log());
        assertEquals(FinalApplicationStatus.FAILED, run.app().getFinalApplicationStatus());
        assertTrue(run.app().getDiagnostics().contains("exited with status 1"), run.app().getDiagnostics());
        assertEquals(1, run.attempts(), "not run a second time");
        assertEquals(Map.of("COMPLETED", 3L, "LOST", 1L), statuses("yarn-lost"));
    }
}
