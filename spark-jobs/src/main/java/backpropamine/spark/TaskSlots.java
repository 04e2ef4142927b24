package backpropamine.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.collection.JavaConverters;

/**
 * How many trials to keep in flight, from the task slots Spark has now: re-read every time the driver schedules,
 * so executors that register later (a worker added, dynamic allocation) are used and lost ones are not waited
 * for. A slot is an executor's cores over {@code spark.task.cpus}, or its GPUs over the trial's GPU amount when
 * trials take GPUs, whichever is fewer.
 *
 * <ul>
 *   <li>Local mode: the cores (the session has one more slot than cores, kept for commits).</li>
 *   <li>Trials whose GPU comes from a stage-level profile ({@code spark.bpm.trial.gpus}): every GPU slot; commit
 *       tasks ask for no GPU and run on the executors' spare cores.</li>
 *   <li>Otherwise (CPU trials, or a GPU asked of every task by {@code spark.task.resource.gpu.amount}): all slots
 *       but one, which stays free for the commit jobs (Spark never preempts a running task, so a commit would
 *       otherwise wait for a trial to end; the commits' scheduler pool wins that slot, see SweepRunner).</li>
 *   <li>With dynamic allocation, one executor's worth of trials more is queued, so that Spark sees pending tasks
 *       and requests executors, from zero too, up to {@code maxExecutors}.</li>
 * </ul>
 */
final class TaskSlots {
    private final SparkContext sc;
    private final int fixed;
    private final int taskCpus;
    private final double trialGpus;
    private final boolean gpuByStage;
    private final boolean dynamic;
    private final int maxExecutors;
    private final int executorCores;

    /**
     * @param fixed     trials at a time when positive (--parallelism), else follow the cluster
     * @param trialGpus   GPUs one trial task takes (0 on CPU clusters)
     * @param gpuByStage  whether only trial stages ask for the GPU (a stage-level profile), not every task
     */
    TaskSlots(SparkContext sc, int fixed, double trialGpus, boolean gpuByStage) {
        this.sc = sc;
        this.fixed = fixed;
        SparkConf conf = sc.conf();
        this.taskCpus = Math.max(1, conf.getInt("spark.task.cpus", 1));
        this.trialGpus = trialGpus;
        this.gpuByStage = gpuByStage;
        this.dynamic = conf.getBoolean("spark.dynamicAllocation.enabled", false);
        this.maxExecutors = conf.getInt("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE);
        this.executorCores = conf.getInt("spark.executor.cores", 1);
    }

    /** Trials to keep in flight now (at least 1). */
    int target() {
        if (fixed > 0) {
            return fixed;
        }
        if (sc.isLocal()) {
            return Math.max(1, sc.defaultParallelism() / taskCpus - 1);
        }
        int slots = 0;
        int executors = 0;
        for (ExecutorSummary e : JavaConverters.seqAsJavaList(sc.statusStore().executorList(true))) {
            if (e.id().equals("driver")) {
                continue;
            }
            executors++;
            slots += slots(e.totalCores(), JavaConverters.mapAsJavaMap(e.resources()));
        }
        int forTrials = gpuByStage ? slots : slots - 1;
        int queued = dynamic && executors < maxExecutors ? Math.max(1, executorCores / taskCpus) : 0;
        return Math.max(1, forTrials + queued);
    }

    /** Trial slots of one executor. */
    int slots(int cores, Map<String, ResourceInformation> resources) {
        int byCores = cores / taskCpus;
        if (trialGpus <= 0) {
            return byCores;
        }
        ResourceInformation gpu = resources.get("gpu");
        int gpus = gpu == null ? 0 : gpu.addresses().length;
        return Math.min(byCores, (int) Math.floor(gpus / trialGpus));
    }
}
