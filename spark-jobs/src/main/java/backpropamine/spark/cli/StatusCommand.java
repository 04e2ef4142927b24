package backpropamine.spark.cli;

import backpropamine.spark.results.Listing;
import backpropamine.spark.results.ResultsQueries;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code bpm status [SWEEP_ID]}: a sweep's counts per variant and its best configurations, or all sweeps. Read through
 * Iceberg's Java API, without a Spark session, so it answers in about a second.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Summarise a sweep, or list the sweeps.")
public final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "sweep id (default: list all sweeps)")
    String sweepId;
    @Mixin
    CatalogOptions catalog;

    @Override
    public Integer call() {
        ResultsQueries results = ResultsQueries.withoutSpark(catalog.results());
        if (!results.tablesExist()) {
            System.out.println("no sweeps yet in " + catalog.results().warehouse());
            return sweepId == null ? 0 : 1;
        }
        if (sweepId == null) {
            show(results.sweeps(), 100);
            return 0;
        }
        if (!results.hasSweep(sweepId)) {
            System.out.println("no trials recorded for sweep " + sweepId + " (bpm status lists the sweeps)");
            return 1;
        }
        System.out.println("sweep " + sweepId + ":");
        show(results.status(sweepId), 10);
        Listing running = results.running(sweepId);
        if (!running.isEmpty()) {
            System.out.println("trials with epochs but no result yet (running, or interrupted):");
            show(running, 50);
        }
        Listing lost = results.lost(sweepId);
        if (!lost.isEmpty()) {
            System.out.println("lost trials (their tasks failed on every attempt; the next run retries them):");
            show(lost, 50);
        }
        System.out.println("best configuration per variant:");
        show(results.bestPerVariant(sweepId), 10);
        return 0;
    }

    /** As Spark's {@code show(n, false)}: the table, then an empty line. */
    static void show(Listing l, int n) {
        System.out.println(l.show(n));
    }
}
