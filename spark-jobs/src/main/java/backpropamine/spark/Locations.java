package backpropamine.spark;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.sweep.CheckpointPolicy;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;

/**
 * Where a sweep's state lives, decided in one place from the configuration Iceberg really uses: the warehouse is the
 * effective {@code spark.sql.catalog.<catalog>.warehouse} (from the sweep file, {@code --conf} or spark-defaults),
 * and the checkpoints (with the journal under them) and the night's report default beside it (the nightly lease is a
 * property of the sweeps table, see SweepLease).
 * Files are reached with the Hadoop configuration Spark builds ({@code spark.hadoop.*} included).
 *
 * <p>A {@code file:} location is the local disk of whichever host opens it. With a master that runs executors on
 * other hosts, a checkpoint there cannot be resumed elsewhere and a journal or lease there protects nothing, so it is
 * refused ({@link #requireReachable}) unless {@value #FILE_PATHS_SHARED} says that such paths are a shared mount.
 */
public final class Locations {
    /** Spark conf: true when {@code file:} paths name the same shared storage (an NFS mount) on every node. */
    public static final String FILE_PATHS_SHARED = "spark.bpm.filePathsShared";

    private final String catalog;
    private final String warehouse;
    private final String checkpoints;
    private final boolean checkpointsConfigured;
    private final String master;
    private final boolean clusterDeploy;
    private final boolean shared;
    private final Configuration hadoop;

    private Locations(SparkConf conf, Configuration hadoop, ResultsLocation results, CheckpointPolicy policy) {
        this.catalog = results.catalog();
        this.warehouse = ResultsLocation.uri(conf.get(warehouseKey(results.catalog()), results.warehouse()));
        this.checkpointsConfigured = policy.root() != null;
        this.checkpoints = checkpointsConfigured ? ResultsLocation.uri(policy.root()) : beside(warehouse, "checkpoints");
        this.master = conf.get("spark.master", "local");
        this.clusterDeploy = "cluster".equals(conf.get("spark.submit.deployMode", "client"));
        this.shared = conf.getBoolean(FILE_PATHS_SHARED, false);
        this.hadoop = hadoop;
    }

    /** The locations of a running session: its conf, and its context's Hadoop configuration. */
    public static Locations of(SparkSession spark, ResultsLocation results, CheckpointPolicy checkpoints) {
        return new Locations(spark.sparkContext().getConf(), spark.sparkContext().hadoopConfiguration(), results,
                checkpoints);
    }

    /** The locations a session with this conf will have, before it starts (checked before the session exists). */
    public static Locations of(SparkConf conf, ResultsLocation results, CheckpointPolicy checkpoints) {
        return new Locations(conf, SparkHadoopUtil.get().newConfiguration(conf), results, checkpoints);
    }

    private static String warehouseKey(String catalog) {
        return "spark.sql.catalog." + catalog + ".warehouse";
    }

    /** The Hadoop configuration every file of the sweep is opened with. */
    public Configuration hadoop() {
        return hadoop;
    }

    /** The results warehouse as an absolute URI. */
    public String warehouse() {
        return warehouse;
    }

    /** Root of the trials' checkpoints and of the sweep's journal: {@code checkpoints.root}, else beside the warehouse. */
    public String checkpointRoot() {
        return checkpoints;
    }

    /** Where the night's report goes: the explicit directory ({@code --report-dir}, {@code $BPM_LOG_DIR}), else {@code reports} beside the warehouse. */
    public String reportDir(String explicit) {
        return explicit != null && !explicit.isBlank() ? ResultsLocation.uri(explicit) : beside(warehouse, "reports");
    }

    /** The directory {@code name} next to {@code uri} (a sibling in the same parent). */
    static String beside(String uri, String name) {
        String trimmed = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        return trimmed.substring(0, trimmed.lastIndexOf('/') + 1) + name;
    }

    private static String inside(String uri, String name) {
        return (uri.endsWith("/") ? uri : uri + "/") + name;
    }

    /** Whether executors may run on other hosts than the driver (any master but local mode). */
    public boolean executorsElsewhere() {
        return !master.startsWith("local");
    }

    /**
     * Refuses the warehouse and the checkpoint root on a host's local disk when executors run elsewhere.
     *
     * @throws IllegalArgumentException naming the location, the setting it came from and the fix
     */
    public Locations requireReachable() {
        require("the results warehouse", warehouse, warehouseKey(catalog) + " (or results.warehouse in the sweep file)",
                executorsElsewhere());
        require("the checkpoint root", checkpoints, checkpointsConfigured ? "checkpoints.root in the sweep file"
                : "checkpoints.root in the sweep file, by default beside " + warehouseKey(catalog), executorsElsewhere());
        return this;
    }

    /** Refuses a report directory on local disk when the driver runs in a cluster container (deploy mode cluster). */
    public void requireReachableReports(String reportDir) {
        require("the report directory", reportDir, "--report-dir or $BPM_LOG_DIR, by default reports beside "
                + warehouseKey(catalog), clusterDeploy);
    }

    private void require(String what, String uri, String setting, boolean elsewhere) {
        if (elsewhere && !shared && "file".equals(URI.create(uri).getScheme())) {
            throw new IllegalArgumentException(what + " " + uri + " is on the local disk of each host, but master "
                    + master + (clusterDeploy ? " (deploy mode cluster)" : "") + " runs on other hosts: set " + setting
                    + " to storage every node reaches (hdfs://...), or --conf " + FILE_PATHS_SHARED
                    + "=true if that path is a shared mount (NFS) on every node");
        }
    }
}
