package backpropamine.spark;

import backpropamine.spark.results.ResultsLocation;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of every command: Iceberg's SQL extensions and the results catalog, speculation off (a
 * trial must never run twice at once), quiet console. {@code --master} wins over a master set by spark-submit;
 * without either the session runs in local mode with one task slot per core plus one.
 */
public final class SparkSessions {
    private SparkSessions() {
    }

    public static SparkSession create(String appName, String master, ResultsLocation results) {
        return start(conf(appName, master, results));
    }

    /**
     * The configuration {@link #create} starts its session with (spark-submit's and the system properties, the
     * master, the project's settings), for what must be decided before the session starts (the nightly lease).
     */
    public static SparkConf conf(String appName, String master, ResultsLocation results) {
        // local mode: one slot per core for trials plus one for commits (see SweepRunner)
        return configure(appName, master, results, "local[" + (Runtime.getRuntime().availableProcessors() + 1) + "]",
                new SparkConf(true));
    }

    /** A session with this configuration (from {@link #conf}). */
    public static SparkSession start(SparkConf conf) {
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * A session for commands that only query and commit the small results tables (sql, report): in local mode one
     * task slot, no web UI, one shuffle partition, which starts and answers faster than the sweep's session.
     */
    public static SparkSession forQueries(String appName, String master, ResultsLocation results) {
        SparkConf conf = new SparkConf(true);
        if (!conf.contains("spark.master") && master == null) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.sql.shuffle.partitions", "1");
        }
        return start(configure(appName, master, results, "local[1]", conf));
    }

    private static SparkConf configure(String appName, String master, ResultsLocation results, String local,
                                       SparkConf conf) {
        if (!conf.contains("spark.master")) {
            conf.setMaster(master != null ? master : local);
        } else if (master != null) {
            conf.setMaster(master);
        }
        conf.setAppName(appName);
        conf.set("spark.speculation", "false");
        // FAIR between the sweep's scheduler pools: a commit takes the next free slot before queued trials
        conf.setIfMissing("spark.scheduler.mode", "FAIR");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing("spark.sql.shuffle.partitions", "4");
        // the results tables are small: tasks need not wait for an executor on the node of an HDFS block
        conf.setIfMissing("spark.sql.iceberg.locality.enabled", "false");
        conf.setIfMissing("spark.locality.wait", "0s");
        // plans of the results tables (33 columns, twice in a MERGE) print whole, without Spark's truncation warning
        conf.setIfMissing("spark.sql.debug.maxToStringFields", "200");
        String extensions = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
        String current = conf.get("spark.sql.extensions", "");
        if (!current.contains(extensions)) {
            conf.set("spark.sql.extensions", current.isEmpty() ? extensions : current + "," + extensions);
        }
        String plugins = conf.get("spark.plugins", "");
        if (!plugins.contains(NativeMemoryLimits.class.getName())) { // JavaCPP's limits within YARN's and k8s' containers
            conf.set("spark.plugins", plugins.isEmpty() ? NativeMemoryLimits.class.getName()
                    : plugins + "," + NativeMemoryLimits.class.getName());
        }
        String prefix = "spark.sql.catalog." + results.catalog();
        conf.setIfMissing(prefix, "org.apache.iceberg.spark.SparkCatalog");
        Map<String, String> props = results.properties();
        if (!props.containsKey("type") && !props.containsKey("catalog-impl") && !conf.contains(prefix + ".type")
                && !conf.contains(prefix + ".catalog-impl")) {
            conf.set(prefix + ".type", "hadoop");
        }
        conf.setIfMissing(prefix + ".warehouse", ResultsLocation.uri(results.warehouse()));
        props.forEach((k, v) -> conf.set(prefix + "." + k, v));
        ResultsLocation.refuseUnsafeCommits(results.catalog(), conf.get(prefix + ".type", ""),
                conf.get(prefix + ".catalog-impl", ""), conf.get(prefix + ".warehouse", ""));
        return conf;
    }
}
