package backpropamine.train;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFiles.Split;
import backpropamine.data.TokenBatches;
import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.ModelShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one trial as in the paper (section 4.3): SGD over truncated-BPTT segments of the training split for
 * every epoch, validation perplexity after each, test perplexity at the end.
 *
 * <p>State is reset at the start of every epoch and every evaluation pass. A trial whose loss or gradient is
 * not finite, or whose perplexity explodes past {@link #EXPLOSION} times the vocabulary size (ten times worse than
 * guessing uniformly; a short first epoch can be briefly worse than uniform), ends as
 * {@link TrialStatus#DIVERGED} with the epochs it completed.
 */
public final class Trainer {
    /** Perplexity above EXPLOSION * vocabulary size counts as diverged. */
    public static final double EXPLOSION = 10;

    private final PtbCorpus corpus;
    private final Kernels kernels;

    /** A trainer on the kernels of ND4J's backend (fused on CPU, ND4J ops on CUDA). */
    public Trainer(PtbCorpus corpus) {
        this(corpus, LanguageModels.kernelsForBackend());
    }

    /** A trainer on the given kernels; both compute the same trial to rounding. */
    public Trainer(PtbCorpus corpus, Kernels kernels) {
        this.corpus = corpus;
        this.kernels = kernels;
    }

    /**
     * @param checkpoints null for none; else the trial resumes from the last complete epoch saved there and
     *                    saves after every epoch
     */
    public TrialResult run(TrialConfig config, TrialListener listener, Cancellation cancel, CheckpointStore checkpoints) {
        long start = System.nanoTime();
        int vocab = corpus.vocabulary().size();
        ModelShape shape = config.shape(vocab);
        LanguageModel model = LanguageModels.create(shape, config.precision(), kernels, config.traceClip(),
                config.seed(), config.initScale());
        List<EpochResult> epochs = new ArrayList<>(resume(config, model, checkpoints));
        int resumed = epochs.size();
        listener.onStart(config, shape.hidden(), shape.parameterCount(), resumed);

        Sgd sgd = new Sgd(model, config.gradClip());
        TokenBatches train = new TokenBatches(corpus.tokens(Split.TRAIN), config.batch(), config.bptt());
        int segments = config.maxBatches() > 0 ? Math.min(config.maxBatches(), train.segments()) : train.segments();
        int[] inputs = new int[config.batch() * config.bptt()];
        int[] targets = new int[config.batch() * config.bptt()];
        double trainNanos = 0;
        long trainTokens = 0;

        for (int epoch = epochs.size() + 1; epoch <= config.epochs(); epoch++) {
            double lr = config.learningRate(epoch);
            model.resetState(config.batch()); // every epoch starts from zero h, c, Hebb and E (spec section 3)
            long epochStart = System.nanoTime();
            double loss = 0;
            long tokens = 0;
            for (int s = 0; s < segments; s++) {
                if (cancel.isCancelled()) {
                    return result(config, TrialStatus.CANCELLED, "cancelled in epoch " + epoch, shape, epochs, resumed,
                            Double.NaN, trainTokens, trainNanos, start);
                }
                int steps = train.segment(s, inputs, targets);
                double segmentLoss = model.trainSegment(inputs, targets, config.batch(), steps);
                double norm = sgd.step(lr, config.l2());
                if (!Double.isFinite(segmentLoss) || !Double.isFinite(norm)) {
                    return result(config, TrialStatus.DIVERGED, "loss " + segmentLoss + ", gradient norm " + norm
                            + " at epoch " + epoch + " batch " + (s + 1), shape, epochs, resumed, Double.NaN, trainTokens,
                            trainNanos, start);
                }
                loss += segmentLoss;
                tokens += (long) steps * config.batch();
                double elapsed = (System.nanoTime() - epochStart) / 1e9;
                listener.onBatch(epoch, s + 1, segments, Math.exp(loss / tokens), tokens / elapsed);
            }
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            trainNanos += System.nanoTime() - epochStart;
            trainTokens += tokens;
            double trainPpl = Math.exp(loss / tokens);
            double validPpl = PerplexityEvaluator.perplexity(model, corpus.tokens(Split.VALID), config.validBatch(),
                    config.maxBatches());
            listener.onEvaluation("valid", validPpl);
            EpochResult er = new EpochResult(epoch, lr, trainPpl, validPpl, tokens / seconds, seconds);
            epochs.add(er);
            listener.onEpoch(er);
            if (!(validPpl <= EXPLOSION * vocab) || !(trainPpl <= EXPLOSION * vocab)) {
                return result(config, TrialStatus.DIVERGED, "perplexity exploded at epoch " + epoch + " (train "
                        + trainPpl + ", valid " + validPpl + ")", shape, epochs, resumed, Double.NaN, trainTokens, trainNanos, start);
            }
            if (checkpoints != null) {
                try {
                    checkpoints.save(config.fingerprint(), epochs, model);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write checkpoint to " + checkpoints + ": " + e.getMessage(), e);
                }
                listener.onCheckpoint(er);
            }
        }
        double testPpl = PerplexityEvaluator.perplexity(model, corpus.tokens(Split.TEST), config.testBatch(),
                config.maxBatches());
        listener.onEvaluation("test", testPpl);
        TrialStatus status = testPpl <= EXPLOSION * vocab ? TrialStatus.COMPLETED : TrialStatus.DIVERGED;
        return result(config, status, status == TrialStatus.COMPLETED ? "" : "test perplexity " + testPpl, shape, epochs, resumed,
                testPpl, trainTokens, trainNanos, start);
    }

    /** Loads the checkpoint into the model; returns the epochs it completed (none without a checkpoint). */
    private static List<EpochResult> resume(TrialConfig config, LanguageModel model, CheckpointStore dir) {
        if (dir == null) {
            return List.of();
        }
        try {
            Checkpoint.State state = dir.load();
            if (state == null) {
                return List.of();
            }
            if (!state.fingerprint().equals(config.fingerprint())) {
                throw new IllegalArgumentException("checkpoint in " + dir + " belongs to a different trial ("
                        + state.fingerprint() + "); use another --checkpoint directory or delete it");
            }
            model.parameters().assign(state.parameters());
            return state.epochs();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint in " + dir + ": " + e.getMessage()
                    + "; delete the directory to start the trial afresh", e);
        }
    }

    private static TrialResult result(TrialConfig config, TrialStatus status, String message, ModelShape shape,
                                      List<EpochResult> epochs, int resumed, double testPpl, long trainTokens,
                                      double trainNanos, long start) {
        double best = epochs.stream().mapToDouble(EpochResult::validPerplexity).min().orElse(Double.NaN);
        double last = epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).validPerplexity();
        double tps = trainNanos > 0 ? trainTokens / (trainNanos / 1e9) : Double.NaN;
        return new TrialResult(config, status, message, shape.hidden(), shape.parameterCount(), List.copyOf(epochs),
                best, last, testPpl, tps, (System.nanoTime() - start) / 1e9, resumed);
    }
}
