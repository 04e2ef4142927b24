package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.cli.BpmSpark;
import backpropamine.spark.testing.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy/ files: validated where a validator exists, and every command they call exists. */
class DeployFilesTest {
    static final Path ROOT = TestData.root();

    /** /opt/bpm in the deploy files is where the checkout is installed; here it is the repository. */
    static String installed(String path) {
        return path.replace("/opt/bpm", ROOT.toString());
    }

    @Test
    void systemdUnitsVerify(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze not installed");
        for (String unit : List.of("bpm-nightly.service", "bpm-nightly.timer")) {
            String text = Files.readString(ROOT.resolve("deploy/systemd/" + unit));
            Files.writeString(tmp.resolve(unit), installed(text).replace("User=bpm", "User=root"));
        }
        Process p = new ProcessBuilder("systemd-analyze", "verify", tmp.resolve("bpm-nightly.service").toString(),
                tmp.resolve("bpm-nightly.timer").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(!out.contains("rror"), out);

        // and the check can fail: a unit whose command does not exist is refused
        Files.writeString(tmp.resolve("broken.service"), "[Service]\nType=oneshot\nExecStart=/nonexistent/nightly.sh\n");
        Process bad = new ProcessBuilder("systemd-analyze", "verify", tmp.resolve("broken.service").toString())
                .redirectErrorStream(true).start();
        bad.getInputStream().readAllBytes();
        assertTrue(bad.waitFor() != 0, "systemd-analyze accepted a missing command");
    }

    @Test
    void cronAndSystemdCallCommandsThatExist() throws IOException {
        String cron = Files.readString(ROOT.resolve("deploy/cron/bpm-nightly"));
        String line = cron.lines().filter(l -> l.matches("^[0-9*].*")).findFirst().orElseThrow();
        String[] f = line.trim().split("\\s+");
        assertEquals(8, f.length, "m h dom mon dow user command sweep-file: " + line);
        assertTrue(Files.isExecutable(Path.of(installed(f[6]))), f[6]);
        assertTrue(Files.isRegularFile(Path.of(installed(f[7]))), f[7]);
        String service = Files.readString(ROOT.resolve("deploy/systemd/bpm-nightly.service"));
        String exec = service.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow().substring(10);
        assertTrue(Files.isExecutable(Path.of(installed(exec.split(" ")[0]))), exec);
        assertTrue(Files.isRegularFile(Path.of(installed(exec.split(" ")[1]))), exec);
        assertTrue(Files.readString(ROOT.resolve("deploy/nightly.sh")).contains("bin/bpm\" nightly"));
    }

    @Test
    void kubernetesManifestsAreCompleteSparkOperatorResources() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode app = yaml.readTree(ROOT.resolve("deploy/kubernetes/sparkapplication.yaml").toFile());
        JsonNode nightly = yaml.readTree(ROOT.resolve("deploy/kubernetes/scheduledsparkapplication.yaml").toFile());
        assertEquals("SparkApplication", app.path("kind").asText());
        assertEquals("ScheduledSparkApplication", nightly.path("kind").asText());
        assertEquals("Forbid", nightly.path("spec").path("concurrencyPolicy").asText());
        assertTrue(nightly.path("spec").path("schedule").asText().matches("^(\\S+\\s+){4}\\S+$"), "five-field cron");
        for (JsonNode spec : List.of(app.path("spec"), nightly.path("spec").path("template"))) {
            assertEquals("sparkoperator.k8s.io/v1beta2", (spec == app.path("spec") ? app : nightly).path("apiVersion").asText());
            for (String key : List.of("type", "mode", "image", "mainClass", "mainApplicationFile", "sparkVersion", "driver",
                    "executor", "arguments", "sparkConf")) {
                assertTrue(spec.has(key), "missing spec." + key);
            }
            assertEquals(BpmSpark.class.getName(), spec.path("mainClass").asText());
            String command = spec.path("arguments").get(0).asText();
            assertTrue(BpmSpark.commandLine().getSubcommands().containsKey(command), "unknown subcommand " + command);
            JsonNode conf = spec.path("sparkConf");
            assertEquals("false", conf.path("spark.speculation").asText());
            assertEquals("1", conf.path("spark.task.resource.gpu.amount").asText());
            assertTrue(conf.path("spark.executor.resource.gpu.discoveryScript").asText().endsWith("deploy/gpu-discovery.sh"));
            assertEquals(1, spec.path("executor").path("gpu").path("quantity").asInt());
            assertTrue(spec.path("executor").path("javaOptions").asText().contains("jdk.incubator.vector"));
            JsonNode driverEnv = spec.path("driver").path("env");
            assertTrue(driverEnv.toString().contains("\"BPM_DATA\"") && driverEnv.toString().contains("/data/ptb"),
                    "driver env: " + driverEnv);
            assertEquals("/data/ptb", spec.path("driver").path("volumeMounts").get(0).path("mountPath").asText());
            JsonNode executorEnv = spec.path("executor").path("env");
            assertTrue(!executorEnv.toString().contains("BPM_DATA") && spec.path("executor").path("volumeMounts").isMissingNode(),
                    "executors receive the corpus from the driver: " + spec.path("executor"));
            assertTrue(executorEnv.toString().contains("PCI_BUS_ID"), "CUDA numbers GPUs as nvidia-smi: " + executorEnv);
            assertEquals(spec.path("volumes").get(0).path("name").asText(),
                    spec.path("driver").path("volumeMounts").get(0).path("name").asText(), "the mounted volume exists");
        }
    }

    /** submit.sh --dry-run: the spark-submit command it would run. */
    static String dryRun(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("deploy/submit.sh").toString(), "--dry-run"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.trim();
    }

    @Test
    void submitKeepsTheSiteDefaultsShipsTheSweepInClusterModeAndForwardsEveryOption() throws Exception {
        String client = dryRun("--master", "spark://m:7077", "conf/sweeps/quickstart.yaml", "--sweep-id", "x");
        assertTrue(!client.contains("--properties-file"), "the site's spark-defaults.conf stays in force: " + client);
        assertTrue(client.contains("--conf spark.speculation=false") && client.contains("--deploy-mode client"), client);
        assertTrue(client.contains("--driver-java-options") && !client.contains("--files"), client);
        assertTrue(client.endsWith("sweep conf/sweeps/quickstart.yaml --sweep-id x"), client);

        String standaloneCluster = dryRun("--cluster-conf", "deploy/standalone.conf", "--deploy-mode", "cluster",
                "--supervise", "conf/sweeps/paper-basic.yaml");
        assertTrue(standaloneCluster.contains("--conf spark.master=spark://spark-master.example.com:7077"), standaloneCluster);
        assertTrue(standaloneCluster.contains("--deploy-mode cluster --files conf/sweeps/paper-basic.yaml"), standaloneCluster);
        assertTrue(standaloneCluster.contains("--supervise") && standaloneCluster.endsWith("sweep paper-basic.yaml"),
                standaloneCluster);

        String yarn = dryRun("--cluster-conf", "deploy/yarn.conf", "--principal", "bpm@EXAMPLE.COM", "--keytab",
                "/etc/bpm.keytab", "--driver-cores", "2", "conf/sweeps/paper-basic.yaml");
        assertTrue(yarn.contains("--deploy-mode cluster --files conf/sweeps/paper-basic.yaml"),
                "the deploy mode comes from yarn.conf: " + yarn);
        assertTrue(yarn.contains("--principal bpm@EXAMPLE.COM --keytab /etc/bpm.keytab --driver-cores 2"), yarn);
        assertTrue(yarn.contains("spark.executor.memoryOverhead=") && yarn.contains("spark.yarn.maxAppAttempts=1"), yarn);
        assertTrue(yarn.endsWith("sweep paper-basic.yaml"), yarn);
    }

    /** The discovery script's addresses with a fake nvidia-smi of four GPUs on the PATH and this environment. */
    static List<String> discovered(Path tmp, Map<String, String> env) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0, GPU-aaa\\n1, GPU-bbb\\n2, GPU-ccc\\n3, GPU-ddd\\n'\n");
        smi.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("deploy/gpu-discovery.sh").toString());
        pb.environment().keySet().removeAll(List.of("BPM_FAKE_GPUS", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"));
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        JsonNode json = new ObjectMapper().readTree(p.getInputStream());
        assertEquals(0, p.waitFor());
        List<String> out = new java.util.ArrayList<>();
        json.path("addresses").forEach(a -> out.add(a.asText()));
        return out;
    }

    @Test
    void gpuDiscoveryReportsTheDevicesTheContainerWasGivenNotEveryGpuOfTheNode(@TempDir Path tmp) throws Exception {
        assertEquals(List.of("0", "1", "2", "3"), discovered(tmp, Map.of()), "no restriction: every GPU");
        assertEquals(List.of("2", "3"), discovered(tmp, Map.of("CUDA_VISIBLE_DEVICES", "2,3")));
        assertEquals(List.of(), discovered(tmp, Map.of("CUDA_VISIBLE_DEVICES", "")), "given none");
        assertEquals(List.of("2", "1"), discovered(tmp, Map.of("NVIDIA_VISIBLE_DEVICES", "GPU-ccc,1")),
                "the runtime's devices, UUIDs as nvidia-smi indices");
        assertEquals(List.of("0", "1", "2", "3"), discovered(tmp, Map.of("NVIDIA_VISIBLE_DEVICES", "all")));
    }

    @Test
    void gpuDiscoveryScriptPrintsSparkResourceJson() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("deploy/gpu-discovery.sh").toString());
        pb.environment().put("BPM_FAKE_GPUS", "0,3");
        Process p = pb.start();
        JsonNode json = new ObjectMapper().readTree(p.getInputStream());
        assertEquals(0, p.waitFor());
        assertEquals("gpu", json.path("name").asText());
        assertEquals("3", json.path("addresses").get(1).asText());
    }
}
