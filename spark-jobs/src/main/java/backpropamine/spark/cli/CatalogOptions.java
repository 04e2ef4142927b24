package backpropamine.spark.cli;

import backpropamine.spark.sweep.SweepSpec;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the results catalog is, for commands that read it without a sweep file. */
public final class CatalogOptions {
    @Option(names = "--warehouse", description = "Iceberg warehouse (default $BPM_WAREHOUSE, else ./warehouse)")
    String warehouse;
    @Option(names = "--catalog", defaultValue = SweepSpec.Results.DEFAULT_CATALOG, description = "catalog name (default ${DEFAULT-VALUE})")
    String catalog;
    @Option(names = "--namespace", defaultValue = SweepSpec.Results.DEFAULT_NAMESPACE, description = "namespace of the tables (default ${DEFAULT-VALUE})")
    String namespace;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local mode, one slot per core plus one)")
    String master;

    SweepSpec.Results results() {
        String w = warehouse != null ? warehouse : System.getenv().getOrDefault("BPM_WAREHOUSE", SweepSpec.Results.DEFAULT_WAREHOUSE);
        return new SweepSpec.Results(catalog, w, namespace, Map.of());
    }
}
