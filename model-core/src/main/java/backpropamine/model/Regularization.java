package backpropamine.model;

/**
 * The large model's regularisation (appendix A.3, Merity et al.'s AWD-LSTM without weight-drop): dropout
 * probabilities of the embedding (whole words), the input of the first layer, between layers and before the
 * softmax, all variational (one mask per sequence and segment), and the AR and TAR coefficients of the last
 * layer's output.
 */
public record Regularization(double embedding, double input, double hidden, double output, double ar, double tar) {
    /** The paper's values (AWD-LSTM's, with dropouts 0.1, 0.4, 0.25, 0.4 and AR 2, TAR 1). */
    public static final Regularization PAPER = new Regularization(0.1, 0.4, 0.25, 0.4, 2, 1);
    /** No dropout and no penalties (for checks that compare against plain models). */
    public static final Regularization NONE = new Regularization(0, 0, 0, 0, 0, 0);

    public Regularization {
        for (double p : new double[] {embedding, input, hidden, output}) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout probabilities must be in [0, 1), was " + p);
            }
        }
        if (!(ar >= 0) || !(tar >= 0)) {
            throw new IllegalArgumentException("AR and TAR coefficients must be >= 0, were " + ar + ", " + tar);
        }
    }
}
