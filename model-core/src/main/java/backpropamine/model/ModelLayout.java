package backpropamine.model;

import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.ParameterLayout.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where each parameter of the basic model lives in the flat parameter vector. Every implementation of the model
 * (the fused CPU kernels in {@code backpropamine.nn}/{@code nn64}, the ND4J-ops path in {@code backpropamine.ops})
 * uses this one layout and {@link #initialValues}, so the same seed gives the same model everywhere and
 * checkpoints move between them.
 */
public final class ModelLayout {
    /** Initial value of the eligibility-trace rate lambda (section 1 of the spec). */
    public static final double LAMBDA_INIT = 0.1;

    /**
     * One (plastic) LSTM layer. {@code alpha}, {@code rate} (eta for PLASTIC, the fan-out u for SIMPLE and RETRO),
     * the modulator's {@code modulatorV}/{@code modulatorB} and {@code lambda} are null where the variant lacks them.
     * {@code bias} has one row per gate: i, f, o, g; so do the column blocks of {@code wx} and {@code wh}.
     */
    public record Layer(Entry wx, Entry wh, Entry alpha, Entry rate, Entry modulatorV, Entry bias, Entry modulatorB,
                        Entry lambda) {
    }

    public final ParameterLayout params = new ParameterLayout();
    public final Entry embedding;
    public final List<Layer> layers;
    public final Entry softmaxW;
    public final Entry softmaxB;

    private ModelLayout(ModelShape shape) {
        int n = shape.hidden();
        int v = shape.vocab();
        Variant variant = shape.variant();
        // all weights first (one contiguous L2 range), then biases and rates
        embedding = params.add("embedding", Kind.WEIGHT, v, n);
        List<Entry[]> weights = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) {
            String p = "layer" + l + ".";
            Entry wx = params.add(p + "W_x", Kind.WEIGHT, n, 4 * n);
            Entry wh = params.add(p + "W_h", Kind.WEIGHT, n, 4 * n);
            Entry alpha = variant.plastic() ? params.add(p + "alpha", Kind.WEIGHT, n, n) : null;
            Entry rate = switch (variant) {
                case LSTM -> null;
                case PLASTIC -> params.add(p + "eta", Kind.WEIGHT, n, n);
                case SIMPLE, RETRO -> params.add(p + "u", Kind.WEIGHT, n, n);
            };
            Entry mv = variant.modulated() ? params.add(p + "modulator.v", Kind.WEIGHT, 1, n) : null;
            weights.add(new Entry[] {wx, wh, alpha, rate, mv});
        }
        softmaxW = params.add("softmax.W", Kind.WEIGHT, n, v);
        List<Layer> built = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) {
            String p = "layer" + l + ".";
            Entry[] w = weights.get(l);
            Entry b = params.add(p + "b", Kind.BIAS, 4, n);
            Entry mb = variant.modulated() ? params.add(p + "modulator.b", Kind.BIAS, 1, 1) : null;
            Entry lambda = variant == Variant.RETRO ? params.add(p + "lambda", Kind.RATE, 1, 1) : null;
            built.add(new Layer(w[0], w[1], w[2], w[3], w[4], b, mb, lambda));
        }
        layers = List.copyOf(built);
        softmaxB = params.add("softmax.b", Kind.BIAS, 1, v);
        if (params.size() != shape.parameterCount()) {
            throw new IllegalStateException("layout has " + params.size() + " parameters, shape says " + shape.parameterCount());
        }
    }

    public static ModelLayout of(ModelShape shape) {
        return new ModelLayout(shape);
    }

    /** Weights uniform in [-scale, scale], biases 0, rates (lambda) at {@link #LAMBDA_INIT}; one seeded stream. */
    public double[] initialValues(long seed, double scale) {
        double[] theta = new double[Math.toIntExact(params.size())];
        SplittableRandom rng = new SplittableRandom(seed);
        for (Entry e : params.entries()) {
            for (long k = 0; k < e.length(); k++) {
                theta[(int) (e.offset() + k)] = switch (e.kind()) {
                    case WEIGHT -> (rng.nextDouble() * 2 - 1) * scale;
                    case BIAS -> 0;
                    case RATE -> LAMBDA_INIT;
                };
            }
        }
        return theta;
    }
}
