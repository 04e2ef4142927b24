package backpropamine.cuda;

import static backpropamine.cuda.CudaDriver.check;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GPU through the NVIDIA driver API ({@link CudaDriver}) and cuBLAS ({@link Cublas}), both found at run time.
 *
 * <p><b>Sharing one GPU.</b> Every instance works in the device's primary context (the one the CUDA runtime,
 * and so PyTorch, would use too) but has its own non-blocking stream, its own cuBLAS handle and workspace and its
 * own allocations, so several trials in one JVM can share a GPU without ordering each other's work or freeing each
 * other's memory. The kernels ({@value #PTX_RESOURCE}, built from {@code model-core/src/main/cuda} by clang-14)
 * are loaded once per process and GPU: the driver JIT-compiles the PTX for the GPU it finds and caches the result
 * on disk ({@code CUDA_CACHE_PATH}, default {@code ~/.nv/ComputeCache}); the load time is logged.
 *
 * <p><b>Threads.</b> The context is made current on the calling thread at the start of every public method (a
 * thread-local assignment in the driver, cheap), and the methods are synchronized, so an instance may be handed
 * between threads; a Spark task or the trainer uses it from one.
 *
 * <p>{@link #probe()} says in one line what was found or what is missing, and never throws.
 */
public final class CudaDevice implements Device {
    /** The classpath resource holding the project's kernels as PTX text. */
    public static final String PTX_RESOURCE = "/backpropamine/cuda/kernels.ptx";

    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    /** Kernel arguments a launch may pass; each gets an 8-byte slot. gemm_rowmajor, the longest, has 14. */
    private static final int MAX_ARGS = 32;
    /** Uploaded host buffers kept alive until the stream has consumed them, at most this much before a sync. */
    private static final long MAX_PENDING_UPLOAD_BYTES = 64L << 20;
    private static final int JIT_LOG_BYTES = 16 << 10;

    /** Per GPU (CUdevice), for the process's lifetime: the primary context, retained once more, and the module. */
    private static final Map<Integer, Shared> SHARED = new HashMap<>();
    private static boolean initialised;

    private final int ordinal;
    private final int cuDevice;
    private final Shared shared;
    private final long context;
    private final long stream;
    private final String uuid;
    private final String name;
    private final long cublas;
    private final long cublasWorkspace;
    /** Kernel argument values (slot i at 8 i) followed by the pointer array cuLaunchKernel reads (slot i -> value i). */
    private final Memory args = new Memory(2L * MAX_ARGS * 8);
    /** alpha at 0, beta at 4, read by cuBLAS from host memory during the call. */
    private final Memory scalars = new Memory(8);
    private final Map<Long, Long> allocations = new LinkedHashMap<>();
    private final Map<Object, Long> graphs = new HashMap<>();
    private final List<Memory> pendingUploads = new ArrayList<>();
    private long pendingUploadBytes;
    private Memory downloadStaging;
    private long allocatedBytes;
    private boolean capturing;
    private boolean closed;

    private CudaDevice(int ordinal, int cuDevice, Shared shared) {
        this.ordinal = ordinal;
        this.cuDevice = cuDevice;
        this.shared = shared;
        long[] out = new long[1];
        check(CudaDriver.cuDevicePrimaryCtxRetain(out, cuDevice), "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
        this.context = out[0];
        long createdStream = 0;
        long handle = 0;
        long workspace = 0;
        try {
            check(CudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            check(CudaDriver.cuStreamCreate(out, CudaDriver.CU_STREAM_NON_BLOCKING), "cuStreamCreate(NON_BLOCKING)");
            createdStream = out[0];
            if (Cublas.available()) {
                handle = Cublas.create(createdStream);
                // cuBLAS's advice: 32 MiB of workspace on Hopper and newer, 4 MiB before
                long bytes = (shared.major >= 9 ? 32L : 4L) << 20;
                check(CudaDriver.cuMemAlloc_v2(out, bytes), "cuMemAlloc_v2(" + bytes + " bytes, cuBLAS workspace)");
                workspace = out[0];
                if (!Cublas.setWorkspace(handle, workspace, bytes)) {
                    check(CudaDriver.cuMemFree_v2(workspace), "cuMemFree_v2");
                    workspace = 0;
                }
            }
        } catch (RuntimeException e) {
            if (handle != 0) {
                Cublas.cublasDestroy_v2(handle);
            }
            if (workspace != 0) {
                CudaDriver.cuMemFree_v2(workspace);
            }
            if (createdStream != 0) {
                CudaDriver.cuStreamDestroy_v2(createdStream);
            }
            CudaDriver.cuDevicePrimaryCtxRelease_v2(cuDevice);
            throw e;
        }
        this.stream = createdStream;
        this.cublas = handle;
        this.cublasWorkspace = workspace;
        this.uuid = shared.uuid;
        this.name = shared.description + ", driver " + driverVersion() + ", "
                + (Cublas.available() ? "cuBLAS " + Cublas.version() : "no cuBLAS (the project's GEMM kernel)");
        for (int i = 0; i < MAX_ARGS; i++) {
            args.setPointer(8L * (MAX_ARGS + i), args.share(8L * i));
        }
    }

    /**
     * Opens GPU {@code ordinal} among this process's visible devices (after {@code CUDA_VISIBLE_DEVICES}).
     *
     * @throws CudaException where there is no driver, no such GPU, or the kernels' PTX is refused
     */
    public static CudaDevice open(int ordinal) {
        CudaDriver.requireLoaded();
        Shared shared;
        int cuDevice;
        synchronized (SHARED) {
            initialise();
            int count = deviceCount();
            if (ordinal < 0 || ordinal >= count) {
                String visible = System.getenv("CUDA_VISIBLE_DEVICES");
                throw new CudaException("GPU " + ordinal + " asked for, but this process sees " + count + " GPU(s)"
                        + (visible == null ? "" : " (CUDA_VISIBLE_DEVICES=" + visible + ")")
                        + ": use an ordinal from 0 to " + (count - 1));
            }
            int[] dev = new int[1];
            check(CudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
            cuDevice = dev[0];
            shared = SHARED.get(cuDevice);
            if (shared == null) {
                shared = new Shared(ordinal, cuDevice);
                SHARED.put(cuDevice, shared);
            }
        }
        CudaDevice device = new CudaDevice(ordinal, cuDevice, shared);
        LOG.info("opened {}", device.name);
        return device;
    }

    /**
     * One line: the driver and its version, the GPUs (name, sm_XX, memory, UUID), cuBLAS or its absence, and the
     * kernels' PTX; or what is missing, with the fix. Never throws.
     */
    public static String probe() {
        try {
            String rest = Cublas.describe() + "; " + Ptx.describe();
            if (CudaDriver.loadFailure() != null) {
                return oneLine(CudaDriver.notLoadedMessage() + "; " + rest);
            }
            int init = CudaDriver.cuInit(0);
            if (init != 0) {
                return oneLine("NVIDIA driver library " + CudaDriver.LIBRARY + " loaded, but "
                        + CudaDriver.message(init, "cuInit(0)") + "; " + rest);
            }
            int count = deviceCount();
            StringBuilder line = new StringBuilder("NVIDIA driver " + driverVersion() + " (" + CudaDriver.LIBRARY + "), "
                    + count + " GPU" + (count == 1 ? "" : "s"));
            for (int i = 0; i < count; i++) {
                int[] dev = new int[1];
                check(CudaDriver.cuDeviceGet(dev, i), "cuDeviceGet(" + i + ")");
                line.append(i == 0 ? ": " : ", ").append('[').append(i).append("] ").append(describe(dev[0]));
            }
            if (count == 0) {
                line.append(" (").append(CudaDriver.hint("CUDA_ERROR_NO_DEVICE")).append(')');
            }
            return oneLine(line.append("; ").append(rest).toString());
        } catch (Throwable e) {
            return oneLine("CUDA probe failed: " + e);
        }
    }

    /** The GPU's UUID as nvidia-smi prints it, "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
    public String uuid() {
        return uuid;
    }

    /** The ordinal this device was opened with. */
    public int ordinal() {
        return ordinal;
    }

    /** Whether products go through cuBLAS (else the project's GEMM kernel). */
    public boolean hasCublas() {
        return cublas != 0;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized long allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation: " + bytes);
        }
        current();
        notCapturing("allocate");
        long[] out = new long[1];
        // cuMemAlloc refuses 0 bytes; a 0-byte tensor still gets an address of its own
        check(CudaDriver.cuMemAlloc_v2(out, Math.max(bytes, 4)), "cuMemAlloc_v2(" + bytes + " bytes; "
                + allocatedBytes + " bytes held by this device)");
        long address = out[0];
        allocations.put(address, bytes);
        allocatedBytes += bytes;
        zero(address, bytes);
        return address;
    }

    @Override
    public synchronized void free(long address) {
        current();
        notCapturing("free");
        Long bytes = allocations.remove(address);
        if (bytes == null) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " was not allocated by this device"
                    + " (or was freed already)");
        }
        allocatedBytes -= bytes;
        // work still queued on the stream may use it: cuMemFree does not wait for a non-blocking stream
        check(CudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize (before cuMemFree)");
        check(CudaDriver.cuMemFree_v2(address), "cuMemFree_v2");
    }

    @Override
    public synchronized void upload(long dst, float[] src, int from, int count) {
        if (count == 0) {
            return;
        }
        Memory host = stage(4L * count);
        host.write(0, src, from, count);
        uploadStaged(dst, host);
    }

    @Override
    public synchronized void upload(long dst, int[] src, int from, int count) {
        if (count == 0) {
            return;
        }
        Memory host = stage(4L * count);
        host.write(0, src, from, count);
        uploadStaged(dst, host);
    }

    private Memory stage(long bytes) {
        current();
        notCapturing("upload");
        return new Memory(bytes);
    }

    /**
     * The copy is asynchronous from pageable host memory; the buffer is kept until the stream is next synchronized,
     * so it stays valid whenever the driver reads it.
     */
    private void uploadStaged(long dst, Memory host) {
        check(CudaDriver.cuMemcpyHtoDAsync_v2(dst, host, host.size(), stream), "cuMemcpyHtoDAsync_v2(" + host.size()
                + " bytes)");
        pendingUploads.add(host);
        pendingUploadBytes += host.size();
        if (pendingUploadBytes > MAX_PENDING_UPLOAD_BYTES) {
            synchronize();
        }
    }

    @Override
    public synchronized void download(long src, float[] dst, int from, int count) {
        current();
        notCapturing("download");
        long bytes = 4L * count;
        if (count > 0) {
            if (downloadStaging == null || downloadStaging.size() < bytes) {
                downloadStaging = new Memory(Math.max(bytes, 4096));
            }
            check(CudaDriver.cuMemcpyDtoHAsync_v2(downloadStaging, src, bytes, stream), "cuMemcpyDtoHAsync_v2(" + bytes
                    + " bytes)");
        }
        synchronize();
        if (count > 0) {
            downloadStaging.read(0, dst, from, count);
        }
    }

    @Override
    public synchronized void zero(long dst, long bytes) {
        if (bytes == 0) {
            return;
        }
        current();
        if ((dst & 3) == 0 && (bytes & 3) == 0) {
            check(CudaDriver.cuMemsetD32Async(dst, 0, bytes >>> 2, stream), "cuMemsetD32Async(" + bytes + " bytes)");
        } else {
            check(CudaDriver.cuMemsetD8Async(dst, (byte) 0, bytes, stream), "cuMemsetD8Async(" + bytes + " bytes)");
        }
    }

    @Override
    public synchronized void copy(long dst, long src, long bytes) {
        if (bytes == 0) {
            return;
        }
        current();
        check(CudaDriver.cuMemcpyDtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2(" + bytes + " bytes)");
    }

    @Override
    public synchronized void launch(String kernel, int gridX, int gridY, int blockX, Object... arguments) {
        launchFunction(shared.function(kernel), kernel, gridX, gridY, blockX, arguments);
    }

    /** Launches {@code function} (from the project's module or {@link #loadModule}) on this device's stream. */
    synchronized void launchFunction(long function, String kernel, int gridX, int gridY, int blockX, Object... arguments) {
        current();
        if (arguments.length > MAX_ARGS) {
            throw new IllegalArgumentException(kernel + ": " + arguments.length + " arguments, at most " + MAX_ARGS);
        }
        for (int i = 0; i < arguments.length; i++) {
            Object a = arguments[i];
            long slot = 8L * i;
            if (a instanceof Long) {
                args.setLong(slot, (Long) a);
            } else if (a instanceof Integer) {
                args.setInt(slot, (Integer) a);
            } else if (a instanceof Float) {
                args.setFloat(slot, (Float) a);
            } else {
                throw new IllegalArgumentException(kernel + ": argument " + i + " is "
                        + (a == null ? "null" : a.getClass().getSimpleName()) + "; a kernel takes Long (device address),"
                        + " Integer or Float");
            }
        }
        int result = CudaDriver.cuLaunchKernel(function, gridX, gridY, 1, blockX, 1, 1, 0, stream,
                Pointer.nativeValue(args) + 8L * MAX_ARGS, 0);
        if (result != 0) {
            throw new CudaException(CudaDriver.message(result, "cuLaunchKernel(" + kernel + ", grid " + gridX + "x"
                    + gridY + ", block " + blockX + ", " + arguments.length + " arguments)"));
        }
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                  long b, int ldb, float beta, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        current();
        if (cublas != 0) {
            scalars.setFloat(0, alpha);
            scalars.setFloat(4, beta);
            Cublas.sgemmRowMajor(cublas, transA, transB, m, n, k, Pointer.nativeValue(scalars), a, lda, b, ldb, c, ldc);
        } else {
            Gemm.launch(this, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    @Override
    public synchronized void replay(Object key, Runnable body) {
        current();
        notCapturing("replay (nested)");
        Long exec = graphs.get(key);
        if (exec == null) {
            exec = capture(key, body);
            graphs.put(key, exec);
        }
        check(CudaDriver.cuGraphLaunch(exec, stream), "cuGraphLaunch(" + key + ")");
    }

    /** 2 x memory clock x bus width, from the device's attributes (HBM parts may report a nominal clock). */
    @Override
    public double peakBandwidth() {
        int[] clock = new int[1];
        int[] bus = new int[1];
        if (CudaDriver.cuDeviceGetAttribute(clock, CudaDriver.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, cuDevice) != 0
                || CudaDriver.cuDeviceGetAttribute(bus, CudaDriver.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, cuDevice) != 0) {
            return Double.NaN;
        }
        return 2.0 * clock[0] * 1e3 * bus[0] / 8;
    }

    @Override
    public synchronized void forget(Object key) {
        Long exec = graphs.remove(key);
        if (exec != null) {
            current();
            check(CudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
            check(CudaDriver.cuGraphExecDestroy(exec), "cuGraphExecDestroy(" + key + ")");
        }
    }

    /** Records {@code body}'s work on the stream into a graph (nothing runs) and instantiates it. */
    private long capture(Object key, Runnable body) {
        long started = System.nanoTime();
        check(CudaDriver.cuStreamBeginCapture_v2(stream, CudaDriver.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture_v2(" + key + ")");
        capturing = true;
        long[] graph = new long[1];
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            capturing = false;
            // the stream must leave capture mode whatever happened, or it refuses all later work
            if (CudaDriver.cuStreamEndCapture(stream, graph) == 0 && graph[0] != 0) {
                CudaDriver.cuGraphDestroy(graph[0]);
            }
            throw e;
        } finally {
            capturing = false;
        }
        check(CudaDriver.cuStreamEndCapture(stream, graph), "cuStreamEndCapture(" + key + ")");
        long[] exec = new long[1];
        try {
            check(CudaDriver.cuGraphInstantiateWithFlags(exec, graph[0], 0), "cuGraphInstantiateWithFlags(" + key + ")");
        } finally {
            // the executable graph is independent of the graph it was made from
            CudaDriver.cuGraphDestroy(graph[0]);
        }
        LOG.debug("captured graph {} in {} ms", key, (System.nanoTime() - started) / 1_000_000);
        return exec[0];
    }

    @Override
    public synchronized void synchronize() {
        current();
        notCapturing("synchronize");
        check(CudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        pendingUploads.clear();
        pendingUploadBytes = 0;
    }

    @Override
    public synchronized long allocatedBytes() {
        return allocatedBytes;
    }

    /**
     * Frees every allocation, graph, the cuBLAS handle and the stream, and releases this instance's hold on the
     * primary context (the module's hold keeps the context for the process's lifetime). Keeps going past failures
     * (a faulted context refuses everything) and throws the first at the end.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failures = new ArrayList<>();
        collect(failures, CudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        collect(failures, CudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        for (long exec : graphs.values()) {
            collect(failures, CudaDriver.cuGraphExecDestroy(exec), "cuGraphExecDestroy");
        }
        graphs.clear();
        if (cublas != 0) {
            int status = Cublas.cublasDestroy_v2(cublas);
            if (status != 0) {
                failures.add(Cublas.message(status, "cublasDestroy_v2"));
            }
        }
        if (cublasWorkspace != 0) {
            collect(failures, CudaDriver.cuMemFree_v2(cublasWorkspace), "cuMemFree_v2(cuBLAS workspace)");
        }
        for (long address : allocations.keySet()) {
            collect(failures, CudaDriver.cuMemFree_v2(address), "cuMemFree_v2");
        }
        allocations.clear();
        allocatedBytes = 0;
        pendingUploads.clear();
        collect(failures, CudaDriver.cuStreamDestroy_v2(stream), "cuStreamDestroy_v2");
        collect(failures, CudaDriver.cuDevicePrimaryCtxRelease_v2(cuDevice), "cuDevicePrimaryCtxRelease_v2");
        if (!failures.isEmpty()) {
            throw new CudaException("closing " + name + ": " + String.join("; ", failures));
        }
    }

    private static void collect(List<String> failures, int result, String call) {
        if (result != 0) {
            failures.add(CudaDriver.message(result, call));
        }
    }

    /**
     * Loads PTX text into this device's context, outside the project's module (tests and {@link CudaProbe} bring
     * their own kernels); the module lives as long as the process.
     */
    synchronized long loadModule(String ptx, String label) {
        current();
        return loadPtx(ptx.getBytes(StandardCharsets.US_ASCII), label);
    }

    /** A kernel of a module from {@link #loadModule}. */
    synchronized long function(long module, String kernel) {
        current();
        long[] out = new long[1];
        check(CudaDriver.cuModuleGetFunction(out, module, kernel), "cuModuleGetFunction(" + kernel + ")");
        return out[0];
    }

    /** Whether the project's kernels ({@value #PTX_RESOURCE}) were found and loaded. */
    public boolean hasKernels() {
        return shared.module != 0;
    }

    private void current() {
        if (closed) {
            throw new IllegalStateException("CudaDevice " + ordinal + " is closed");
        }
        check(CudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    private void notCapturing(String what) {
        if (capturing) {
            throw new IllegalStateException(what + " inside Device.replay: a captured body may only launch, gemm,"
                    + " zero and copy");
        }
    }

    private static void initialise() {
        if (!initialised) {
            check(CudaDriver.cuInit(0), "cuInit(0)");
            initialised = true;
        }
    }

    /** GPUs the driver sees; 0 where there is no driver or it fails. Never throws. */
    static int deviceCountOrZero() {
        try {
            if (CudaDriver.loadFailure() != null) {
                return 0;
            }
            synchronized (SHARED) {
                initialise();
                return deviceCount();
            }
        } catch (Throwable e) {
            return 0;
        }
    }

    private static int deviceCount() {
        int[] count = new int[1];
        check(CudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        return count[0];
    }

    /** "13.0" from 13000. */
    private static String driverVersion() {
        int[] v = new int[1];
        check(CudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
        return v[0] / 1000 + "." + (v[0] % 1000) / 10;
    }

    /** "NVIDIA H200 (sm_90, 139.8 GiB, uuid GPU-...)". */
    private static String describe(int cuDevice) {
        int[] cc = computeCapability(cuDevice);
        byte[] raw = new byte[256];
        check(CudaDriver.cuDeviceGetName(raw, raw.length, cuDevice), "cuDeviceGetName");
        int len = 0;
        while (len < raw.length && raw[len] != 0) {
            len++;
        }
        long[] bytes = new long[1];
        check(CudaDriver.cuDeviceTotalMem_v2(bytes, cuDevice), "cuDeviceTotalMem_v2");
        return new String(raw, 0, len, StandardCharsets.UTF_8) + " (sm_" + cc[0] + cc[1] + ", "
                + String.format(Locale.ROOT, "%.1f GiB", bytes[0] / (double) (1L << 30)) + ", uuid " + uuid(cuDevice) + ")";
    }

    private static int[] computeCapability(int cuDevice) {
        int[] major = new int[1];
        int[] minor = new int[1];
        check(CudaDriver.cuDeviceGetAttribute(major, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cuDevice),
                "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
        check(CudaDriver.cuDeviceGetAttribute(minor, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cuDevice),
                "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
        return new int[]{major[0], minor[0]};
    }

    private static String uuid(int cuDevice) {
        byte[] u = new byte[16];
        check(CudaDriver.cuDeviceGetUuid_v2(u, cuDevice), "cuDeviceGetUuid_v2");
        return formatUuid(u);
    }

    /** nvidia-smi's form: "GPU-" and the 16 bytes in hex, grouped 4-2-2-2-6. */
    static String formatUuid(byte[] u) {
        StringBuilder s = new StringBuilder("GPU-");
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(String.format("%02x", u[i] & 0xff));
        }
        return s.toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    /**
     * Loads NUL-terminated PTX into the current context with the JIT's error log captured, so a refused PTX throws
     * with the JIT's own words. Logs the time (the first process on a machine compiles; later ones hit the cache).
     */
    private static long loadPtx(byte[] ptx, String label) {
        Memory image = new Memory(ptx.length + 1L);
        image.write(0, ptx, 0, ptx.length);
        image.setByte(ptx.length, (byte) 0);
        Memory info = new Memory(JIT_LOG_BYTES);
        Memory error = new Memory(JIT_LOG_BYTES);
        info.setByte(0, (byte) 0);
        error.setByte(0, (byte) 0);
        int[] options = {CudaDriver.CU_JIT_INFO_LOG_BUFFER, CudaDriver.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                CudaDriver.CU_JIT_ERROR_LOG_BUFFER, CudaDriver.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                CudaDriver.CU_JIT_WALL_TIME};
        // one void* per option: a buffer's address, or an integer (float for WALL_TIME) in the pointer's place
        Memory values = new Memory(8L * options.length);
        values.clear();
        values.setPointer(0, info);
        values.setLong(8, JIT_LOG_BYTES);
        values.setPointer(16, error);
        values.setLong(24, JIT_LOG_BYTES);
        long[] module = new long[1];
        long started = System.nanoTime();
        int result = CudaDriver.cuModuleLoadDataEx(module, image, options.length, options, values);
        double ms = (System.nanoTime() - started) / 1e6;
        if (result != 0) {
            String log = error.getString(0, "US-ASCII").trim();
            throw new CudaException(CudaDriver.message(result, "cuModuleLoadDataEx(" + label + ", " + ptx.length
                    + " bytes of PTX, " + Ptx.header(ptx) + ")") + (log.isEmpty() ? "" : "; JIT log: " + log));
        }
        String infoLog = info.getString(0, "US-ASCII").trim();
        LOG.info("loaded {} ({} bytes of PTX, {}) in {} ms, JIT {} ms (the driver caches compiled PTX in"
                        + " CUDA_CACHE_PATH or ~/.nv/ComputeCache){}", label, ptx.length, Ptx.header(ptx),
                String.format(Locale.ROOT, "%.1f", ms), String.format(Locale.ROOT, "%.1f", values.getFloat(32)),
                infoLog.isEmpty() ? "" : ": " + infoLog);
        return module[0];
    }

    /** Per GPU and process: the primary context (one retain held for good), the project's module, its kernels. */
    private static final class Shared {
        final String uuid;
        final String description;
        final int major;
        final long module;
        final Map<String, Long> functions = new ConcurrentHashMap<>();

        Shared(int ordinal, int cuDevice) {
            long[] ctx = new long[1];
            check(CudaDriver.cuDevicePrimaryCtxRetain(ctx, cuDevice), "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
            try {
                check(CudaDriver.cuCtxSetCurrent(ctx[0]), "cuCtxSetCurrent");
                this.uuid = uuid(cuDevice);
                this.description = describe(cuDevice);
                this.major = computeCapability(cuDevice)[0];
                byte[] ptx = Ptx.bytes();
                this.module = ptx == null ? 0 : loadPtx(ptx, PTX_RESOURCE);
            } catch (RuntimeException e) {
                CudaDriver.cuDevicePrimaryCtxRelease_v2(cuDevice);
                throw e;
            }
        }

        long function(String kernel) {
            Long f = functions.get(kernel);
            if (f != null) {
                return f;
            }
            if (module == 0) {
                throw new CudaException("kernel " + kernel + ": " + PTX_RESOURCE + " is not on the class path (the"
                        + " build writes it from model-core/src/main/cuda with clang-14; is clang-14 installed?)");
            }
            long[] out = new long[1];
            check(CudaDriver.cuModuleGetFunction(out, module, kernel), "cuModuleGetFunction(" + kernel + ")");
            functions.put(kernel, out[0]);
            return out[0];
        }
    }

    /** The project's kernels as PTX text, read once per process. */
    static final class Ptx {
        private static byte[] bytes;
        private static boolean read;

        private Ptx() {
        }

        /** The resource's bytes, or null where the jar has none. */
        static synchronized byte[] bytes() {
            if (!read) {
                try (InputStream in = CudaDevice.class.getResourceAsStream(PTX_RESOURCE)) {
                    bytes = in == null ? null : in.readAllBytes();
                } catch (IOException e) {
                    throw new CudaException("reading " + PTX_RESOURCE + ": " + e.getMessage(), e);
                }
                read = true;
            }
            return bytes;
        }

        /** ".version 7.0 .target sm_80", from the PTX's own header lines. */
        static String header(byte[] ptx) {
            String head = new String(ptx, 0, Math.min(ptx.length, 4096), StandardCharsets.US_ASCII);
            StringBuilder s = new StringBuilder();
            for (String line : head.split("\n")) {
                String t = line.trim();
                if (t.startsWith(".version") || t.startsWith(".target")) {
                    s.append(s.length() == 0 ? "" : " ").append(t);
                }
            }
            return s.length() == 0 ? "no .version line" : s.toString();
        }

        static String describe() {
            byte[] ptx = bytes();
            return ptx == null ? "kernels.ptx not in the jar (" + PTX_RESOURCE + ")"
                    : "kernels.ptx " + ptx.length / 1024 + " KiB (" + header(ptx) + ")";
        }
    }
}
