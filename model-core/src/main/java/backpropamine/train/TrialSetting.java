package backpropamine.train;

import backpropamine.model.LargeShape;
import backpropamine.model.ModelKind;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of a trial, described once: its key, kind of value, allowed range, default and meaning. One
 * constant per component of {@link TrialConfig}, in the record's order (the component is the key in camel
 * case: {@code decay_factor} is {@code decayFactor()}). From this table come the builder's defaults and checks,
 * the trial fingerprint, the sweep file's keys and grid axes, the command-line options of {@code bpm train},
 * the result columns and the configuration reference. A new setting is a record component plus a row here.
 *
 * <p>Defaults are those of the basic model; the large model (appendix A.3) has its own where the AWD-LSTM's
 * regime differs ({@link #defaultValue(ModelKind)}).
 */
public enum TrialSetting {
    VARIANT("variant", Kind.VARIANT, null, null, Role.VARIANT, true, "model variant: LSTM, PLASTIC, SIMPLE or RETRO"),
    DECAY_FACTOR("decay_factor", Kind.REAL, Range.of(0, false, 1, true), 0.3, Role.GRID, true,
            "learning-rate decay factor: epoch e uses learning_rate * decay_factor^max(0, e - decay_start)", "--decay"),
    DECAY_START("decay_start", Kind.INTEGER, Range.of(0, true, 10_000, true), 4, Role.GRID, true,
            "last epoch at the initial learning rate; decay starts after it"),
    INIT_SCALE("init_scale", Kind.REAL, Range.of(0, false, 1, true), 0.1, Role.GRID, true,
            "weights uniform in [-init_scale, init_scale]"),
    L2("l2", Kind.REAL, Range.of(0, true, 1, false), 1e-5, Role.GRID, true,
            "L2 penalty on weights, not biases (large model: weight decay on every parameter)"),
    EPOCHS("epochs", Kind.INTEGER, Range.of(1, true, 10_000, true), 13, Role.TRAINING, false, "epochs per trial"),
    HIDDEN("hidden", Kind.SIZE_OR_AUTO, Range.of(1, true, 8192, true), null, Role.TRAINING, false,
            "hidden size, or auto: the largest within param_budget (parameter matching)"),
    PARAM_BUDGET("param_budget", Kind.LONG, Range.atLeast(1), ModelShape.DEFAULT_BUDGET, Role.TRAINING, false,
            "parameter budget of hidden: auto"),
    BATCH("batch", Kind.INTEGER, Range.of(1, true, 4096, true), 20, Role.TRAINING, false, "training batch size"),
    BPTT("bptt", Kind.INTEGER, Range.of(1, true, 10_000, true), 20, Role.TRAINING, false,
            "truncated-BPTT steps per segment (large model: the base of the variable length)"),
    VALID_BATCH("valid_batch", Kind.INTEGER, Range.of(1, true, 4096, true), 10, Role.TRAINING, false,
            "validation batch size"),
    TEST_BATCH("test_batch", Kind.INTEGER, Range.of(1, true, 4096, true), 1, Role.TRAINING, false, "test batch size"),
    MAX_BATCHES("max_batches", Kind.INTEGER, Range.atLeast(0), 0, Role.TRAINING, false,
            "cap on batches per epoch and per evaluation pass (0: none)"),
    SEED("seed", Kind.LONG, Range.any(), 1L, Role.SEED, true, "seed of the initialisation"),
    TRACE_CLIP("trace_clip", Kind.REAL, Range.of(0, false, 1e6, true), 1.0, Role.TRAINING, false,
            "bound c of the Hebbian trace clip [-c, c]"),
    GRAD_CLIP("grad_clip", Kind.REAL, Range.of(0, false, 1e9, true), 5.0, Role.TRAINING, false,
            "global gradient-norm clip"),
    LEARNING_RATE("learning_rate", Kind.REAL, Range.of(0, false, 1e6, true), 1.0, Role.TRAINING, false,
            "initial learning rate"),
    PRECISION("precision", Kind.PRECISION, null, Precision.FLOAT, Role.TRAINING, false,
            "arithmetic: FLOAT, or DOUBLE (gradient checks)"),
    // added after trial keys existed: left out of the fingerprint of basic-model trials (see TrialConfig.fingerprint)
    MODEL("model", Kind.MODEL, null, ModelKind.BASIC, Role.TRAINING, true,
            "basic (section 4.3) or large (appendix A.3: AWD-LSTM style, LSTM or SIMPLE only)"),
    ASGD_START("asgd_start", Kind.INTEGER, Range.of(0, true, 10_000, true), 45, Role.TRAINING, false,
            "large model: first epoch of averaged SGD (0: never)");

    /** The large model's defaults where they differ from the basic model's: the AWD-LSTM's regime (appendix A.3). */
    private static final Map<TrialSetting, Object> LARGE_DEFAULTS = new EnumMap<>(Map.of(
            DECAY_FACTOR, 1.0,                      // no step decay: constant rate, then averaging
            L2, 1.2e-6,                              // weight decay, on every parameter
            EPOCHS, 500,                             // the AWD-LSTM's PTB command line
            PARAM_BUDGET, LargeShape.DEFAULT_BUDGET, // the large LSTM: 24,221,600
            BATCH, 7,
            BPTT, 70,                                // the base of the variable BPTT length
            GRAD_CLIP, 0.25,
            LEARNING_RATE, 30.0));

    /** The Java type of a setting's value and how it is read from text (YAML scalars, options). */
    public enum Kind {
        REAL(double.class), INTEGER(int.class), LONG(long.class), SIZE_OR_AUTO(Integer.class),
        VARIANT(Variant.class), PRECISION(Precision.class), MODEL(ModelKind.class);

        final Class<?> type;

        Kind(Class<?> type) {
            this.type = type;
        }

        /** Whether values can form a range {from, to, step}. */
        public boolean numeric() {
            return this == REAL || this == INTEGER || this == LONG;
        }
    }

    /**
     * Where a setting lives in a sweep file: the variant and seed lists at the top, the paper's four
     * hyperparameters as required grid axes, the rest under {@code training} (any of which may be a grid axis).
     */
    public enum Role { VARIANT, SEED, GRID, TRAINING }

    /** Allowed values of a numeric setting. */
    public record Range(double lo, boolean loIncluded, double hi, boolean hiIncluded) {
        static Range of(double lo, boolean loIncluded, double hi, boolean hiIncluded) {
            return new Range(lo, loIncluded, hi, hiIncluded);
        }

        static Range atLeast(double lo) {
            return new Range(lo, true, Double.POSITIVE_INFINITY, false);
        }

        static Range any() {
            return new Range(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);
        }

        boolean contains(double v) {
            return !Double.isNaN(v) && (loIncluded ? v >= lo : v > lo) && (hiIncluded ? v <= hi : v < hi);
        }

        String describe(boolean integral) {
            if (hi == Double.POSITIVE_INFINITY) {
                return lo == Double.NEGATIVE_INFINITY ? (integral ? "integers" : "any") : ">= " + number(lo, integral);
            }
            return (loIncluded ? "[" : "(") + number(lo, integral) + ", " + number(hi, integral) + (hiIncluded ? "]" : ")");
        }

        private static String number(double v, boolean integral) {
            return integral ? String.valueOf((long) v) : String.valueOf(v);
        }
    }

    private final String key;
    private final Kind kind;
    private final Range range;
    private final Object defaultValue;
    private final Role role;
    private final boolean column;
    private final String description;
    private final String[] aliases;

    TrialSetting(String key, Kind kind, Range range, Object defaultValue, Role role, boolean column,
                 String description, String... aliases) {
        this.key = key;
        this.kind = kind;
        this.range = range;
        this.defaultValue = defaultValue;
        this.role = role;
        this.column = column;
        this.description = description;
        this.aliases = aliases;
    }

    /** Key in sweep files, fingerprints and messages, and the name of its result column. */
    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public Role role() {
        return role;
    }

    /** Whether the {@code trials} table has a column of this name (the others are in its {@code config}). */
    public boolean column() {
        return column;
    }

    public String description() {
        return description;
    }

    /** The builder's default (null for the variant, which every trial names, and for hidden: auto). */
    public Object defaultValue() {
        return defaultValue;
    }

    /** The default for trials of one model: the large model's where it has its own, else {@link #defaultValue()}. */
    public Object defaultValue(ModelKind model) {
        return model == ModelKind.LARGE && LARGE_DEFAULTS.containsKey(this) ? LARGE_DEFAULTS.get(this) : defaultValue;
    }

    /** Whether the large model has a default of its own for this setting. */
    public boolean hasLargeDefault() {
        return LARGE_DEFAULTS.containsKey(this);
    }

    /** The long option of {@code bpm train}: {@code --decay-start} for {@code decay_start}. */
    public String option() {
        return "--" + key.replace('_', '-');
    }

    /** Older option names that keep working. */
    public String[] optionAliases() {
        return aliases.clone();
    }

    /** The record component: the key in camel case. */
    String component() {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char ch : key.toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return sb.toString();
    }

    /** The setting's value in a config. */
    public Object get(TrialConfig config) {
        return TrialConfig.component(this, config);
    }

    /** Allowed values, in words ("(0.0, 1.0]", "auto or [1, 8192]", "LSTM, PLASTIC, SIMPLE, RETRO"). */
    public String allowed() {
        return switch (kind) {
            case VARIANT -> String.join(", ", Arrays.stream(Variant.values()).map(Enum::name).toList());
            case PRECISION -> String.join(", ", Arrays.stream(Precision.values()).map(Enum::name).toList());
            case MODEL -> String.join(", ", Arrays.stream(ModelKind.values()).map(m -> m.name().toLowerCase(Locale.ROOT)).toList());
            case SIZE_OR_AUTO -> "auto or " + range.describe(true);
            case REAL -> range.describe(false);
            case INTEGER, LONG -> range.describe(true);
        };
    }

    /**
     * Refuses a value outside the allowed range, naming the key: "decay_factor must be in (0.0, 1.0], was 1.5".
     *
     * @throws IllegalArgumentException naming the key and the allowed values
     */
    public void check(Object value) {
        if (value == null) {
            if (kind == Kind.SIZE_OR_AUTO) {
                return;
            }
            throw new IllegalArgumentException(key + " must be set");
        }
        if (range != null) {
            double v = ((Number) value).doubleValue();
            if (!range.contains(v)) {
                throw new IllegalArgumentException(key + " must be " + (range.hi == Double.POSITIVE_INFINITY ? "" : "in ")
                        + range.describe(kind != Kind.REAL) + ", was " + format(value));
            }
        }
    }

    /**
     * The value written as text: sweep-file scalars and option values. Numbers are exact decimals (YAML 1.1 reads
     * 1e-5 as a string, so text is the common ground); an integral setting refuses 4.5.
     *
     * @throws IllegalArgumentException saying what was expected; the caller adds where the text came from
     */
    public Object parse(String text) {
        String t = text.trim();
        return switch (kind) {
            case VARIANT -> Variant.parse(t);
            case MODEL -> ModelKind.parse(t);
            case PRECISION -> {
                try {
                    yield Precision.valueOf(t.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown precision '" + t + "': use one of "
                            + Arrays.toString(Precision.values()));
                }
            }
            case SIZE_OR_AUTO -> {
                try {
                    yield "auto".equalsIgnoreCase(t) ? null : fromDecimal(decimal(t));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("must be auto or an integer, was " + t);
                }
            }
            case REAL, INTEGER, LONG -> fromDecimal(decimal(t));
        };
    }

    /** A numeric value from an exact decimal (grid ranges are stepped in decimals). */
    public Object fromDecimal(BigDecimal d) {
        try {
            return switch (kind) {
                case REAL -> d.doubleValue();
                case INTEGER, SIZE_OR_AUTO -> d.intValueExact();
                case LONG -> d.longValueExact();
                default -> throw new IllegalArgumentException("not a number: " + d);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("must be an integer, was " + d.toPlainString());
        }
    }

    private static BigDecimal decimal(String t) {
        try {
            return new BigDecimal(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + t);
        }
    }

    /**
     * The canonical text of a value, as in fingerprints (and so in trial keys): {@code Double.toString} for reals,
     * {@code auto} for an unset hidden size, the constant's name for enums.
     */
    public String format(Object value) {
        if (value == null) {
            return "auto";
        }
        if (value instanceof ModelKind m) {
            return m.name().toLowerCase(Locale.ROOT);
        }
        return value instanceof Enum<?> e ? e.name() : String.valueOf(value);
    }

    /** The setting of a sweep-file key, or null. */
    public static TrialSetting byKey(String key) {
        for (TrialSetting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
