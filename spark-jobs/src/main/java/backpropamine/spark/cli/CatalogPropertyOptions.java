package backpropamine.spark.cli;

import backpropamine.spark.results.ResultsLocation;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Properties of the results catalog given on the command line, the same options for every command (sweep, nightly,
 * status, sql, report, replicate), so that a REST, Hive, Glue or JDBC catalog is reached by all of them alike. Keys
 * are those of {@code results.catalog_properties} ({@code type}, {@code uri}, ...: the catalog's
 * {@code spark.sql.catalog.<catalog>.*} settings without that prefix); they add to, and win over, the sweep file's.
 */
public final class CatalogPropertyOptions {
    @Option(names = "--catalog-property", paramLabel = "KEY=VALUE",
            description = "a property of the results catalog, e.g. type=rest, uri=https://...; repeatable; wins over"
                    + " --catalog-properties and the sweep file")
    Map<String, String> properties = new LinkedHashMap<>();
    @Option(names = "--catalog-properties", paramLabel = "FILE",
            description = "a Java properties file of results catalog properties (keys as for --catalog-property)")
    Path file;

    /** The sweep file's (or default) location with these properties added. */
    ResultsLocation applyTo(ResultsLocation results) {
        Map<String, String> merged = new LinkedHashMap<>(results.properties());
        merged.putAll(fromFile());
        merged.putAll(properties);
        return new ResultsLocation(results.catalog(), results.warehouse(), results.namespace(), merged);
    }

    private Map<String, String> fromFile() {
        Map<String, String> out = new LinkedHashMap<>();
        if (file == null) {
            return out;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("--catalog-properties: cannot read " + file + ": " + e.getMessage()
                    + " (give a Java properties file, key=value per line)");
        }
        p.stringPropertyNames().stream().sorted().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }
}
