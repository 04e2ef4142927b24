package backpropamine.spark.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The queries of {@code bpm status} computed without Spark: the tables scanned through Iceberg's Java API
 * ({@link IcebergGenerics}) on the catalog Spark would use, the SQL of {@link ResultsQueries} (the reference, held to
 * it by a test) done in Java. A JVM answers in about a second instead of starting a Spark session.
 */
final class IcebergReads {
    private final Catalog catalog;
    private final Namespace namespace;

    IcebergReads(ResultsLocation at) {
        this.catalog = catalog(at);
        this.namespace = Namespace.of(at.namespace());
    }

    /**
     * The results catalog as {@code SparkSessions} configures it for Spark: {@code spark.sql.catalog.<name>.*} system
     * properties, then the location's properties, a Hadoop catalog on its warehouse unless a type or implementation
     * is given; {@code spark.hadoop.*} system properties go to the Hadoop configuration as Spark passes them.
     */
    static Catalog catalog(ResultsLocation at) {
        String prefix = "spark.sql.catalog." + at.catalog() + ".";
        Map<String, String> props = new HashMap<>();
        Configuration hadoop = new Configuration();
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith(prefix)) {
                props.put(k.substring(prefix.length()), System.getProperty(k));
            } else if (k.startsWith("spark.hadoop.")) {
                hadoop.set(k.substring("spark.hadoop.".length()), System.getProperty(k));
            }
        }
        props.putAll(at.properties());
        if (!props.containsKey("type") && !props.containsKey("catalog-impl")) {
            props.put("type", "hadoop");
        }
        props.putIfAbsent("warehouse", ResultsLocation.uri(at.warehouse()));
        return CatalogUtil.buildIcebergCatalog(at.catalog(), props, hadoop);
    }

    private TableIdentifier id(String table) {
        return TableIdentifier.of(namespace, table);
    }

    boolean tableExists(String table) {
        try {
            return catalog.tableExists(id(table));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The rows of {@code table} that match {@code filter}, with the given columns (as name -> value maps). */
    private List<Map<String, Object>> scan(String table, Expression filter, String... columns) {
        Table t = catalog.loadTable(id(table));
        List<Map<String, Object>> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(t).where(filter).select(columns).build()) {
            for (Record r : records) {
                Map<String, Object> row = new HashMap<>();
                for (String c : columns) {
                    Object v = r.getField(c);
                    row.put(c, v instanceof OffsetDateTime o ? o.toInstant() : v);
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    private List<Map<String, Object>> trials(String sweepId, String... columns) {
        List<String> cols = new ArrayList<>(Arrays.asList(columns));
        if (!cols.contains("sweep_id")) {
            cols.add("sweep_id");
        }
        // the scan prunes files by the filter; rows are checked here too
        return scan("trials", Expressions.equal("sweep_id", sweepId), cols.toArray(String[]::new)).stream()
                .filter(r -> sweepId.equals(r.get("sweep_id"))).toList();
    }

    boolean hasSweep(String sweepId) {
        return !trials(sweepId, "sweep_id").isEmpty();
    }

    /** {@link ResultsQueries#status}. */
    Listing status(String sweepId) {
        Map<String, List<Map<String, Object>>> byVariant = new TreeMap<>(groupBy(
                trials(sweepId, "variant", "status", "best_valid_ppl", "tokens_per_s", "finished"), "variant"));
        List<List<Object>> rows = new ArrayList<>();
        byVariant.forEach((variant, g) -> rows.add(Arrays.asList(variant, (long) g.size(), countStatus(g, "COMPLETED"),
                countStatus(g, "DIVERGED"), countStatus(g, "FAILED"), countStatus(g, "LOST"),
                round(min(g, "best_valid_ppl"), 2), round(avg(g, "tokens_per_s"), 0), maxInstant(g, "finished"))));
        return new Listing(List.of("variant", "trials", "completed", "diverged", "failed", "lost", "best_valid_ppl",
                "tokens_per_s", "last_finished"), rows);
    }

    /** {@link ResultsQueries#lost}. */
    Listing lost(String sweepId) {
        List<Map<String, Object>> lost = new ArrayList<>(trials(sweepId, "variant", "trial_key", "attempts", "finished",
                "error", "status").stream().filter(r -> "LOST".equals(r.get("status"))).toList());
        lost.sort(Comparator.comparing(r -> (Instant) r.get("finished"), Comparator.nullsFirst(Comparator.naturalOrder())));
        return new Listing(List.of("variant", "trial_key", "attempts", "finished", "error"),
                project(lost, "variant", "trial_key", "attempts", "finished", "error"));
    }

    /** {@link ResultsQueries#running}. */
    Listing running(String sweepId) {
        Set<String> withRow = new HashSet<>();
        for (Map<String, Object> t : trials(sweepId, "trial_key", "status")) {
            if (!"LOST".equals(t.get("status"))) {
                withRow.add((String) t.get("trial_key"));
            }
        }
        List<Map<String, Object>> epochs = scan("epochs", Expressions.equal("sweep_id", sweepId), "sweep_id",
                "trial_key", "epoch", "valid_ppl").stream().filter(e -> sweepId.equals(e.get("sweep_id"))
                && !withRow.contains((String) e.get("trial_key"))).toList();
        List<List<Object>> rows = new ArrayList<>();
        new TreeMap<>(groupBy(epochs, "trial_key")).forEach((key, g) -> {
            Map<String, Object> last = g.stream().max(Comparator.comparing(e -> (Integer) e.get("epoch"))).orElseThrow();
            rows.add(Arrays.asList(key, last.get("epoch"), round((Double) last.get("valid_ppl"), 2),
                    round(min(g, "valid_ppl"), 2)));
        });
        return new Listing(List.of("trial_key", "epochs_done", "valid_ppl", "best_valid_ppl"), rows);
    }

    /** {@link ResultsQueries#bestPerVariant}: ascending order puts NULL first, as in Spark SQL. */
    Listing bestPerVariant(String sweepId) {
        String[] cols = {"variant", "decay_factor", "decay_start", "init_scale", "l2", "seed", "hidden", "params",
                "best_valid_ppl", "test_ppl"};
        List<String> scanned = new ArrayList<>(Arrays.asList(cols));
        scanned.add("status");
        Comparator<Map<String, Object>> byBest = Comparator.comparing(r -> (Double) r.get("best_valid_ppl"),
                Comparator.nullsFirst(Comparator.naturalOrder()));
        List<Map<String, Object>> best = new ArrayList<>();
        groupBy(trials(sweepId, scanned.toArray(String[]::new)).stream()
                .filter(r -> "COMPLETED".equals(r.get("status"))).toList(), "variant")
                .values().forEach(g -> best.add(g.stream().min(byBest).orElseThrow()));
        best.sort(byBest.thenComparing(r -> (String) r.get("variant")));
        List<List<Object>> rows = project(best, cols);
        for (List<Object> r : rows) {
            r.set(8, round((Double) r.get(8), 2));
            r.set(9, round((Double) r.get(9), 2));
        }
        return new Listing(List.of(cols), rows);
    }

    /** {@link ResultsQueries#sweeps}: latest first, NULL last as in Spark SQL's descending order. */
    Listing sweeps() {
        List<Map<String, Object>> all = scan("trials", Expressions.alwaysTrue(), "sweep_id", "status", "best_valid_ppl",
                "started", "finished");
        List<List<Object>> rows = new ArrayList<>();
        new TreeMap<>(groupBy(all, "sweep_id")).forEach((id, g) -> rows.add(Arrays.asList(id, (long) g.size(),
                countStatus(g, "FAILED"), round(min(g, "best_valid_ppl"), 2), minInstant(g, "started"),
                maxInstant(g, "finished"))));
        rows.sort(Comparator.comparing((List<Object> r) -> (Instant) r.get(5),
                Comparator.nullsLast(Comparator.<Instant>reverseOrder())));
        return new Listing(List.of("sweep_id", "trials", "failed", "best_valid_ppl", "first_started", "last_finished"),
                rows);
    }

    private static Map<String, List<Map<String, Object>>> groupBy(List<Map<String, Object>> rows, String column) {
        Map<String, List<Map<String, Object>>> groups = new HashMap<>();
        for (Map<String, Object> r : rows) {
            groups.computeIfAbsent((String) r.get(column), k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    private static List<List<Object>> project(List<Map<String, Object>> rows, String... columns) {
        List<List<Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            out.add(new ArrayList<>(Arrays.stream(columns).map(r::get).toList()));
        }
        return out;
    }

    private static long countStatus(List<Map<String, Object>> g, String status) {
        return g.stream().filter(r -> status.equals(r.get("status"))).count();
    }

    private static <T> List<T> values(List<Map<String, Object>> g, String column, Function<Object, T> as) {
        return g.stream().map(r -> r.get(column)).filter(v -> v != null).map(as).toList();
    }

    /** min() of SQL: NULLs skipped, NULL when there is no value. */
    private static Double min(List<Map<String, Object>> g, String column) {
        return values(g, column, v -> (Double) v).stream().min(Comparator.naturalOrder()).orElse(null);
    }

    /** avg() of SQL: NULLs skipped, NULL when there is no value. */
    private static Double avg(List<Map<String, Object>> g, String column) {
        List<Double> v = values(g, column, x -> (Double) x);
        return v.isEmpty() ? null : v.stream().mapToDouble(Double::doubleValue).sum() / v.size();
    }

    private static Instant minInstant(List<Map<String, Object>> g, String column) {
        return values(g, column, v -> (Instant) v).stream().min(Comparator.naturalOrder()).orElse(null);
    }

    private static Instant maxInstant(List<Map<String, Object>> g, String column) {
        return values(g, column, v -> (Instant) v).stream().max(Comparator.naturalOrder()).orElse(null);
    }

    /** round(x, scale) of Spark SQL on a double: half up on its shortest decimal form; NaN and infinities as they are. */
    static Double round(Double x, int scale) {
        if (x == null || x.isNaN() || x.isInfinite()) {
            return x;
        }
        return BigDecimal.valueOf(x).setScale(scale, RoundingMode.HALF_UP).doubleValue();
    }
}
