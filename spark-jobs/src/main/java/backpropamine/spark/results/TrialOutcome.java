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
 * (the trial ran to an end: completed, diverged or cancelled), {@link #failed} (it threw) or, on the driver,
 * {@link #lost} (Spark gave up on its task).
 *
 * @param config           the trial's settings: the result columns of the settings and the {@code config} text
 * @param where            the executor, GPU, times and attempt number of the attempt
 * @param resumedFromEpoch epochs that came from a checkpoint of an earlier attempt or run (0: a fresh start)
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
        int resumedFromEpoch,
        List<EpochResult> epochs) implements Serializable {

    /** Where and when an attempt at a trial ran; {@code attempts} counts the attempts so far, this one included. */
    public record Attempt(String executorHost, String gpu, Timestamp started, Timestamp finished, int attempts)
            implements Serializable {
    }

    /** Longest error text kept in a row. */
    static final int MAX_ERROR = 4000;

    /** A trial that ran to an end; its error is the trainer's message unless it completed. */
    public static TrialOutcome trained(String sweepId, String trialKey, TrialResult r, Attempt where, String codeVersion) {
        String error = r.status() == TrialStatus.COMPLETED ? null : r.message();
        return new TrialOutcome(sweepId, trialKey, r.config(), r.status(), error, r.hidden(), r.parameters(),
                r.bestValidPerplexity(), r.finalValidPerplexity(), r.testPerplexity(), r.tokensPerSecond(),
                r.wallSeconds(), where, codeVersion, r.resumedFromEpoch(), r.epochs());
    }

    /** A trial that threw: FAILED, with the error's class and message. */
    public static TrialOutcome failed(String sweepId, String trialKey, TrialConfig config, Throwable e, Attempt where,
                                      String codeVersion) {
        return unfinished(sweepId, trialKey, config, TrialStatus.FAILED, e.getClass().getName() + ": " + e.getMessage(),
                where, codeVersion);
    }

    /**
     * A trial whose Spark job failed: every attempt of its task failed (lost executors, node errors). Not a result;
     * the row makes it visible, and the next run of the sweep retries the trial.
     */
    public static TrialOutcome lost(String sweepId, String trialKey, TrialConfig config, String error, Attempt where,
                                    String codeVersion) {
        return unfinished(sweepId, trialKey, config, TrialStatus.LOST, error, where, codeVersion);
    }

    private static TrialOutcome unfinished(String sweepId, String trialKey, TrialConfig config, TrialStatus status,
                                           String message, Attempt where, String codeVersion) {
        double seconds = (where.finished().getTime() - where.started().getTime()) / 1e3;
        String error = message == null ? status.name() : message;
        return new TrialOutcome(sweepId, trialKey, config, status,
                error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error, 0, 0, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, seconds, where, codeVersion, 0, List.of());
    }

    public int epochsDone() {
        return epochs.size();
    }
}
