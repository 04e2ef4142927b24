package backpropamine.model;

import java.util.Arrays;
import java.util.Locale;

/** Which of the paper's two language models a trial trains (Table 1). */
public enum ModelKind {
    /** Section 4.3: embedding, two (plastic) LSTM layers, softmax; Zaremba's regime, no dropout. */
    BASIC,
    /** Appendix A.3: AWD-LSTM-style, three layers, tied softmax, variational dropout, averaged SGD. */
    LARGE;

    /** Case-insensitive parse with a message listing the valid names. */
    public static ModelKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown model '" + s + "': use one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT));
        }
    }
}
