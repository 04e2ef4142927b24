package backpropamine.spark.results;

import backpropamine.train.EpochResult;
import backpropamine.train.TrialSetting;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Columns of the {@code trials} and {@code epochs} tables and the conversion of outcomes into rows. The trial
 * settings that have a column ({@link TrialSetting#column()}: variant, the four grid hyperparameters, seed) come
 * from the settings table; every setting is also in the {@code config} text (the trial's fingerprint).
 */
public final class ResultsSchema {
    /**
     * The settings with a column of their own, in table order, but for {@code model}: added with the large model,
     * it is appended at the end with the other later columns, so tables made before it evolve by ADD COLUMNS.
     */
    private static final List<TrialSetting> SETTING_COLUMNS = List.of(TrialSetting.values()).stream()
            .filter(s -> s.column() && s != TrialSetting.MODEL).toList();

    public static final StructType TRIALS = trials();

    public static final StructType EPOCHS = new StructType(new StructField[] {
            field("sweep_id", DataTypes.StringType, false),
            field("trial_key", DataTypes.StringType, false),
            field("epoch", DataTypes.IntegerType, false),
            field("learning_rate", DataTypes.DoubleType, false),
            field("train_ppl", DataTypes.DoubleType, true),
            field("valid_ppl", DataTypes.DoubleType, true),
            field("tokens_per_s", DataTypes.DoubleType, true),
            field("seconds", DataTypes.DoubleType, true),
    });

    /** The {@code summary} table: Table 1 of a replication sweep, one row per configuration over its seeds. */
    public static final StructType SUMMARY = new StructType(new StructField[] {
            field("sweep_id", DataTypes.StringType, false),
            field("configuration", DataTypes.StringType, false),
            field("runs", DataTypes.IntegerType, false),
            field("mean_test_ppl", DataTypes.DoubleType, true),
            field("sd_test_ppl", DataTypes.DoubleType, true),
            field("ci95_low", DataTypes.DoubleType, true),
            field("ci95_high", DataTypes.DoubleType, true),
    });

    private ResultsSchema() {
    }

    private static StructType trials() {
        List<StructField> f = new ArrayList<>(List.of(
                field("sweep_id", DataTypes.StringType, false),
                field("trial_key", DataTypes.StringType, false)));
        for (TrialSetting s : SETTING_COLUMNS) {
            f.add(field(s.key(), type(s), false));
        }
        f.addAll(List.of(
                field("hidden", DataTypes.IntegerType, true),
                field("params", DataTypes.LongType, true),
                field("status", DataTypes.StringType, false),
                field("error", DataTypes.StringType, true),
                field("epochs_done", DataTypes.IntegerType, false),
                field("best_valid_ppl", DataTypes.DoubleType, true),
                field("final_valid_ppl", DataTypes.DoubleType, true),
                field("test_ppl", DataTypes.DoubleType, true),
                field("tokens_per_s", DataTypes.DoubleType, true),
                field("wall_seconds", DataTypes.DoubleType, true),
                field("executor_host", DataTypes.StringType, true),
                field("gpu", DataTypes.StringType, true),
                field("started", DataTypes.TimestampType, true),
                field("finished", DataTypes.TimestampType, true),
                field("code_version", DataTypes.StringType, false),
                field("config", DataTypes.StringType, false),
                // added later: appended, so that tables made before them evolve by ADD COLUMNS (ResultsStore)
                field("attempts", DataTypes.IntegerType, true),
                field("resumed_from_epoch", DataTypes.IntegerType, true),
                field("reused_from", DataTypes.StringType, true),
                field(TrialSetting.MODEL.key(), DataTypes.StringType, true))); // basic or large
        return new StructType(f.toArray(StructField[]::new));
    }

    private static DataType type(TrialSetting s) {
        return switch (s.kind()) {
            case REAL -> DataTypes.DoubleType;
            case INTEGER, SIZE_OR_AUTO -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case VARIANT, PRECISION, MODEL -> DataTypes.StringType;
        };
    }

    private static StructField field(String name, DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    /** NaN (not reached) is stored as NULL, so that SQL aggregates skip it. */
    private static Double value(double d) {
        return Double.isFinite(d) ? d : null;
    }

    public static Row trialRow(TrialOutcome o) {
        List<Object> v = new ArrayList<>(List.of(o.sweepId(), o.trialKey()));
        for (TrialSetting s : SETTING_COLUMNS) {
            Object x = s.get(o.config());
            v.add(x instanceof Enum<?> e ? e.name() : x);
        }
        TrialOutcome.Attempt a = o.where();
        v.addAll(java.util.Arrays.asList(o.hidden(), o.params(), o.status().name(), o.error(), o.epochsDone(),
                value(o.bestValidPpl()), value(o.finalValidPpl()), value(o.testPpl()), value(o.tokensPerSecond()),
                value(o.wallSeconds()), a.executorHost(), a.gpu(), a.started(), a.finished(), o.codeVersion(),
                o.config().fingerprint(), a.attempts(), o.resumedFromEpoch(), null,
                TrialSetting.MODEL.format(o.config().model())));
        return RowFactory.create(v.toArray());
    }

    public static List<Row> epochRows(TrialOutcome o) {
        return epochRows(o.sweepId(), o.trialKey(), o.epochs());
    }

    /** Rows of {@link #EPOCHS} for a trial's epochs (also of a trial still running). */
    public static List<Row> epochRows(String sweepId, String trialKey, List<EpochResult> epochs) {
        List<Row> rows = new ArrayList<>();
        for (EpochResult e : epochs) {
            rows.add(RowFactory.create(sweepId, trialKey, e.epoch(), e.learningRate(), value(e.trainPerplexity()),
                    value(e.validPerplexity()), value(e.tokensPerSecond()), value(e.seconds())));
        }
        return rows;
    }
}
