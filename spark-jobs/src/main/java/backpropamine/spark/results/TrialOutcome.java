package backpropamine.spark.results;

import backpropamine.train.EpochResult;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.List;

/** What a Spark task sends back to the driver: the trial's row and its per-epoch rows. */
public record TrialOutcome(
        String sweepId,
        String trialKey,
        String variant,
        double decayFactor,
        int decayStart,
        double initScale,
        double l2,
        long seed,
        int hidden,
        long params,
        String status,
        String error,
        int epochsDone,
        double bestValidPpl,
        double finalValidPpl,
        double testPpl,
        double tokensPerSecond,
        double wallSeconds,
        String executorHost,
        String gpu,
        Timestamp started,
        Timestamp finished,
        String codeVersion,
        String config,
        List<EpochResult> epochs) implements Serializable {
}
