package backpropamine.spark;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An exclusive, per-sweep lock held for the life of a process: an OS file lock, so a crashed or killed holder
 * releases it automatically and a stale lock file never blocks the next night. It guards one host (cron,
 * systemd); on Kubernetes the ScheduledSparkApplication's concurrencyPolicy Forbid does the same job.
 */
public final class SweepLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private SweepLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock of {@code sweepId} in {@code dir}, or null if another process holds it. */
    public static SweepLock tryAcquire(Path dir, String sweepId) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(sweepId + ".lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        }
        if (lock == null) {
            ch.close();
            return null;
        }
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " since " + Instant.now() + "\n")
                .getBytes(StandardCharsets.UTF_8)));
        return new SweepLock(file, ch, lock);
    }

    /** Who holds the lock, as its holder wrote it. */
    public static String holder(Path dir, String sweepId) {
        try {
            return Files.readString(dir.resolve(sweepId + ".lock")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
