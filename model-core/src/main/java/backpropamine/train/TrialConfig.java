package backpropamine.train;

import backpropamine.model.LargeShape;
import backpropamine.model.ModelKind;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Shape;
import backpropamine.model.Variant;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines one trial. Each component is described once in {@link TrialSetting} (key, range,
 * default); the {@link Builder} validates against it, and messages name the keys of the sweep files
 * ({@code decay_factor}, ...), so an error points at the line to fix.
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
        Precision precision,
        ModelKind model,
        int asgdStart) implements java.io.Serializable {

    public TrialConfig {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(model, "model");
        if (model == ModelKind.LARGE && variant != Variant.LSTM && variant != Variant.SIMPLE) {
            throw new IllegalArgumentException("variant " + variant + " has no large model: the large model comes as"
                    + " LSTM or SIMPLE (appendix A.3); use model: basic for " + variant);
        }
    }

    /** The paper's basic setting for a variant: every other setting at its {@link TrialSetting} default. */
    public static Builder builder(Variant variant) {
        return new Builder().variant(variant);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        for (TrialSetting s : TrialSetting.values()) {
            b.set(s, s.get(this));
        }
        return b;
    }

    /** Learning rate of a 1-based epoch. */
    public double learningRate(int epoch) {
        return learningRate * Math.pow(decayFactor, Math.max(0, epoch - decayStart));
    }

    /**
     * The model's sizes: fixed hidden size, or the largest within the parameter budget. The large model's
     * embedding (and last layer) is the paper's 400.
     */
    public Shape shape(int vocab) {
        if (model == ModelKind.LARGE) {
            return hidden != null
                    ? new LargeShape(variant, vocab, LargeShape.PAPER_EMBEDDING, hidden)
                    : LargeShape.matched(variant, vocab, LargeShape.PAPER_EMBEDDING, paramBudget);
        }
        return hidden != null
                ? new ModelShape(variant, vocab, hidden, ModelShape.PAPER_LAYERS)
                : ModelShape.matched(variant, vocab, ModelShape.PAPER_LAYERS, paramBudget);
    }

    /** Whether epoch e (1-based) of a large-model trial runs averaged SGD. */
    public boolean averaging(int epoch) {
        return model == ModelKind.LARGE && asgdStart > 0 && epoch >= asgdStart;
    }

    /**
     * A canonical description of every component, for checkpoints and trial keys: {@code key=value} in the record's
     * order, joined by ';' (for example {@code variant=SIMPLE;decay_factor=0.3;...;precision=FLOAT}). Derived from the
     * record's components, so a new component can never be left out of the trial's identity. The settings added
     * with the large model ({@code model}, {@code asgd_start}) are left out for basic-model trials, whose keys
     * therefore stay those of earlier versions.
     */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder();
        for (TrialSetting s : COMPONENTS) {
            if (model == ModelKind.BASIC && LARGE_MODEL_SETTINGS.contains(s)) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : ";").append(s.key()).append('=').append(s.format(s.get(this)));
        }
        return sb.toString();
    }

    /**
     * The config a fingerprint describes (the inverse of {@link #fingerprint()}): results rows carry it, so a later
     * stage (replication with other seeds) can rebuild the exact trial.
     *
     * @throws IllegalArgumentException naming an unknown key or a value out of range
     */
    public static TrialConfig fromFingerprint(String fingerprint) {
        Builder b = new Builder();
        for (String kv : fingerprint.split(";")) {
            int eq = kv.indexOf('=');
            TrialSetting s = eq < 0 ? null : TrialSetting.byKey(kv.substring(0, eq));
            if (s == null) {
                throw new IllegalArgumentException("not a trial fingerprint entry: '" + kv + "'");
            }
            b.set(s, s.parse(kv.substring(eq + 1)));
        }
        return b.build();
    }

    /** Settings that exist since the large model; a basic trial's fingerprint omits them (see {@link #fingerprint}). */
    private static final EnumSet<TrialSetting> LARGE_MODEL_SETTINGS = EnumSet.of(TrialSetting.MODEL, TrialSetting.ASGD_START);

    /** The settings in the order of the record's components; class initialisation fails if the two disagree. */
    private static final List<TrialSetting> COMPONENTS;
    private static final Map<TrialSetting, MethodHandle> ACCESSORS = new EnumMap<>(TrialSetting.class);
    private static final MethodHandle CONSTRUCTOR;

    static {
        RecordComponent[] rc = TrialConfig.class.getRecordComponents();
        List<TrialSetting> order = new ArrayList<>();
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (RecordComponent c : rc) {
                TrialSetting s = Arrays.stream(TrialSetting.values()).filter(x -> x.component().equals(c.getName()))
                        .findFirst().orElseThrow(() -> new IllegalStateException("TrialConfig." + c.getName()
                                + " has no row in TrialSetting"));
                if (s.kind().type != c.getType()) {
                    throw new IllegalStateException("TrialSetting." + s + " is " + s.kind() + " but TrialConfig."
                            + c.getName() + " is " + c.getType());
                }
                order.add(s);
                ACCESSORS.put(s, lookup.unreflect(c.getAccessor()));
            }
            if (order.size() != TrialSetting.values().length) {
                throw new IllegalStateException("TrialSetting has rows without a TrialConfig component");
            }
            CONSTRUCTOR = lookup.findConstructor(TrialConfig.class, MethodType.methodType(void.class,
                    Arrays.stream(rc).map(RecordComponent::getType).toArray(Class<?>[]::new)));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        COMPONENTS = List.copyOf(order);
    }

    static Object component(TrialSetting s, TrialConfig c) {
        try {
            return ACCESSORS.get(s).invoke(c);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Mutable builder with the defaults of {@link TrialSetting}: those of the trial's model (the large model has its
     * own where the AWD-LSTM's regime differs), for every setting not set; {@link #build()} checks every value's
     * range.
     */
    public static final class Builder {
        private final Map<TrialSetting, Object> values = new EnumMap<>(TrialSetting.class);

        private Builder() {
        }

        /** Sets any setting; the value must be of the setting's kind (a {@code Double} for REAL, and so on). */
        public Builder set(TrialSetting setting, Object value) {
            values.put(setting, value);
            return this;
        }

        /** Forgets a setting, so that it takes its model's default again. */
        public Builder unset(TrialSetting setting) {
            values.remove(setting);
            return this;
        }

        /** The value a setting has now: set, or its model's default. */
        public Object get(TrialSetting setting) {
            ModelKind m = (ModelKind) values.getOrDefault(TrialSetting.MODEL, TrialSetting.MODEL.defaultValue());
            return values.containsKey(setting) ? values.get(setting) : setting.defaultValue(m == null ? ModelKind.BASIC : m);
        }

        public Builder variant(Variant v) { return set(TrialSetting.VARIANT, v); }
        public Builder decayFactor(double v) { return set(TrialSetting.DECAY_FACTOR, v); }
        public Builder decayStart(int v) { return set(TrialSetting.DECAY_START, v); }
        public Builder initScale(double v) { return set(TrialSetting.INIT_SCALE, v); }
        public Builder l2(double v) { return set(TrialSetting.L2, v); }
        public Builder epochs(int v) { return set(TrialSetting.EPOCHS, v); }
        public Builder hidden(Integer v) { return set(TrialSetting.HIDDEN, v); }
        public Builder paramBudget(long v) { return set(TrialSetting.PARAM_BUDGET, v); }
        public Builder batch(int v) { return set(TrialSetting.BATCH, v); }
        public Builder bptt(int v) { return set(TrialSetting.BPTT, v); }
        public Builder validBatch(int v) { return set(TrialSetting.VALID_BATCH, v); }
        public Builder testBatch(int v) { return set(TrialSetting.TEST_BATCH, v); }
        public Builder maxBatches(int v) { return set(TrialSetting.MAX_BATCHES, v); }
        public Builder seed(long v) { return set(TrialSetting.SEED, v); }
        public Builder traceClip(double v) { return set(TrialSetting.TRACE_CLIP, v); }
        public Builder gradClip(double v) { return set(TrialSetting.GRAD_CLIP, v); }
        public Builder learningRate(double v) { return set(TrialSetting.LEARNING_RATE, v); }
        public Builder precision(Precision v) { return set(TrialSetting.PRECISION, v); }
        public Builder model(ModelKind v) { return set(TrialSetting.MODEL, v); }
        public Builder asgdStart(int v) { return set(TrialSetting.ASGD_START, v); }

        /** @throws IllegalArgumentException naming the first setting out of its range */
        public TrialConfig build() {
            if (get(TrialSetting.MODEL) == ModelKind.BASIC
                    && !get(TrialSetting.ASGD_START).equals(TrialSetting.ASGD_START.defaultValue())) {
                throw new IllegalArgumentException("asgd_start applies to the large model only (model: large); the basic"
                        + " model trains with plain SGD and a step decay");
            }
            Object[] args = new Object[COMPONENTS.size()];
            for (int k = 0; k < args.length; k++) {
                TrialSetting s = COMPONENTS.get(k);
                s.check(get(s));
                args[k] = get(s);
            }
            try {
                return (TrialConfig) CONSTRUCTOR.invokeWithArguments(args);
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
