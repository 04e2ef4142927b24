package backpropamine.train;

import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.Objects;

/**
 * Everything that defines one trial, validated on construction. Field names in messages are the keys of the
 * sweep files ({@code decay_factor}, ...), so an error points at the line to fix.
 *
 * <p>Learning rate of epoch e (1-based): {@code lr0 * decay_factor ^ max(0, e - decay_start)}.
 */
public record TrialConfig(
        Variant variant,
        double decayFactor,
        int decayStart,
        double initScale,
        double l2,
        int epochs,
        Integer hidden,           // null: the largest hidden size within paramBudget (parameter matching)
        long paramBudget,
        int batch,
        int bptt,
        int validBatch,
        int testBatch,
        int maxBatches,           // 0: no cap; else batches per epoch and per evaluation pass
        long seed,
        double traceClip,
        double gradClip,
        double learningRate,
        Precision precision) implements java.io.Serializable {

    public TrialConfig {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(precision, "precision");
        range("decay_factor", decayFactor, 0, false, 1, true);
        range("decay_start", decayStart, 0, 10_000);
        range("init_scale", initScale, 0, false, 1, true);
        range("l2", l2, 0, true, 1, false);
        range("epochs", epochs, 1, 10_000);
        if (hidden != null) {
            range("hidden", hidden, 1, 8192);
        }
        if (paramBudget < 1) {
            throw new IllegalArgumentException("param_budget must be positive, was " + paramBudget);
        }
        range("batch", batch, 1, 4096);
        range("bptt", bptt, 1, 10_000);
        range("valid_batch", validBatch, 1, 4096);
        range("test_batch", testBatch, 1, 4096);
        range("max_batches", maxBatches, 0, Integer.MAX_VALUE);
        range("trace_clip", traceClip, 0, false, 1e6, true);
        range("grad_clip", gradClip, 0, false, 1e9, true);
        range("learning_rate", learningRate, 0, false, 1e6, true);
    }

    private static void range(String key, double v, double lo, boolean loIncl, double hi, boolean hiIncl) {
        boolean ok = !Double.isNaN(v) && (loIncl ? v >= lo : v > lo) && (hiIncl ? v <= hi : v < hi);
        if (!ok) {
            throw new IllegalArgumentException(key + " must be in " + (loIncl ? "[" : "(") + lo + ", " + hi
                    + (hiIncl ? "]" : ")") + ", was " + v);
        }
    }

    private static void range(String key, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "], was " + v);
        }
    }

    /** The paper's basic setting for a variant and one grid point. */
    public static Builder builder(Variant variant) {
        return new Builder(variant);
    }

    public Builder toBuilder() {
        Builder b = new Builder(variant);
        b.decayFactor = decayFactor;
        b.decayStart = decayStart;
        b.initScale = initScale;
        b.l2 = l2;
        b.epochs = epochs;
        b.hidden = hidden;
        b.paramBudget = paramBudget;
        b.batch = batch;
        b.bptt = bptt;
        b.validBatch = validBatch;
        b.testBatch = testBatch;
        b.maxBatches = maxBatches;
        b.seed = seed;
        b.traceClip = traceClip;
        b.gradClip = gradClip;
        b.learningRate = learningRate;
        b.precision = precision;
        return b;
    }

    /** Learning rate of a 1-based epoch. */
    public double learningRate(int epoch) {
        return learningRate * Math.pow(decayFactor, Math.max(0, epoch - decayStart));
    }

    /** The model shape: fixed hidden size, or the largest within the parameter budget. */
    public ModelShape shape(int vocab) {
        return hidden != null
                ? new ModelShape(variant, vocab, hidden, ModelShape.PAPER_LAYERS)
                : ModelShape.matched(variant, vocab, ModelShape.PAPER_LAYERS, paramBudget);
    }

    /** A canonical description of every field that affects the result (for checkpoints and trial keys). */
    public String fingerprint() {
        return "variant=" + variant + ";decay_factor=" + decayFactor + ";decay_start=" + decayStart
                + ";init_scale=" + initScale + ";l2=" + l2 + ";epochs=" + epochs + ";hidden=" + (hidden == null ? "auto" : hidden)
                + ";param_budget=" + paramBudget + ";batch=" + batch + ";bptt=" + bptt + ";valid_batch=" + validBatch
                + ";test_batch=" + testBatch + ";max_batches=" + maxBatches + ";seed=" + seed + ";trace_clip=" + traceClip
                + ";grad_clip=" + gradClip + ";learning_rate=" + learningRate + ";precision=" + precision;
    }

    /** Mutable builder with the paper's defaults. */
    public static final class Builder {
        private Variant variant;
        private double decayFactor = 0.3;
        private int decayStart = 4;
        private double initScale = 0.1;
        private double l2 = 1e-5;
        private int epochs = 13;
        private Integer hidden;
        private long paramBudget = ModelShape.DEFAULT_BUDGET;
        private int batch = 20;
        private int bptt = 20;
        private int validBatch = 10;
        private int testBatch = 1;
        private int maxBatches;
        private long seed = 1;
        private double traceClip = 1.0;
        private double gradClip = 5.0;
        private double learningRate = 1.0;
        private Precision precision = Precision.FLOAT;

        private Builder(Variant variant) {
            this.variant = variant;
        }

        public Builder variant(Variant v) { this.variant = v; return this; }
        public Builder decayFactor(double v) { this.decayFactor = v; return this; }
        public Builder decayStart(int v) { this.decayStart = v; return this; }
        public Builder initScale(double v) { this.initScale = v; return this; }
        public Builder l2(double v) { this.l2 = v; return this; }
        public Builder epochs(int v) { this.epochs = v; return this; }
        public Builder hidden(Integer v) { this.hidden = v; return this; }
        public Builder paramBudget(long v) { this.paramBudget = v; return this; }
        public Builder batch(int v) { this.batch = v; return this; }
        public Builder bptt(int v) { this.bptt = v; return this; }
        public Builder validBatch(int v) { this.validBatch = v; return this; }
        public Builder testBatch(int v) { this.testBatch = v; return this; }
        public Builder maxBatches(int v) { this.maxBatches = v; return this; }
        public Builder seed(long v) { this.seed = v; return this; }
        public Builder traceClip(double v) { this.traceClip = v; return this; }
        public Builder gradClip(double v) { this.gradClip = v; return this; }
        public Builder learningRate(double v) { this.learningRate = v; return this; }
        public Builder precision(Precision v) { this.precision = v; return this; }

        public TrialConfig build() {
            return new TrialConfig(variant, decayFactor, decayStart, initScale, l2, epochs, hidden, paramBudget, batch,
                    bptt, validBatch, testBatch, maxBatches, seed, traceClip, gradClip, learningRate, precision);
        }
    }
}
