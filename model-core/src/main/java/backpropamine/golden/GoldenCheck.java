package backpropamine.golden;

import backpropamine.golden.GoldenFixture.Case;
import backpropamine.golden.GoldenFixture.Segment;
import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.LayerState;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.train.LanguageModels;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a golden case on one implementation of the model: loads the fixture's parameters into the model's own
 * layout, runs its segments with state carried from one to the next (no parameter update in between, as the
 * fixture was made), and measures the largest relative error of the losses, of every gradient and of every
 * end-of-segment state. The relative error of a tensor is max|ours - golden| / max|golden| (norm-wise, so that
 * entries near zero do not dominate); of a loss, |ours - golden| / |golden|.
 */
public final class GoldenCheck {
    /**
     * Largest relative errors allowed (docs/model.md has the measurements). Double: a correct implementation agrees
     * to rounding; measured at most 3e-16 (losses), 4e-12 (gradients) and 1e-12 (states) over both fixtures (the
     * fused kernels' exp/tanh are polynomials good to ~1e-14, amplified by the modulated traces; the ops path
     * stays near 1e-15), so the bounds leave a margin of 100x or more, while a misread equation moves results by
     * 1e-3 and more. Float: parameters and every step rounded to 24 bits; measured at most 2e-7 (losses), 3e-5
     * (gradients: the scalar dL/dlambda sums many terms that cancel) and 8e-7 (states); bounds 30x above.
     */
    public record Tolerance(double loss, double gradients, double states) {
        public static Tolerance of(Precision p) {
            return p == Precision.DOUBLE ? new Tolerance(1e-11, 1e-9, 1e-10) : new Tolerance(1e-5, 1e-3, 1e-4);
        }
    }

    /** The largest relative errors of one case on one implementation, and where the worst ones are. */
    public record Errors(Variant variant, Kernels kernels, Precision precision, double loss, double gradients,
                         String worstGradient, double states, String worstState) {
        public boolean within(Tolerance t) {
            return loss <= t.loss() && gradients <= t.gradients() && states <= t.states();
        }
    }

    private GoldenCheck() {
    }

    public static Errors check(Case c, Kernels kernels, Precision precision) {
        ModelShape shape = new ModelShape(c.variant(), c.vocab(), c.hidden(), c.layers());
        try (LanguageModel model = LanguageModels.create(shape, precision, kernels, c.traceClip(), 0, 0.1)) {
            return check(c, kernels, precision, model);
        }
    }

    private static Errors check(Case c, Kernels kernels, Precision precision, LanguageModel model) {
        model.parameters().set(ourLayout(c, model.layout())); // rounded to the model's precision
        Worst loss = new Worst();
        Worst gradients = new Worst();
        Worst states = new Worst();
        for (int s = 0; s < c.segments().size(); s++) {
            Segment seg = c.segments().get(s);
            double ours = model.trainSegment(timeMajor(seg.inputs()), timeMajor(seg.targets()), c.batch(), c.steps())
                    / c.batch(); // the model returns the sum over all tokens; the fixture the sum of batch means
            loss.add("segment " + s, Math.abs(ours - seg.loss()) / Math.abs(seg.loss()));
            double[] grad = model.gradients().toDoubleArray();
            for (Map.Entry<String, double[]> g : seg.gradients().entrySet()) {
                ParameterLayout.Entry e = model.layout().get(ourName(g.getKey(), c.variant()));
                gradients.add(g.getKey() + " (segment " + s + ")", relative(grad, (int) e.offset(), g.getValue()));
            }
            List<LayerState> state = model.state(c.batch());
            for (int l = 0; l < seg.finalState().size(); l++) {
                for (Map.Entry<String, double[]> t : seg.finalState().get(l).entrySet()) {
                    double[] mine = switch (t.getKey()) {
                        case "h" -> state.get(l).h();
                        case "c" -> state.get(l).c();
                        case "hebb" -> state.get(l).hebb();
                        case "e" -> state.get(l).eligibility();
                        default -> throw new IllegalArgumentException("unknown state '" + t.getKey() + "'");
                    };
                    if (mine == null) {
                        throw new IllegalArgumentException("the fixture has state '" + t.getKey() + "' that "
                                + c.variant() + " does not keep");
                    }
                    states.add("layer" + l + "." + t.getKey() + " (segment " + s + ")", relative(mine, 0, t.getValue()));
                }
            }
        }
        return new Errors(c.variant(), kernels, precision, loss.value, gradients.value, gradients.where, states.value,
                states.where);
    }

    /** The fixture's parameters as this model's flat vector; every parameter of the model must be given once. */
    static double[] ourLayout(Case c, ParameterLayout layout) {
        double[] theta = new double[Math.toIntExact(layout.size())];
        Set<String> given = new HashSet<>();
        for (Map.Entry<String, double[]> p : c.parameters().entrySet()) {
            ParameterLayout.Entry e = layout.get(ourName(p.getKey(), c.variant()));
            if (p.getValue().length != e.length()) {
                throw new IllegalArgumentException(p.getKey() + " has " + p.getValue().length + " values, the model's "
                        + e.name() + " " + e.rows() + " x " + e.cols());
            }
            System.arraycopy(p.getValue(), 0, theta, (int) e.offset(), p.getValue().length);
            given.add(e.name());
        }
        for (ParameterLayout.Entry e : layout.entries()) {
            if (!given.contains(e.name())) {
                throw new IllegalArgumentException("the fixture lacks " + e.name() + " of the " + c.variant() + " model");
            }
        }
        return theta;
    }

    /**
     * The model's name of a fixture tensor. The layouts agree entry by entry (gate blocks i, f, o, g; alpha and
     * the rates [pre][post]; the modulator's v as one row), so the values copy over as they are.
     */
    static String ourName(String fixtureName, Variant variant) {
        switch (fixtureName) {
            case "embedding":
                return "embedding";
            case "softmax_w":
                return "softmax.W";
            case "softmax_b":
                return "softmax.b";
            default:
                break;
        }
        int dot = fixtureName.indexOf('.');
        if (!fixtureName.startsWith("layer") || dot < 0) {
            throw new IllegalArgumentException("unknown parameter '" + fixtureName + "'");
        }
        String layer = fixtureName.substring(0, dot + 1);
        return layer + switch (fixtureName.substring(dot + 1)) {
            case "wx" -> "W_x";
            case "wh" -> "W_h";
            case "b" -> "b";
            case "alpha" -> "alpha";
            case "eta" -> variant == Variant.PLASTIC ? "eta" : "u";
            case "mv" -> "modulator.v";
            case "mb" -> "modulator.b";
            case "edecay" -> "lambda";
            default -> throw new IllegalArgumentException("unknown parameter '" + fixtureName + "'");
        };
    }

    /** Tokens [B][T] as the model takes them: time-major, {@code [t * B + b]}. */
    static int[] timeMajor(int[][] tokens) {
        int batch = tokens.length;
        int steps = tokens[0].length;
        int[] out = new int[batch * steps];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                out[t * batch + b] = tokens[b][t];
            }
        }
        return out;
    }

    /** max|ours[from + k] - golden[k]| / max|golden|. */
    static double relative(double[] ours, int from, double[] golden) {
        double diff = 0;
        double scale = 0;
        for (int k = 0; k < golden.length; k++) {
            diff = Math.max(diff, Math.abs(ours[from + k] - golden[k]));
            scale = Math.max(scale, Math.abs(golden[k]));
        }
        return scale > 0 ? diff / scale : diff;
    }

    private static final class Worst {
        double value;
        String where = "";

        void add(String what, double error) {
            if (!Double.isNaN(value) && (Double.isNaN(error) || error > value)) { // NaN is the worst there is
                value = error;
                where = what;
            }
        }
    }
}
