package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly lease on an Iceberg table's properties (a Hadoop catalog on local disk, as the tests' warehouses):
 * each "driver" loads the table through a catalog of its own, as separate processes would.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SweepLeaseTest {
    static final TableIdentifier SWEEPS = TableIdentifier.of("results", "sweeps");
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @TempDir
    Path tmp;
    FileSystemClock clock;

    @BeforeEach
    void table() throws Exception {
        catalog().createTable(SWEEPS, new Schema(Types.NestedField.required(1, "sweep_id", Types.StringType.get())));
        clock = new FileSystemClock(Files.createDirectories(tmp.resolve("clock")).toUri().toString(), new Configuration());
    }

    /** The table as one driver sees it: its own catalog, its own table operations. */
    Table driver() {
        return catalog().loadTable(SWEEPS);
    }

    HadoopCatalog catalog() {
        return new HadoopCatalog(new Configuration(), tmp.resolve("warehouse").toUri().toString());
    }

    /** Writes a lease as another holder would (or a taker that judged this one stale). */
    void setLease(String token, String host, long pid, long renewedFsMillis) {
        driver().updateProperties().set(SweepLease.PROPERTY_PREFIX + "nt", "token=" + token + ";holder=nt-0;host=" + host
                + ";pid=" + pid + ";renewed=" + renewedFsMillis).commit();
    }

    @Test
    void oneHolderAtATimeReleasedOnCloseRenewedWhileHeld() throws Exception {
        Duration lease = Duration.ofMillis(900);
        try (SweepLease a = SweepLease.tryAcquire(driver(), clock, "nt", "nt-1", lease, QUIET)) {
            assertNotNull(a);
            assertNull(SweepLease.tryAcquire(driver(), clock, "nt", "nt-2", lease, QUIET), "held");
            Thread.sleep(2000); // more than the lease: the holder's renewals keep it
            assertNull(SweepLease.tryAcquire(driver(), clock, "nt", "nt-2", lease, QUIET), "renewed, so still held");
            assertNull(a.lost());
            assertTrue(SweepLease.holder(driver(), "nt").startsWith("holder nt-1, host "), SweepLease.holder(driver(), "nt"));
        }
        assertEquals("nobody", SweepLease.holder(driver(), "nt"), "released on close");
        try (SweepLease b = SweepLease.tryAcquire(driver(), clock, "nt", "nt-2", lease, QUIET)) {
            assertNotNull(b);
        }
    }

    @Test
    void ofTwoStartersRacingForOneStaleLeaseExactlyOneRuns() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int iteration = 0; iteration < 25; iteration++) {
                setLease("stale-" + iteration, "gone", 1, clock.now() - 3_600_000);
                Table[] tables = {driver(), driver()}; // loaded before the race, as two drivers that both saw it stale
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<SweepLease>> starters = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    Table t = tables[k];
                    String holder = "nt-" + k;
                    starters.add(pool.submit(() -> {
                        together.await();
                        return SweepLease.tryAcquire(t, clock, "nt", holder, Duration.ofMinutes(10), QUIET);
                    }));
                }
                List<SweepLease> winners = new ArrayList<>();
                for (Future<SweepLease> f : starters) {
                    SweepLease l = f.get(60, TimeUnit.SECONDS);
                    if (l != null) {
                        winners.add(l);
                    }
                }
                assertEquals(1, winners.size(), "iteration " + iteration + ": exactly one starter takes the stale lease");
                String holder = SweepLease.holder(driver(), "nt");
                assertTrue(holder.startsWith("holder nt-"), holder);
                winners.get(0).close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHolderWhoseLeaseIsTakenStopsWithinOneRenewalPeriod() throws Exception {
        Duration lease = Duration.ofMillis(1500); // renewed every 500 ms
        try (SweepLease a = SweepLease.tryAcquire(driver(), clock, "nt", "nt-1", lease, QUIET)) {
            assertNotNull(a);
            Thread.sleep(700); // past a renewal
            setLease("taker", "host-b", 1, clock.now()); // a taker that judged it stale (a long GC pause, a partition)
            long taken = System.nanoTime();
            while (a.lost() == null && System.nanoTime() - taken < 5_000_000_000L) {
                Thread.sleep(10);
            }
            double seconds = (System.nanoTime() - taken) / 1e9;
            assertNotNull(a.lost(), "the holder noticed");
            assertTrue(seconds <= 0.5 + 0.3, "noticed within one renewal period (plus a commit): " + seconds + " s");
            assertTrue(a.lost().contains("taken over (holder nt-0, host host-b"), a.lost());
        }
        assertTrue(SweepLease.holder(driver(), "nt").contains("host host-b"), "closing a lost lease leaves the taker's");
    }

    @Test
    void renewalsThatKeepFailingEndTheLeaseBeforeItCouldExpire() throws Exception {
        Duration lease = Duration.ofMillis(1500);
        Path clockDir = tmp.resolve("failing-clock");
        Files.createDirectories(clockDir);
        FileSystemClock failing = new FileSystemClock(clockDir.toUri().toString(), new Configuration());
        try (SweepLease a = SweepLease.tryAcquire(driver(), failing, "nt", "nt-1", lease, QUIET)) {
            assertNotNull(a);
            long broken = System.nanoTime();
            Files.delete(clockDir);
            Files.writeString(clockDir, "not a directory"); // the file system refuses every renewal from now on
            while (a.lost() == null && System.nanoTime() - broken < 5_000_000_000L) {
                Thread.sleep(10);
            }
            double seconds = (System.nanoTime() - broken) / 1e9;
            assertNotNull(a.lost());
            assertTrue(a.lost().startsWith("renewing the lease failed"), a.lost());
            assertTrue(seconds < 1.5, "lost before the lease could expire for others: " + seconds + " s");
        }
    }

    @Test
    void aLeaseWhoseHolderDiedIsTakenOverAtOnceOnItsHostAfterItsDurationElsewhere() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String here = java.net.InetAddress.getLocalHost().getHostName();
        setLease("dead", System.getenv().getOrDefault("BPM_HOST", here), gone.pid(), clock.now());
        try (SweepLease l = SweepLease.tryAcquire(driver(), clock, "nt", "nt-1", Duration.ofMinutes(10), QUIET)) {
            assertNotNull(l, "its holder's process is gone from this host: taken at once");
        }
        setLease("remote", "host-b", 1, clock.now() - 60_000);
        assertNull(SweepLease.tryAcquire(driver(), clock, "nt", "nt-1", Duration.ofMinutes(10), QUIET),
                "renewed a minute ago by the file system's clock: held");
        setLease("remote", "host-b", 1, clock.now() - 600_000);
        try (SweepLease l = SweepLease.tryAcquire(driver(), clock, "nt", "nt-1", Duration.ofMinutes(10), QUIET)) {
            assertNotNull(l, "not renewed for its whole duration: stale");
        }
    }
}
