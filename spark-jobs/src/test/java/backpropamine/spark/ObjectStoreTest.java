package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.results.ResultsLocation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Iceberg's Hadoop catalog on an object store is refused at start, with what to use instead. */
class ObjectStoreTest {
    @Test
    void theHadoopCatalogOnAnObjectStoreIsRefusedBeforeAnySessionStarts() {
        for (String w : new String[] {"s3a://bucket/warehouse", "gs://bucket/w", "abfs://c@account.dfs.core.windows.net/w"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    SparkSessions.create("refused", "local[1]", new ResultsLocation("bpm", w, "results", Map.of())));
            assertTrue(e.getMessage().contains("cannot commit safely") && e.getMessage().contains("{type: rest"), e.getMessage());
        }
        // a catalog that commits atomically on the same store is fine; so is the Hadoop catalog on HDFS or local disk
        ResultsLocation.refuseUnsafeCommits("bpm", "rest", "", "s3a://bucket/warehouse");
        ResultsLocation.refuseUnsafeCommits("bpm", "", "org.apache.iceberg.aws.glue.GlueCatalog", "s3://bucket/w");
        ResultsLocation.refuseUnsafeCommits("bpm", "hadoop", "", "hdfs://nn:8020/warehouse");
        assertThrows(IllegalArgumentException.class, () ->
                ResultsLocation.refuseUnsafeCommits("bpm", "", "org.apache.iceberg.hadoop.HadoopCatalog", "s3a://b/w"));
        assertFalse(ResultsLocation.onObjectStore("file:/tmp/w"));
        assertTrue(ResultsLocation.onObjectStore("S3A://b/w"));
    }
}
