package backpropamine.spark;

import backpropamine.data.PtbCorpus;
import backpropamine.model.CodeVersion;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.spark.sweep.TrialSpec;
import backpropamine.train.Cancellation;
import backpropamine.train.LanguageModels;
import backpropamine.train.Trainer;
import backpropamine.train.TrialListener;
import backpropamine.train.TrialResult;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one trial inside a Spark task. A trial that throws becomes a FAILED outcome carrying its error class and
 * message (deterministic errors are not retried blindly); only infrastructure failures fail the task, and Spark
 * retries those.
 */
public final class TrialTask {
    /** Corpora loaded in this JVM, by directory: an executor runs many trials on the same data. */
    private static final Map<String, PtbCorpus> CORPORA = new ConcurrentHashMap<>();

    private TrialTask() {
    }

    public static TrialOutcome run(TrialSpec spec) {
        Timestamp started = new Timestamp(System.currentTimeMillis());
        String gpu = gpuAddress();
        try {
            bind(gpu, spec.threads());
            PtbCorpus corpus = CORPORA.computeIfAbsent(spec.dataDir(), d -> PtbCorpus.load(Path.of(d)));
            TaskContext tc = TaskContext.get();
            Cancellation cancel = new Cancellation(() -> tc != null && tc.isInterrupted());
            TrialResult r = new Trainer(corpus).run(spec.config(), TrialListener.NONE, cancel, null);
            return TrialOutcome.trained(spec.sweepId(), spec.trialKey(), r, attempt(gpu, started), CodeVersion.VALUE);
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            return TrialOutcome.failed(spec.sweepId(), spec.trialKey(), spec.config(), e, attempt(gpu, started),
                    CodeVersion.VALUE);
        }
    }

    private static TrialOutcome.Attempt attempt(String gpu, Timestamp started) {
        return new TrialOutcome.Attempt(host(), gpu, started, new Timestamp(System.currentTimeMillis()));
    }

    /** The GPU Spark's resource scheduling gave this task, or null on a CPU cluster. */
    static String gpuAddress() {
        TaskContext tc = TaskContext.get();
        if (tc == null) {
            return null;
        }
        ResourceInformation gpu = tc.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
    }

    /** Pins ND4J to the task's GPU (CUDA backend) and to the trial's thread budget. */
    private static void bind(String gpu, int threads) {
        if (gpu != null && LanguageModels.onCuda()) {
            Nd4j.getAffinityManager().unsafeSetDevice(Integer.parseInt(gpu.trim()));
        }
        Nd4j.getEnvironment().setMaxMasterThreads(threads); // the model's Java kernels follow it too
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
