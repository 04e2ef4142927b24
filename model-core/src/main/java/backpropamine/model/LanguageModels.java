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
        return switch (precision) {
            case FLOAT -> new backpropamine.nn.PlasticLstmModel(shape, clip, seed, initScale);
            case DOUBLE -> new backpropamine.nn64.PlasticLstmModel(shape, clip, seed, initScale);
        };
    }
}
