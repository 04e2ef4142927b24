package backpropamine.cuda;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The part of the NVIDIA driver API ({@code libcuda.so.1}, {@code cuda.h}) that {@link CudaDevice} uses, bound
 * through JNA, with {@link #check} turning every non-zero {@code CUresult} into a {@link CudaException}.
 *
 * <p><b>Why JNA direct mapping</b> ({@code static native} methods registered with {@link Native#register}) and not
 * a {@code Library} interface: a training step outside a CUDA graph issues hundreds of {@code cuLaunchKernel}
 * calls, and direct mapping costs about one JNI call each, where an interface goes through a proxy, reflection
 * and boxing of every argument. Direct mapping takes no varargs and no arrays of {@code Pointer}, which this API
 * never needs: handles ({@code CUcontext}, {@code CUstream}, {@code CUfunction}, ...) and {@code CUdeviceptr}
 * are passed as {@code long} (LP64: a pointer is 64 bits, passed like an integer), out-parameters as one-element
 * {@code long[]} / {@code int[]}. The versioned symbols ({@code _v2}) are the ones {@code cuda.h} maps the plain
 * names to since CUDA 11.4, so this binds to any driver of the last years (the H200 machine has 580, CUDA 13.0).
 *
 * <p><b>PTX.</b> {@link #cuModuleLoadDataEx} hands the driver PTX text; the driver JIT-compiles it for the GPU it
 * finds (PTX for sm_80 runs on sm_90 by forward compatibility) and caches the result itself, in
 * {@code CUDA_CACHE_PATH} or {@code ~/.nv/ComputeCache} (size {@code CUDA_CACHE_MAXSIZE}), so only the first
 * process on a machine pays the compile; {@link CudaDevice} logs how long the load took.
 *
 * <p>If {@code libcuda.so.1} cannot be loaded this class still initialises; {@link #requireLoaded} then throws a
 * {@link CudaException} saying so, and {@link #loadFailure} gives the reason for {@link CudaDevice#probe}.
 */
final class CudaDriver {
    static final String LIBRARY = "libcuda.so.1";

    // CUdevice_attribute
    static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36; // kHz
    static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37; // bits
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    // CUstream_flags
    static final int CU_STREAM_NON_BLOCKING = 0x1;
    // CUstreamCaptureMode: THREAD_LOCAL forbids unsafe calls (cuMemAlloc, synchronous copies) on the capturing
    // thread only, so trials on other threads of the same JVM keep allocating while one captures.
    static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    // CUjit_option
    static final int CU_JIT_WALL_TIME = 2;
    static final int CU_JIT_INFO_LOG_BUFFER = 3;
    static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    private static final Throwable LOAD_FAILURE;

    static {
        Throwable failure = null;
        try {
            Native.register(CudaDriver.class, NativeLibrary.getInstance(LIBRARY));
        } catch (Throwable e) { // UnsatisfiedLinkError: no driver; LinkageError: JNA's own native part missing
            failure = e;
        }
        LOAD_FAILURE = failure;
    }

    private CudaDriver() {
    }

    /** Why {@code libcuda.so.1} could not be bound, or null where it was. */
    static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /** Throws a {@link CudaException} naming the fix where the driver library could not be loaded. */
    static void requireLoaded() {
        if (LOAD_FAILURE != null) {
            throw new CudaException(notLoadedMessage(), LOAD_FAILURE);
        }
    }

    /** One line: "no NVIDIA driver (libcuda.so.1 not found): install the NVIDIA driver ... [dlopen: reason]". */
    static String notLoadedMessage() {
        String reason = reason(LOAD_FAILURE);
        boolean absent = reason.contains("No such file") || reason.contains("not found");
        return "no NVIDIA driver (" + LIBRARY + (absent ? " not found" : " could not be loaded") + "): install the"
                + " NVIDIA driver (in a container: run it with the GPU exposed, e.g. --gpus all) [" + reason + "]";
    }

    /** The informative line of a load failure: JNA puts dlopen's own reason on the line after "Unable to load". */
    static String reason(Throwable e) {
        if (e == null) {
            return "";
        }
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        String[] lines = m.split("\n");
        String line = lines.length > 1 && lines[0].startsWith("Unable to load library") ? lines[1] : lines[0];
        return line.trim();
    }

    /** Throws a {@link CudaException} unless {@code result} is CUDA_SUCCESS; the message names {@code call}. */
    static void check(int result, String call) {
        if (result != 0) {
            throw new CudaException(message(result, call));
        }
    }

    /** "cuMemAlloc_v2(1073741824 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory): ...fix". */
    static String message(int result, String call) {
        String name = errorName(result);
        String text = errorString(result);
        String hint = hint(name);
        return call + " failed: " + name + (text.isEmpty() ? "" : " (" + text + ")") + (hint == null ? "" : ": " + hint);
    }

    static String errorName(int result) {
        long[] s = new long[1];
        if (LOAD_FAILURE == null && cuGetErrorName(result, s) == 0 && s[0] != 0) {
            return new Pointer(s[0]).getString(0, "US-ASCII");
        }
        return "CUresult " + result;
    }

    static String errorString(int result) {
        long[] s = new long[1];
        if (LOAD_FAILURE == null && cuGetErrorString(result, s) == 0 && s[0] != 0) {
            return new Pointer(s[0]).getString(0, "US-ASCII");
        }
        return "";
    }

    /** The fix for the errors that have an obvious one; null for the rest. */
    static String hint(String errorName) {
        switch (errorName) {
            case "CUDA_ERROR_NO_DEVICE":
                return "no GPU is visible to this process: check nvidia-smi, CUDA_VISIBLE_DEVICES and, in a container,"
                        + " that the GPU is exposed (--gpus all)";
            case "CUDA_ERROR_INVALID_DEVICE":
                return "the ordinal is not among this process's visible GPUs (CUDA_VISIBLE_DEVICES renumbers them from 0)";
            case "CUDA_ERROR_OUT_OF_MEMORY":
                return "the GPU's memory is full: other processes or trials hold it (nvidia-smi); run fewer trials per"
                        + " GPU or a smaller batch";
            case "CUDA_ERROR_INVALID_PTX":
            case "CUDA_ERROR_UNSUPPORTED_PTX_VERSION":
                return "the driver is older than the PTX ISA version of kernels.ptx (its .version line; clang-14 writes"
                        + " 7.0, which needs driver >= 450): update the NVIDIA driver, or build the PTX for an older ISA";
            case "CUDA_ERROR_NO_BINARY_FOR_GPU":
                return "kernels.ptx targets a newer GPU architecture than this one (its .target line): build it for"
                        + " an older sm_XX";
            case "CUDA_ERROR_JIT_COMPILER_NOT_FOUND":
            case "CUDA_ERROR_JIT_COMPILATION_DISABLED":
                return "the driver's PTX JIT compiler (libnvidia-ptxjitcompiler.so) is missing or disabled: reinstall"
                        + " the NVIDIA driver, or unset CUDA_DISABLE_PTX_JIT";
            case "CUDA_ERROR_INSUFFICIENT_DRIVER":
            case "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE":
                return "the NVIDIA driver is too old for this CUDA version: update the driver";
            case "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH":
                return "the loaded kernel module and libcuda.so are different driver versions: reboot after the driver"
                        + " update, or reinstall the driver";
            case "CUDA_ERROR_DEVICE_UNAVAILABLE":
            case "CUDA_ERROR_DEVICES_UNAVAILABLE":
                return "the GPU is in exclusive-process compute mode and another process holds it (nvidia-smi -q -d"
                        + " COMPUTE)";
            case "CUDA_ERROR_NOT_FOUND":
                return "no kernel of that name in the PTX: is it declared extern \"C\" __global__ in model-core/src/main/cuda?";
            case "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES":
                return "the kernel needs more registers or shared memory than a block of this size can have: launch"
                        + " fewer threads per block";
            case "CUDA_ERROR_ILLEGAL_ADDRESS":
            case "CUDA_ERROR_LAUNCH_FAILED":
            case "CUDA_ERROR_MISALIGNED_ADDRESS":
            case "CUDA_ERROR_ILLEGAL_INSTRUCTION":
            case "CUDA_ERROR_HARDWARE_STACK_ERROR":
                return "a kernel faulted (an earlier launch, reported here); the context cannot be used again in this"
                        + " process: the task must run again in a fresh one (compute-sanitizer names the kernel)";
            case "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED":
            case "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED":
            case "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED":
            case "CUDA_ERROR_STREAM_CAPTURE_UNJOINED":
            case "CUDA_ERROR_STREAM_CAPTURE_ISOLATION":
            case "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT":
            case "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD":
                return "a replay body did what a CUDA graph cannot hold (an upload, download, synchronize or"
                        + " allocation): keep those outside Device.replay";
            default:
                return null;
        }
    }

    // ---- initialisation and devices

    static native int cuInit(int flags);

    static native int cuDriverGetVersion(int[] version);

    static native int cuDeviceGetCount(int[] count);

    static native int cuDeviceGet(int[] device, int ordinal);

    static native int cuDeviceGetName(byte[] name, int len, int device);

    static native int cuDeviceGetAttribute(int[] value, int attribute, int device);

    static native int cuDeviceTotalMem_v2(long[] bytes, int device);

    /** {@code CUuuid} is 16 bytes. */
    static native int cuDeviceGetUuid_v2(byte[] uuid, int device);

    static native int cuGetErrorName(int result, long[] string);

    static native int cuGetErrorString(int result, long[] string);

    // ---- context and stream

    static native int cuDevicePrimaryCtxRetain(long[] context, int device);

    static native int cuDevicePrimaryCtxRelease_v2(int device);

    static native int cuCtxSetCurrent(long context);

    static native int cuStreamCreate(long[] stream, int flags);

    static native int cuStreamDestroy_v2(long stream);

    static native int cuStreamSynchronize(long stream);

    // ---- modules

    /**
     * {@code (CUmodule* module, const void* image, unsigned numOptions, CUjit_option* options, void** optionValues)};
     * {@code image} is NUL-terminated PTX text; {@code optionValues} holds a pointer or an integer per option.
     */
    static native int cuModuleLoadDataEx(long[] module, Pointer image, int numOptions, int[] options, Pointer optionValues);

    static native int cuModuleUnload(long module);

    static native int cuModuleGetFunction(long[] function, long module, String name);

    // ---- memory

    static native int cuMemAlloc_v2(long[] address, long bytes);

    static native int cuMemFree_v2(long address);

    static native int cuMemcpyHtoDAsync_v2(long dst, Pointer src, long bytes, long stream);

    static native int cuMemcpyDtoHAsync_v2(Pointer dst, long src, long bytes, long stream);

    static native int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, long stream);

    static native int cuMemsetD8Async(long dst, byte value, long count, long stream);

    static native int cuMemsetD32Async(long dst, int value, long count, long stream);

    // ---- launches and graphs

    /**
     * {@code (CUfunction f, grid x/y/z, block x/y/z, unsigned sharedMemBytes, CUstream, void** kernelParams,
     * void** extra)}; {@code kernelParams} is the address of an array of pointers, one to each argument's value.
     */
    static native int cuLaunchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                     int sharedMemBytes, long stream, long kernelParams, long extra);

    static native int cuStreamBeginCapture_v2(long stream, int mode);

    static native int cuStreamEndCapture(long stream, long[] graph);

    static native int cuGraphInstantiateWithFlags(long[] graphExec, long graph, long flags);

    static native int cuGraphLaunch(long graphExec, long stream);

    static native int cuGraphExecDestroy(long graphExec);

    static native int cuGraphDestroy(long graph);
}
