package backpropamine.train;

import backpropamine.data.TokenBatches;
import backpropamine.model.LanguageModel;

/**
 * Perplexity exp(mean per-token cross-entropy) of a model over a split, with state (h, c, Hebb, E) reset at
 * the start and carried through the whole split. Only the state of the evaluation batch size is touched: the
 * training stream (another batch size) is left as it was, and the trainer resets it at the start of every epoch. The segment length does not change the result (state is
 * carried), so evaluation uses longer segments than training to amortise per-call costs.
 */
public final class PerplexityEvaluator {
    /** Steps per evaluation segment. */
    public static final int EVAL_STEPS = 50;

    private PerplexityEvaluator() {
    }

    /** @param maxBatches 0 for the whole split, else at most this many segments */
    public static double perplexity(LanguageModel model, int[] tokens, int batch, int maxBatches) {
        TokenBatches batches = new TokenBatches(tokens, batch, EVAL_STEPS);
        int[] inputs = new int[batch * EVAL_STEPS];
        int[] targets = new int[batch * EVAL_STEPS];
        int segments = maxBatches > 0 ? Math.min(maxBatches, batches.segments()) : batches.segments();
        model.resetState(batch);
        double loss = 0;
        long count = 0;
        for (int s = 0; s < segments; s++) {
            int steps = batches.segment(s, inputs, targets);
            loss += model.evaluateSegment(inputs, targets, batch, steps);
            count += (long) steps * batch;
        }
        return Math.exp(loss / count);
    }
}
