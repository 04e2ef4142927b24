package backpropamine.spark.sweep;

import backpropamine.train.TrialConfig;
import java.io.Serializable;

/** One grid point as shipped to a Spark task. */
public record TrialSpec(String sweepId, String trialKey, TrialConfig config, String dataDir, int threads)
        implements Serializable {
}
