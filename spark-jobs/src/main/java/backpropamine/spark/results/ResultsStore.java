package backpropamine.spark.results;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Iceberg tables {@code trials} and {@code epochs}. Writes are MERGEs keyed by (sweep_id, trial_key[, epoch]),
 * so a retried, resumed or re-submitted trial never duplicates rows; epochs are committed before their trial
 * row, so a trial row always has its epochs. Concurrent writers are serialised by Iceberg's optimistic commits;
 * a conflicting commit is retried here.
 */
public final class ResultsStore {
    private static final Logger LOG = LoggerFactory.getLogger(ResultsStore.class);
    private static final int COMMIT_ATTEMPTS = 5;

    private final SparkSession spark;
    private final ResultsLocation cfg;

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
        spark.sql("CREATE TABLE IF NOT EXISTS " + trials() + " (" + ResultsSchema.TRIALS.toDDL() + ") USING iceberg"
                + " PARTITIONED BY (sweep_id) TBLPROPERTIES ('format-version'='2')");
        spark.sql("CREATE TABLE IF NOT EXISTS " + epochs() + " (" + ResultsSchema.EPOCHS.toDDL() + ") USING iceberg"
                + " PARTITIONED BY (sweep_id) TBLPROPERTIES ('format-version'='2')");
        // tables written by an earlier version lack the columns added since: add them (earlier rows read NULL)
        Set<String> have = new HashSet<>(List.of(spark.table(trials()).schema().fieldNames()));
        for (StructField f : ResultsSchema.TRIALS.fields()) {
            if (!have.contains(f.name())) {
                spark.sql("ALTER TABLE " + trials() + " ADD COLUMNS (" + f.name() + " " + f.dataType().sql() + ")");
            }
        }
    }

    /** Commits outcomes (epochs first, then trials); idempotent. */
    public void commit(List<TrialOutcome> outcomes) {
        commit(outcomes, List.of());
    }

    /**
     * Commits outcomes and the epochs of trials still running ({@code liveEpochs}, rows of {@link ResultsSchema#EPOCHS});
     * epochs first, then trials; idempotent: an epoch or trial committed again replaces its row.
     */
    public synchronized void commit(List<TrialOutcome> outcomes, List<Row> liveEpochs) {
        if (outcomes.isEmpty() && liveEpochs.isEmpty()) {
            return;
        }
        List<Row> trialRows = new ArrayList<>();
        List<Row> epochRows = new ArrayList<>(liveEpochs);
        for (TrialOutcome o : outcomes) {
            trialRows.add(ResultsSchema.trialRow(o));
            epochRows.addAll(ResultsSchema.epochRows(o));
        }
        if (!epochRows.isEmpty()) {
            merge(spark.createDataFrame(epochRows, ResultsSchema.EPOCHS), epochs(), "bpm_pending_epochs",
                    "t.sweep_id = s.sweep_id AND t.trial_key = s.trial_key AND t.epoch = s.epoch",
                    "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
        }
        if (trialRows.isEmpty()) {
            return;
        }
        // a FAILED or LOST row may be replaced by a later attempt's result; a finished one never is
        merge(spark.createDataFrame(trialRows, ResultsSchema.TRIALS), trials(), "bpm_pending_trials",
                "t.sweep_id = s.sweep_id AND t.trial_key = s.trial_key",
                "WHEN MATCHED AND t.status IN ('FAILED', 'LOST') THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
    }

    private void merge(Dataset<Row> rows, String table, String view, String on, String actions) {
        rows.createOrReplaceTempView(view);
        String sql = "MERGE INTO " + table + " t USING (SELECT * FROM " + view + ") s ON " + on + " " + actions;
        for (int attempt = 1; ; attempt++) {
            try {
                spark.sql(sql);
                return;
            } catch (RuntimeException e) {
                if (attempt >= COMMIT_ATTEMPTS || !isCommitConflict(e)) {
                    throw e;
                }
                LOG.warn("commit to {} conflicted with another writer (attempt {}), retrying", table, attempt);
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static boolean isCommitConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String n = t.getClass().getName();
            if (n.endsWith("CommitFailedException") || n.endsWith("ValidationException")) {
                return true;
            }
        }
        return false;
    }
}
