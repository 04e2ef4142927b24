package backpropamine.spark.sweep;

import backpropamine.model.Variant;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed, validated sweep: variants x the grid axes (the paper's four hyperparameters, and any other trial
 * setting) x seeds, the fixed training settings, where the data is and where the results go.
 *
 * @param axes      grid axes in {@link TrialSetting} order
 * @param training  template for every trial: its variant, axes and seed are overwritten per grid point
 * @param data      Penn Treebank directory (null: $BPM_DATA, else data/ptb)
 * @param threads   threads per trial (ND4J/OpenMP), matching spark.task.cpus on CPU clusters
 * @param checkpoints where the trials' per-epoch checkpoints go
 * @param allowSharedGpu on the CUDA backend, let a task without a GPU address train on device 0
 * @param reuse     copy the finished row of a trial key computed by any earlier sweep instead of training it again
 * @param replicate after the grid, retrain its best configurations with several seeds (null: no replication)
 */
public record SweepSpec(String name, List<Variant> variants, List<Axis> axes, List<Long> seeds, TrialConfig training,
                        Path data, ResultsLocation results, int threads, CheckpointPolicy checkpoints,
                        boolean allowSharedGpu, boolean reuse, ReplicatePlan replicate) {

    /** The replication stage a sweep file chains after its grid: {@code replicate: {top: 1, seeds: 16}}. */
    public record ReplicatePlan(int top, int seeds, String metric) {
    }

    /** A sweep with the default checkpoint policy and exclusive GPUs. */
    public SweepSpec(String name, List<Variant> variants, List<Axis> axes, List<Long> seeds, TrialConfig training,
                     Path data, ResultsLocation results, int threads) {
        this(name, variants, axes, seeds, training, data, results, threads, CheckpointPolicy.defaults(), false, false, null);
    }

    /** The same sweep with its results elsewhere (for instance a synthetic run's namespace). */
    public SweepSpec withResults(ResultsLocation other) {
        return new SweepSpec(name, variants, axes, seeds, training, data, other, threads, checkpoints, allowSharedGpu,
                reuse, replicate);
    }

    /** The axis of a setting, or null if the setting is fixed in this sweep. */
    public Axis axis(TrialSetting setting) {
        return axes.stream().filter(a -> a.setting() == setting).findFirst().orElse(null);
    }

    /** Number of trials the grid expands to. */
    public long size() {
        long n = (long) variants.size() * seeds.size();
        for (Axis a : axes) {
            n *= a.values().size();
        }
        return n;
    }

    /**
     * Every grid point as a trial configuration: variant outermost, then the axes in order, seed innermost.
     *
     * @throws SweepFileException naming the first grid point that does not make a valid trial
     */
    public List<TrialConfig> expand() {
        List<TrialConfig> out = new ArrayList<>();
        for (Variant v : variants) {
            expand(training.toBuilder().variant(v), 0, v.name(), out);
        }
        return out;
    }

    private void expand(TrialConfig.Builder point, int axis, String where, List<TrialConfig> out) {
        if (axis < axes.size()) {
            Axis a = axes.get(axis);
            for (Object value : a.values()) {
                expand(point.set(a.setting(), value), axis + 1, where + ", " + a.key() + " " + a.setting().format(value), out);
            }
            return;
        }
        for (long seed : seeds) {
            try {
                out.add(point.seed(seed).build());
            } catch (IllegalArgumentException e) {
                throw new SweepFileException("grid point (" + where + "): " + e.getMessage());
            }
        }
    }
}
