package backpropamine.model;

/**
 * Sizes of the large model (appendix A.3, after Merity et al.'s AWD-LSTM): embedding E -> LSTM layers of
 * H, H and E units -> softmax whose weights are the embedding (tied), with its own bias. The paper's sizes are
 * E = 400, H = 1150 for the LSTM and H = 1149 for the neuromodulated model, whose count then stays under the
 * LSTM's (parameter matching, as in the basic model).
 *
 * <p>Counted as PyTorch counts the authors' model: each layer has W_x (in x 4H), W_h (H x 4H) and two biases per
 * gate (b_ih and b_hh, 4H each); the tied decoder adds only its bias. The neuromodulated layer replaces the
 * recurrent path into g by the plastic connection (no b_hh for g: -H) and adds alpha_j (per post-synaptic neuron),
 * the modulator's v and b_m, and the fan-out's u_j and b_j: 3H + 1 in all. This reproduces both counts of the
 * paper: 24,221,600 (LSTM, 1150) and 24,198,893 (neuromodulated, 1149).
 */
public record LargeShape(Variant variant, int vocab, int embedding, int hidden) implements Shape {
    public static final int PAPER_EMBEDDING = 400;
    public static final int PAPER_HIDDEN = 1150;
    public static final int LAYERS = 3;
    /** The parameter budget of matching: the paper's large LSTM (24,221,600). */
    public static final long DEFAULT_BUDGET =
            new LargeShape(Variant.LSTM, ModelShape.PAPER_VOCAB, PAPER_EMBEDDING, PAPER_HIDDEN).parameterCount();

    public LargeShape {
        if (variant != Variant.LSTM && variant != Variant.SIMPLE) {
            throw new IllegalArgumentException("the large model comes as LSTM or SIMPLE (simple neuromodulation,"
                    + " appendix A.3), not " + variant + "; use model: basic for PLASTIC and RETRO");
        }
        if (vocab < 2 || embedding < 1 || hidden < 1) {
            throw new IllegalArgumentException("invalid large shape: vocab " + vocab + ", embedding " + embedding
                    + ", hidden " + hidden);
        }
    }

    /** Units of layer l: H, H, then E (the last layer's output feeds the tied softmax). */
    public int width(int layer) {
        return layer == LAYERS - 1 ? embedding : hidden;
    }

    /** Input width of layer l: the embedding, then the layer below. */
    public int inputWidth(int layer) {
        return layer == 0 ? embedding : width(layer - 1);
    }

    /** Trainable parameters of layer l. */
    long layerParameters(int layer) {
        long h = width(layer);
        long lstm = 4 * h * (inputWidth(layer) + h) + 8 * h; // W_x, W_h, b_ih, b_hh
        long plastic = variant == Variant.SIMPLE ? 3 * h + 1 : 0; // -b_hh of g, + alpha_j, v, b_m, u_j, b_j
        return lstm + plastic;
    }

    @Override
    public long parameterCount() {
        long total = (long) vocab * embedding + vocab; // embedding (tied with the decoder) and decoder bias
        for (int l = 0; l < LAYERS; l++) {
            total += layerParameters(l);
        }
        return total;
    }

    /** The largest H whose count does not exceed {@code budget}, at embedding {@code embedding}. */
    public static LargeShape matched(Variant variant, int vocab, int embedding, long budget) {
        int lo = Shape.largestWithin(budget, h -> new LargeShape(variant, vocab, embedding, h).parameterCount());
        if (lo == 0) {
            throw new IllegalArgumentException("parameter budget " + budget + " is too small for any large " + variant + " model");
        }
        return new LargeShape(variant, vocab, embedding, lo);
    }

    /**
     * Matrix products 2*m*n*k, three times (forward, two backward) for the projections and the tied softmax; the
     * neuromodulated layers add their N x N passes (plastic input, trace update, their backward, and the
     * recomputation of the traces that were not kept).
     */
    @Override
    public double trainingFlopsPerToken() {
        double products = 2.0 * embedding * vocab;
        double plastic = 0;
        for (int l = 0; l < LAYERS; l++) {
            double h = width(l);
            products += 2.0 * 4 * h * (inputWidth(l) + h);
            if (variant == Variant.SIMPLE) {
                plastic += 3 * h * h + 4 * h * h + 2 * (3 * h * h + 4 * h * h) + 4 * h * h + 4 * h * h;
            }
        }
        return 3 * products + plastic;
    }
}
