package backpropamine.spark.report;

import backpropamine.model.Variant;
import backpropamine.spark.SweepRunner;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.results.ResultsStore;
import backpropamine.spark.sweep.CheckpointPolicy;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.train.TrialConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Runs the replication stage of a sweep through the sweep service (resumable, exactly once, live progress) and
 * writes its Table 1 to the {@code summary} table.
 *
 * @param top    configurations per variant
 * @param seeds  seeds of each
 * @param metric how the grid's configurations are ranked
 */
public record Replicator(int top, List<Long> seeds, String metric) {
    public Replicator {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be >= 1, was " + top);
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seeds to replicate with");
        }
        seeds = List.copyOf(seeds);
    }

    /** Seeds 1..n. */
    public static List<Long> firstSeeds(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, was " + n);
        }
        List<Long> s = new ArrayList<>();
        for (long k = 1; k <= n; k++) {
            s.add(k);
        }
        return s;
    }

    /**
     * @param checkpoints    where the replication's trials checkpoint (a chained replication: the sweep's own)
     * @param allowSharedGpu the sweep's {@code training.allow_shared_gpu}
     */
    public SweepRunner.Summary run(SparkSession spark, ResultsLocation results, String sweepId, Path data, int threads,
                                   CheckpointPolicy checkpoints, boolean allowSharedGpu, int parallelism,
                                   long commitSeconds, PrintStream out) throws InterruptedException {
        List<TrialConfig> configs = Replication.configs(new ResultsQueries(spark, results), sweepId, top, seeds, metric);
        String id = Replication.idFor(sweepId);
        out.printf("replication %s: the best %d configuration(s) per variant of %s by %s, x %d seeds%n", id, top, sweepId,
                metric, seeds.size());
        List<Variant> variants = configs.stream().map(TrialConfig::variant).distinct().toList();
        SweepSpec spec = new SweepSpec(id, variants, List.of(), seeds, configs.get(0), data, results, threads,
                checkpoints, allowSharedGpu, false, null);
        SweepRunner.Summary s = new SweepRunner(spark, spec, id, false, parallelism, commitSeconds, out).trials(configs).run();
        writeSummary(spark, results, id);
        return s;
    }

    /** Table 1 of a replication sweep into the {@code summary} table; returns its rows' summaries. */
    public static List<Statistics.Summary> writeSummary(SparkSession spark, ResultsLocation results, String replicationId) {
        List<Statistics.Summary> out = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        Replication.testPerplexities(new ResultsQueries(spark, results).trialRows(replicationId)).forEach((g, v) -> {
            Statistics.Summary s = Statistics.summary(g, v);
            out.add(s);
            rows.add(RowFactory.create(replicationId, g, s.n(), s.mean(), nan(s.sd()), nan(s.ciLow()), nan(s.ciHigh())));
        });
        new ResultsStore(spark, results).replaceSummary(replicationId, rows);
        return out;
    }

    private static Double nan(double d) {
        return Double.isNaN(d) ? null : d;
    }
}
