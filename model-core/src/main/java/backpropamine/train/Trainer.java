package backpropamine.train;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFiles.Split;
import backpropamine.data.TokenBatches;
import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.LargeLayout;
import backpropamine.model.ModelKind;
import backpropamine.model.ParameterLayout;
import backpropamine.model.ParameterVector;
import backpropamine.model.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;

/**
 * Runs one trial as in the paper: SGD over truncated-BPTT segments of the training split for every epoch,
 * validation perplexity after each, test perplexity at the end.
 *
 * <p>Basic model (section 4.3): fixed-length segments, step decay of the learning rate, L2 on weights, tested on
 * the final weights. Large model (appendix A.3, the AWD-LSTM's regime): variable-length segments with the rate
 * scaled by length / bptt, weight decay on every parameter, the per-neuron alpha's gradient divided by N (as the
 * authors did), averaged SGD from epoch {@code asgd_start} (evaluated with the averaged parameters), and the
 * best-validation model is the one tested.
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
    private final BiFunction<TrialConfig, Shape, LanguageModel> models;

    /** A trainer on the kernels of ND4J's backend (fused on CPU, ND4J ops on CUDA). */
    public Trainer(PtbCorpus corpus) {
        this(corpus, LanguageModels.kernelsForBackend());
    }

    /** A trainer on the given kernels; both compute the same trial to rounding. */
    public Trainer(PtbCorpus corpus, Kernels kernels) {
        this(corpus, (config, shape) -> LanguageModels.create(config, shape, kernels));
    }

    /** A trainer on models of the caller's making (tests: a model on a backend of their own). */
    Trainer(PtbCorpus corpus, BiFunction<TrialConfig, Shape, LanguageModel> models) {
        this.corpus = corpus;
        this.models = models;
    }

    /**
     * @param checkpoints null for none; else the trial resumes from the last complete epoch saved there and
     *                    saves after every epoch
     */
    public TrialResult run(TrialConfig config, TrialListener listener, Cancellation cancel, CheckpointStore checkpoints) {
        long start = System.nanoTime();
        int vocab = corpus.vocabulary().size();
        Shape shape = config.shape(vocab);
        try (LanguageModel model = models.apply(config, shape)) {
            return run(config, vocab, shape, model, listener, cancel, checkpoints, start);
        }
    }

    private TrialResult run(TrialConfig config, int vocab, Shape shape, LanguageModel model, TrialListener listener,
                            Cancellation cancel, CheckpointStore checkpoints, long start) {
        boolean large = config.model() == ModelKind.LARGE;
        ParameterAverage average = new ParameterAverage();
        BestModel best = new BestModel();
        List<EpochResult> epochs = new ArrayList<>(resume(config, model, checkpoints, average, best));
        int resumed = epochs.size();
        listener.onStart(config, shape.hidden(), shape.parameterCount(), resumed);

        Sgd sgd = new Sgd(model, config.gradClip(), large);
        for (ParameterLayout.Entry e : model.layout().entries()) {
            if (large && LargeLayout.alphaGradientScale(e) != 1) {
                sgd.scaleGradient(e, LargeLayout.alphaGradientScale(e));
            }
        }
        TokenBatches train = new TokenBatches(corpus.tokens(Split.TRAIN), config.batch(), config.bptt());
        SegmentSchedule schedule = large ? SegmentSchedule.variable(config.bptt(), config.seed())
                : SegmentSchedule.fixed(config.bptt());
        int[] inputs = new int[config.batch() * schedule.maxSteps()];
        int[] targets = new int[config.batch() * schedule.maxSteps()];
        double trainNanos = 0;
        long trainTokens = 0;

        for (int epoch = epochs.size() + 1; epoch <= config.epochs(); epoch++) {
            double lr = config.learningRate(epoch);
            model.resetState(config.batch()); // every epoch starts from zero h, c, Hebb and E (spec section 3)
            model.reseed(Seeds.of(config.seed(), "dropout", epoch));
            List<SegmentSchedule.Segment> segments = schedule.epoch(epoch, train.positions());
            int count = config.maxBatches() > 0 ? Math.min(config.maxBatches(), segments.size()) : segments.size();
            long epochStart = System.nanoTime();
            double loss = 0;
            long tokens = 0;
            for (int s = 0; s < count; s++) {
                if (cancel.isCancelled()) {
                    return result(config, TrialStatus.CANCELLED, "cancelled in epoch " + epoch, shape, epochs, resumed,
                            Double.NaN, trainTokens, trainNanos, start);
                }
                SegmentSchedule.Segment seg = segments.get(s);
                int steps = train.segmentAt(seg.start(), seg.steps(), inputs, targets);
                double segmentLoss = model.trainSegment(inputs, targets, config.batch(), steps);
                // variable BPTT: a segment's rate follows its length, so every token weighs the same (AWD-LSTM)
                double norm = sgd.step(large ? lr * steps / config.bptt() : lr, config.l2());
                if (!Double.isFinite(segmentLoss) || !Double.isFinite(norm)) {
                    return result(config, TrialStatus.DIVERGED, "loss " + segmentLoss + ", gradient norm " + norm
                            + " at epoch " + epoch + " batch " + (s + 1), shape, epochs, resumed, Double.NaN, trainTokens,
                            trainNanos, start);
                }
                if (config.averaging(epoch)) {
                    average.add(model.parameters());
                }
                loss += segmentLoss;
                tokens += (long) steps * config.batch();
                double elapsed = (System.nanoTime() - epochStart) / 1e9;
                listener.onBatch(epoch, s + 1, count, Math.exp(loss / tokens), tokens / elapsed);
            }
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            trainNanos += System.nanoTime() - epochStart;
            trainTokens += tokens;
            double trainPpl = Math.exp(loss / tokens);
            // once averaging has begun, the averaged parameters are the model that is evaluated (and kept)
            ParameterVector evaluated = average.count() > 0 ? average.mean() : model.parameters();
            double validPpl = withParameters(model, evaluated, () -> PerplexityEvaluator.perplexity(model,
                    corpus.tokens(Split.VALID), config.validBatch(), config.maxBatches()));
            listener.onEvaluation("valid", validPpl);
            if (large) {
                best.offer(validPpl, evaluated);
            }
            EpochResult er = new EpochResult(epoch, lr, trainPpl, validPpl, tokens / seconds, seconds);
            epochs.add(er);
            listener.onEpoch(er);
            if (!(validPpl <= EXPLOSION * vocab) || !(trainPpl <= EXPLOSION * vocab)) {
                return result(config, TrialStatus.DIVERGED, "perplexity exploded at epoch " + epoch + " (train "
                        + trainPpl + ", valid " + validPpl + ")", shape, epochs, resumed, Double.NaN, trainTokens, trainNanos, start);
            }
            if (checkpoints != null) {
                try {
                    checkpoints.save(config.fingerprint(), epochs, model, extras(average, best));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write checkpoint to " + checkpoints + ": " + e.getMessage(), e);
                }
                listener.onCheckpoint(er);
            }
        }
        // basic model: the final weights (as the paper's small model); large: the best-validation model (AWD-LSTM)
        ParameterVector tested = large && best.parameters() != null ? best.parameters() : model.parameters();
        double testPpl = withParameters(model, tested, () -> PerplexityEvaluator.perplexity(model,
                corpus.tokens(Split.TEST), config.testBatch(), config.maxBatches()));
        listener.onEvaluation("test", testPpl);
        TrialStatus status = testPpl <= EXPLOSION * vocab ? TrialStatus.COMPLETED : TrialStatus.DIVERGED;
        return result(config, status, status == TrialStatus.COMPLETED ? "" : "test perplexity " + testPpl, shape, epochs, resumed,
                testPpl, trainTokens, trainNanos, start);
    }

    /** Runs {@code evaluation} with the model's parameters set to {@code values}, then puts the raw ones back. */
    private static double withParameters(LanguageModel model, ParameterVector values, DoubleSupplier evaluation) {
        if (values == model.parameters()) {
            return evaluation.getAsDouble();
        }
        ParameterVector raw = model.parameters().copy();
        model.parameters().set(values);
        try {
            return evaluation.getAsDouble();
        } finally {
            model.parameters().set(raw);
        }
    }

    /** The parameters with the best validation perplexity so far (the large model tests them at the end). */
    private static final class BestModel {
        private double valid = Double.POSITIVE_INFINITY;
        private ParameterVector parameters;

        void offer(double validPpl, ParameterVector values) {
            if (validPpl < valid) {
                valid = validPpl;
                if (parameters == null) {
                    parameters = values.copy();
                } else {
                    parameters.set(values);
                }
            }
        }

        /** Restores the state of a checkpoint: {@code values} in a copy of {@code like} (the model's parameters). */
        void restore(double validPpl, ParameterVector like, double[] values) {
            valid = validPpl;
            parameters = like.copy();
            parameters.set(values);
        }

        ParameterVector parameters() {
            return parameters;
        }
    }

    /** What a checkpoint keeps besides the parameters: the average of averaged SGD and the best model. */
    private static Checkpoint.Extras extras(ParameterAverage average, BestModel best) {
        Map<String, ParameterVector> vectors = new LinkedHashMap<>();
        Map<String, double[]> values = new LinkedHashMap<>();
        if (average.count() > 0) {
            vectors.put(AVERAGE, average.mean());
            values.put(AVERAGE_STEPS, new double[] {average.count()});
        }
        if (best.parameters() != null) {
            vectors.put(BEST, best.parameters());
            values.put(BEST_VALID, new double[] {best.valid});
        }
        return new Checkpoint.Extras(vectors, values);
    }

    private static final String AVERAGE = "average";
    private static final String AVERAGE_STEPS = "average.steps";
    private static final String BEST = "best";
    private static final String BEST_VALID = "best.valid";

    /** Loads the checkpoint into the model; returns the epochs it completed (none without a checkpoint). */
    private static List<EpochResult> resume(TrialConfig config, LanguageModel model, CheckpointStore dir,
                                            ParameterAverage average, BestModel best) {
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
            model.parameters().set(state.parameters());
            Map<String, double[]> extras = state.extras();
            if (extras.containsKey(AVERAGE)) {
                average.restore(model.parameters(), extras.get(AVERAGE), (long) extras.get(AVERAGE_STEPS)[0]);
            }
            if (extras.containsKey(BEST)) {
                best.restore(extras.get(BEST_VALID)[0], model.parameters(), extras.get(BEST));
            }
            return state.epochs();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint in " + dir + ": " + e.getMessage()
                    + "; delete the directory to start the trial afresh", e);
        }
    }

    private static TrialResult result(TrialConfig config, TrialStatus status, String message, Shape shape,
                                      List<EpochResult> epochs, int resumed, double testPpl, long trainTokens,
                                      double trainNanos, long start) {
        double best = epochs.stream().mapToDouble(EpochResult::validPerplexity).min().orElse(Double.NaN);
        double last = epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).validPerplexity();
        double tps = trainNanos > 0 ? trainTokens / (trainNanos / 1e9) : Double.NaN;
        return new TrialResult(config, status, message, shape.hidden(), shape.parameterCount(), List.copyOf(epochs),
                best, last, testPpl, tps, (System.nanoTime() - start) / 1e9, resumed);
    }
}
