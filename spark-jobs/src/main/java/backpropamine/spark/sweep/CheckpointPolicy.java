package backpropamine.spark.sweep;

/**
 * Where a sweep's trials keep their per-epoch checkpoints, and whether they stay after the trial's row is
 * committed. The root is any Hadoop file system URI ({@code hdfs://...}, {@code file:...}) or a local path; by
 * default {@code checkpoints} beside the results warehouse ({@code Locations} decides).
 *
 * @param root null: beside the warehouse
 * @param keep keep a trial's checkpoints after its row is committed (default: delete them)
 */
public record CheckpointPolicy(String root, boolean keep) {
    public static CheckpointPolicy defaults() {
        return new CheckpointPolicy(null, false);
    }
}
