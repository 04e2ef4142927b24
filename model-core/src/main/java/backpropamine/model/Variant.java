package backpropamine.model;

import java.util.Arrays;
import java.util.Locale;

/** The four language models of the paper's basic experiment (section 4.3). */
public enum Variant {
    /** Ordinary LSTM: no plasticity. */
    LSTM,
    /** Plain Hebbian plasticity with a trainable per-connection rate eta (eq. 2). */
    PLASTIC,
    /** Simple neuromodulation: the rate is M(t) * u_ij (eq. 3 with per-connection fan-out). */
    SIMPLE,
    /** Retroactive neuromodulation through eligibility traces (eqs. 4 and 5). */
    RETRO;

    public boolean plastic() {
        return this != LSTM;
    }

    public boolean modulated() {
        return this == SIMPLE || this == RETRO;
    }

    /** Case-insensitive parse with a message listing the valid names. */
    public static Variant parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown variant '" + s + "': use one of " + Arrays.toString(values()));
        }
    }
}
