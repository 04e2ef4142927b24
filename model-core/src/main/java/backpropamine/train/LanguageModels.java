package backpropamine.train;

import backpropamine.model.BackendException;
import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.LargeShape;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Regularization;
import backpropamine.model.Shape;
import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Creates the model of a shape in the requested arithmetic, on the implementation that suits ND4J's backend. It
 * lives above {@code nn} and {@code ops} (it picks between them), so {@code model} stays free of both. ND4J is
 * touched only on the FUSED and OPS paths and by {@link #onCuda()} / {@link #kernelsForBackend()}: a caller that
 * names {@link Kernels#CUDA} loads none of it.
 */
public final class LanguageModels {
    private LanguageModels() {
    }

    /** Whether ND4J loaded its CUDA backend (the {@code -Pcuda} build on a machine with a GPU). */
    public static boolean onCuda() {
        return Nd4j.getBackend().getClass().getName().toLowerCase(Locale.ROOT).contains("cuda");
    }

    /** System property, else environment variable {@code BPM_KERNELS}: the kernels of this process's trials. */
    public static final String KERNELS_PROPERTY = "bpm.kernels";

    /**
     * The kernels this process trains on: {@code -Dbpm.kernels} / {@code BPM_KERNELS} where set (a GPU cluster sets
     * {@code cuda}), else FUSED on ND4J's CPU backend and OPS on its CUDA backend (the legacy {@code -Pcuda} build).
     */
    public static Kernels kernelsForBackend() {
        String named = System.getProperty(KERNELS_PROPERTY, System.getenv("BPM_KERNELS"));
        if (named != null && !named.isBlank()) {
            return Kernels.parse(named);
        }
        return onCuda() ? Kernels.OPS : Kernels.FUSED;
    }

    /**
     * Runs the CUDA trials of the calling thread on GPU {@code ordinal} of this process's visible devices (a Spark
     * task's own GPU); {@link #unbindGpu} undoes it.
     */
    public static void bindGpu(int ordinal) {
        backpropamine.cuda.CudaDevices.bind(ordinal);
    }

    public static void unbindGpu() {
        backpropamine.cuda.CudaDevices.unbind();
    }

    /**
     * The model on {@link #kernelsForBackend()}: the fused kernels on CPU, the ND4J-ops path on CUDA.
     *
     * @param clip      bound c of the Hebbian trace clip
     * @param seed      seed of the parameter initialisation
     * @param initScale weights are uniform in [-initScale, initScale]
     */
    public static LanguageModel create(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        return create(shape, precision, kernelsForBackend(), clip, seed, initScale);
    }

    /** The model of a trial: its shape (basic or large), arithmetic, trace clip, seed and initial scale. */
    public static LanguageModel create(TrialConfig config, Shape shape, Kernels kernels) {
        return create(shape, config.precision(), kernels, config.traceClip(), config.seed(), config.initScale());
    }

    /** The basic model of a {@link ModelShape}, or the large model, with the paper's regularisation, of a {@link LargeShape}. */
    public static LanguageModel create(Shape shape, Precision precision, Kernels kernels, double clip, long seed,
                                       double initScale) {
        if (shape instanceof LargeShape large) {
            return createLarge(large, Regularization.PAPER, precision, kernels, clip, seed, initScale);
        }
        return create((ModelShape) shape, precision, kernels, clip, seed, initScale);
    }

    public static LanguageModel create(ModelShape shape, Precision precision, Kernels kernels, double clip, long seed,
                                       double initScale) {
        // ND4J is referenced on the FUSED and OPS branches only: a CUDA model must load without it
        return switch (kernels) {
            case FUSED -> fused(shape, precision, clip, seed, initScale);
            case OPS -> new backpropamine.ops.OpsLstmModel(shape, precision, clip, seed, initScale);
            case CUDA -> cuda(shape, precision, clip, seed, initScale);
        };
    }

    /** The large model (appendix A.3) on the given kernels: fused (CPU), ND4J ops, or the project's CUDA kernels. */
    public static LanguageModel createLarge(LargeShape shape, Regularization reg, Precision precision, Kernels kernels,
                                            double clip, long seed, double initScale) {
        return switch (kernels) {
            case FUSED -> fusedLarge(shape, reg, precision, clip, seed, initScale);
            case OPS -> new backpropamine.ops.OpsLargeModel(shape, reg, precision, clip, seed, initScale);
            case CUDA -> new backpropamine.cuda.CudaLargeModel(cudaDevice(precision), shape, reg, clip, seed, initScale);
        };
    }

    /**
     * Whether {@link #create} can make a model on these kernels here: FUSED and OPS always; CUDA where a GPU is
     * visible or the host emulation is selected and built ({@code backpropamine.cuda.CudaDevices}). Checks that
     * iterate over every implementation (the golden check's {@code --kernels all}) take these.
     */
    public static boolean implemented(Kernels kernels) {
        return kernels != Kernels.CUDA || backpropamine.cuda.CudaDevices.available();
    }

    /** Whether the kernels compute in this precision: the CUDA kernels are float only. */
    public static boolean supports(Kernels kernels, Precision precision) {
        return kernels != Kernels.CUDA || precision == Precision.FLOAT;
    }

    /** The basic model on the device of {@code backpropamine.cuda.CudaDevices}: a GPU, or the host emulation. */
    private static LanguageModel cuda(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        return new backpropamine.cuda.CudaLstmModel(cudaDevice(precision), shape, clip, seed, initScale);
    }

    /** A device of {@code backpropamine.cuda.CudaDevices} for a new CUDA model (a GPU, or the host emulation). */
    private static backpropamine.cuda.Device cudaDevice(Precision precision) {
        if (precision != Precision.FLOAT) {
            throw new IllegalArgumentException("the CUDA kernels compute in float: use --precision float (double is for"
                    + " the CPU kernels' gradient checks)");
        }
        return backpropamine.cuda.CudaDevices.open();
    }

    private static LanguageModel fused(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        requireFusedKernels();
        return switch (precision) {
            case FLOAT -> new backpropamine.nn.PlasticLstmModel(shape, clip, seed, initScale);
            case DOUBLE -> new backpropamine.nn64.PlasticLstmModel(shape, clip, seed, initScale);
        };
    }

    private static LanguageModel fusedLarge(LargeShape shape, Regularization reg, Precision precision, double clip,
                                            long seed, double initScale) {
        requireFusedKernels();
        return switch (precision) {
            case FLOAT -> new backpropamine.nn.LargeLstmModel(shape, reg, clip, seed, initScale);
            case DOUBLE -> new backpropamine.nn64.LargeLstmModel(shape, reg, clip, seed, initScale);
        };
    }

    private static void requireFusedKernels() {
        if (onCuda()) {
            // The fused kernels read and write ND4J buffers from Java, which on the CUDA backend would bypass
            // device synchronisation and give wrong numbers. Refuse rather than train silently wrong.
            throw new UnsupportedOperationException("the fused kernels run on ND4J's CPU backend only; this process"
                    + " loaded " + Nd4j.getBackend().getClass().getName()
                    + ". Use Kernels.OPS (the default on CUDA) or build without -Pcuda.");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            // the JVM's setup, not the trial's: a BackendException, so a sweep retries the trial on another executor
            throw new BackendException("the Vector API module is missing: start the JVM with"
                    + " --add-modules=jdk.incubator.vector (bin/bpm and conf/spark-defaults.conf do)");
        }
    }
}
