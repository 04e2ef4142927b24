package backpropamine.model;

/**
 * Version of the numerics, part of every trial key. Bump {@link #NUMERICS} whenever a change could alter a
 * trial's figures (model, training regime, evaluation), so that results of different code are never mixed;
 * other changes leave it alone so that sweeps resume across them.
 */
public final class CodeVersion {
    // 2: the default parameter budget became RETRO at hidden 200 (RETRO 199 -> 200 units)
    public static final int NUMERICS = 2;
    public static final String VALUE = "bpm-numerics-" + NUMERICS;

    private CodeVersion() {
    }
}
