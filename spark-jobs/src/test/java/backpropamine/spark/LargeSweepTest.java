package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.ModelShape;
import backpropamine.model.Variant;
import backpropamine.spark.report.Reports;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.sweep.Axis;
import backpropamine.spark.sweep.SweepFile;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.testing.TestData;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The large model's sweep through the service (synthetic trials: the scheduling and the tables, not the training):
 * its rows record the model, sizes and parameter counts; a table made before the {@code model} column gets it, with
 * its earlier rows marked basic; the report shows the seeds' median (min, max) beside the paper's large-model figures.
 */
class LargeSweepTest {
    @TempDir
    Path tmp;

    @Test
    void largeTrialsAreRecordedWithTheirModelBesideEarlierBasicOnes() throws Exception {
        ResultsLocation real = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        SweepSpec basic = new SweepSpec("basic", List.of(Variant.LSTM), List.of(
                new Axis(TrialSetting.DECAY_FACTOR, List.of(0.3)), new Axis(TrialSetting.DECAY_START, List.of(4)),
                new Axis(TrialSetting.INIT_SCALE, List.of(0.1)), new Axis(TrialSetting.L2, List.of(1e-5))),
                List.of(1L, 2L), TrialConfig.builder(Variant.LSTM).epochs(2).build(), TestData.dir(), real.synthetic(), 1);
        SweepSpec large = SweepFile.read(TestData.root().resolve("conf/sweeps/paper-large.yaml"));
        large = new SweepSpec(large.name(), large.variants(), large.axes(), large.seeds(),
                large.training().toBuilder().epochs(3).build(), TestData.dir(), real.synthetic(), 1);
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true);
        try (SparkSession spark = SparkSessions.create("large-sweep-test", "local[2]", real)) {
            assertEquals(2, new SweepRunner(spark, basic, "basic", false, 0, 1, log).synthetic(0).run().completed());
            // a table written before the model column existed
            spark.sql("ALTER TABLE bpm.results_synthetic.trials DROP COLUMN model");
            assertEquals(10, new SweepRunner(spark, large, "large", false, 0, 1, log).synthetic(0).run().completed());
            List<Row> rows = spark.sql("SELECT sweep_id, model, variant, hidden, params, count(*) FROM"
                    + " bpm.results_synthetic.trials GROUP BY sweep_id, model, variant, hidden, params"
                    + " ORDER BY sweep_id, variant").collectAsList();
            long basicParams = new ModelShape(Variant.LSTM, ModelShape.PAPER_VOCAB, 206, 2).parameterCount();
            assertEquals("[[basic,basic,LSTM,206," + basicParams + ",2], [large,large,LSTM,1150,24221600,5],"
                    + " [large,large,SIMPLE,1149,24198893,5]]", rows.toString());

            // the report of a large sweep: its 5 seeds are the runs, beside the paper's large-model figures
            Path out = tmp.resolve("large.html");
            assertEquals("large", Reports.write(spark, real.synthetic(), "large", out.toUri()));
            String html = Files.readString(out);
            for (String expected : List.of("paper, large model (median (min, max), 5 runs)", "62.48 (62.40, 62.60)",
                    "61.44 (61.37, 61.68)", "<td class=\"l\">LSTM #1</td><td>5</td>", "<td class=\"l\">SIMPLE #1</td><td>5</td>",
                    "Welch")) {
                assertTrue(html.contains(expected), expected);
            }
            assertFalse(html.contains("104.26"), "the basic model's figures are not the large model's");
        }
    }
}
