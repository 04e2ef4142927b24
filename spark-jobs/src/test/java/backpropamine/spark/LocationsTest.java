package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.sweep.CheckpointPolicy;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** Where a sweep's state lives follows the warehouse Iceberg uses, and local disk is refused on a cluster. */
class LocationsTest {
    static final ResultsLocation SWEEP_FILE = ResultsLocation.defaults(); // results.warehouse: warehouse

    static SparkConf conf(String master, String... kv) {
        SparkConf conf = new SparkConf(false).setMaster(master);
        for (int i = 0; i < kv.length; i += 2) {
            conf.set(kv[i], kv[i + 1]);
        }
        return conf;
    }

    @Test
    void theWarehouseGivenByConfDecidesWhereCheckpointsAndReportsGo() {
        Locations where = Locations.of(conf("yarn", "spark.sql.catalog.bpm.warehouse", "hdfs://nn:8020/bpm/warehouse"),
                SWEEP_FILE, CheckpointPolicy.defaults()).requireReachable();
        assertEquals("hdfs://nn:8020/bpm/warehouse", where.warehouse());
        assertEquals("hdfs://nn:8020/bpm/checkpoints", where.checkpointRoot());
        assertEquals("hdfs://nn:8020/bpm/reports", where.reportDir(""));
        assertEquals("hdfs://other/reports", where.reportDir("hdfs://other/reports"), "an explicit directory wins");
    }

    @Test
    void anExplicitCheckpointRootWinsOverTheWarehouse() {
        Locations where = Locations.of(conf("yarn", "spark.sql.catalog.bpm.warehouse", "hdfs://nn/w"), SWEEP_FILE,
                new CheckpointPolicy("hdfs://nn/ckpt", false));
        assertEquals("hdfs://nn/ckpt", where.checkpointRoot());
    }

    @Test
    void localDiskWithAClusterMasterIsRefusedNamingTheSettingAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Locations.of(
                conf("spark://m:7077"), SWEEP_FILE, CheckpointPolicy.defaults()).requireReachable());
        assertTrue(e.getMessage().contains("spark.sql.catalog.bpm.warehouse"), e.getMessage());
        assertTrue(e.getMessage().contains("hdfs://"), e.getMessage());
        assertTrue(e.getMessage().contains(Locations.FILE_PATHS_SHARED + "=true"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Locations.of(conf("yarn",
                "spark.sql.catalog.bpm.warehouse", "hdfs://nn/w"), SWEEP_FILE, new CheckpointPolicy("/mnt/ckpt", false))
                .requireReachable());
        assertTrue(e.getMessage().startsWith("the checkpoint root file:///mnt/ckpt"), e.getMessage());
        assertTrue(e.getMessage().contains("checkpoints.root"), e.getMessage());

        Locations onHdfs = Locations.of(conf("yarn", "spark.sql.catalog.bpm.warehouse", "hdfs://nn/w"), SWEEP_FILE,
                CheckpointPolicy.defaults());
        onHdfs.requireReachableReports("file:/var/log/bpm"); // client mode: the report goes to the submitting host
        Locations cluster = Locations.of(conf("yarn", "spark.sql.catalog.bpm.warehouse", "hdfs://nn/w",
                "spark.submit.deployMode", "cluster"), SWEEP_FILE, CheckpointPolicy.defaults());
        e = assertThrows(IllegalArgumentException.class, () -> cluster.requireReachableReports("file:/var/log/bpm"));
        assertTrue(e.getMessage().contains("--report-dir"), e.getMessage());
    }

    @Test
    void localDiskIsAcceptedInLocalModeOrWhenDeclaredShared() {
        Locations.of(conf("local[2]"), SWEEP_FILE, CheckpointPolicy.defaults()).requireReachable();
        Locations shared = Locations.of(conf("spark://m:7077", Locations.FILE_PATHS_SHARED, "true",
                "spark.sql.catalog.bpm.warehouse", "file:/nfs/bpm/warehouse"), SWEEP_FILE, CheckpointPolicy.defaults());
        shared.requireReachable();
        assertEquals("file:/nfs/bpm/checkpoints", shared.checkpointRoot());
    }

    @Test
    void sparkHadoopSettingsReachTheHadoopConfigurationOfCheckpointsJournalAndLease() {
        Locations where = Locations.of(conf("local[1]", "spark.hadoop.dfs.nameservices", "ns1",
                "spark.hadoop.fs.s3a.endpoint", "http://minio:9000"), new ResultsLocation("bpm", "warehouse", "results",
                Map.of()), CheckpointPolicy.defaults());
        assertEquals("ns1", where.hadoop().get("dfs.nameservices"));
        assertEquals("http://minio:9000", where.hadoop().get("fs.s3a.endpoint"));
    }
}
