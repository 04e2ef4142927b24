package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.data.DataException;
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
        assertTrue(e.getMessage().contains("task-error:N or halt-after-epoch:K"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Faults.parse("halt-after-epoch:0"));
    }

    @Test
    void errorsOfTheNodeFailTheTaskErrorsOfTheTrialBecomeRows() {
        assertTrue(TrialTask.ofTheNode(new DataException("Penn Treebank not found in /data/ptb")));
        assertTrue(TrialTask.ofTheNode(new UncheckedIOException(new IOException("disk full"))));
        assertTrue(TrialTask.ofTheNode(new RuntimeException("ND4J backend", new UnsatisfiedLinkError("libnd4jcpu.so"))));
        assertTrue(TrialTask.ofTheNode(new OutOfMemoryError("Java heap space")));
        // the CUDA kernels' device errors (no driver, out of memory, PTX refused) are the node's
        assertTrue(TrialTask.ofTheNode(new backpropamine.model.BackendException("cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY")));
        assertFalse(TrialTask.ofTheNode(new IllegalArgumentException("parameter budget 10 is too small")));
        assertFalse(TrialTask.ofTheNode(new IllegalStateException("this task has no GPU address")));
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
