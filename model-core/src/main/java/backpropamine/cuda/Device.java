package backpropamine.cuda;

/**
 * Where the CUDA kernels run: a GPU through the NVIDIA driver API ({@link CudaDevice}), or the same kernel
 * sources compiled for the host and run one thread at a time ({@link EmulatedDevice}, for machines without a
 * GPU). The model's host code ({@link CudaLstmModel}) is written once against this interface.
 *
 * <p>Memory is addressed by raw device addresses ({@code long}); all tensors are row-major float32 or int32.
 * Kernel arguments are {@link Long} (a device address), {@link Integer} (C {@code int}) or {@link Float}
 * (C {@code float}), in the order of the kernel's C signature. Work is issued in order on one stream;
 * {@link #download} and {@link #synchronize} wait for it.
 */
public interface Device extends AutoCloseable {
    /** One line naming the device, e.g. "NVIDIA H200 (sm_90, 140 GB), driver 13.0, cuBLAS 13" or "host emulation". */
    String name();

    /** Allocates {@code bytes} of device memory, zero-filled; returns its address. */
    long allocate(long bytes);

    void free(long address);

    /** Copies {@code count} floats from {@code src[from..]} to device address {@code dst}. */
    void upload(long dst, float[] src, int from, int count);

    /** Copies {@code count} ints from {@code src[from..]} to device address {@code dst}. */
    void upload(long dst, int[] src, int from, int count);

    /** Copies {@code count} floats from device address {@code src} into {@code dst[from..]}; waits for pending work. */
    void download(long src, float[] dst, int from, int count);

    /** Sets {@code bytes} of device memory to zero (in stream order). */
    void zero(long dst, long bytes);

    /** Copies {@code bytes} within device memory (in stream order). */
    void copy(long dst, long src, long bytes);

    /**
     * Launches kernel {@code name} on a grid of {@code gridX x gridY} blocks of {@code blockX} threads.
     *
     * @param args the kernel's arguments: Long (device address), Integer or Float
     */
    void launch(String name, int gridX, int gridY, int blockX, Object... args);

    /** Threads per block of {@link #launchThreads}. */
    int THREADS = 256;

    /** Launches a one-dimensional kernel over {@code threads} threads (blocks of {@link #THREADS}). */
    default void launchThreads(String name, long threads, Object... args) {
        launch(name, Math.toIntExact((threads + THREADS - 1) / THREADS), 1, THREADS, args);
    }

    /**
     * Row-major single-precision matrix product {@code C = alpha op(A) op(B) + beta C}, C [m x n], op(A) [m x k],
     * op(B) [k x n]; {@code lda}, {@code ldb}, {@code ldc} are row strides of A, B, C as stored. cuBLAS where one
     * was found, else the project's GEMM kernel.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
              float beta, long c, int ldc);

    /**
     * Runs {@code body}, a sequence of launches, GEMMs, zeroes and copies (no uploads or downloads), and keeps it
     * under {@code key}: on a GPU the first call captures it as a CUDA graph and later calls with the same key
     * replay the graph (one launch instead of hundreds). The body must issue the same work with the same
     * addresses every time; values that change between calls live in device memory written before.
     */
    void replay(Object key, Runnable body);

    /** The memory's theoretical bandwidth in bytes/s, NaN where unknown (the host emulation). */
    default double peakBandwidth() {
        return Double.NaN;
    }

    /** Drops what {@link #replay} kept under {@code key} (its buffers are about to be freed). */
    default void forget(Object key) {
    }

    /** Waits for all issued work; throws {@link CudaException} if any of it failed. */
    void synchronize();

    /** Bytes allocated through {@link #allocate} and not yet freed. */
    long allocatedBytes();

    /** Frees everything this device allocated and releases the context. */
    @Override
    void close();
}
