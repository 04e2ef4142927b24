package backpropamine.spark.results;

import backpropamine.train.EpochResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Columns of the {@code trials} and {@code epochs} tables and the conversion of outcomes into rows. */
public final class ResultsSchema {
    public static final StructType TRIALS = new StructType(new StructField[] {
            field("sweep_id", DataTypes.StringType, false),
            field("trial_key", DataTypes.StringType, false),
            field("variant", DataTypes.StringType, false),
            field("decay_factor", DataTypes.DoubleType, false),
            field("decay_start", DataTypes.IntegerType, false),
            field("init_scale", DataTypes.DoubleType, false),
            field("l2", DataTypes.DoubleType, false),
            field("seed", DataTypes.LongType, false),
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
    });

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

    private ResultsSchema() {
    }

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    /** NaN (not reached) is stored as NULL, so that SQL aggregates skip it. */
    private static Double value(double d) {
        return Double.isFinite(d) ? d : null;
    }

    public static Row trialRow(TrialOutcome o) {
        return RowFactory.create(o.sweepId(), o.trialKey(), o.variant(), o.decayFactor(), o.decayStart(), o.initScale(),
                o.l2(), o.seed(), o.hidden(), o.params(), o.status(), o.error(), o.epochsDone(), value(o.bestValidPpl()),
                value(o.finalValidPpl()), value(o.testPpl()), value(o.tokensPerSecond()), value(o.wallSeconds()),
                o.executorHost(), o.gpu(), o.started(), o.finished(), o.codeVersion(), o.config());
    }

    public static List<Row> epochRows(TrialOutcome o) {
        List<Row> rows = new ArrayList<>();
        for (EpochResult e : o.epochs()) {
            rows.add(RowFactory.create(o.sweepId(), o.trialKey(), e.epoch(), e.learningRate(), value(e.trainPerplexity()),
                    value(e.validPerplexity()), value(e.tokensPerSecond()), value(e.seconds())));
        }
        return rows;
    }
}
