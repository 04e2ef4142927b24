package backpropamine.spark.cli;

import backpropamine.spark.SparkSessions;
import backpropamine.spark.results.ResultsLocation;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the results catalog is, for commands that read it without a sweep file. */
public final class CatalogOptions {
    @Option(names = "--warehouse", description = "Iceberg warehouse (default $BPM_WAREHOUSE, else ./warehouse)")
    String warehouse;
    @Option(names = "--catalog", defaultValue = ResultsLocation.DEFAULT_CATALOG, description = "catalog name (default ${DEFAULT-VALUE})")
    String catalog;
    @Option(names = "--namespace", defaultValue = ResultsLocation.DEFAULT_NAMESPACE, description = "namespace of the tables (default ${DEFAULT-VALUE})")
    String namespace;
    @Option(names = "--master", description = "Spark master of sql, report and replicate (default: spark-submit's, else local mode); status"
            + " reads without Spark")
    String master;
    @Mixin
    CatalogPropertyOptions properties;

    /** A Spark session on the results catalog; close it when done. */
    SparkSession session(String appName) {
        return SparkSessions.create(appName, master, results());
    }

    /** A Spark session for queries and small commits on the results (sql, report): quick to start; close it when done. */
    SparkSession querySession(String appName) {
        return SparkSessions.forQueries(appName, master, results());
    }

    ResultsLocation results() {
        String w = warehouse != null ? warehouse : System.getenv().getOrDefault("BPM_WAREHOUSE", ResultsLocation.DEFAULT_WAREHOUSE);
        return properties.applyTo(new ResultsLocation(catalog, w, namespace, Map.of()));
    }
}
