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
