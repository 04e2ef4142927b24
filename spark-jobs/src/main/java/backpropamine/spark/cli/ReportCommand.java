package backpropamine.spark.cli;

import backpropamine.spark.report.Reports;
import backpropamine.spark.results.ResultsQueries;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpm report SWEEP_ID}: one self-contained HTML page about a sweep and its replication. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML report of a sweep (and of <SWEEP_ID>-replicate when it exists).")
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "sweep id")
    String sweepId;
    @Option(names = "--out", defaultValue = "report.html", description = "the HTML file (default ${DEFAULT-VALUE})")
    Path out;
    @Mixin
    CatalogOptions catalog;

    @Override
    public Integer call() throws Exception {
        try (SparkSession spark = catalog.querySession("bpm report " + sweepId)) {
            ResultsQueries q = new ResultsQueries(spark, catalog.results());
            if (!q.tablesExist() || !q.hasSweep(sweepId)) {
                System.err.println("no trials recorded for sweep " + sweepId + " (bpm status lists the sweeps)");
                return 1;
            }
            String what = Reports.write(spark, catalog.results(), sweepId, out.toAbsolutePath().toUri());
            System.out.println("report of " + what + " written to " + out.toAbsolutePath());
            return 0;
        }
    }
}
