package backpropamine.spark.report;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Gathers a sweep's results (and its replication's) and writes the HTML report. */
public final class Reports {
    private Reports() {
    }

    /**
     * Writes the report of {@code sweepId} to {@code out}, a local file or a Hadoop URI (and its replication's Table 1
     * to {@code summary}).
     *
     * @return which sweeps the report covers, in words
     */
    public static String write(SparkSession spark, ResultsLocation results, String sweepId, URI out) throws IOException {
        ResultsQueries q = new ResultsQueries(spark, results);
        List<Row> trials = q.trialRows(sweepId);
        Map<String, List<Row>> curves = new LinkedHashMap<>();
        HtmlReport.best(trials).forEach((v, r) -> curves.put(v, q.epochRows(sweepId, r.getAs("trial_key"))));
        String rid = Replication.idFor(sweepId);
        List<Row> replication = q.hasSweep(rid) ? q.trialRows(rid) : List.of();
        if (replication.isEmpty() && seeded(trials)) {
            // a sweep that already runs each configuration with several seeds (the large model's 5 runs) is its own
            // replication: its seeds are the runs the statistics are over
            rid = sweepId;
            replication = trials;
        }
        if (!replication.isEmpty()) {
            Replicator.writeSummary(spark, results, rid);
        }
        HtmlReport.Page page = HtmlReport.render(new HtmlReport.Input(sweepId, trials, curves, rid, replication));
        // through Hadoop's FileSystem API: a cluster-mode driver writes it beside the warehouse (hdfs://...)
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(out);
        try (OutputStream o = file.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(file, true)) {
            o.write(page.html().getBytes(StandardCharsets.UTF_8));
        }
        return sweepId + (replication.isEmpty() || rid.equals(sweepId) ? "" : " and " + rid);
    }

    /** Whether some configuration of the sweep ran with more than one seed. */
    private static boolean seeded(List<Row> trials) {
        return Replication.testPerplexities(trials).values().stream().anyMatch(v -> v.length > 1);
    }
}
