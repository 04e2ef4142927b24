package backpropamine.model;

/** Creates the model of a shape in the requested arithmetic. */
public final class LanguageModels {
    private LanguageModels() {
    }

    /**
     * @param clip      bound c of the Hebbian trace clip
     * @param seed      seed of the parameter initialisation
     * @param initScale weights are uniform in [-initScale, initScale]
     */
    public static LanguageModel create(ModelShape shape, Precision precision, double clip, long seed, double initScale) {
        String backend = org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getName();
        if (backend.toLowerCase(java.util.Locale.ROOT).contains("cuda")) {
            // The fused kernels read and write ND4J buffers from Java, which on the CUDA backend would bypass
            // device synchronisation and give wrong numbers. Refuse rather than train silently wrong.
            throw new UnsupportedOperationException("the model's fused kernels run on ND4J's CPU backend only; this"
                    + " process loaded " + backend + ". Build without -Pcuda to train on CPU.");
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
