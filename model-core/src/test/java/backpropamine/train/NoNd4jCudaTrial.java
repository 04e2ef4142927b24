package backpropamine.train;

import backpropamine.data.PtbCorpus;
import backpropamine.model.Kernels;
import backpropamine.model.Variant;
import backpropamine.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CUDA trial in a JVM whose class path has no ND4J at all ({@link NoNd4jTest} starts it): it checks that ND4J is
 * absent, runs a basic trial on Kernels.CUDA straight through and again interrupted after epoch 1 and resumed from
 * its checkpoint, and prints the figures of both on one line.
 */
public final class NoNd4jCudaTrial {
    private NoNd4jCudaTrial() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Class.forName("org.nd4j.linalg.factory.Nd4j");
            throw new AssertionError("ND4J is on the class path");
        } catch (ClassNotFoundException expected) {
            // the point of this JVM
        }
        PtbCorpus corpus = TestData.corpus().slice(603, 331, 131);
        Trainer trainer = new Trainer(corpus, Kernels.CUDA);
        TrialConfig c = TrialConfig.builder(Variant.SIMPLE).hidden(8).epochs(2).batch(4).bptt(7).validBatch(3)
                .testBatch(1).seed(5).build();
        TrialResult straight = trainer.run(c, TrialListener.NONE, new Cancellation(), null);
        if (straight.status() != TrialStatus.COMPLETED) {
            throw new AssertionError(straight.status() + ": " + straight.message());
        }
        Path dir = Files.createTempDirectory("no-nd4j-cuda");
        Cancellation cancel = new Cancellation();
        trainer.run(c, new TrialListener() {
            @Override
            public void onEpoch(EpochResult epoch) {
                cancel.cancel();
            }
        }, cancel, CheckpointStore.directory(dir));
        TrialResult resumed = trainer.run(c, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(dir));
        List<Double> figures = new ArrayList<>(TrialFigures.of(straight));
        figures.addAll(TrialFigures.of(resumed));
        System.out.println("FIGURES " + figures + " RESUMED " + resumed.resumedFromEpoch());
    }
}
