package backpropamine.spark.testing;

import java.nio.file.Path;

/** The real Penn Treebank for tests: $BPM_DATA, else ../shared/data/ptb beside the repository. */
public final class TestData {
    private TestData() {
    }

    public static Path dir() {
        String env = System.getenv("BPM_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return Path.of(System.getProperty("bpm.test.data", "../../shared/data/ptb")).toAbsolutePath().normalize();
    }

    /** Repository root (for conf/ and deploy/). */
    public static Path root() {
        return Path.of(System.getProperty("bpm.root", "..")).toAbsolutePath().normalize();
    }
}
