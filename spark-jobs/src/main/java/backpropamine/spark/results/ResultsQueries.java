package backpropamine.spark.results;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import scala.collection.JavaConverters;

/**
 * Every read of the results tables, in one place. Values (sweep ids, names) are bound as SQL parameters, never
 * spliced into the text, so no id can change a query; table names come from a validated {@link ResultsLocation}.
 * {@link #withoutSpark} answers the queries of {@code bpm status} through Iceberg's Java API instead, in about a
 * second (no Spark session to start); everything else needs Spark.
 */
public final class ResultsQueries {
    /** Trial counts of one sweep by status. */
    public record Counts(int trials, int completed, int diverged, int failed, int lost) {
    }

    private final SparkSession spark; // null: reads through Iceberg's Java API
    private final IcebergReads iceberg;
    private final ResultsLocation at;

    public ResultsQueries(SparkSession spark, ResultsLocation at) {
        this.spark = java.util.Objects.requireNonNull(spark);
        this.iceberg = null;
        this.at = at;
    }

    private ResultsQueries(ResultsLocation at) {
        this.spark = null;
        this.iceberg = new IcebergReads(at);
        this.at = at;
    }

    /**
     * Reads without Spark, through Iceberg's Java API on the same catalog: {@link #tablesExist}, {@link #hasSweep},
     * {@link #status}, {@link #running}, {@link #lost}, {@link #bestPerVariant} and {@link #sweeps}, with the same rows
     * as their SQL; the other queries need a Spark session.
     */
    public static ResultsQueries withoutSpark(ResultsLocation at) {
        return new ResultsQueries(at);
    }

    private SparkSession spark() {
        if (spark == null) {
            throw new IllegalStateException("this query needs a Spark session (ResultsQueries.withoutSpark reads status only)");
        }
        return spark;
    }

    private Dataset<Row> sql(String query, String... namedValues) {
        Map<String, Object> args = new LinkedHashMap<>();
        for (int k = 0; k < namedValues.length; k += 2) {
            args.put(namedValues[k], namedValues[k + 1]);
        }
        return spark().sql(query, args);
    }

    private String trials() {
        return at.table("trials");
    }

    /** Whether any sweep has written results here. */
    public boolean tablesExist() {
        if (spark == null) {
            return iceberg.tableExists("trials");
        }
        try {
            return spark.catalog().tableExists(trials());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether the sweep has at least one trial row. */
    public boolean hasSweep(String sweepId) {
        if (spark == null) {
            return iceberg.hasSweep(sweepId);
        }
        return !sql("SELECT 1 FROM " + trials() + " WHERE sweep_id = :id LIMIT 1", "id", sweepId).isEmpty();
    }

    /** Trials of a sweep that need not run again: COMPLETED and DIVERGED, and FAILED unless {@code rerunFailed}. */
    public Set<String> finishedKeys(String sweepId, boolean rerunFailed) {
        String statuses = rerunFailed ? "('COMPLETED', 'DIVERGED')" : "('COMPLETED', 'DIVERGED', 'FAILED')";
        Set<String> keys = new HashSet<>();
        for (Row r : sql("SELECT trial_key FROM " + trials() + " WHERE sweep_id = :id AND status IN " + statuses,
                "id", sweepId).collectAsList()) {
            keys.add(r.getString(0));
        }
        return keys;
    }

    /** The completed trial with the lowest best validation perplexity, per variant. */
    public Listing bestPerVariant(String sweepId) {
        return spark == null ? iceberg.bestPerVariant(sweepId) : Listing.of(bestPerVariantSql(sweepId));
    }

    /** The SQL of {@link #bestPerVariant}. */
    private Dataset<Row> bestPerVariantSql(String sweepId) {
        return sql("SELECT variant, decay_factor, decay_start, init_scale, l2, seed, hidden, params,"
                + " round(best_valid_ppl, 2) AS best_valid_ppl, round(test_ppl, 2) AS test_ppl FROM ("
                + " SELECT *, row_number() OVER (PARTITION BY variant ORDER BY best_valid_ppl) AS rk FROM " + trials()
                + " WHERE sweep_id = :id AND status = 'COMPLETED') WHERE rk = 1 ORDER BY best_valid_ppl", "id", sweepId);
    }

    /** Counts per variant and status, best perplexity, throughput and last finish of one sweep. */
    public Listing status(String sweepId) {
        return spark == null ? iceberg.status(sweepId) : Listing.of(statusSql(sweepId));
    }

    /** The SQL of {@link #status}. */
    private Dataset<Row> statusSql(String sweepId) {
        return sql("SELECT variant, count(*) AS trials, sum(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END) AS completed,"
                + " sum(CASE WHEN status = 'DIVERGED' THEN 1 ELSE 0 END) AS diverged,"
                + " sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,"
                + " sum(CASE WHEN status = 'LOST' THEN 1 ELSE 0 END) AS lost,"
                + " round(min(best_valid_ppl), 2) AS best_valid_ppl, round(avg(tokens_per_s)) AS tokens_per_s,"
                + " max(finished) AS last_finished FROM " + trials() + " WHERE sweep_id = :id"
                + " GROUP BY variant ORDER BY variant", "id", sweepId);
    }

    /** LOST trials of a sweep: the error and the attempts of each (the next run retries them). */
    public Listing lost(String sweepId) {
        return spark == null ? iceberg.lost(sweepId) : Listing.of(lostSql(sweepId));
    }

    /** The SQL of {@link #lost}. */
    private Dataset<Row> lostSql(String sweepId) {
        return sql("SELECT variant, trial_key, attempts, finished, error FROM " + trials()
                + " WHERE sweep_id = :id AND status = 'LOST' ORDER BY finished", "id", sweepId);
    }

    /**
     * Trials with epochs but no row yet: running (or interrupted, if no sweep is running), with their latest
     * epoch and its validation perplexity.
     */
    public Listing running(String sweepId) {
        return spark == null ? iceberg.running(sweepId) : Listing.of(runningSql(sweepId));
    }

    /** The SQL of {@link #running}. */
    private Dataset<Row> runningSql(String sweepId) {
        return sql("SELECT e.trial_key, max(e.epoch) AS epochs_done, round(max_by(e.valid_ppl, e.epoch), 2) AS valid_ppl,"
                + " round(min(e.valid_ppl), 2) AS best_valid_ppl FROM " + at.table("epochs") + " e LEFT ANTI JOIN "
                + trials() + " t ON t.sweep_id = e.sweep_id AND t.trial_key = e.trial_key AND t.status <> 'LOST'"
                + " WHERE e.sweep_id = :id GROUP BY e.trial_key ORDER BY e.trial_key", "id", sweepId);
    }

    /** Metrics a sweep's configurations can be ranked by. */
    public static final List<String> METRICS = List.of("best_valid_ppl", "final_valid_ppl", "test_ppl");

    /** The fingerprints of the best {@code top} completed trials of each variant by {@code metric} (lowest first). */
    public List<String> bestConfigs(String sweepId, int top, String metric) {
        if (!METRICS.contains(metric)) {
            throw new IllegalArgumentException("unknown metric '" + metric + "': use one of " + METRICS);
        }
        return sql("SELECT config FROM (SELECT config, variant, " + metric + " AS m, row_number() OVER (PARTITION BY variant"
                + " ORDER BY " + metric + ") AS rk FROM " + trials() + " WHERE sweep_id = :id AND status = 'COMPLETED'"
                + " AND " + metric + " IS NOT NULL) WHERE rk <= " + Math.max(1, top) + " ORDER BY variant, rk", "id", sweepId)
                .collectAsList().stream().map(r -> r.getString(0)).toList();
    }

    /** Every trial row of a sweep. */
    public List<Row> trialRows(String sweepId) {
        return sql("SELECT * FROM " + trials() + " WHERE sweep_id = :id ORDER BY variant, trial_key", "id", sweepId)
                .collectAsList();
    }

    /** The epochs of one trial, in order. */
    public List<Row> epochRows(String sweepId, String trialKey) {
        return sql("SELECT epoch, learning_rate, train_ppl, valid_ppl FROM " + at.table("epochs")
                + " WHERE sweep_id = :id AND trial_key = :key ORDER BY epoch", "id", sweepId, "key", trialKey).collectAsList();
    }

    /** Every sweep, latest first. */
    public Listing sweeps() {
        return spark == null ? iceberg.sweeps() : Listing.of(sweepsSql());
    }

    /** The SQL of {@link #sweeps}. */
    private Dataset<Row> sweepsSql() {
        return sql("SELECT sweep_id, count(*) AS trials, sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,"
                + " round(min(best_valid_ppl), 2) AS best_valid_ppl, min(started) AS first_started,"
                + " max(finished) AS last_finished FROM " + trials() + " GROUP BY sweep_id ORDER BY last_finished DESC");
    }

    public Counts counts(String sweepId) {
        Row r = sql("SELECT count(*), coalesce(sum(CASE WHEN status = 'COMPLETED' THEN 1 END), 0),"
                + " coalesce(sum(CASE WHEN status = 'DIVERGED' THEN 1 END), 0),"
                + " coalesce(sum(CASE WHEN status = 'FAILED' THEN 1 END), 0),"
                + " coalesce(sum(CASE WHEN status = 'LOST' THEN 1 END), 0) FROM " + trials()
                + " WHERE sweep_id = :id", "id", sweepId).first();
        return new Counts((int) r.getLong(0), (int) r.getLong(1), (int) r.getLong(2), (int) r.getLong(3),
                (int) r.getLong(4));
    }

    /** Lowest best validation perplexity of completed trials per variant, best variant first. */
    public Map<String, Double> bestValidPerVariant(String sweepId) {
        Map<String, Double> best = new LinkedHashMap<>();
        for (Row row : sql("SELECT variant, min(best_valid_ppl) FROM " + trials() + " WHERE sweep_id = :id"
                + " AND status = 'COMPLETED' GROUP BY variant ORDER BY 2", "id", sweepId).collectAsList()) {
            best.put(row.getString(0), row.getDouble(1));
        }
        return best;
    }

    /** The latest nightly sweep {@code <name>-yyyy-mm-dd} before {@code sweepId}, or null. */
    public String previousNight(String name, String sweepId) {
        List<Row> prev = sql("SELECT max(sweep_id) FROM " + trials() + " WHERE sweep_id LIKE :pattern ESCAPE '!'"
                        + " AND sweep_id < :id", "pattern", likeLiteral(name) + "-____-__-__", "id", sweepId)
                .collectAsList();
        return prev.isEmpty() || prev.get(0).isNullAt(0) ? null : prev.get(0).getString(0);
    }

    /**
     * A user's statement, with {@code trials}, {@code epochs} and {@code sweeps} resolving in the results namespace.
     * Unless {@code write}, only statements that read are run (queries, SHOW, DESCRIBE, EXPLAIN): DDL, DML and
     * procedure calls are refused before anything runs.
     *
     * @throws IllegalArgumentException naming the statement's kind and the option that allows it
     */
    public Dataset<Row> user(String query, boolean write) {
        if (!write) {
            LogicalPlan plan;
            try {
                plan = spark().sessionState().sqlParser().parsePlan(query);
            } catch (ParseException e) {
                throw new IllegalArgumentException("not valid SQL: " + e.getMessage(), e);
            }
            String kind = writingNode(plan);
            if (kind != null) {
                throw new IllegalArgumentException("this statement changes the results (" + kind + "): bpm sql runs"
                        + " queries, SHOW, DESCRIBE and EXPLAIN only; add --write to run it anyway");
            }
        }
        spark().sql("USE " + at.qualifiedNamespace());
        return spark.sql(query);
    }

    /** The class of the first node of a parsed plan that writes or changes anything, or null for a read. */
    static String writingNode(LogicalPlan plan) {
        String name = plan.getClass().getSimpleName();
        boolean reads = name.startsWith("Show") || name.startsWith("Describe") || name.startsWith("Explain")
                || name.equals("SetCatalogAndNamespace");
        if (!reads && (plan instanceof Command || plan instanceof ParsedStatement || name.contains("Call"))) {
            return name;
        }
        for (LogicalPlan child : JavaConverters.seqAsJavaList(plan.children())) {
            String w = writingNode(child);
            if (w != null) {
                return w;
            }
        }
        return null;
    }

    /** {@code s} matched literally by LIKE ... ESCAPE '!' (its _ and % are not wildcards). */
    static String likeLiteral(String s) {
        return s.replace("!", "!!").replace("_", "!_").replace("%", "!%");
    }
}
