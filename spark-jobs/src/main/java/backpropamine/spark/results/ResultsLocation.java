package backpropamine.spark.results;

import java.util.Map;

/**
 * Where results live: an Iceberg catalog (by default a Hadoop catalog with a warehouse on local disk or HDFS) and
 * the namespace of the tables {@code trials}, {@code epochs} and {@code sweeps}.
 *
 * @param properties extra {@code spark.sql.catalog.<catalog>.*} settings, e.g. {@code type: rest, uri: ...}
 */
public record ResultsLocation(String catalog, String warehouse, String namespace, Map<String, String> properties) {
    public static final String DEFAULT_CATALOG = "bpm";
    public static final String DEFAULT_WAREHOUSE = "warehouse";
    public static final String DEFAULT_NAMESPACE = "results";

    public ResultsLocation {
        for (String[] kv : new String[][] {{"catalog", catalog}, {"namespace", namespace}}) {
            if (kv[1] == null || !kv[1].matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("results " + kv[0] + " must be an identifier (letters, digits, '_'),"
                        + " was " + kv[1]);
            }
        }
        properties = Map.copyOf(properties);
    }

    public static ResultsLocation defaults() {
        return new ResultsLocation(DEFAULT_CATALOG, DEFAULT_WAREHOUSE, DEFAULT_NAMESPACE, Map.of());
    }

    /**
     * A location as an absolute URI: one with a scheme (hdfs://, s3a://, file:) as it is, a plain path as an absolute
     * file URI. Warehouses, checkpoint roots and lease directories all go through it.
     */
    public static String uri(String location) {
        if (location.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            return location;
        }
        return java.nio.file.Path.of(location).toAbsolutePath().normalize().toUri().toString();
    }

    /** Schemes of object stores: no atomic rename, no exclusive create (Hadoop's connectors for S3, GCS, Azure, ...). */
    private static final java.util.Set<String> OBJECT_STORES = java.util.Set.of("s3", "s3a", "s3n", "gs", "abfs", "abfss",
            "wasb", "wasbs", "oss", "cos", "cosn", "obs", "r2");

    /** Whether a location is on an object store (by its URI scheme). */
    public static boolean onObjectStore(String location) {
        int colon = location.indexOf(':');
        return colon > 0 && OBJECT_STORES.contains(location.substring(0, colon).toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Refuses Iceberg's Hadoop catalog on an object store: its commits rely on an atomic rename that S3, GCS and
     * Azure do not have, so two conflicting commits can both report success and results are lost (Iceberg's
     * documentation says as much). Another catalog commits atomically on the same store.
     *
     * @param type the effective catalog type ("" when a catalog-impl is given)
     * @throws IllegalArgumentException naming the setting and what to use instead
     */
    public static void refuseUnsafeCommits(String catalog, String type, String catalogImpl, String warehouse) {
        boolean hadoop = "hadoop".equalsIgnoreCase(type) || catalogImpl.endsWith(".HadoopCatalog");
        if (hadoop && onObjectStore(warehouse)) {
            throw new IllegalArgumentException("the results warehouse " + warehouse + " is on an object store, where"
                    + " Iceberg's Hadoop catalog (spark.sql.catalog." + catalog + ".type=hadoop) cannot commit safely:"
                    + " two conflicting commits can both succeed. Use a catalog with atomic commits on that store:"
                    + " results.catalog_properties (or --catalog-property, or --conf spark.sql.catalog." + catalog
                    + ".*) {type: rest, uri: https://...}, {type: jdbc, uri: jdbc:postgresql://...}, {type: hive, uri:"
                    + " thrift://...} or {catalog-impl: org.apache.iceberg.aws.glue.GlueCatalog}; or put the warehouse"
                    + " on hdfs://");
        }
    }

    /** Where synthetic sweeps write: the namespace with {@code _synthetic} appended, so they never mix with results. */
    public ResultsLocation synthetic() {
        return new ResultsLocation(catalog, warehouse, namespace + "_synthetic", properties);
    }

    /** The namespace, qualified by the catalog: {@code bpm.results}. */
    public String qualifiedNamespace() {
        return catalog + "." + namespace;
    }

    /** A table of the namespace, fully qualified: {@code bpm.results.trials}. */
    public String table(String name) {
        return qualifiedNamespace() + "." + name;
    }
}
