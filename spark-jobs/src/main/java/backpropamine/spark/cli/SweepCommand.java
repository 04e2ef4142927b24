package backpropamine.spark.cli;

import backpropamine.spark.SparkSessions;
import backpropamine.spark.SweepRunner;
import backpropamine.spark.report.Replicator;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.spark.sweep.SweepSpec;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bpm sweep FILE}: runs (or resumes) a sweep and prints the best configuration per variant. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run a grid-search sweep on Spark; trials already finished under the same sweep id are skipped.")
public final class SweepCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;
    @Option(names = "--sweep-id", description = "id of this sweep (default: the sweep's name); reuse it to resume")
    String sweepId;
    @Option(names = "--rerun-failed", description = "also rerun trials recorded as FAILED")
    boolean rerunFailed;
    @Option(names = "--synthetic", arity = "0..1", fallbackValue = "0", paramLabel = "SECONDS",
            description = "capacity test / dry run: every trial goes through the scheduler, commits and tables, but"
                    + " sleeps SECONDS (default 0) instead of training and writes made-up epochs, to the namespace"
                    + " <namespace>_synthetic")
    Double synthetic;

    @Override
    public Integer call() throws Exception {
        SweepSpec read = options.read();
        SweepSpec spec = synthetic == null ? read : read.withResults(read.results().synthetic());
        String id = sweepId != null ? sweepId : spec.name();
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) { // the id names directories: Hadoop paths refuse ':'
            throw new IllegalArgumentException("--sweep-id must start with a letter or digit and hold only letters,"
                    + " digits, '-', '_' and '.' (it names the sweep's checkpoint and journal directories, and Hadoop"
                    + " paths refuse ':' and '/'), was '" + id + "'");
        }
        try (SparkSession spark = SparkSessions.create("bpm sweep " + id, options.master, spec.results())) {
            SweepRunner runner = new SweepRunner(spark, spec, id, rerunFailed, options.scheduling.parallelism, options.scheduling.commitSeconds,
                    System.out);
            if (synthetic != null) {
                runner.synthetic(synthetic);
                System.out.println("synthetic sweep: trials sleep " + synthetic + " s; results in "
                        + spec.results().qualifiedNamespace());
            }
            SweepRunner.Summary s = runner.run();
            if (spec.replicate() != null && synthetic == null) { // the paper's second stage, chained by the sweep file
                SweepSpec.ReplicatePlan p = spec.replicate();
                SweepRunner.Summary r = new Replicator(p.top(), Replicator.firstSeeds(p.seeds()), p.metric()).run(spark,
                        spec.results(), id, spec.data(), spec.threads(), spec.checkpoints(), spec.allowSharedGpu(),
                        options.scheduling.parallelism, options.scheduling.commitSeconds, System.out);
                s = new SweepRunner.Summary(id, s.total() + r.total(), s.skipped() + r.skipped(), s.completed() + r.completed(),
                        s.diverged() + r.diverged(), s.failed() + r.failed(), s.lost() + r.lost(), s.seconds() + r.seconds());
            }
            System.out.printf("sweep %s: %d trials (%d skipped as finished), %d completed, %d diverged, %d failed%s in %.0f s"
                            + " (%.0f trials/h)%n", id, s.total(), s.skipped(), s.completed(), s.diverged(), s.failed(),
                    s.lost() > 0 ? ", " + s.lost() + " lost (run again to retry; bpm status lists them)" : "", s.seconds(),
                    (s.total() - s.skipped()) / (s.seconds() / 3600));
            System.out.println("best configuration per variant (lowest validation perplexity):");
            StatusCommand.show(new ResultsQueries(spark, spec.results()).bestPerVariant(id), 10);
            return s.allGood() ? 0 : 1;
        }
    }
}
