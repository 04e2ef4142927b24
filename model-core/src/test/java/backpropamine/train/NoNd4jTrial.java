package backpropamine.train;

import backpropamine.data.PtbCorpus;
import backpropamine.model.ModelKind;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.testing.TestData;
import backpropamine.testing.UnigramModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The trial path on a model that is not ND4J-based ({@link UnigramModel}), run by {@link NoNd4jTest} in a class
 * loader that has no ND4J: a large-model trial (SGD with weight decay, variable BPTT, averaged SGD, best model,
 * evaluation) straight through, and the same trial interrupted after epoch 2 and resumed from its checkpoint.
 * Returns the figures of both, in that order.
 */
public final class NoNd4jTrial implements Callable<List<Double>> {
    /** Classes a trial loads, linked and initialised here before anything runs. */
    static final List<String> TRIAL_PATH = List.of("backpropamine.train.Trainer", "backpropamine.train.Sgd",
            "backpropamine.train.ParameterAverage", "backpropamine.train.Checkpoint",
            "backpropamine.train.CheckpointStore", "backpropamine.train.PerplexityEvaluator",
            "backpropamine.train.TrialConfig", "backpropamine.train.TrialSetting",
            "backpropamine.train.SegmentSchedule", "backpropamine.train.LanguageModels",
            "backpropamine.data.PtbCorpus", "backpropamine.data.TokenBatches", "backpropamine.data.Vocabulary",
            "backpropamine.golden.GoldenCheck");

    private final Path dir;

    public NoNd4jTrial(String dir) {
        this.dir = Path.of(dir);
    }

    @Override
    public List<Double> call() throws Exception {
        for (String c : TRIAL_PATH) {
            Class.forName(c, true, getClass().getClassLoader());
        }
        // a real CUDA model needs JNA, which this loader does not have: NoNd4jTest's second test runs one
        PtbCorpus corpus = TestData.corpus().slice(2000, 400, 150);
        Trainer trainer = new Trainer(corpus, (config, shape) -> new UnigramModel(shape, config.seed()));
        TrialConfig c = TrialConfig.builder(Variant.SIMPLE).model(ModelKind.LARGE).hidden(12).epochs(3).asgdStart(2)
                .batch(2).bptt(10).maxBatches(4).validBatch(2).testBatch(1).precision(Precision.DOUBLE).seed(3)
                .learningRate(1.0).build();
        TrialResult straight = trainer.run(c, TrialListener.NONE, new Cancellation(), null);
        if (straight.status() != TrialStatus.COMPLETED) {
            throw new AssertionError(straight.status() + ": " + straight.message());
        }
        Interruptions.stopAfterEpoch(trainer, c, 2, dir);
        TrialResult resumed = trainer.run(c, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(dir));
        if (resumed.resumedFromEpoch() != 2) {
            throw new AssertionError("resumed from epoch " + resumed.resumedFromEpoch());
        }
        List<Double> figures = new ArrayList<>(TrialFigures.of(straight));
        figures.addAll(TrialFigures.of(resumed));
        return figures;
    }
}
