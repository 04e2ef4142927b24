package backpropamine.spark.cli;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bpm sql "SELECT ..."}: Spark SQL against the results catalog (tables trials and epochs). */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run Spark SQL on the results; trials, epochs, sweeps and summary resolve in the results namespace."
                + " Read-only unless --write.")
public final class SqlCommand implements Callable<Integer> {
    enum Format { table, csv, json }

    @Parameters(index = "0", description = "the query")
    String query;
    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default ${DEFAULT-VALUE})")
    Format format;
    @Option(names = "--limit", defaultValue = "1000", description = "rows shown in table format")
    int limit;
    @Option(names = "--write", description = "allow statements that change the results (DDL, DML); default: read only")
    boolean write;
    @Mixin
    CatalogOptions catalog;

    @Override
    public Integer call() {
        ResultsLocation at = catalog.results();
        try (SparkSession spark = catalog.querySession("bpm sql")) {
            ResultsQueries results = new ResultsQueries(spark, at);
            if (!results.tablesExist()) {
                throw new IllegalStateException("no results in " + at.warehouse() + " (namespace " + at.qualifiedNamespace()
                        + "): run a sweep first, or point --warehouse / $BPM_WAREHOUSE at the sweep's warehouse");
            }
            Dataset<Row> df = results.user(query, write);
            switch (format) {
                case table -> df.show(limit, false);
                case json -> df.toJSON().collectAsList().forEach(System.out::println);
                case csv -> printCsv(df);
            }
            return 0;
        }
    }

    private static void printCsv(Dataset<Row> df) {
        System.out.println(String.join(",", List.of(df.columns()).stream().map(SqlCommand::csv).toList()));
        for (Row row : df.collectAsList()) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < row.length(); k++) {
                if (k > 0) {
                    sb.append(',');
                }
                sb.append(row.isNullAt(k) ? "" : csv(String.valueOf(row.get(k))));
            }
            System.out.println(sb);
        }
    }

    /** RFC 4180 quoting. */
    static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
