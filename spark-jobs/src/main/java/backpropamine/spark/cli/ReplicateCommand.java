package backpropamine.spark.cli;

import backpropamine.spark.SweepRunner;
import backpropamine.spark.report.Replication;
import backpropamine.spark.report.Replicator;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.sweep.CheckpointPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpm replicate SWEEP_ID}: the best configurations of a sweep, each retrained with several seeds. */
@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = "Retrain the best configuration(s) of each variant of a sweep with several seeds, as the sweep"
                + " <SWEEP_ID>-replicate (resumable), and write its Table 1 to the summary table.")
public final class ReplicateCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the sweep whose best configurations are replicated")
    String sweepId;
    @Option(names = "--top", defaultValue = "1", description = "configurations per variant (default ${DEFAULT-VALUE})")
    int top;
    @Option(names = "--seeds", defaultValue = "16", description = "seeds 1..N (default ${DEFAULT-VALUE}, as the paper)")
    int seeds;
    @Option(names = "--seed-list", split = ",", description = "these seeds instead of 1..N")
    List<Long> seedList;
    @Option(names = "--metric", defaultValue = "best_valid_ppl",
            description = "ranking of the configurations: best_valid_ppl, final_valid_ppl or test_ppl (default ${DEFAULT-VALUE})")
    String metric;
    @Option(names = "--data", description = "PTB directory (default $BPM_DATA, else data/ptb)")
    Path data;
    @Mixin
    SchedulingOptions scheduling;
    @Mixin
    CatalogOptions catalog;

    @Override
    public Integer call() throws Exception {
        Replicator r = new Replicator(top, seedList != null ? seedList : Replicator.firstSeeds(seeds), metric);
        try (SparkSession spark = catalog.session("bpm replicate " + sweepId)) {
            ResultsQueries q = new ResultsQueries(spark, catalog.results());
            if (!q.tablesExist() || !q.hasSweep(sweepId)) {
                System.err.println("no trials recorded for sweep " + sweepId + " in " + catalog.results().warehouse()
                        + " (bpm status lists the sweeps; --warehouse points at another)");
                return 1;
            }
            SweepRunner.Summary s = r.run(spark, catalog.results(), sweepId, data, 1, CheckpointPolicy.defaults(), false,
                    scheduling.parallelism,
                    scheduling.commitSeconds, System.out);
            System.out.printf("replication %s: %d trials, %d completed, %d diverged, %d failed, %d lost; Table 1 in"
                            + " %s (bpm report %s)%n", Replication.idFor(sweepId), s.total(), s.completed(), s.diverged(),
                    s.failed(), s.lost(), catalog.results().table("summary"), sweepId);
            return s.allGood() ? 0 : 1;
        }
    }
}
