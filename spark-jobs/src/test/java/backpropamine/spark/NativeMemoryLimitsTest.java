package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** JavaCPP's native limits stay inside the container Spark asks YARN or Kubernetes for. */
class NativeMemoryLimitsTest {
    static final long GB = 1L << 30;

    @Test
    void yarnConfsExecutorsGetLimitsBelowTheirContainer() {
        // deploy/yarn.conf: 8g heap + 6g overhead = a 14g container
        SparkConf conf = new SparkConf(false).setMaster("yarn").set("spark.executor.memory", "8g")
                .set("spark.executor.memoryOverhead", "6g");
        NativeMemoryLimits.Limits l = NativeMemoryLimits.limits(conf, "executor", 8 * GB);
        assertTrue(l.maxPhysicalBytes() < 14 * GB && l.maxPhysicalBytes() > 13 * GB, "physical: " + l);
        assertTrue(l.maxBytes() < 6 * GB && l.maxBytes() > 4 * GB, "off-heap within the overhead: " + l);
        assertTrue(l.maxBytes() + 8 * GB < l.maxPhysicalBytes());
    }

    @Test
    void withoutAnOverheadSettingSparksDefaultOverheadIsUsed() {
        SparkConf conf = new SparkConf(false).setMaster("k8s://https://api:6443").set("spark.driver.memory", "4g");
        NativeMemoryLimits.Limits l = NativeMemoryLimits.limits(conf, "driver", 4 * GB);
        assertEquals(4 * GB + 409L * (1 << 20) - (4 * GB + 409L * (1 << 20)) / 20, l.maxPhysicalBytes(),
                "overhead max(384m, 10% of 4g) = 409m, as Spark computes it");
    }

    @Test
    void onlyContainerManagersGetLimits() {
        assertTrue(NativeMemoryLimits.inContainers(new SparkConf(false).setMaster("yarn")));
        assertFalse(NativeMemoryLimits.inContainers(new SparkConf(false).setMaster("spark://m:7077")));
        assertFalse(NativeMemoryLimits.inContainers(new SparkConf(false).setMaster("local[2]")));
    }
}
