package backpropamine.cuda;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.File;
import java.util.HashMap;
import java.util.Map;

/**
 * The CUDA kernels compiled for the host ({@code libbpm_emulator.so}, built from the same sources as the PTX by
 * {@code src/main/cuda/build.sh}), behind the {@link Device} interface: a launch runs every thread of the grid in
 * turn, device memory is host memory, a replay runs its body again, and matrix products go to the project's GEMM
 * kernel. It lets machines without a GPU (CI) run the model's whole CUDA host code over its real kernels. It is a
 * test device: slow, and blind to what only a GPU shows (see docs/cuda.md).
 */
public final class EmulatedDevice implements Device {
    /** System property, else environment variable {@code BPM_EMULATOR}: the path of libbpm_emulator.so. */
    public static final String LIBRARY_PROPERTY = "bpm.emulator";

    private final NativeLibrary library;
    private final Map<String, Function> kernels = new HashMap<>();
    private final Map<Long, Long> allocations = new HashMap<>();
    private final Function alloc;
    private final Function release;
    private final Function zero;
    private final Function copy;
    private long allocated;

    private EmulatedDevice(NativeLibrary library) {
        this.library = library;
        this.alloc = library.getFunction("emu_alloc");
        this.release = library.getFunction("emu_free");
        this.zero = library.getFunction("emu_zero");
        this.copy = library.getFunction("emu_copy");
    }

    /** Where the emulation library is, or null when it was not built. */
    public static File libraryFile() {
        String path = System.getProperty(LIBRARY_PROPERTY, System.getenv("BPM_EMULATOR"));
        if (path == null) {
            path = "target/emulator/libbpm_emulator.so";
        }
        File f = new File(path);
        return f.isFile() ? f : null;
    }

    /** Opens the emulation; a clear error when it was not built. */
    public static EmulatedDevice open() {
        File f = libraryFile();
        if (f == null) {
            throw new CudaException("the host emulation of the CUDA kernels (libbpm_emulator.so) was not built: install"
                    + " clang (apt-get install clang) and rebuild model-core, or point -D" + LIBRARY_PROPERTY + " at it");
        }
        return new EmulatedDevice(NativeLibrary.getInstance(f.getAbsolutePath()));
    }

    @Override
    public String name() {
        return "host emulation of the CUDA kernels (" + library.getFile() + ")";
    }

    @Override
    public long allocate(long bytes) {
        long address = Pointer.nativeValue((Pointer) alloc.invoke(Pointer.class, new Object[] {bytes}));
        if (address == 0) {
            throw new CudaException("host emulation: out of memory allocating " + bytes + " bytes");
        }
        allocations.put(address, bytes);
        allocated += bytes;
        return address;
    }

    @Override
    public void free(long address) {
        Long bytes = allocations.remove(address);
        if (bytes == null) {
            throw new IllegalArgumentException("not an allocation of this device: " + Long.toHexString(address));
        }
        allocated -= bytes;
        release.invoke(Void.class, new Object[] {new Pointer(address)});
    }

    @Override
    public void upload(long dst, float[] src, int from, int count) {
        new Pointer(dst).write(0, src, from, count);
    }

    @Override
    public void upload(long dst, int[] src, int from, int count) {
        new Pointer(dst).write(0, src, from, count);
    }

    @Override
    public void download(long src, float[] dst, int from, int count) {
        new Pointer(src).read(0, dst, from, count);
    }

    @Override
    public void zero(long dst, long bytes) {
        zero.invoke(Void.class, new Object[] {new Pointer(dst), bytes});
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        copy.invoke(Void.class, new Object[] {new Pointer(dst), new Pointer(src), bytes});
    }

    @Override
    public void launch(String name, int gridX, int gridY, int blockX, Object... args) {
        Function k = kernels.computeIfAbsent(name, n -> {
            try {
                return library.getFunction("emu_" + n);
            } catch (UnsatisfiedLinkError e) {
                throw new CudaException("no kernel " + n + " in the emulation library " + library.getFile(), e);
            }
        });
        k.invoke(Void.class, new Object[] {gridX, gridY, blockX, KernelArguments.pack(args)});
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                     float beta, long c, int ldc) {
        Gemm.launch(this, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    @Override
    public void replay(Object key, Runnable body) {
        body.run();
    }

    @Override
    public void synchronize() {
    }

    @Override
    public long allocatedBytes() {
        return allocated;
    }

    @Override
    public void close() {
        for (long address : allocations.keySet().toArray(new Long[0])) {
            free(address);
        }
    }
}
