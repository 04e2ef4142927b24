package backpropamine.spark.results;

import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code sweeps} table: one row per nightly sweep, RUNNING from its start, replaced by the night's summary
 * (DONE or INCOMPLETE) at its end and when the same night runs again.
 */
public final class SweepsTable {
    public static final StructType SCHEMA = new StructType()
            .add("sweep_id", DataTypes.StringType, false)
            .add("name", DataTypes.StringType, false)
            .add("night", DataTypes.DateType, false)
            .add("started", DataTypes.TimestampType, false)
            .add("finished", DataTypes.TimestampType, false)
            .add("trials", DataTypes.IntegerType, false)
            .add("completed", DataTypes.IntegerType, false)
            .add("diverged", DataTypes.IntegerType, false)
            .add("failed", DataTypes.IntegerType, false)
            .add("best_variant", DataTypes.StringType, true)
            .add("best_valid_ppl", DataTypes.DoubleType, true)
            .add("previous_sweep_id", DataTypes.StringType, true)
            .add("previous_best_valid_ppl", DataTypes.DoubleType, true)
            .add("summary", DataTypes.StringType, false)
            // added later, appended: RUNNING while the night runs, then DONE or INCOMPLETE
            .add("status", DataTypes.StringType, true);

    private final SparkSession spark;
    private final String table;

    public SweepsTable(SparkSession spark, ResultsLocation results) {
        this.spark = spark;
        this.table = results.table("sweeps");
    }

    public void ensure() {
        // bounded metadata: each lease renewal is a commit too (SweepLease)
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + SCHEMA.toDDL() + ") USING iceberg"
                + " TBLPROPERTIES (" + ResultsStore.TABLE_PROPERTIES + ")");
        if (!java.util.Arrays.asList(spark.table(table).schema().fieldNames()).contains("status")) {
            spark.sql("ALTER TABLE " + table + " ADD COLUMNS (status string)");
        }
    }

    /** The table through Iceberg's API (its properties hold the nights' leases). */
    public org.apache.iceberg.Table iceberg() {
        try {
            return org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark, table);
        } catch (org.apache.spark.sql.catalyst.parser.ParseException
                 | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException("cannot load " + table + ": " + e.getMessage(), e);
        }
    }

    /** Marks a night RUNNING from its start, so that the table shows it while it runs (and if it dies). */
    public void running(String sweepId, String name, java.sql.Date night, Timestamp started) {
        upsert(sweepId, name, night, started, started, 0, 0, 0, 0, null, null, null, null,
                "running since " + started, "RUNNING");
    }

    public void upsert(String sweepId, String name, java.sql.Date night, Timestamp started, Timestamp finished,
                       int trials, int completed, int diverged, int failed, String bestVariant, Double bestPpl,
                       String previousId, Double previousPpl, String summary, String status) {
        Row row = RowFactory.create(sweepId, name, night, started, finished, trials, completed, diverged, failed,
                bestVariant, bestPpl, previousId, previousPpl, summary, status);
        spark.createDataFrame(List.of(row), SCHEMA).createOrReplaceTempView("bpm_pending_sweep");
        // two nights' drivers (a finishing one, a starting one) and lease renewals commit to this table
        CommitRetry.run(table, () -> spark.sql("MERGE INTO " + table + " t USING (SELECT * FROM bpm_pending_sweep) s ON"
                + " t.sweep_id = s.sweep_id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"));
    }
}
