package backpropamine.spark;

import backpropamine.data.DataException;
import backpropamine.data.PtbCorpus;
import backpropamine.model.BackendException;
import backpropamine.model.CodeVersion;
import backpropamine.model.Kernels;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.spark.sweep.TrialSpec;
import backpropamine.train.Cancellation;
import backpropamine.train.LanguageModels;
import backpropamine.train.Trainer;
import backpropamine.train.TrialResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.sql.Timestamp;
import java.util.regex.Pattern;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one trial inside a Spark task. Errors of the trial (invalid configuration, divergence) become a FAILED or
 * DIVERGED outcome carrying the error; errors of the node (data unreadable there, a native library or JVM module
 * missing, a GPU binding that does not match the executor's devices, a device error or out of memory, a checkpoint
 * that cannot be written) fail the task, so that Spark retries it on another executor (with
 * {@code spark.excludeOnFailure.enabled}, away from the bad node) and the trial keeps its checkpoints; only when
 * every attempt failed does the driver record it LOST. Every epoch is checkpointed under the sweep's checkpoint
 * root, so a retried task continues from the last complete epoch.
 */
public final class TrialTask {
    /** An error of the node, not of the trial: fails the task so that Spark retries it elsewhere. */
    static final class NodeFailure extends RuntimeException {
        NodeFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TrialTask() {
    }

    /** Runs the trial on the corpus and with the Hadoop configuration the driver shipped. */
    static TrialOutcome run(TrialSpec spec, TrialInputs inputs) {
        Timestamp started = new Timestamp(System.currentTimeMillis());
        String gpu = gpuAddress();
        String gpuRecorded = gpu;
        Faults faults = Faults.fromEnvironment();
        faults.onTrialStart(spec.trialKey()); // outside the try: an injected fault fails the task
        if (spec.isSynthetic()) {
            return TrialOutcome.trained(spec.sweepId(), spec.trialKey(),
                    SyntheticTrial.run(spec.config(), spec.trialKey(), spec.synthetic()), attempt(gpu, started),
                    CodeVersion.VALUE);
        }
        Kernels kernels = LanguageModels.kernelsForBackend();
        try {
            bind(gpu, spec, kernels);
            if (gpu != null && (kernels == Kernels.CUDA || LanguageModels.onCuda())) {
                String uuid = GpuBinding.uuid(gpu);
                gpuRecorded = uuid == null ? gpu : gpu + " " + uuid;
            }
            PtbCorpus corpus = inputs.corpus();
            TaskContext tc = TaskContext.get();
            Cancellation cancel = new Cancellation(() -> tc != null && tc.isInterrupted());
            HadoopCheckpoints checkpoints = spec.checkpoints() == null ? null
                    : new HadoopCheckpoints(spec.checkpoints(), spec.sweepId(), spec.trialKey(), inputs.hadoop());
            TrialResult r = new Trainer(corpus, kernels).run(spec.config(),
                    faults.listener(spec.trialKey(), tc == null ? 0 : tc.attemptNumber()), cancel, checkpoints);
            return TrialOutcome.trained(spec.sweepId(), spec.trialKey(), r, attempt(gpuRecorded, started), CodeVersion.VALUE);
        } catch (RuntimeException | LinkageError | VirtualMachineError e) {
            if (ofTheNode(e)) {
                throw new NodeFailure("trial " + spec.trialKey() + " cannot run on " + host() + ": " + e, e);
            }
            return TrialOutcome.failed(spec.sweepId(), spec.trialKey(), spec.config(), e, attempt(gpu, started),
                    CodeVersion.VALUE);
        } finally {
            LanguageModels.unbindGpu();
        }
    }

    /**
     * Device errors that ND4J's legacy CUDA backend reports as plain RuntimeExceptions (its own CUDA kernels throw
     * {@link BackendException}): out of memory, a kernel image the device cannot run, cuBLAS/cuDNN status codes.
     */
    private static final Pattern DEVICE_ERROR = Pattern.compile(
            "(?i)cuda_?error|cudaError|out of memory|no kernel image|CUBLAS_STATUS|CUDNN_STATUS|device-side assert");

    /** Whether an error belongs to the node (retry elsewhere) rather than to the trial (record it). */
    static boolean ofTheNode(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataException || t instanceof BackendException || t instanceof IOException || t instanceof UncheckedIOException
                    || t instanceof LinkageError || t instanceof VirtualMachineError || t instanceof NodeFailure) {
                return true;
            }
            // a bad setting (IllegalArgumentException) may name CUDA too: only runtime errors are read for device codes
            if (t instanceof RuntimeException && !(t instanceof IllegalArgumentException) && t.getMessage() != null
                    && DEVICE_ERROR.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    private static TrialOutcome.Attempt attempt(String gpu, Timestamp started) {
        TaskContext tc = TaskContext.get();
        int attempt = tc == null ? 1 : tc.attemptNumber() + 1;
        return new TrialOutcome.Attempt(host(), gpu, started, new Timestamp(System.currentTimeMillis()), attempt);
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

    /**
     * Pins the trial to the task's GPU (the project's CUDA kernels, or ND4J's legacy CUDA backend) and to the trial's
     * thread budget. Several tasks may share one address (a fractional spark.task.resource.gpu.amount): each CUDA
     * trial then has its own stream and memory on that GPU.
     */
    private static void bind(String gpu, TrialSpec spec, Kernels kernels) {
        boolean cuda = kernels == Kernels.CUDA;
        if (cuda || LanguageModels.onCuda()) {
            int device = device(gpu, spec.allowSharedGpu(), System.getenv("CUDA_VISIBLE_DEVICES"));
            if (device >= 0) {
                if (cuda) {
                    LanguageModels.bindGpu(device);
                } else {
                    Nd4j.getAffinityManager().unsafeSetDevice(device);
                }
            }
        }
        if (!cuda) {
            Nd4j.getEnvironment().setMaxMasterThreads(spec.threads()); // the model's Java kernels follow it too
        }
    }

    /**
     * The CUDA device of a GPU task, or -1 for device 0 shared (allowed by the sweep). Both refusals are the
     * executor's setup, not the trial's (a task without a GPU address would silently share device 0 with other
     * trials; an address outside CUDA_VISIBLE_DEVICES means the discovery script and the executor disagree), so they
     * fail the task: Spark retries it on another executor instead of the trial being recorded FAILED for good.
     */
    static int device(String gpu, boolean allowShared, String visibleDevices) {
        if (gpu == null) {
            if (allowShared) {
                return -1;
            }
            throw new NodeFailure("this task has no GPU address, so it would share device 0 with other trials: give"
                    + " trial tasks a GPU (spark.task.resource.gpu.amount=1 with the executors' GPU amount and discovery"
                    + " script, see deploy/), or set training.allow_shared_gpu: true", null);
        }
        try {
            return GpuBinding.device(gpu, visibleDevices);
        } catch (IllegalArgumentException e) {
            throw new NodeFailure(e.getMessage(), e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
