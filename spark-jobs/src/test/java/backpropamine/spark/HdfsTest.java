package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.testing.BpmProcess;
import backpropamine.spark.testing.TestData;
import backpropamine.spark.testing.TestHdfs;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse and the trials' checkpoints on a real (in-process) HDFS: a sweep halted mid-trial resumes from
 * checkpoints on hdfs://, and status and sql read the results there, each as its own bpm process.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HdfsTest {
    @TempDir
    static Path tmp;
    static MiniDFSCluster hdfs;
    static String root;

    @BeforeAll
    static void startHdfs() throws Exception {
        hdfs = TestHdfs.start(tmp);
        root = TestHdfs.uri(hdfs) + "/bpm";
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    /** The exit status, or -1 after killing a process that ran past 100 s. */
    static int exit(Process p, String name) throws InterruptedException {
        if (!p.waitFor(100, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            try {
                System.out.println("HUNG " + name + ":\n" + String.join("\n", BpmProcess.log(tmp, name).lines()
                        .filter(l -> !l.contains(" INFO ") && !l.startsWith("\tat ")).toList()));
            } catch (java.io.IOException e) {
                System.out.println(name + " hung");
            }
            return -1;
        }
        return p.exitValue();
    }

    @Test
    void aSweepOnHdfsResumesFromItsCheckpointsThereAndIsQueried() throws Exception {
        Path f = tmp.resolve("hdfs.yaml");
        Files.writeString(f, "name: onhdfs\nvariants: [LSTM, SIMPLE]\ngrid:\n  decay_factor: [0.3, 0.5]\n"
                + "  decay_start: [1]\n  init_scale: [0.1]\n  l2: [1e-5]\ntraining: {epochs: 3, hidden: 8, batch: 4,"
                + " bptt: 5, valid_batch: 4, test_batch: 4, max_batches: 12}\ndata: " + TestData.dir()
                + "\nresults: {warehouse: " + root + "/warehouse}\n");
        Process halted = BpmProcess.start(tmp, "halted", Map.of("BPM_FAULTS", "halt-after-epoch:1"), "sweep",
                f.toString(), "--master", "local[3]", "--commit-seconds", "1");
        assertEquals(137, exit(halted, "halted"), () -> BpmProcess.tail(tmp, "halted"));
        FileSystem fs = FileSystem.get(URI.create(root), new Configuration());
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(root + "/checkpoints/onhdfs")),
                "checkpoints beside the warehouse, on hdfs");

        Process resumed = BpmProcess.start(tmp, "resumed", Map.of(), "sweep", f.toString(), "--master", "local[3]",
                "--commit-seconds", "1");
        assertEquals(0, exit(resumed, "resumed"), () -> BpmProcess.tail(tmp, "resumed"));
        assertTrue(BpmProcess.log(tmp, "resumed").contains("4 completed"), BpmProcess.tail(tmp, "resumed"));

        Process status = BpmProcess.start(tmp, "status", Map.of(), "status", "onhdfs", "--warehouse", root + "/warehouse");
        assertEquals(0, exit(status, "status"), () -> BpmProcess.tail(tmp, "status"));
        assertTrue(BpmProcess.log(tmp, "status").contains("best configuration per variant"), BpmProcess.tail(tmp, "status"));

        Process sql = BpmProcess.start(tmp, "sql", Map.of(), "sql", "SELECT count(*) AS n, max(resumed_from_epoch) AS r"
                + " FROM trials WHERE sweep_id = 'onhdfs' AND status = 'COMPLETED'", "--format", "csv", "--warehouse",
                root + "/warehouse");
        assertEquals(0, exit(sql, "sql"), () -> BpmProcess.tail(tmp, "sql"));
        String out = BpmProcess.log(tmp, "sql");
        assertTrue(out.lines().anyMatch(l -> l.matches("4,[1-9][0-9]*")),
                "4 completed trials, one resumed from its checkpoint on hdfs: " + out);
        assertTrue(java.util.Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(root + "/checkpoints/onhdfs")))
                .noneMatch(st -> !st.getPath().getName().startsWith("_")), "checkpoints deleted once the rows were committed");
    }
}
