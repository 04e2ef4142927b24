package backpropamine.train;

import java.nio.file.Path;

/** Trials stopped part way, as a killed executor stops them, for the resume tests. */
final class Interruptions {
    private Interruptions() {
    }

    /** Runs {@code c} with checkpoints in {@code dir} and cancels it once epoch {@code epoch} is done and saved. */
    static void stopAfterEpoch(Trainer trainer, TrialConfig c, int epoch, Path dir) {
        Cancellation cancel = new Cancellation();
        trainer.run(c, new TrialListener() {
            @Override
            public void onEpoch(EpochResult e) {
                if (e.epoch() == epoch) {
                    cancel.cancel();
                }
            }
        }, cancel, CheckpointStore.directory(dir));
    }
}
