package backpropamine.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Variant;
import backpropamine.spark.SparkSessions;
import backpropamine.spark.SweepRunner;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.sweep.Axis;
import backpropamine.spark.sweep.SweepSpec;
import backpropamine.spark.testing.TestData;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small quickstart-like sweep and a 3-seed replication, then the report, opened in headless Chromium (Debian's
 * package, optional: without it the Chromium check is skipped with a message naming the package, except under
 * {@code CI=true}, where it must run): no console error, every section there, every chart drawn by ECharts.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReportTest {
    @TempDir
    static Path tmp;
    static Path html;

    static final List<String> SECTIONS = List.of("counts", "table1", "replication", "tests", "curves", "heatmaps",
            "sensitivity", "settings");

    /** The optional tool's message: what it checks and the line that installs it. */
    static final String NO_CHROMIUM = "chromium not found: the report's check in a browser is skipped; install it with"
            + " apt-get install chromium (CI=true makes its absence a failure)";

    @BeforeAll
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    static void sweepReplicateAndWriteTheReport() throws Exception {
        ResultsLocation results = new ResultsLocation("bpm", tmp.resolve("warehouse").toString(), "results", Map.of());
        TrialConfig training = TrialConfig.builder(Variant.LSTM).epochs(2).hidden(8).batch(4).bptt(5).validBatch(4)
                .testBatch(4).maxBatches(6).build();
        SweepSpec spec = new SweepSpec("rq", List.of(Variant.values()), List.of(
                new Axis(TrialSetting.DECAY_FACTOR, List.of(0.3, 0.5)), new Axis(TrialSetting.DECAY_START, List.of(1)),
                new Axis(TrialSetting.INIT_SCALE, List.of(0.1)), new Axis(TrialSetting.L2, List.of(1e-5, 1e-3))),
                List.of(1L), training, TestData.dir(), results, 1);
        html = tmp.resolve("report.html");
        try (SparkSession spark = SparkSessions.create("report-test", "local[3]", results)) {
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            assertEquals(16, new SweepRunner(spark, spec, "rq", false, 0, 1, quiet).run().completed());
            SweepRunner.Summary r = new Replicator(1, Replicator.firstSeeds(3), "best_valid_ppl")
                    .run(spark, results, "rq", TestData.dir(), 1,
                            backpropamine.spark.sweep.CheckpointPolicy.defaults(), false, 0, 1, quiet);
            assertEquals(12, r.completed(), "4 variants x 3 seeds");
            List<Row> summary = spark.sql("SELECT configuration, runs, mean_test_ppl, ci95_low, ci95_high FROM"
                    + " bpm.results.summary WHERE sweep_id = 'rq-replicate'").collectAsList();
            assertEquals(4, summary.size());
            for (Row s : summary) {
                assertEquals(3, s.getInt(1));
                assertTrue(s.getDouble(3) < s.getDouble(2) && s.getDouble(2) < s.getDouble(4), s.toString());
                assertTrue(!s.getString(0).contains("seed="), "grouped over seeds: " + s.getString(0));
            }
            assertEquals("rq and rq-replicate", Reports.write(spark, results, "rq", html.toUri()));
        }
    }

    @Test
    void theReportHoldsEverySectionAndChartAndNeedsNoNetwork() throws Exception {
        String page = Files.readString(html);
        assertTrue(!page.contains("src=\"http") && !page.contains("href=\"http"), "no network needed to view it");
        for (String id : SECTIONS) {
            assertTrue(page.contains("<section id=\"" + id + "\">"), "section " + id);
        }
        assertEquals(1 + 4 + 4, count(page, "class=\"chart"), "learning curves, four heatmaps, four sensitivity charts");
        assertTrue(page.contains("104.26"), "the paper's Table 1 beside ours");
    }

    @Test
    void theReportOpensInChromium() throws Exception {
        if (!onPath("chromium")) {
            assertTrue(!"true".equals(System.getenv("CI")), NO_CHROMIUM.replace("is skipped", "cannot run"));
            System.err.println("ReportTest: " + NO_CHROMIUM);
            Assumptions.abort(NO_CHROMIUM);
        }
        String page = Files.readString(html);
        Process chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--user-data-dir=" + tmp.resolve("chromium-profile"),
                "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", html.toUri().toString())
                .redirectError(tmp.resolve("chromium.log").toFile()).start();
        String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(chromium.waitFor(90, TimeUnit.SECONDS), "chromium did not finish");
        String console = Files.readString(tmp.resolve("chromium.log"));
        List<String> errors = console.lines().filter(l -> l.contains("CONSOLE") || l.contains("Uncaught")).toList();
        assertTrue(errors.isEmpty(), "console messages: " + errors);
        for (String id : SECTIONS) {
            assertTrue(dom.contains("<section id=\"" + id + "\">"), "section " + id);
        }
        int charts = count(page, "class=\"chart");
        assertEquals(1 + 4 + 4, charts, "learning curves, four heatmaps, four sensitivity charts");
        assertEquals(charts, count(dom, "_echarts_instance_=\"ec_"), "every chart was drawn");
        assertTrue(dom.contains("104.26"), "the paper's Table 1 beside ours");
        System.out.println("report " + html + ": " + page.length() + " bytes, " + charts + " charts");
    }

    /** Whether an executable of that name is on the PATH. */
    static boolean onPath(String name) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, name)));
    }

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
