package backpropamine.spark.cli;

import backpropamine.spark.SparkSessions;
import backpropamine.spark.sweep.SweepSpec;
import java.util.concurrent.Callable;
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
        SweepSpec.Results r = catalog.results();
        try (SparkSession spark = SparkSessions.create("bpm status", catalog.master, r)) {
            if (!ResultQueries.tablesExist(spark, r)) {
                System.out.println("no sweeps yet in " + r.warehouse());
                return 0;
            }
            if (sweepId == null) {
                ResultQueries.sweeps(spark, r).show(100, false);
                return 0;
            }
            long n = spark.sql("SELECT 1 FROM " + r.table("trials") + " WHERE sweep_id = '" + sweepId.replace("'", "''")
                    + "' LIMIT 1").count();
            if (n == 0) {
                System.out.println("no trials recorded for sweep " + sweepId + " (bpm status lists the sweeps)");
                return 1;
            }
            System.out.println("sweep " + sweepId + ":");
            ResultQueries.status(spark, r, sweepId).show(10, false);
            System.out.println("best configuration per variant:");
            ResultQueries.bestPerVariant(spark, r, sweepId).show(10, false);
            return 0;
        }
    }
}
