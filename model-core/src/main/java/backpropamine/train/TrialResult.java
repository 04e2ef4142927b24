package backpropamine.train;

import java.util.List;

/**
 * The outcome of one trial. Perplexities are NaN where not reached (for example the test perplexity of a
 * diverged trial). {@code resumedFromEpoch}: epochs that came from a checkpoint (0 for a fresh start).
 */
public record TrialResult(
        TrialConfig config,
        TrialStatus status,
        String message,
        int hidden,
        long parameters,
        List<EpochResult> epochs,
        double bestValidPerplexity,
        double finalValidPerplexity,
        double testPerplexity,
        double tokensPerSecond,
        double wallSeconds,
        int resumedFromEpoch) {

    public int epochsDone() {
        return epochs.size();
    }
}
