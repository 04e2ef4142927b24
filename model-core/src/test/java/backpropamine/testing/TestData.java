package backpropamine.testing;

import backpropamine.data.PtbCorpus;
import java.nio.file.Path;

/** The real Penn Treebank for tests: $BPM_DATA, else ../shared/data/ptb beside the repository. */
public final class TestData {
    private static PtbCorpus corpus;

    private TestData() {
    }

    public static Path dir() {
        String env = System.getenv("BPM_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("bpm.test.data", "../../shared/data/ptb"));
    }

    public static synchronized PtbCorpus corpus() {
        if (corpus == null) {
            corpus = PtbCorpus.load(dir());
        }
        return corpus;
    }
}
