package backpropamine.model;

import java.util.SplittableRandom;

/**
 * The large model's dropout masks, drawn from a seeded stream in one order (the word mask, then the input, between-layer
 * and output masks) so that every implementation of the model draws the same ones. Kept units are scaled by
 * 1/(1-p): the expected activation is unchanged and evaluation runs without masks.
 */
public final class DropoutMasks {
    private DropoutMasks() {
    }

    /** One value per word of the vocabulary (embedding dropout: whole words dropped for a segment). */
    public static double[] words(SplittableRandom rng, int vocab, double p) {
        return draw(rng, vocab, p);
    }

    /** One value per sequence and unit, [B][width] (variational dropout: the same mask at every step). */
    public static double[] sequences(SplittableRandom rng, int batch, int width, double p) {
        return draw(rng, batch * width, p);
    }

    private static double[] draw(SplittableRandom rng, int n, double p) {
        double keep = 1 / (1 - p);
        double[] mask = new double[n];
        for (int k = 0; k < n; k++) {
            mask[k] = rng.nextDouble() < p ? 0 : keep;
        }
        return mask;
    }
}
