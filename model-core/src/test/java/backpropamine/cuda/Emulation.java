package backpropamine.cuda;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Opens the host emulation of the CUDA kernels for a test: skipped where it was not built, except under CI=true. */
final class Emulation {
    private Emulation() {
    }

    static EmulatedDevice open() {
        if ("true".equals(System.getenv("CI"))) {
            assertNotNull(EmulatedDevice.libraryFile(), "CI=true: the CUDA kernels' host emulation must be built (clang)");
        } else {
            assumeTrue(EmulatedDevice.libraryFile() != null,
                    "the CUDA kernels' host emulation was not built: apt-get install clang, then rebuild model-core");
        }
        return EmulatedDevice.open();
    }
}
