package backpropamine.spark;

import backpropamine.model.ModelShape;
import backpropamine.model.Shape;
import backpropamine.train.EpochResult;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialResult;
import backpropamine.train.TrialStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A made-up trial for capacity tests and dry runs ({@code bpm sweep --synthetic}): it sleeps instead of training and
 * returns epochs that are a deterministic function of the trial key, so every run of a synthetic sweep writes the
 * same figures. Its rows go to a namespace of their own and never mix with real results.
 */
final class SyntheticTrial {
    private SyntheticTrial() {
    }

    static TrialResult run(TrialConfig config, String trialKey, double seconds) {
        long start = System.nanoTime();
        if (seconds > 0) {
            try {
                Thread.sleep((long) (seconds * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        SplittableRandom rnd = new SplittableRandom(trialKey.hashCode());
        double ppl = 900 + 200 * rnd.nextDouble();
        double floor = 95 + 20 * rnd.nextDouble();
        List<EpochResult> epochs = new ArrayList<>();
        for (int e = 1; e <= config.epochs(); e++) {
            ppl = floor + (ppl - floor) * 0.5;
            epochs.add(new EpochResult(e, config.learningRate(e), ppl * 1.1, ppl, 1e6, seconds / config.epochs()));
        }
        Shape shape = config.shape(ModelShape.PAPER_VOCAB);
        double best = epochs.stream().mapToDouble(EpochResult::validPerplexity).min().orElse(Double.NaN);
        double last = epochs.get(epochs.size() - 1).validPerplexity();
        return new TrialResult(config, TrialStatus.COMPLETED, "synthetic", shape.hidden(), shape.parameterCount(),
                List.copyOf(epochs), best, last, last * 1.02, 1e6, (System.nanoTime() - start) / 1e9, 0);
    }
}
