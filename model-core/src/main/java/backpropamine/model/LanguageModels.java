package backpropamine.model;

/** Creates the model of a shape in the requested arithmetic, on the implementation that suits the backend. */
public final class LanguageModels {
    private LanguageModels() {
    }

    /**
     * The model on {@link Kernels#forBackend()}: the fused kernels on CPU, the ND4J-ops path on CUDA.
     *
     * @param clip      bound c of the Hebbian trace clip
     * @param seed      seed of the parameter initialisation
     * @param initScale weights are uniform in [-initScale, initScale]
     */
    public static LanguageModel create(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        return create(shape, precision, Kernels.forBackend(), clip, seed, initScale);
    }

    public static LanguageModel create(ModelShape shape, Precision precision, Kernels kernels, double clip, long seed,
                                       double initScale) {
        if (kernels == Kernels.OPS) {
            return new backpropamine.ops.OpsLstmModel(shape, precision, clip, seed, initScale);
        }
        if (Kernels.onCuda()) {
            // The fused kernels read and write ND4J buffers from Java, which on the CUDA backend would bypass
            // device synchronisation and give wrong numbers. Refuse rather than train silently wrong.
            throw new UnsupportedOperationException("the fused kernels run on ND4J's CPU backend only; this process"
                    + " loaded " + org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getName()
                    + ". Use Kernels.OPS (the default on CUDA) or build without -Pcuda.");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("the Vector API module is missing: start the JVM with"
                    + " --add-modules=jdk.incubator.vector (bin/bpm and conf/spark-defaults.conf do)");
        }
        return switch (precision) {
            case FLOAT -> new backpropamine.nn.PlasticLstmModel(shape, clip, seed, initScale);
            case DOUBLE -> new backpropamine.nn64.PlasticLstmModel(shape, clip, seed, initScale);
        };
    }
}
