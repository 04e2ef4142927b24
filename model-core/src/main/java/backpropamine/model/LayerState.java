package backpropamine.model;

/**
 * The state one layer carries from a segment into the next, for one batch size, dense and row-major in double:
 * {@code h}, {@code c} [B, N]; {@code hebb}, {@code eligibility} [B, N, N] indexed [b][i][j] with i pre-synaptic
 * (h(t-1)) and j post-synaptic (g), as alpha is. {@code hebb} is null for the LSTM variant, {@code eligibility}
 * for all but RETRO.
 */
public record LayerState(double[] h, double[] c, double[] hebb, double[] eligibility) {
}
