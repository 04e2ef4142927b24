package backpropamine.cuda;

import java.util.Locale;

/**
 * Which {@link Device} a CUDA trial runs on. In order: the GPU the sweep service bound to the calling thread
 * ({@link #bind}, from Spark's resource scheduling), else {@code -Dbpm.cuda.device} / {@code BPM_CUDA_DEVICE}: a GPU
 * ordinal among the visible devices, or {@code emulation} for the host emulation of the kernels; else GPU 0.
 */
public final class CudaDevices {
    public static final String PROPERTY = "bpm.cuda.device";
    public static final String ENV = "BPM_CUDA_DEVICE";
    public static final String EMULATION = "emulation";
    private static final ThreadLocal<Integer> BOUND = new ThreadLocal<>();

    private CudaDevices() {
    }

    /** Makes the trials of the calling thread run on GPU {@code ordinal} (a Spark task's own GPU). */
    public static void bind(int ordinal) {
        BOUND.set(ordinal);
    }

    public static void unbind() {
        BOUND.remove();
    }

    /** The configured selection: "emulation", or a GPU ordinal as text. */
    static String selection() {
        Integer bound = BOUND.get();
        if (bound != null) {
            return bound.toString();
        }
        String s = System.getProperty(PROPERTY, System.getenv(ENV));
        return s == null || s.isBlank() ? "0" : s.trim().toLowerCase(Locale.ROOT);
    }

    /** A new device (its own stream and memory) for one trial. */
    public static Device open() {
        String s = selection();
        if (EMULATION.equals(s)) {
            return EmulatedDevice.open();
        }
        int ordinal;
        try {
            ordinal = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " / " + ENV + " is '" + s + "': use a GPU ordinal (0, 1, ...)"
                    + " or '" + EMULATION + "'");
        }
        return CudaDevice.open(ordinal);
    }

    /** Whether {@link #open} can succeed here: the emulation is selected and built, or a driver sees a GPU. Never throws. */
    public static boolean available() {
        try {
            if (EMULATION.equals(selection())) {
                return EmulatedDevice.libraryFile() != null;
            }
            return CudaDevice.deviceCountOrZero() > 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
