package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.data.DataException;
import backpropamine.model.BackendException;
import backpropamine.train.EpochResult;
import backpropamine.train.TrialListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The pieces of a task's failure handling that need no cluster: fault specs, error kinds, GPU addresses. */
class FaultsAndNodesTest {
    @Test
    void faultSpecsAreParsedOrRefusedWithTheAcceptedForms() {
        Faults f = Faults.parse("task-error:2");
        f.onTrialStart("a");
        assertThrows(Faults.InjectedFault.class, () -> f.onTrialStart("b"), "the second trial to start");
        f.onTrialStart("c");
        assertThrows(Faults.InjectedFault.class, () -> f.onTrialStart("b"), "on every attempt of that trial");
        Faults.parse(null).onTrialStart("x");
        Faults.parse("halt-after-epoch:3, task-error:1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Faults.parse("task-eror:2"));
        assertTrue(e.getMessage().contains("task-error:N, halt-after-epoch:K, node-error-after-epoch:K or halt-in-trial:N"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Faults.parse("halt-after-epoch:0"));
        Faults halt = Faults.parse("halt-in-trial:2");
        halt.onTrialStart("a");
        halt.onTrialStart("b");
        assertSame(TrialListener.NONE, halt.listener("a", 0), "only the second trial to start halts the process");
        assertNotSame(TrialListener.NONE, halt.listener("b", 0));
    }

    @Test
    void anInjectedNodeErrorHitsOneTrialsFirstAttemptAfterItsCheckpoint() {
        Faults f = Faults.parse("node-error-after-epoch:2");
        EpochResult one = new EpochResult(1, 1, 300, 250, 1000, 1);
        EpochResult two = new EpochResult(2, 1, 200, 150, 1000, 1);
        f.listener("a", 0).onCheckpoint(one);
        f.listener("a", 1).onCheckpoint(two); // a retry runs normally
        BackendException e = assertThrows(BackendException.class, () -> f.listener("a", 0).onCheckpoint(two));
        assertTrue(TrialTask.ofTheNode(e), "a backend error fails the task");
        f.listener("b", 0).onCheckpoint(two); // one trial only
        f.listener("a", 0).onCheckpoint(two); // and once
    }

    @Test
    void errorsOfTheNodeFailTheTaskErrorsOfTheTrialBecomeRows() {
        assertTrue(TrialTask.ofTheNode(new DataException("Penn Treebank not found in /data/ptb")));
        assertTrue(TrialTask.ofTheNode(new UncheckedIOException(new IOException("disk full"))));
        assertTrue(TrialTask.ofTheNode(new RuntimeException("ND4J backend", new UnsatisfiedLinkError("libnd4jcpu.so"))));
        assertTrue(TrialTask.ofTheNode(new OutOfMemoryError("Java heap space")));
        // the CUDA kernels' device errors (no driver, out of memory, PTX refused) are the node's
        assertTrue(TrialTask.ofTheNode(new backpropamine.model.BackendException("cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY")));
        // ND4J's legacy CUDA backend reports device errors as plain RuntimeExceptions
        assertTrue(TrialTask.ofTheNode(new RuntimeException("cudaMalloc failed: cudaErrorMemoryAllocation")));
        assertTrue(TrialTask.ofTheNode(new IllegalStateException("no kernel image is available for execution on the device")));
        assertFalse(TrialTask.ofTheNode(new IllegalArgumentException("parameter budget 10 is too small")));
        assertFalse(TrialTask.ofTheNode(new IllegalArgumentException("the CUDA kernels compute in float: use --precision float")));
        assertFalse(TrialTask.ofTheNode(new IllegalStateException("perplexity is NaN")));
    }

    @Test
    void aGpuBindingThatDoesNotMatchTheExecutorFailsTheTaskInsteadOfTheTrial() {
        assertEquals(1, TrialTask.device("3", false, "2,3"));
        assertEquals(-1, TrialTask.device(null, true, null), "allowed to share device 0");
        RuntimeException none = assertThrows(RuntimeException.class, () -> TrialTask.device(null, false, null));
        assertTrue(TrialTask.ofTheNode(none), "a task without a GPU address is the executor's setup");
        assertTrue(none.getMessage().contains("spark.task.resource.gpu.amount"), none.getMessage());
        RuntimeException mismatch = assertThrows(RuntimeException.class, () -> TrialTask.device("1", false, "2,3"));
        assertTrue(TrialTask.ofTheNode(mismatch), "CUDA_VISIBLE_DEVICES disagreeing with the discovery script");
        assertTrue(mismatch.getMessage().contains("CUDA_VISIBLE_DEVICES=2,3"), mismatch.getMessage());
    }

    @Test
    void gpuAddressesMapToTheDevicesThisProcessSees() {
        assertEquals(3, GpuBinding.device("3", null));
        assertEquals(1, GpuBinding.device("3", "2,3"));
        assertEquals(0, GpuBinding.device(" 2 ", "2, 3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuBinding.device("1", "2,3"));
        assertTrue(e.getMessage().contains("CUDA_VISIBLE_DEVICES=2,3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GpuBinding.device("GPU-1a2b", null));
    }
}
