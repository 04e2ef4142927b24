package backpropamine.train;

import backpropamine.model.LanguageModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a trial keeps its per-epoch checkpoints: a local directory ({@link #directory}), or any file system the
 * caller provides (the sweep service writes through Hadoop's FileSystem API, so {@code hdfs://} works too).
 * A store holds one trial's state; a crash during {@link #save} leaves the previous checkpoint readable.
 */
public interface CheckpointStore {
    /** The last complete checkpoint, or null if there is none. */
    Checkpoint.State load() throws IOException;

    /**
     * Saves the state after a complete epoch, replacing the previous checkpoint.
     *
     * @param extras named arrays of the training regime besides the parameters ({@link Checkpoint.Extras#NONE})
     */
    void save(String fingerprint, List<EpochResult> epochs, LanguageModel model, Checkpoint.Extras extras)
            throws IOException;

    /** A directory on local disk holding {@code trial.ckpt}. */
    static CheckpointStore directory(Path dir) {
        return new CheckpointStore() {
            @Override
            public Checkpoint.State load() throws IOException {
                return Checkpoint.load(dir);
            }

            @Override
            public void save(String fingerprint, List<EpochResult> epochs, LanguageModel model,
                             Checkpoint.Extras extras) throws IOException {
                Checkpoint.save(dir, fingerprint, epochs, model, extras);
            }

            @Override
            public String toString() {
                return dir.toString();
            }
        };
    }
}
