package backpropamine.train;

/** Progress events of a running trial; all methods are called on the training thread. */
public interface TrialListener {
    TrialListener NONE = new TrialListener() {
    };

    /** Before the first batch; {@code resumedEpochs} epochs came from a checkpoint. */
    default void onStart(TrialConfig config, int hidden, long parameters, int resumedEpochs) {
    }

    /** After each training batch. */
    default void onBatch(int epoch, int batch, int batches, double runningPerplexity, double tokensPerSecond) {
    }

    default void onEpoch(EpochResult epoch) {
    }

    /** After the checkpoint of a complete epoch is written (only with a checkpoint store). */
    default void onCheckpoint(EpochResult epoch) {
    }

    /** Evaluation passes: {@code split} is "valid" or "test". */
    default void onEvaluation(String split, double perplexity) {
    }
}
