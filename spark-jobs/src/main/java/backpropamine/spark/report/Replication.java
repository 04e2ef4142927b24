package backpropamine.spark.report;

import backpropamine.spark.results.ResultsQueries;
import backpropamine.train.TrialConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import java.util.List;

/**
 * The paper's second stage: the best configurations of a sweep, each retrained with several seeds (16 in the paper),
 * as the sweep {@code <id>-replicate}. Its trials are the original configurations with only the seed changed.
 */
public final class Replication {
    private Replication() {
    }

    public static String idFor(String sweepId) {
        return sweepId + "-replicate";
    }

    /**
     * The best {@code top} completed configurations per variant by {@code metric}, each with every seed.
     *
     * @throws IllegalArgumentException when the sweep has no completed trial
     */
    public static List<TrialConfig> configs(ResultsQueries results, String sweepId, int top, List<Long> seeds,
                                            String metric) {
        List<String> best = results.bestConfigs(sweepId, top, metric);
        if (best.isEmpty()) {
            throw new IllegalArgumentException("sweep " + sweepId + " has no completed trial to replicate"
                    + " (bpm status lists the sweeps)");
        }
        List<TrialConfig> out = new ArrayList<>();
        for (String fingerprint : best) {
            TrialConfig c = TrialConfig.fromFingerprint(fingerprint);
            for (long seed : seeds) {
                out.add(c.toBuilder().seed(seed).build());
            }
        }
        return out;
    }

    /**
     * Test perplexities of a replication's completed trials, grouped by configuration (the fingerprint without its
     * seed), in the order the rows come.
     */
    public static Map<String, double[]> testPerplexities(List<Row> rows) {
        Map<String, List<Double>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            if ("COMPLETED".equals(r.getAs("status")) && !r.isNullAt(r.fieldIndex("test_ppl"))) {
                groups.computeIfAbsent(group(r.getAs("config")), k -> new ArrayList<>()).add(r.getAs("test_ppl"));
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        groups.forEach((g, v) -> out.put(g, v.stream().mapToDouble(Double::doubleValue).toArray()));
        return out;
    }

    /** The configuration of a trial with its seed left out: the group its seeds are averaged over. */
    public static String group(String fingerprint) {
        return fingerprint.replaceAll("(^|;)seed=-?[0-9]+", "");
    }
}
