package backpropamine.spark.cli;

import backpropamine.spark.sweep.SweepSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The queries the CLI prints: best configuration per variant and a sweep's status. */
final class ResultQueries {
    private ResultQueries() {
    }

    static Dataset<Row> bestPerVariant(SparkSession spark, SweepSpec.Results r, String sweepId) {
        return spark.sql("SELECT variant, decay_factor, decay_start, init_scale, l2, seed, hidden, params,"
                + " round(best_valid_ppl, 2) AS best_valid_ppl, round(test_ppl, 2) AS test_ppl FROM ("
                + " SELECT *, row_number() OVER (PARTITION BY variant ORDER BY best_valid_ppl) AS rk FROM "
                + r.table("trials") + " WHERE sweep_id = '" + sweepId.replace("'", "''")
                + "' AND status = 'COMPLETED') WHERE rk = 1 ORDER BY best_valid_ppl");
    }

    static Dataset<Row> status(SparkSession spark, SweepSpec.Results r, String sweepId) {
        return spark.sql("SELECT variant, count(*) AS trials, sum(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END) AS completed,"
                + " sum(CASE WHEN status = 'DIVERGED' THEN 1 ELSE 0 END) AS diverged,"
                + " sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,"
                + " round(min(best_valid_ppl), 2) AS best_valid_ppl, round(avg(tokens_per_s)) AS tokens_per_s,"
                + " max(finished) AS last_finished FROM " + r.table("trials") + " WHERE sweep_id = '"
                + sweepId.replace("'", "''") + "' GROUP BY variant ORDER BY variant");
    }

    static Dataset<Row> sweeps(SparkSession spark, SweepSpec.Results r) {
        return spark.sql("SELECT sweep_id, count(*) AS trials, sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,"
                + " round(min(best_valid_ppl), 2) AS best_valid_ppl, min(started) AS first_started,"
                + " max(finished) AS last_finished FROM " + r.table("trials") + " GROUP BY sweep_id ORDER BY last_finished DESC");
    }

    static boolean tablesExist(SparkSession spark, SweepSpec.Results r) {
        try {
            return spark.catalog().tableExists(r.table("trials"));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
