package backpropamine.spark.sweep;

import backpropamine.model.Variant;
import backpropamine.train.TrialConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A parsed, validated sweep: the grid over (decay factor, decay start, init scale, L2) x variants x seeds, the
 * fixed training settings, where the data is and where the results go.
 *
 * @param training  template for every trial: its variant and grid fields are overwritten per grid point
 * @param data      Penn Treebank directory (null: $BPM_DATA, else data/ptb)
 * @param threads   threads per trial (ND4J/OpenMP), matching spark.task.cpus on CPU clusters
 */
public record SweepSpec(String name, List<Variant> variants, Axis decayFactor, Axis decayStart, Axis initScale, Axis l2,
                        List<Long> seeds, TrialConfig training, Path data, Results results, int threads) {

    /**
     * Where results go: an Iceberg catalog (by default a Hadoop catalog with a warehouse on local disk or HDFS)
     * and the namespace of the tables {@code trials} and {@code epochs}.
     *
     * @param properties extra {@code spark.sql.catalog.<catalog>.*} settings, e.g. {@code type: rest, uri: ...}
     */
    public record Results(String catalog, String warehouse, String namespace, Map<String, String> properties) {
        public static final String DEFAULT_CATALOG = "bpm";
        public static final String DEFAULT_WAREHOUSE = "warehouse";
        public static final String DEFAULT_NAMESPACE = "results";

        public static Results defaults() {
            return new Results(DEFAULT_CATALOG, DEFAULT_WAREHOUSE, DEFAULT_NAMESPACE, Map.of());
        }

        public String table(String name) {
            return catalog + "." + namespace + "." + name;
        }
    }

    /** Number of trials the grid expands to. */
    public long size() {
        return (long) variants.size() * decayFactor.values().size() * decayStart.values().size()
                * initScale.values().size() * l2.values().size() * seeds.size();
    }

    /** Every grid point as a trial configuration: variant outermost, seed innermost. */
    public List<TrialConfig> expand() {
        List<TrialConfig> out = new ArrayList<>();
        for (Variant v : variants) {
            for (double df : decayFactor.values()) {
                for (double ds : decayStart.values()) {
                    for (double is : initScale.values()) {
                        for (double l : l2.values()) {
                            for (long seed : seeds) {
                                try {
                                    out.add(training.toBuilder().variant(v).decayFactor(df).decayStart((int) ds)
                                            .initScale(is).l2(l).seed(seed).build());
                                } catch (IllegalArgumentException e) {
                                    throw new SweepFileException("grid point (" + v + ", decay_factor " + df
                                            + ", decay_start " + (int) ds + ", init_scale " + is + ", l2 " + l + "): "
                                            + e.getMessage());
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
