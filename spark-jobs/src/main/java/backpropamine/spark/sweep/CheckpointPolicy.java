package backpropamine.spark.sweep;

import backpropamine.spark.results.ResultsLocation;

/**
 * Where a sweep's trials keep their per-epoch checkpoints, and whether they stay after the trial's row is
 * committed. The root is any Hadoop file system URI ({@code hdfs://...}, {@code file:...}) or a local path; by
 * default {@code checkpoints} beside the results warehouse.
 *
 * @param root null: beside the warehouse
 * @param keep keep a trial's checkpoints after its row is committed (default: delete them)
 */
public record CheckpointPolicy(String root, boolean keep) {
    public static CheckpointPolicy defaults() {
        return new CheckpointPolicy(null, false);
    }

    /** The root as an absolute URI: the configured one, or the directory {@code checkpoints} beside the warehouse. */
    public String rootUri(String warehouse) {
        if (root != null) {
            return ResultsLocation.uri(root);
        }
        String w = ResultsLocation.uri(warehouse);
        String trimmed = w.endsWith("/") ? w.substring(0, w.length() - 1) : w;
        return trimmed.substring(0, trimmed.lastIndexOf('/') + 1) + "checkpoints";
    }
}
