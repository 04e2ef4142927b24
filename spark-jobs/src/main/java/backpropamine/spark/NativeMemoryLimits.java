package backpropamine.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * JavaCPP's limits on native memory ({@code org.bytedeco.javacpp.maxbytes}: ND4J's off-heap arrays;
 * {@code maxphysicalbytes}: the whole process) derived from the memory a container manager (YARN, Kubernetes) gives
 * the JVM: heap plus {@code spark.{executor,driver}.memoryOverhead}. JavaCPP's defaults (the heap, twice the heap)
 * exceed such a container, which is then killed from outside before ND4J's own out-of-memory guard can speak; with
 * these limits a trial that needs too much fails with an OutOfMemoryError naming the limit. Set as system properties
 * when Spark starts the plugin, before any trial loads JavaCPP; limits given with {@code -D} are left alone, and
 * nothing is set in local mode or on a standalone cluster (no container limit there).
 */
public final class NativeMemoryLimits implements SparkPlugin {
    static final String MAX_BYTES = "org.bytedeco.javacpp.maxbytes";
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";
    private static final long MB = 1L << 20;

    /** The two limits for a container of {@code heap + overhead} bytes. */
    record Limits(long maxBytes, long maxPhysicalBytes) {
        static Limits forContainer(long heap, long overhead) {
            long container = heap + overhead;
            long jvmOwn = Math.max(256 * MB, container / 10); // metaspace, threads, code cache, Netty's buffers
            // physical: 5% below the container's limit, so JavaCPP refuses before the container manager kills
            return new Limits(Math.max(64 * MB, overhead - jvmOwn), container - container / 20);
        }
    }

    /** Heap plus overhead of the driver or the executors, as Spark sizes their containers. */
    static Limits limits(SparkConf conf, String role, long heap) {
        long memoryMb = conf.getSizeAsMb("spark." + role + ".memory", "1g");
        double factor = conf.getDouble("spark." + role + ".memoryOverheadFactor", 0.10);
        long overheadMb = conf.contains("spark." + role + ".memoryOverhead")
                ? conf.getSizeAsMb("spark." + role + ".memoryOverhead", "384m")
                : Math.max(384, (long) (factor * memoryMb));
        return Limits.forContainer(heap, overheadMb * MB);
    }

    static boolean inContainers(SparkConf conf) {
        String master = conf.get("spark.master", "local");
        return master.startsWith("yarn") || master.startsWith("k8s");
    }

    static void apply(SparkConf conf, String role) {
        if (!inContainers(conf)) {
            return;
        }
        Limits l = limits(conf, role, Runtime.getRuntime().maxMemory());
        if (System.getProperty(MAX_BYTES) == null) {
            System.setProperty(MAX_BYTES, Long.toString(l.maxBytes()));
        }
        if (System.getProperty(MAX_PHYSICAL_BYTES) == null) {
            System.setProperty(MAX_PHYSICAL_BYTES, Long.toString(l.maxPhysicalBytes()));
        }
    }

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public Map<String, String> init(SparkContext sc, PluginContext ctx) {
                if ("cluster".equals(sc.getConf().get("spark.submit.deployMode", "client"))) {
                    apply(sc.getConf(), "driver"); // a client-mode driver runs outside any container
                }
                return Map.of();
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                apply(ctx.conf(), "executor");
            }
        };
    }
}
