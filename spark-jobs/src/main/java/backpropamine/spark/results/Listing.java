package backpropamine.spark.results;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A small query result as {@code bpm status} prints it: column names and rows of plain Java values (String, Integer,
 * Long, Double, Instant, null), whichever way it was read (Spark SQL or Iceberg's Java API). {@link #show} prints it
 * exactly as Spark's {@code Dataset.show(n, false)} does, so both ways print the same text.
 */
public record Listing(List<String> columns, List<List<Object>> rows) {
    public Listing {
        columns = List.copyOf(columns);
        rows = rows.stream().map(r -> java.util.Collections.unmodifiableList(new ArrayList<>(r))).toList();
    }

    /** The collected rows of a Spark query (timestamps as instants). */
    public static Listing of(Dataset<Row> df) {
        List<List<Object>> rows = new ArrayList<>();
        for (Row r : df.collectAsList()) {
            Object[] v = new Object[r.length()];
            for (int k = 0; k < v.length; k++) {
                Object x = r.get(k);
                v[k] = x instanceof Timestamp t ? t.toInstant() : x;
            }
            rows.add(Arrays.asList(v));
        }
        return new Listing(List.of(df.columns()), rows);
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The value of {@code column} in row {@code row}. */
    public Object get(int row, String column) {
        int k = columns.indexOf(column);
        if (k < 0) {
            throw new IllegalArgumentException("no column " + column + " in " + columns);
        }
        return rows.get(row).get(k);
    }

    /** The first {@code n} rows as Spark's {@code show(n, false)} prints them: a bordered table, left-aligned cells. */
    public String show(int n) {
        List<String[]> cells = new ArrayList<>();
        cells.add(columns.toArray(String[]::new));
        for (List<Object> r : rows.subList(0, Math.min(n, rows.size()))) {
            cells.add(r.stream().map(Listing::cell).toArray(String[]::new));
        }
        int[] width = new int[columns.size()];
        Arrays.fill(width, 3); // Spark's minimum column width
        for (String[] r : cells) {
            for (int k = 0; k < r.length; k++) {
                width[k] = Math.max(width[k], r[k].length());
            }
        }
        StringBuilder sep = new StringBuilder("+");
        for (int w : width) {
            sep.append("-".repeat(w)).append('+');
        }
        sep.append('\n');
        StringBuilder sb = new StringBuilder(sep);
        for (int i = 0; i < cells.size(); i++) {
            sb.append('|');
            for (int k = 0; k < width.length; k++) {
                String c = cells.get(i)[k];
                sb.append(c).append(" ".repeat(width[k] - c.length())).append('|');
            }
            sb.append('\n');
            if (i == 0) {
                sb.append(sep);
            }
        }
        sb.append(sep);
        if (rows.size() > n) {
            sb.append("only showing top ").append(n).append(n == 1 ? " row\n" : " rows\n");
        }
        return sb.toString();
    }

    // Spark shows timestamps in the session time zone (the JVM's), fraction without trailing zeros
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
            .toFormatter().withZone(ZoneId.systemDefault());

    /** A value as Spark shows it: its string, timestamps in local time, null as "NULL" (Spark 3.5), control characters escaped. */
    static String cell(Object v) {
        if (v == null) {
            return "NULL";
        }
        String s = v instanceof Instant t ? TIMESTAMP.format(t) : String.valueOf(v);
        return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replace("\f", "\\f")
                .replace("\b", "\\b").replace("\u000B", "\\v").replace("\u0007", "\\a");
    }
}
