package backpropamine.model;

import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.ParameterLayout.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where each parameter of the large model ({@link LargeShape}) lives in the flat parameter vector, and its
 * initialisation, as in the AWD-LSTM: the embedding (which is also the softmax's weight) uniform in
 * [-initScale, initScale] (0.1 there), the decoder bias 0, and every LSTM weight and bias uniform in
 * [-1/sqrt(H), 1/sqrt(H)] for a layer of H units (PyTorch's LSTM default). The neuromodulated layer's alpha_j,
 * u_j and v follow the layer's weights; b_m starts at 0.
 */
public final class LargeLayout {
    /**
     * One layer. {@code alpha} and {@code u} are 1 x H (per post-synaptic neuron); they and the modulator's
     * {@code modulatorV}/{@code modulatorB} are null in the LSTM. {@code biasIh} and {@code biasHh} have one row
     * per gate (i, f, o, g), as do the column blocks of {@code wx} and {@code wh}; the cell adds both.
     */
    public record Layer(Entry wx, Entry wh, Entry alpha, Entry u, Entry modulatorV, Entry biasIh, Entry biasHh,
                        Entry modulatorB) {
    }

    public final ParameterLayout params = new ParameterLayout();
    public final Entry embedding;
    public final List<Layer> layers;
    public final Entry decoderBias;
    private final LargeShape shape;

    private LargeLayout(LargeShape shape) {
        this.shape = shape;
        boolean plastic = shape.variant() == Variant.SIMPLE;
        embedding = params.add("embedding", Kind.WEIGHT, shape.vocab(), shape.embedding());
        List<Entry[]> weights = new ArrayList<>();
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            String p = "layer" + l + ".";
            int h = shape.width(l);
            weights.add(new Entry[] {
                params.add(p + "W_x", Kind.WEIGHT, shape.inputWidth(l), 4 * h),
                params.add(p + "W_h", Kind.WEIGHT, h, 4 * h),
                plastic ? params.add(p + "alpha", Kind.WEIGHT, 1, h) : null,
                plastic ? params.add(p + "u", Kind.WEIGHT, 1, h) : null,
                plastic ? params.add(p + "modulator.v", Kind.WEIGHT, 1, h) : null});
        }
        List<Layer> built = new ArrayList<>();
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            String p = "layer" + l + ".";
            int h = shape.width(l);
            Entry[] w = weights.get(l);
            built.add(new Layer(w[0], w[1], w[2], w[3], w[4], params.add(p + "b_ih", Kind.BIAS, 4, h),
                    params.add(p + "b_hh", Kind.BIAS, 4, h), plastic ? params.add(p + "modulator.b", Kind.BIAS, 1, 1) : null));
        }
        layers = List.copyOf(built);
        decoderBias = params.add("decoder.b", Kind.BIAS, 1, shape.vocab());
        if (params.size() != shape.parameterCount()) {
            throw new IllegalStateException("layout has " + params.size() + " parameters, shape says " + shape.parameterCount());
        }
    }

    public static LargeLayout of(LargeShape shape) {
        return new LargeLayout(shape);
    }

    /** Initial values (see the class comment), from one seeded stream. */
    public double[] initialValues(long seed, double initScale) {
        double[] theta = new double[Math.toIntExact(params.size())];
        SplittableRandom rng = new SplittableRandom(seed);
        fill(theta, embedding, initScale, rng);
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            Layer layer = layers.get(l);
            double scale = 1 / Math.sqrt(shape.width(l));
            for (Entry e : new Entry[] {layer.wx(), layer.wh(), layer.alpha(), layer.u(), layer.modulatorV(),
                    layer.biasIh(), layer.biasHh()}) {
                fill(theta, e, scale, rng);
            }
        }
        return theta;
    }

    private static void fill(double[] theta, Entry e, double scale, SplittableRandom rng) {
        if (e == null) {
            return;
        }
        for (long k = 0; k < e.length(); k++) {
            theta[(int) (e.offset() + k)] = (rng.nextDouble() * 2 - 1) * scale;
        }
    }
}
