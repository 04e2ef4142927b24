package backpropamine.spark.results;

import backpropamine.train.TrialSetting;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructField;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

/**
 * The Iceberg tables {@code trials} and {@code epochs}. Writes are MERGEs keyed by (sweep_id, trial_key[, epoch]),
 * so a retried, resumed or re-submitted trial never duplicates rows; epochs are committed before their trial
 * row, so a trial row always has its epochs. Concurrent writers are serialised by Iceberg's optimistic commits;
 * a conflicting commit is retried here.
 */
public final class ResultsStore {

    private final SparkSession spark;
    private final ResultsLocation cfg;
    private int commits;
    /**
     * Metadata files kept besides the current one. Not a handful: the Hadoop catalog's version hint is written after
     * the commit, so under concurrent writers it may name a version a few behind; if that file is already deleted,
     * every writer's refresh fails ("Metadata file for version N is missing", measured with six sweeps at once).
     */
    public static final int METADATA_VERSIONS = 100;
    /**
     * Table properties of the results tables: bounded metadata, and more of Iceberg's own commit retries than its
     * default 4, which six concurrent sweeps exhausted (each exhausted retry recomputes the whole MERGE).
     */
    static final String TABLE_PROPERTIES = "'format-version'='2', 'write.metadata.delete-after-commit.enabled'='true',"
            + " 'write.metadata.previous-versions-max'='" + METADATA_VERSIONS + "', 'commit.retry.num-retries'='20'";
    /** The sweep runner compacts the sweep's partitions every this many commits, and at the end. */
    public static final int MAINTAIN_EVERY = 20;

    public ResultsStore(SparkSession spark, ResultsLocation cfg) {
        this.spark = spark;
        this.cfg = cfg;
    }

    public String trials() {
        return cfg.table("trials");
    }

    public String epochs() {
        return cfg.table("epochs");
    }

    public void ensureTables() {
        spark.sql("CREATE NAMESPACE IF NOT EXISTS " + cfg.qualifiedNamespace());
        String props = TABLE_PROPERTIES;
        spark.sql("CREATE TABLE IF NOT EXISTS " + trials() + " (" + ResultsSchema.TRIALS.toDDL() + ") USING iceberg"
                + " PARTITIONED BY (sweep_id) TBLPROPERTIES (" + props + ")");
        spark.sql("CREATE TABLE IF NOT EXISTS " + epochs() + " (" + ResultsSchema.EPOCHS.toDDL() + ") USING iceberg"
                + " PARTITIONED BY (sweep_id) TBLPROPERTIES (" + props + ")");
        for (String t : List.of(trials(), epochs())) { // tables made by an earlier version get the properties too
            boolean set = spark.sql("SHOW TBLPROPERTIES " + t).collectAsList().stream().anyMatch(r ->
                    r.getString(0).equals("write.metadata.previous-versions-max")
                            && r.getString(1).equals(String.valueOf(METADATA_VERSIONS)));
            if (!set) {
                spark.sql("ALTER TABLE " + t + " SET TBLPROPERTIES (" + props.substring(props.indexOf(',') + 1) + ")");
            }
        }
        // tables written by an earlier version lack the columns added since: add them (earlier rows read NULL)
        Set<String> have = new HashSet<>(List.of(spark.table(trials()).schema().fieldNames()));
        for (StructField f : ResultsSchema.TRIALS.fields()) {
            if (!have.contains(f.name())) {
                spark.sql("ALTER TABLE " + trials() + " ADD COLUMNS (" + f.name() + " " + f.dataType().sql() + ")");
                if (f.name().equals(TrialSetting.MODEL.key())) { // every trial before the large model was basic
                    spark.sql("UPDATE " + trials() + " SET " + f.name() + " = 'basic' WHERE " + f.name() + " IS NULL");
                }
            }
        }
    }

    /** Commits outcomes with all their epochs (epochs first, then trials); idempotent. */
    public void commit(List<TrialOutcome> outcomes) {
        List<Row> epochRows = new ArrayList<>();
        outcomes.forEach(o -> epochRows.addAll(ResultsSchema.epochRows(o)));
        commit(outcomes, epochRows);
    }

    /**
     * Commits trial outcomes and epoch rows (of {@link ResultsSchema#EPOCHS}: the outcomes' epochs not committed
     * yet, and new epochs of trials still running); epochs first, then trials; idempotent: an epoch or trial
     * committed again replaces its row. Each MERGE reads only the partitions of the sweeps in the batch, so a
     * commit costs the size of its sweep, not of the table.
     */
    public synchronized void commit(List<TrialOutcome> outcomes, List<Row> epochRows) {
        if (!epochRows.isEmpty()) {
            merge(spark.createDataFrame(epochRows, ResultsSchema.EPOCHS), epochs(), "bpm_pending_epochs",
                    "t.sweep_id = s.sweep_id AND t.trial_key = s.trial_key AND t.epoch = s.epoch",
                    "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *", sweepIds(epochRows));
        }
        if (outcomes.isEmpty()) {
            return;
        }
        List<Row> trialRows = outcomes.stream().map(ResultsSchema::trialRow).toList();
        // a FAILED or LOST row may be replaced by a later attempt's result; a finished one never is
        merge(spark.createDataFrame(trialRows, ResultsSchema.TRIALS), trials(), "bpm_pending_trials",
                "t.sweep_id = s.sweep_id AND t.trial_key = s.trial_key",
                "WHEN MATCHED AND t.status IN ('FAILED', 'LOST') THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
                sweepIds(trialRows));
        commits++;
    }

    /**
     * Copies into {@code sweepId} the finished rows (COMPLETED or DIVERGED) of these trial keys from the latest
     * earlier sweep that computed them, with their epochs; {@code reused_from} names the sweep that trained them.
     *
     * @return the keys copied
     */
    public synchronized Set<String> reuse(String sweepId, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        Dataset<Row> latest = spark.table(trials())
                .where(col("trial_key").isin(keys.toArray()).and(col("status").isin("COMPLETED", "DIVERGED"))
                        .and(col("sweep_id").notEqual(lit(sweepId))))
                .withColumn("bpm_rank", row_number().over(Window.partitionBy("trial_key").orderBy(col("finished").desc())))
                .where(col("bpm_rank").equalTo(1)).drop("bpm_rank");
        List<Row> old = latest.collectAsList();
        if (old.isEmpty()) {
            return Set.of();
        }
        List<Row> trialRows = new ArrayList<>();
        List<Row> epochRows = new ArrayList<>();
        Set<String> copied = new HashSet<>();
        String[] names = ResultsSchema.TRIALS.fieldNames();
        for (Row r : old) {
            Object[] v = new Object[names.length];
            for (int k = 0; k < names.length; k++) {
                v[k] = r.get(r.fieldIndex(names[k]));
            }
            String from = r.isNullAt(r.fieldIndex("reused_from")) ? r.getString(0) : r.getAs("reused_from");
            v[0] = sweepId;
            v[ResultsSchema.TRIALS.fieldIndex("reused_from")] = from;
            trialRows.add(RowFactory.create(v));
            copied.add(r.getString(1));
            for (Row e : spark.table(epochs()).where(col("sweep_id").equalTo(r.getString(0))
                    .and(col("trial_key").equalTo(r.getString(1)))).collectAsList()) {
                Object[] ev = new Object[e.length()];
                for (int k = 0; k < ev.length; k++) {
                    ev[k] = e.get(k);
                }
                ev[0] = sweepId;
                epochRows.add(RowFactory.create(ev));
            }
        }
        if (!epochRows.isEmpty()) {
            merge(spark.createDataFrame(epochRows, ResultsSchema.EPOCHS), epochs(), "bpm_reused_epochs",
                    "t.sweep_id = s.sweep_id AND t.trial_key = s.trial_key AND t.epoch = s.epoch",
                    "WHEN NOT MATCHED THEN INSERT *", List.of(sweepId));
        }
        merge(spark.createDataFrame(trialRows, ResultsSchema.TRIALS), trials(), "bpm_reused_trials",
                "t.sweep_id = s.sweep_id AND t.trial_key = s.trial_key",
                "WHEN MATCHED AND t.status IN ('FAILED', 'LOST') THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
                List.of(sweepId));
        return copied;
    }

    /** Replaces a sweep's rows of the {@code summary} table (rows of {@link ResultsSchema#SUMMARY}). */
    public synchronized void replaceSummary(String sweepId, List<Row> rows) {
        String table = cfg.table("summary");
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + ResultsSchema.SUMMARY.toDDL() + ") USING iceberg"
                + " TBLPROPERTIES ('format-version'='2')");
        spark.sql("DELETE FROM " + table + " WHERE sweep_id = :id", Map.of("id", sweepId));
        if (!rows.isEmpty()) {
            try {
                spark.createDataFrame(rows, ResultsSchema.SUMMARY).writeTo(table).append();
            } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Commits of trial rows so far (the runner compacts every {@link #MAINTAIN_EVERY}). */
    public synchronized int commits() {
        return commits;
    }

    /**
     * How long expired snapshots stay: another sweep (or a query) reading the table keeps reading the snapshot it
     * started on, and users may time-travel a day back. Expiring every snapshot but the last deleted files under
     * concurrent readers (measured: a second sweep failed reading a deleted manifest list).
     */
    public static final java.time.Duration SNAPSHOT_RETENTION = java.time.Duration.ofDays(1);

    /**
     * Keeps the files of a sweep's partitions few: compacts its data files in both tables, then expires the snapshots
     * older than {@link #SNAPSHOT_RETENTION} (always keeping the last), which deletes the files no remaining snapshot
     * needs. Old metadata files go with each commit (table properties). Safe while other sweeps write and read:
     * Iceberg retries conflicting commits, and no snapshot a reader may still hold is expired.
     */
    public synchronized void maintain(String sweepId) {
        if (!sweepId.matches("[A-Za-z0-9_.:-]+")) {
            return; // ids come validated from the sweep commands; anything else is not spliced into a procedure call
        }
        String cutoff = new java.sql.Timestamp(System.currentTimeMillis() - SNAPSHOT_RETENTION.toMillis()).toString();
        for (String t : List.of("trials", "epochs")) {
            String name = cfg.namespace() + "." + t;
            spark.sql("CALL " + cfg.catalog() + ".system.rewrite_data_files(table => '" + name + "', where =>"
                    + " 'sweep_id = \"" + sweepId + "\"', options => map('min-input-files', '2'))");
            spark.sql("CALL " + cfg.catalog() + ".system.expire_snapshots(table => '" + name + "', older_than =>"
                    + " TIMESTAMP '" + cutoff + "', retain_last => 1)");
        }
    }

    private static List<Object> sweepIds(List<Row> rows) {
        return rows.stream().map(r -> (Object) r.getString(0)).distinct().toList();
    }

    /** MERGE of {@code rows} into {@code table}, reading only the target partitions of {@code sweepIds}. */
    private void merge(Dataset<Row> rows, String table, String view, String on, String actions, List<Object> sweepIds) {
        rows.createOrReplaceTempView(view);
        Map<String, Object> args = new LinkedHashMap<>();
        List<String> marks = new ArrayList<>();
        for (int k = 0; k < sweepIds.size(); k++) {
            args.put("sweep" + k, sweepIds.get(k));
            marks.add(":sweep" + k);
        }
        String sql = "MERGE INTO " + table + " t USING (SELECT * FROM " + view + ") s ON " + on
                + " AND t.sweep_id IN (" + String.join(", ", marks) + ") " + actions;
        CommitRetry.run(table, () -> spark.sql(sql, args));
    }
}
