package backpropamine.spark.sweep;

import backpropamine.train.TrialConfig;
import java.io.Serializable;

/**
 * One grid point as shipped to a Spark task (the corpus and the Hadoop configuration travel beside it, once per sweep
 * run, as broadcasts).
 *
 * @param checkpoints    root URI of the per-epoch checkpoints (local path or {@code hdfs://}), or null for none
 * @param allowSharedGpu on the CUDA backend, train even without a GPU address from Spark (device 0, shared)
 * @param synthetic      seconds a synthetic trial sleeps instead of training; negative for a real trial
 */
public record TrialSpec(String sweepId, String trialKey, TrialConfig config, int threads,
                        String checkpoints, boolean allowSharedGpu, double synthetic) implements Serializable {
    public boolean isSynthetic() {
        return synthetic >= 0;
    }
}
