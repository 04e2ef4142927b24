package backpropamine.model;

/**
 * Sizes of the basic model: embedding (dim = hidden) -> 2 LSTM layers -> softmax over the vocabulary.
 * The parameter count here is the one reported for every trial and used for parameter matching.
 */
public record ModelShape(Variant variant, int vocab, int hidden, int layers) implements Shape {
    public static final int PAPER_VOCAB = 10_000;
    public static final int PAPER_LAYERS = 2;
    /**
     * The parameter budget of matching: the largest plastic model at hidden 200, RETRO (4,812,004), so that PLASTIC,
     * SIMPLE and RETRO all get the paper's 200 units and LSTM the 206 its spare parameters buy (docs/model.md).
     */
    public static final long DEFAULT_BUDGET = new ModelShape(Variant.RETRO, PAPER_VOCAB, 200, PAPER_LAYERS).parameterCount();

    public ModelShape {
        if (vocab < 2 || hidden < 1 || layers < 1) {
            throw new IllegalArgumentException("invalid shape: vocab " + vocab + ", hidden " + hidden + ", layers " + layers);
        }
    }

    /** Trainable parameters of one LSTM layer with input width {@code in}. */
    long layerParameters(int in) {
        long n = hidden;
        long lstm = 4 * n * in + 4 * n * n + 4 * n; // W_x, W_h (incl. the fixed plastic weights w), one bias per gate
        long plastic = variant.plastic() ? 2 * n * n : 0; // alpha and eta (PLASTIC) or u (SIMPLE, RETRO)
        long modulator = variant.modulated() ? n + 1 : 0; // v and b_m
        long eligibility = variant == Variant.RETRO ? 1 : 0; // lambda
        return lstm + plastic + modulator + eligibility;
    }

    @Override
    public long parameterCount() {
        long embedding = (long) vocab * hidden;
        long softmax = (long) hidden * vocab + vocab;
        long total = embedding + softmax;
        for (int l = 0; l < layers; l++) {
            total += layerParameters(hidden);
        }
        return total;
    }

    /** The largest hidden size whose parameter count does not exceed {@code budget} (parameter matching). */
    public static ModelShape matched(Variant variant, int vocab, int layers, long budget) {
        int lo = Shape.largestWithin(budget, h -> new ModelShape(variant, vocab, h, layers).parameterCount());
        if (lo == 0) {
            throw new IllegalArgumentException("parameter budget " + budget + " is too small for any " + variant + " model");
        }
        return new ModelShape(variant, vocab, lo, layers);
    }

    /**
     * Estimated arithmetic of one training token (forward + backward), in FLOPs: the matrix products count
     * 2*m*n*k each, three times (forward, two backward products); the plastic path adds its N x N elementwise
     * loops (forward term, trace update and their backward).
     */
    @Override
    public double trainingFlopsPerToken() {
        double n = hidden;
        double products = 2.0 * n * vocab; // softmax
        for (int l = 0; l < layers; l++) {
            products += 2.0 * (n * 4 * n + n * 4 * n); // input and recurrent projections
        }
        double plasticPerLayer = switch (variant) {
            case LSTM -> 0;
            case PLASTIC, SIMPLE -> 3 * n * n + 4 * n * n + 2 * (3 * n * n + 4 * n * n) + 4 * n * n;
            case RETRO -> 3 * n * n + 7 * n * n + 2 * (3 * n * n + 7 * n * n) + 8 * n * n;
        };
        return 3 * products + layers * plasticPerLayer;
    }
}
