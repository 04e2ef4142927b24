package backpropamine.spark.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;

/**
 * One self-contained HTML page about a sweep (and its replication): Table 1 beside the paper's figures, the
 * pairwise tests, learning curves of the best configuration per variant, heatmaps of best validation perplexity
 * over decay factor x L2, the sensitivity to each hyperparameter, the trial counts and the settings. Charts are
 * ECharts options; the library's script is inlined from its webjar, so the page needs no network.
 */
public final class HtmlReport {
    /** Table 1 of the paper, basic model: mean test perplexity and 95% CI half-width over 16 runs. */
    static final Map<String, double[]> PAPER = Map.of("LSTM", new double[] {104.26, 0.22},
            "PLASTIC", new double[] {103.80, 0.25}, "SIMPLE", new double[] {102.65, 0.30}, "RETRO", new double[] {102.48, 0.28});
    /** Table 1 of the paper, large model (appendix A.3): median, min and max test perplexity over 5 runs. */
    static final Map<String, double[]> PAPER_LARGE = Map.of("LSTM", new double[] {62.48, 62.40, 62.60},
            "SIMPLE", new double[] {61.44, 61.37, 61.68});
    static final List<String> AXES = List.of("decay_factor", "decay_start", "init_scale", "l2");
    static final List<String> VARIANTS = List.of("LSTM", "PLASTIC", "SIMPLE", "RETRO");

    /** A sweep's rows, the epochs of its best trial per variant, and its replication's rows (empty if none). */
    public record Input(String sweepId, List<Row> trials, Map<String, List<Row>> bestEpochs, String replicationId,
                        List<Row> replication) {
    }

    private final ObjectMapper json = new ObjectMapper();
    private final StringBuilder html = new StringBuilder();
    private int charts;

    private HtmlReport() {
    }

    /** The page, and the statistics it shows (for the {@code summary} table). */
    public record Page(String html, List<Statistics.Summary> summaries) {
    }

    public static Page render(Input in) {
        return new HtmlReport().build(in);
    }

    private boolean large;

    private Page build(Input in) {
        large = in.trials().stream().anyMatch(r -> r.schema().getFieldIndex("model").isDefined()
                && "large".equals(r.getAs("model")));
        html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>bpm report: ").append(esc(in.sweepId()))
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;"
                        + "margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}"
                        + "td.l,th.l{text-align:left}.chart{height:340px;margin:1em 0}.small{height:280px;display:inline-block;"
                        + "width:49%}</style><script>").append(echarts()).append("</script></head><body>");
        html.append("<h1>Sweep ").append(esc(in.sweepId())).append("</h1>");
        counts(in);
        table1(in);
        List<Statistics.Summary> summaries = replication(in);
        curves(in);
        heatmaps(in);
        sensitivity(in);
        settings(in);
        html.append("</body></html>");
        return new Page(html.toString(), summaries);
    }

    private void counts(Input in) {
        Map<String, Map<String, Integer>> byVariant = new TreeMap<>();
        for (Row r : in.trials()) {
            byVariant.computeIfAbsent(r.getAs("variant"), k -> new TreeMap<>()).merge(r.getAs("status"), 1, Integer::sum);
        }
        html.append("<section id=\"counts\"><h2>Trials</h2><table><tr><th class=\"l\">variant</th><th>COMPLETED</th>"
                + "<th>DIVERGED</th><th>FAILED</th><th>LOST</th></tr>");
        byVariant.forEach((v, c) -> html.append("<tr><td class=\"l\">").append(esc(v)).append("</td><td>")
                .append(c.getOrDefault("COMPLETED", 0)).append("</td><td>").append(c.getOrDefault("DIVERGED", 0))
                .append("</td><td>").append(c.getOrDefault("FAILED", 0)).append("</td><td>").append(c.getOrDefault("LOST", 0))
                .append("</td></tr>"));
        html.append("</table></section>");
    }

    /** The completed trial with the lowest best validation perplexity, per variant. */
    public static Map<String, Row> best(List<Row> trials) {
        Map<String, Row> best = new LinkedHashMap<>();
        for (Row r : trials) {
            if (!"COMPLETED".equals(r.getAs("status")) || r.isNullAt(r.fieldIndex("best_valid_ppl"))) {
                continue;
            }
            Row b = best.get(r.<String>getAs("variant"));
            if (b == null || r.<Double>getAs("best_valid_ppl") < b.<Double>getAs("best_valid_ppl")) {
                best.put(r.getAs("variant"), r);
            }
        }
        return best;
    }

    private void table1(Input in) {
        html.append("<section id=\"table1\"><h2>Table 1: the grid's best configuration per variant</h2><table><tr>"
                + "<th class=\"l\">variant</th><th>decay factor</th><th>decay start</th><th>init scale</th><th>L2</th>"
                + "<th>hidden</th><th>best valid ppl</th><th>test ppl</th><th>" + paperHeader() + "</th></tr>");
        for (Map.Entry<String, Row> e : best(in.trials()).entrySet()) {
            Row r = e.getValue();
            html.append("<tr><td class=\"l\">").append(esc(e.getKey())).append("</td>");
            for (String a : AXES) {
                html.append("<td>").append(String.valueOf(r.<Object>getAs(a))).append("</td>");
            }
            html.append("<td>").append(String.valueOf(r.<Object>getAs("hidden"))).append("</td><td>")
                    .append(fmt(r.getAs("best_valid_ppl"))).append("</td><td>").append(fmt(r.getAs("test_ppl")))
                    .append("</td><td>").append(paper(e.getKey())).append("</td></tr>");
        }
        html.append("</table></section>");
    }

    private List<Statistics.Summary> replication(Input in) {
        html.append("<section id=\"replication\"><h2>Replication: test perplexity over seeds (mean &plusmn; 95% t-interval)"
                + "</h2>");
        if (in.replication().isEmpty()) {
            html.append("<p>No replication yet: <code>bin/bpm replicate ").append(esc(in.sweepId()))
                    .append(" --seeds 16</code> retrains the best configuration of each variant.</p></section>"
                            + "<section id=\"tests\"><h2>Pairwise tests</h2><p>Need a replication.</p></section>");
            return List.of();
        }
        // each configuration named by its variant and rank within it ("RETRO #1"), in the order of the rows
        Map<String, double[]> groups = new LinkedHashMap<>();
        Map<String, Integer> rank = new LinkedHashMap<>();
        Replication.testPerplexities(in.replication()).forEach((config, values) -> {
            String v = config.substring("variant=".length(), config.indexOf(';'));
            groups.put(v + " #" + rank.merge(v, 1, Integer::sum), values);
        });
        html.append("<p>Sweep ").append(esc(in.replicationId())).append(".</p><table><tr><th class=\"l\">configuration</th>"
                + "<th>runs</th><th>mean</th><th>sd</th><th>95% CI</th><th>median (min, max)</th><th>" + paperHeader()
                + "</th></tr>");
        List<Statistics.Summary> summaries = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (Map.Entry<String, double[]> g : groups.entrySet()) {
            double[] x = g.getValue();
            Statistics.Summary s = Statistics.summary(g.getKey(), x);
            summaries.add(s);
            names.add(g.getKey());
            values.add(x);
            html.append("<tr><td class=\"l\">").append(esc(g.getKey())).append("</td><td>").append(s.n()).append("</td><td>")
                    .append(fmt(s.mean())).append("</td><td>").append(fmt(s.sd())).append("</td><td>")
                    .append(Double.isNaN(s.ciLow()) ? "n/a" : fmt(s.mean()) + " &plusmn; " + fmt(s.halfWidth()))
                    .append("</td><td>").append(medianMinMax(x))
                    .append("</td><td>").append(paper(g.getKey().split(" ")[0])).append("</td></tr>");
        }
        html.append("</table></section><section id=\"tests\"><h2>Pairwise tests</h2><p>Two-sided Welch t-tests and"
                + " Mann-Whitney U tests of test perplexity; p-values adjusted with Holm's step-down method over all "
                + (names.size() * (names.size() - 1) / 2) + " pairs (family-wise error rate).</p><table><tr>"
                + "<th class=\"l\">pair</th><th>mean difference</th><th>Welch p</th><th>Holm</th><th>Mann-Whitney p</th>"
                + "<th>Holm</th></tr>");
        for (Statistics.Comparison c : Statistics.pairwise(names, values)) {
            html.append("<tr><td class=\"l\">").append(esc(c.a() + " vs " + c.b())).append("</td><td>")
                    .append(fmt(c.meanDifference())).append("</td><td>").append(p(c.welchP())).append("</td><td>")
                    .append(p(c.holmWelchP())).append("</td><td>").append(p(c.mannWhitneyP())).append("</td><td>")
                    .append(p(c.holmMannWhitneyP())).append("</td></tr>");
        }
        html.append("</table></section>");
        return summaries;
    }

    private void curves(Input in) {
        List<Object> series = new ArrayList<>();
        int epochs = 0;
        for (Map.Entry<String, List<Row>> e : in.bestEpochs().entrySet()) {
            List<Object> points = new ArrayList<>();
            for (Row r : e.getValue()) {
                points.add(java.util.Arrays.asList(r.getInt(0), r.isNullAt(3) ? null : r.getDouble(3)));
                epochs = Math.max(epochs, r.getInt(0));
            }
            series.add(Map.of("name", e.getKey(), "type", "line", "data", points));
        }
        html.append("<section id=\"curves\"><h2>Learning curves: validation perplexity of the best configuration per"
                + " variant</h2>");
        chart("chart", Map.of("tooltip", Map.of("trigger", "axis"), "legend", Map.of(),
                "xAxis", Map.of("type", "value", "name", "epoch", "min", 1, "max", Math.max(1, epochs)),
                "yAxis", Map.of("type", "value", "name", "valid ppl", "scale", true), "series", series));
        html.append("</section>");
    }

    private void heatmaps(Input in) {
        html.append("<section id=\"heatmaps\"><h2>Best validation perplexity over decay factor x L2</h2><p>Each variant"
                + " at the decay start and init scale of its best trial.</p>");
        for (Map.Entry<String, Row> e : best(in.trials()).entrySet()) {
            Row b = e.getValue();
            TreeSet<Double> xs = new TreeSet<>();
            TreeSet<Double> ys = new TreeSet<>();
            Map<String, Double> cell = new LinkedHashMap<>();
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (Row r : in.trials()) {
                if (!e.getKey().equals(r.getAs("variant")) || !r.getAs("decay_start").equals(b.getAs("decay_start"))
                        || !r.getAs("init_scale").equals(b.getAs("init_scale"))) {
                    continue;
                }
                xs.add(r.getAs("decay_factor"));
                ys.add(r.getAs("l2"));
                if ("COMPLETED".equals(r.getAs("status")) && !r.isNullAt(r.fieldIndex("best_valid_ppl"))) {
                    double v = r.getAs("best_valid_ppl");
                    cell.put(r.getAs("decay_factor") + "|" + r.getAs("l2"), v);
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            List<Double> x = new ArrayList<>(xs);
            List<Double> y = new ArrayList<>(ys);
            List<Object> data = new ArrayList<>();
            for (int i = 0; i < x.size(); i++) {
                for (int j = 0; j < y.size(); j++) {
                    Double v = cell.get(x.get(i) + "|" + y.get(j));
                    data.add(java.util.Arrays.asList(i, j, v == null ? "-" : Math.round(v * 100) / 100.0));
                }
            }
            chart("chart small", Map.of("title", Map.of("text", e.getKey(), "left", "center"),
                    "tooltip", Map.of("position", "top"), "grid", Map.of("bottom", 60, "left", 70),
                    "xAxis", Map.of("type", "category", "name", "decay factor", "nameLocation", "center", "nameGap", 28,
                            "data", x.stream().map(String::valueOf).toList()),
                    "yAxis", Map.of("type", "category", "name", "L2", "data", y.stream().map(String::valueOf).toList()),
                    "visualMap", Map.of("min", lo == Double.MAX_VALUE ? 0 : lo, "max", Math.max(hi, lo == Double.MAX_VALUE ? 1 : lo),
                            "calculable", true, "orient", "vertical", "right", 0, "top", "center", "itemHeight", 100,
                            "inRange", Map.of("color", List.of("#1a9850", "#fee08b", "#d73027"))),
                    "series", List.of(Map.of("type", "heatmap", "data", data, "label", Map.of("show", x.size() * y.size() <= 40)))));
        }
        html.append("</section>");
    }

    private void sensitivity(Input in) {
        html.append("<section id=\"sensitivity\"><h2>Sensitivity: best validation perplexity at each value of a"
                + " hyperparameter (the others at their best)</h2>");
        for (String axis : AXES) {
            List<Object> series = new ArrayList<>();
            for (String v : VARIANTS) {
                TreeMap<Double, Double> minimum = new TreeMap<>();
                for (Row r : in.trials()) {
                    if (v.equals(r.getAs("variant")) && "COMPLETED".equals(r.getAs("status"))
                            && !r.isNullAt(r.fieldIndex("best_valid_ppl"))) {
                        double x = ((Number) r.getAs(axis)).doubleValue();
                        minimum.merge(x, r.getAs("best_valid_ppl"), Math::min);
                    }
                }
                if (!minimum.isEmpty()) {
                    List<Object> pts = new ArrayList<>();
                    minimum.forEach((x, y) -> pts.add(List.of(x, y)));
                    series.add(Map.of("name", v, "type", "line", "data", pts));
                }
            }
            chart("chart small", Map.of("title", Map.of("text", axis, "left", "center"), "tooltip", Map.of("trigger", "axis"),
                    "legend", Map.of("bottom", 0), "xAxis", Map.of("type", axis.equals("l2") ? "log" : "value", "scale", true),
                    "yAxis", Map.of("type", "value", "scale", true), "series", series));
        }
        html.append("</section>");
    }

    private void settings(Input in) {
        html.append("<section id=\"settings\"><h2>Settings</h2><p>Code version(s): ");
        html.append(esc(String.join(", ", in.trials().stream().map(r -> r.<String>getAs("code_version")).distinct().toList())));
        html.append("</p><p>The grid (from the trials' rows): ");
        List<String> grid = new ArrayList<>();
        grid.add("variants " + in.trials().stream().map(r -> r.<String>getAs("variant")).distinct().sorted().toList());
        for (String a : AXES) {
            grid.add(a + " " + in.trials().stream().map(r -> ((Number) r.getAs(a)).doubleValue()).distinct().sorted().toList());
        }
        grid.add("seeds " + in.trials().stream().map(r -> r.<Long>getAs("seed")).distinct().sorted().toList());
        html.append(esc(String.join("; ", grid)));
        html.append("</p><table><tr><th class=\"l\">variant</th><th class=\"l\">best trial's settings</th></tr>");
        best(in.trials()).forEach((v, r) -> html.append("<tr><td class=\"l\">").append(esc(v)).append("</td><td class=\"l\">")
                .append(esc(r.<String>getAs("config").replace(";", "; "))).append("</td></tr>"));
        html.append("</table></section>");
    }

    private void chart(String cls, Map<String, Object> option) {
        String id = "chart" + (++charts);
        try {
            html.append("<div class=\"").append(cls).append("\" id=\"").append(id).append("\"></div><script>echarts.init("
                    + "document.getElementById('").append(id).append("')).setOption(").append(json.writeValueAsString(option))
                    .append(");</script>");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String echarts() {
        try (InputStream in = HtmlReport.class.getResourceAsStream("/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js")) {
            if (in == null) {
                throw new IllegalStateException("echarts.min.js (webjar org.webjars.npm:echarts) is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The paper's figure for a variant: mean +- 95% CI (basic model) or median (min, max) (large model). */
    private String paper(String variant) {
        double[] p = (large ? PAPER_LARGE : PAPER).get(variant);
        if (p == null) {
            return "";
        }
        return large ? String.format("%.2f (%.2f, %.2f)", p[0], p[1], p[2]) : String.format("%.2f &plusmn; %.2f", p[0], p[1]);
    }

    private String paperHeader() {
        return large ? "paper, large model (median (min, max), 5 runs)" : "paper (16 seeds)";
    }

    /** Median (min, max): how the paper reports the large model's 5 runs. */
    private static String medianMinMax(double[] x) {
        if (x.length == 0) {
            return "n/a";
        }
        double[] sorted = x.clone();
        java.util.Arrays.sort(sorted);
        return fmt(new org.apache.commons.math3.stat.descriptive.rank.Median().evaluate(sorted)) + " (" + fmt(sorted[0])
                + ", " + fmt(sorted[sorted.length - 1]) + ")";
    }

    private static String fmt(Object x) {
        if (x == null) {
            return "n/a";
        }
        double d = ((Number) x).doubleValue();
        return Double.isNaN(d) ? "n/a" : String.format("%.2f", d);
    }

    private static String p(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(x < 1e-4 ? "%.1e" : "%.4f", x);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
