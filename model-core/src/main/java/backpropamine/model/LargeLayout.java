package backpropamine.model;

import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.ParameterLayout.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where each parameter of the large model ({@link LargeShape}) lives in the flat parameter vector, and its
 * initialisation, as in the authors' code for this model (their fork of the AWD-LSTM, with one PyTorch Linear per
 * gate and input): the embedding (which is also the softmax's weight) uniform in [-initScale, initScale] (0.1
 * there), the decoder bias 0; W_x and b_ih uniform in +-1/sqrt(inputs), W_h and b_hh in +-1/sqrt(units) (a
 * Linear's default). In the neuromodulated layer the fixed plastic weights w (the g block of W_h) are uniform in
 * +-0.01, alpha_j in [0, 1e-4] (plasticity starts almost off), the modulator's v and b_m in +-1/sqrt(units), and
 * the fan-out u_j and b_j in +-1 (a Linear from one input).
 */
public final class LargeLayout {
    /**
     * One layer. {@code alpha}, the fan-out {@code u} and its bias {@code fanBias} are 1 x H (per post-synaptic
     * neuron); they and the modulator's {@code modulatorV}/{@code modulatorB} are null in the LSTM. The column
     * blocks of {@code wx} and {@code wh} are the gates i, f, o, g; so are the rows of {@code biasIh}. {@code biasHh}
     * has rows i, f, o, g in the LSTM and i, f, o in the neuromodulated layer, whose recurrent path into g is the
     * plastic connection, without a bias of its own (so its extra parameters are 3H + 1). The cell adds both biases.
     */
    public record Layer(Entry wx, Entry wh, Entry alpha, Entry u, Entry modulatorV, Entry biasIh, Entry biasHh,
                        Entry modulatorB, Entry fanBias) {
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
                    params.add(p + "b_hh", Kind.BIAS, plastic ? 3 : 4, h),
                    plastic ? params.add(p + "modulator.b", Kind.BIAS, 1, 1) : null,
                    plastic ? params.add(p + "fanout.b", Kind.BIAS, 1, h) : null));
        }
        layers = List.copyOf(built);
        decoderBias = params.add("decoder.b", Kind.BIAS, 1, shape.vocab());
        if (params.size() != shape.parameterCount()) {
            throw new IllegalStateException("layout has " + params.size() + " parameters, shape says " + shape.parameterCount());
        }
    }

    /**
     * The factor the optimizer applies to a parameter's gradient: 1/N for a per-neuron alpha (its gradient sums N
     * connections; the authors divide it by N, their "agdiv", which they found necessary for stability at the
     * AWD-LSTM's learning rate of 30), 1 for every other parameter.
     */
    public static double alphaGradientScale(Entry e) {
        return e.name().endsWith(".alpha") && e.rows() == 1 ? 1.0 / e.cols() : 1.0;
    }

    public static LargeLayout of(LargeShape shape) {
        return new LargeLayout(shape);
    }

    /** Initial values (see the class comment), from one seeded stream. */
    public double[] initialValues(long seed, double initScale) {
        double[] theta = new double[Math.toIntExact(params.size())];
        SplittableRandom rng = new SplittableRandom(seed);
        fill(theta, embedding, -initScale, initScale, rng);
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            Layer layer = layers.get(l);
            double in = 1 / Math.sqrt(shape.inputWidth(l));
            double units = 1 / Math.sqrt(shape.width(l));
            fill(theta, layer.wx(), -in, in, rng);
            fill(theta, layer.biasIh(), -in, in, rng);
            fill(theta, layer.wh(), -units, units, rng);
            fill(theta, layer.biasHh(), -units, units, rng);
            if (layer.alpha() != null) {
                Entry wh = layer.wh();
                int h = wh.rows();
                for (int i = 0; i < h; i++) { // w: the g block, columns [3H, 4H) of W_h
                    for (int j = 3 * h; j < 4 * h; j++) {
                        theta[(int) (wh.offset() + (long) i * wh.cols() + j)] = (rng.nextDouble() * 2 - 1) * 0.01;
                    }
                }
                fill(theta, layer.alpha(), 0, 1e-4, rng);
                fill(theta, layer.modulatorV(), -units, units, rng);
                fill(theta, layer.modulatorB(), -units, units, rng);
                fill(theta, layer.u(), -1, 1, rng);
                fill(theta, layer.fanBias(), -1, 1, rng);
            }
        }
        return theta;
    }

    private static void fill(double[] theta, Entry e, double lo, double hi, SplittableRandom rng) {
        for (long k = 0; k < e.length(); k++) {
            theta[(int) (e.offset() + k)] = lo + rng.nextDouble() * (hi - lo);
        }
    }
}
