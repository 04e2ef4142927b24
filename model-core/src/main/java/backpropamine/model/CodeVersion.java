package backpropamine.model;

/**
 * Version of the numerics, part of every trial key. Bump {@link #NUMERICS} whenever a change could alter a
 * trial's figures (model, training regime, evaluation), so that results of different code are never mixed;
 * other changes leave it alone so that sweeps resume across them.
 */
public final class CodeVersion {
    public static final int NUMERICS = 1;
    public static final String VALUE = "bpm-numerics-" + NUMERICS;

    private CodeVersion() {
    }
}
