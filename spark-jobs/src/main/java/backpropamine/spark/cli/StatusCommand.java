package backpropamine.spark.cli;

import backpropamine.spark.results.ResultsQueries;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code bpm status [SWEEP_ID]}: a sweep's counts per variant and its best configurations, or all sweeps. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Summarise a sweep, or list the sweeps.")
public final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "sweep id (default: list all sweeps)")
    String sweepId;
    @Mixin
    CatalogOptions catalog;

    @Override
    public Integer call() {
        try (SparkSession spark = catalog.session("bpm status")) {
            ResultsQueries results = new ResultsQueries(spark, catalog.results());
            if (!results.tablesExist()) {
                System.out.println("no sweeps yet in " + catalog.results().warehouse());
                return sweepId == null ? 0 : 1;
            }
            if (sweepId == null) {
                results.sweeps().show(100, false);
                return 0;
            }
            if (!results.hasSweep(sweepId)) {
                System.out.println("no trials recorded for sweep " + sweepId + " (bpm status lists the sweeps)");
                return 1;
            }
            System.out.println("sweep " + sweepId + ":");
            results.status(sweepId).show(10, false);
            Dataset<Row> running = results.running(sweepId);
            if (!running.isEmpty()) {
                System.out.println("trials with epochs but no result yet (running, or interrupted):");
                running.show(50, false);
            }
            Dataset<Row> lost = results.lost(sweepId);
            if (!lost.isEmpty()) {
                System.out.println("lost trials (their tasks failed on every attempt; the next run retries them):");
                lost.show(50, false);
            }
            System.out.println("best configuration per variant:");
            results.bestPerVariant(sweepId).show(10, false);
            return 0;
        }
    }
}
