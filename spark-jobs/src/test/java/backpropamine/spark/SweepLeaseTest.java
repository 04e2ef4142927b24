package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepLeaseTest {
    @TempDir
    Path tmp;

    @Test
    void oneHolderAtATimeReleasedOnCloseRenewedWhileHeld() throws Exception {
        String dir = tmp.toUri().toString();
        Duration lease = Duration.ofMillis(900);
        try (SweepLease a = SweepLease.tryAcquire(dir, "nt", "nt-1", lease, new Configuration())) {
            assertNotNull(a);
            assertNull(SweepLease.tryAcquire(dir, "nt", "nt-2", lease, new Configuration()), "held");
            Thread.sleep(2000); // more than the lease: the holder's renewals keep it
            assertNull(SweepLease.tryAcquire(dir, "nt", "nt-2", lease, new Configuration()), "renewed, so still held");
            assertTrue(SweepLease.holder(dir, "nt", new Configuration()).contains("holder nt-1"), SweepLease.holder(dir, "nt", new Configuration()));
        }
        try (SweepLease b = SweepLease.tryAcquire(dir, "nt", "nt-2", lease, new Configuration())) {
            assertNotNull(b, "released on close");
        }
    }

    @Test
    void aLeaseWhoseHolderDiedIsTakenOver() throws Exception {
        Path file = tmp.resolve("nt.lease");
        Files.writeString(file, "token dead\nholder nt-0\nhost gone\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600)));
        try (SweepLease l = SweepLease.tryAcquire(tmp.toUri().toString(), "nt", "nt-1", Duration.ofMinutes(10), new Configuration())) {
            assertNotNull(l, "stale for an hour: taken over");
            assertTrue(Files.readString(file).contains("holder nt-1"));
        }
    }
}
