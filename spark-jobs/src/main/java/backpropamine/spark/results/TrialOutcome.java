package backpropamine.spark.results;

import backpropamine.train.EpochResult;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialResult;
import backpropamine.train.TrialStatus;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.List;

/**
 * What a Spark task sends back to the driver: the trial's row and its per-epoch rows. Built by {@link #trained}
 * (the trial ran to an end: completed, diverged or cancelled) or {@link #failed} (it threw).
 *
 * @param config the trial's settings: the result columns of the settings and the {@code config} text come from it
 * @param where  the executor, GPU and times of the attempt
 */
public record TrialOutcome(
        String sweepId,
        String trialKey,
        TrialConfig config,
        TrialStatus status,
        String error,
        int hidden,
        long params,
        double bestValidPpl,
        double finalValidPpl,
        double testPpl,
        double tokensPerSecond,
        double wallSeconds,
        Attempt where,
        String codeVersion,
        List<EpochResult> epochs) implements Serializable {

    /** Where and when one attempt at a trial ran. */
    public record Attempt(String executorHost, String gpu, Timestamp started, Timestamp finished) implements Serializable {
    }

    /** Longest error text kept in a row. */
    static final int MAX_ERROR = 4000;

    /** A trial that ran to an end; its error is the trainer's message unless it completed. */
    public static TrialOutcome trained(String sweepId, String trialKey, TrialResult r, Attempt where, String codeVersion) {
        String error = r.status() == TrialStatus.COMPLETED ? null : r.message();
        return new TrialOutcome(sweepId, trialKey, r.config(), r.status(), error, r.hidden(), r.parameters(),
                r.bestValidPerplexity(), r.finalValidPerplexity(), r.testPerplexity(), r.tokensPerSecond(),
                r.wallSeconds(), where, codeVersion, r.epochs());
    }

    /** A trial that threw: FAILED, with the error's class and message. */
    public static TrialOutcome failed(String sweepId, String trialKey, TrialConfig config, Throwable e, Attempt where,
                                      String codeVersion) {
        String message = e.getClass().getName() + ": " + e.getMessage();
        double seconds = (where.finished().getTime() - where.started().getTime()) / 1e3;
        return new TrialOutcome(sweepId, trialKey, config, TrialStatus.FAILED,
                message.length() > MAX_ERROR ? message.substring(0, MAX_ERROR) : message, 0, 0, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, seconds, where, codeVersion, List.of());
    }

    public int epochsDone() {
        return epochs.size();
    }
}
