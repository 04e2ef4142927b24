package backpropamine.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An exclusive lease on a name, kept on a Hadoop file system beside the results (local disk or {@code hdfs://}), so
 * that it holds across hosts and for drivers in cluster mode. Taking it is an atomic create of
 * {@code <dir>/<name>.lease}; the holder renews it by touching the file every third of the lease; a lease not
 * renewed for its whole duration (its holder died on some host), or held by a process of this host that is gone, is
 * stale, and a new taker moves it aside with an atomic rename (only one taker can win that) before creating its
 * own. Closing releases it.
 */
public final class SweepLease implements AutoCloseable {
    /** How long a lease lives without renewal. */
    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(10);

    private final FileSystem fs;
    private final Path file;
    private final String token;
    private final ScheduledExecutorService renewer;

    private SweepLease(FileSystem fs, Path file, String token, Duration duration) {
        this.fs = fs;
        this.file = file;
        this.token = token;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bpm-lease");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, duration.toMillis() / 3);
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the lease of {@code name} in {@code dir}, or returns null while someone else holds it.
     *
     * @param holder what the lease file says about its holder (the night being run)
     * @param conf   the Hadoop configuration Spark builds (spark.hadoop.* settings included)
     */
    public static SweepLease tryAcquire(String dir, String name, String holder, Duration duration, Configuration conf)
            throws IOException {
        Path d = new Path(URI.create(dir));
        FileSystem fs = d.getFileSystem(conf);
        fs.mkdirs(d);
        Path file = new Path(d, name + ".lease");
        String token = UUID.randomUUID().toString();
        for (int attempt = 0; attempt < 3; attempt++) {
            byte[] text = ("token " + token + "\nholder " + holder + "\nhost " + host() + "\npid "
                    + ProcessHandle.current().pid() + "\nsince " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                createExclusive(fs, file, text);
                return new SweepLease(fs, file, token, duration);
            } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
                // held, or stale: look at it below
            } catch (IOException e) {
                if (!fs.exists(file)) {
                    throw e;
                }
            }
            FileStatus st;
            try {
                st = fs.getFileStatus(file);
            } catch (java.io.FileNotFoundException gone) {
                continue; // released meanwhile: try again
            }
            if (System.currentTimeMillis() - st.getModificationTime() < duration.toMillis() && !deadHere(fs, file)) {
                return null;
            }
            // stale: its holder stopped renewing. Move it aside atomically; only one taker wins the rename.
            fs.rename(file, new Path(d, name + ".lease.stale-" + token));
            fs.delete(new Path(d, name + ".lease.stale-" + token), false);
        }
        return null;
    }

    /**
     * Creates a file that must not exist yet, atomically: HDFS's create without overwrite is; Hadoop's local file
     * system checks and then creates, so on local disk the JDK's create-new (O_EXCL) is used instead.
     */
    private static void createExclusive(FileSystem fs, Path file, byte[] text) throws IOException {
        if ("file".equals(fs.getUri().getScheme())) {
            java.nio.file.Files.write(java.nio.file.Path.of(file.toUri()), text, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            return;
        }
        try (OutputStream out = fs.create(file, false)) {
            out.write(text);
        }
    }

    /**
     * Whether the lease's holder is a process of this host that no longer exists (a crash, a kill): then its lease is
     * stale at once, without waiting for it to expire. Holders on other hosts are only known dead by expiry.
     */
    private static boolean deadHere(FileSystem fs, Path file) {
        try (InputStream in = fs.open(file)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String host = field(text, "host");
            String pid = field(text, "pid");
            if (host == null || pid == null || !host.equals(host())) {
                return false;
            }
            return ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static String field(String text, String key) {
        return text.lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1).trim())
                .findFirst().orElse(null);
    }

    /** What the current lease file of {@code name} says (holder, host, pid, since), or "unknown". */
    public static String holder(String dir, String name, Configuration conf) {
        try {
            Path file = new Path(new Path(URI.create(dir)), name + ".lease");
            FileSystem fs = file.getFileSystem(conf);
            try (InputStream in = fs.open(file)) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return text.lines().filter(l -> !l.startsWith("token ")).reduce((a, b) -> a + ", " + b).orElse("unknown");
            }
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Touches the lease, if it is still ours. */
    private void renew() {
        try {
            if (ours()) {
                fs.setTimes(file, System.currentTimeMillis(), -1);
            }
        } catch (IOException e) {
            // the next renewal tries again; a lease lost meanwhile is someone else's now
        }
    }

    private boolean ours() throws IOException {
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).startsWith("token " + token + "\n");
        } catch (java.io.FileNotFoundException e) {
            return false;
        }
    }

    public String file() {
        return file.toString();
    }

    @Override
    public void close() throws IOException {
        renewer.shutdownNow();
        if (ours()) {
            fs.delete(file, false);
        }
    }

    private static String host() {
        String override = System.getenv("BPM_HOST");
        if (override != null && !override.isBlank()) {
            return override;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
