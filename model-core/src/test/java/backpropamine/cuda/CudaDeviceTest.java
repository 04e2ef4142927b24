package backpropamine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The GPU binding. The checks on a GPU run only where an NVIDIA driver and a GPU are present; their expected values
 * are host computations (the same checks {@code CudaProbe --check} prints on the GPU machine, where no JUnit is).
 * The loader's behaviour without a driver is checked everywhere else. The GPU tests also run against
 * {@code src/test/c/fake_cuda.c} (a host stand-in for libcuda and libcublas, built as that file says, with
 * {@code LD_LIBRARY_PATH} pointing at it), which checks the binding's marshalling where no GPU is.
 */
class CudaDeviceTest {
    private static boolean gpu() {
        return CudaDriver.loadFailure() == null && CudaDriver.cuInit(0) == 0 && count() > 0;
    }

    private static int count() {
        int[] n = new int[1];
        return CudaDriver.cuDeviceGetCount(n) == 0 ? n[0] : 0;
    }

    @Test
    void probeSaysInOneLineWhatIsMissingAndNeverThrows() {
        String line = CudaDevice.probe();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("cuBLAS"), line);
        assertTrue(line.contains("kernels.ptx"), line);
        if (CudaDriver.loadFailure() != null) {
            assertTrue(line.startsWith("no NVIDIA driver (libcuda.so.1 not found): install the NVIDIA driver"), line);
        } else {
            assertTrue(line.startsWith("NVIDIA driver"), line);
        }
    }

    @Test
    void openWithoutADriverSaysSo() {
        assumeTrue(CudaDriver.loadFailure() != null, "an NVIDIA driver is installed here");
        CudaException e = assertThrows(CudaException.class, () -> CudaDevice.open(0));
        assertTrue(e.getMessage().startsWith("no NVIDIA driver (libcuda.so.1 not found)"), e.getMessage());
        assertTrue(e.getMessage().contains("install the NVIDIA driver"), e.getMessage());
    }

    @Test
    void errorsNameTheCallAndTheFix() {
        assertEquals("GPU-00112233-4455-6677-8899-aabbccddeeff", CudaDevice.formatUuid(new byte[]{0x00, 0x11, 0x22, 0x33,
                0x44, 0x55, 0x66, 0x77, (byte) 0x88, (byte) 0x99, (byte) 0xaa, (byte) 0xbb, (byte) 0xcc, (byte) 0xdd,
                (byte) 0xee, (byte) 0xff}));
        assertTrue(CudaDriver.hint("CUDA_ERROR_UNSUPPORTED_PTX_VERSION").startsWith("the driver is older than the PTX ISA"));
        assertTrue(CudaDriver.hint("CUDA_ERROR_OUT_OF_MEMORY").contains("memory"));
        assertTrue(Cublas.describe().startsWith("cuBLAS"), Cublas.describe());
    }

    @Test
    void memoryOnTheGpu() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        try (CudaDevice d = CudaDevice.open(0)) {
            assertTrue(d.name().contains("sm_") && d.name().contains(", driver "), d.name());
            assertTrue(d.uuid().matches("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), d.uuid());
            CudaProbe.memory(d);
            long a = d.allocate(1000);
            assertEquals(1000, d.allocatedBytes());
            d.free(a);
            assertEquals(0, d.allocatedBytes());
        }
    }

    @Test
    void launchOfTheBindingsOwnKernel() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        try (CudaDevice d = CudaDevice.open(0)) {
            CudaProbe.kernel(d);
            assertThrows(IllegalArgumentException.class,
                    () -> d.launchFunction(0, "k", 1, 1, 1, 1.0)); // a Double is no kernel argument
        }
    }

    @Test
    void refusedPtxGivesTheJitLog() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        try (CudaDevice d = CudaDevice.open(0)) {
            CudaException e = assertThrows(CudaException.class,
                    () -> d.loadModule(".version 7.0\n.target sm_80\n.address_size 64\nBADPTX here;\n", "broken"));
            assertTrue(e.getMessage().startsWith("cuModuleLoadDataEx(broken"), e.getMessage());
            assertTrue(e.getMessage().contains("CUDA_ERROR_INVALID_PTX") && e.getMessage().contains("JIT log: "),
                    e.getMessage());
        }
    }

    @Test
    void gemmAgainstAHostProduct() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        try (CudaDevice d = CudaDevice.open(0)) {
            CudaProbe.gemm(d);
        }
    }

    @Test
    void projectGemmKernelAgainstAHostProduct() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        assumeTrue(CudaDevice.Ptx.bytes() != null, CudaDevice.PTX_RESOURCE + " is not built");
        try (CudaDevice d = CudaDevice.open(0)) {
            Device viaKernel = new ForwardingDevice(d) {
                @Override
                public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                 long b, int ldb, float beta, long c, int ldc) {
                    Gemm.launch(d, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                }
            };
            CudaProbe.gemm(viaKernel);
        }
    }

    @Test
    void replayRunsTheCapturedGraphAgain() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        try (CudaDevice d = CudaDevice.open(0)) {
            CudaProbe.replay(d);
            long a = d.allocate(64);
            assertThrows(IllegalStateException.class, () -> d.replay("bad", () -> d.upload(a, new float[1], 0, 1)));
            // the stream left capture mode: ordinary work goes on
            CudaProbe.memory(d);
            d.free(a);
        }
    }

    @Test
    void twoDevicesOnOneGpuKeepTheirOwnMemory() {
        assumeTrue(gpu(), "no GPU and NVIDIA driver here");
        try (CudaDevice one = CudaDevice.open(0); CudaDevice two = CudaDevice.open(0)) {
            long a = one.allocate(4000);
            long b = two.allocate(8000);
            assertEquals(4000, one.allocatedBytes());
            assertEquals(8000, two.allocatedBytes());
            assertThrows(IllegalArgumentException.class, () -> one.free(b));
            one.close();
            CudaProbe.memory(two); // the shared context outlives the first device
            two.free(b);
        }
    }

    /** Passes everything to a device; a test overrides what it replaces. */
    private static class ForwardingDevice implements Device {
        private final Device d;

        ForwardingDevice(Device d) {
            this.d = d;
        }

        @Override public String name() { return d.name(); }
        @Override public long allocate(long bytes) { return d.allocate(bytes); }
        @Override public void free(long address) { d.free(address); }
        @Override public void upload(long dst, float[] src, int from, int count) { d.upload(dst, src, from, count); }
        @Override public void upload(long dst, int[] src, int from, int count) { d.upload(dst, src, from, count); }
        @Override public void download(long src, float[] dst, int from, int count) { d.download(src, dst, from, count); }
        @Override public void zero(long dst, long bytes) { d.zero(dst, bytes); }
        @Override public void copy(long dst, long src, long bytes) { d.copy(dst, src, bytes); }
        @Override public void launch(String name, int gx, int gy, int bx, Object... args) { d.launch(name, gx, gy, bx, args); }
        @Override public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                   long b, int ldb, float beta, long c, int ldc) {
            d.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
        @Override public void replay(Object key, Runnable body) { d.replay(key, body); }
        @Override public void synchronize() { d.synchronize(); }
        @Override public long allocatedBytes() { return d.allocatedBytes(); }
        @Override public void close() { d.close(); }
    }
}
