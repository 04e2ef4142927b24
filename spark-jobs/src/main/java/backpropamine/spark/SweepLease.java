package backpropamine.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;

/**
 * An exclusive lease on a name (a sweep's nights), kept as a property of an Iceberg table (the {@code sweeps}
 * table), so that it is exactly as safe as the results: every change of the lease is one catalog commit against the
 * table metadata it was decided on ({@link TableOperations#commit}, a compare-and-swap on every catalog: Hadoop on
 * HDFS, REST, Hive, Glue, JDBC). So a taker replaces only the exact lease value it observed and judged stale; of
 * two takers of one stale lease exactly one commit succeeds.
 *
 * <p>Times come from one clock, the file system's ({@link FileSystemClock}): a lease records when its holder last
 * renewed it, and it is stale once that is older than its duration by the file system's time (or at once when its
 * holder is a process of this host that no longer exists). The holder renews every third of the duration. A renewal
 * that finds the lease taken ends it at once; one that fails (catalog or file system unreachable) is retried at the
 * next renewal only while the lease is still certainly valid by this process's own monotonic clock, else the lease
 * is lost. Once lost, {@link #lost()} says why: the caller stops its work and must not touch the new holder's.
 */
public final class SweepLease implements AutoCloseable {
    /** How long a lease lives without renewal. */
    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(10);
    /** The table property of the lease of a name. */
    static final String PROPERTY_PREFIX = "bpm.lease.";
    private static final int COMMIT_ATTEMPTS = 20;

    private final TableOperations ops;
    private final FileSystemClock clock;
    private final String key;
    private final String token;
    private final String holder;
    private final long periodNanos;
    private final long durationNanos;
    private final PrintStream log;
    private final ScheduledExecutorService renewer;
    private volatile String value;             // the lease as last committed by this holder
    private volatile long renewedNanos;        // System.nanoTime() just before that commit
    private volatile String lost;

    private SweepLease(TableOperations ops, FileSystemClock clock, String key, String token, String holder, String value,
                       long renewedNanos, Duration duration, PrintStream log) {
        this.ops = ops;
        this.clock = clock;
        this.key = key;
        this.token = token;
        this.holder = holder;
        this.value = value;
        this.renewedNanos = renewedNanos;
        this.durationNanos = duration.toNanos();
        this.periodNanos = Math.max(1_000_000, durationNanos / 3);
        this.log = log;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bpm-lease");
            t.setDaemon(true);
            return t;
        });
        renewer.scheduleWithFixedDelay(this::renew, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Takes the lease of {@code name} in {@code table}, or returns null while someone else holds it.
     *
     * @param clock  the file system whose time stamps renewals (where the table's files are)
     * @param holder what the lease says about its holder (the night being run); no ';' or '='
     * @param log    where a renewal failure that is retried is reported
     */
    public static SweepLease tryAcquire(Table table, FileSystemClock clock, String name, String holder, Duration duration,
                                        PrintStream log) throws IOException {
        TableOperations ops = ((HasTableOperations) table).operations();
        String key = PROPERTY_PREFIX + name;
        String token = UUID.randomUUID().toString();
        for (int attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
            TableMetadata base = ops.refresh();
            String seen = base.properties().get(key);
            long now = clock.now();
            if (seen != null && !stale(parse(seen), now, duration)) {
                return null;
            }
            long before = System.nanoTime();
            String mine = format(token, holder, now);
            switch (swap(ops, base, key, mine)) {
                case DONE:
                    return new SweepLease(ops, clock, key, token, holder, mine, before, duration, log);
                case UNKNOWN:
                    if (mine.equals(ops.refresh().properties().get(key))) {
                        return new SweepLease(ops, clock, key, token, holder, mine, before, duration, log);
                    }
                    break;
                default:
                    break; // another commit came first: look at the lease again
            }
        }
        throw new IOException("cannot commit the lease " + key + " to " + table.name() + ": " + COMMIT_ATTEMPTS
                + " commits in a row conflicted with other writers");
    }

    /** Who holds the lease of {@code name} ("holder ..., host ..., pid ..."), or "nobody". */
    public static String holder(Table table, String name) {
        String v = ((HasTableOperations) table).operations().refresh().properties().get(PROPERTY_PREFIX + name);
        return v == null ? "nobody" : describe(parse(v));
    }

    /** Why the lease was lost (taken by another holder, or renewals failing past the safe time), or null while held. */
    public String lost() {
        return lost;
    }

    private enum Swap { DONE, CONFLICT, UNKNOWN }

    /** One compare-and-swap of the lease property against {@code base}; the table's other properties unchanged. */
    private static Swap swap(TableOperations ops, TableMetadata base, String key, String next) {
        Map<String, String> props = new HashMap<>(base.properties());
        if (next == null) {
            props.remove(key);
        } else {
            props.put(key, next);
        }
        try {
            ops.commit(base, base.replaceProperties(props));
            return Swap.DONE;
        } catch (CommitFailedException e) {
            return Swap.CONFLICT;
        } catch (CommitStateUnknownException e) {
            return Swap.UNKNOWN;
        }
    }

    /**
     * Replaces the lease if it still is {@code expected}, retrying commits that conflicted with other changes of the
     * table (its rows, other leases). Returns false when the lease is no longer {@code expected}.
     */
    private boolean replaceIfStill(String expected, String next) {
        for (int attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
            TableMetadata base = ops.refresh();
            if (!Objects.equals(base.properties().get(key), expected)) {
                return false;
            }
            Swap s = swap(ops, base, key, next);
            if (s == Swap.DONE) {
                return true;
            }
            if (s == Swap.UNKNOWN) {
                return Objects.equals(ops.refresh().properties().get(key), next);
            }
        }
        throw new CommitFailedException("%d commits in a row conflicted with other writers", COMMIT_ATTEMPTS);
    }

    private void renew() {
        if (lost != null) {
            return;
        }
        try {
            long before = System.nanoTime();
            String next = format(token, holder, clock.now());
            if (replaceIfStill(value, next)) {
                value = next;
                renewedNanos = before;
            } else {
                lose("the lease was taken over (" + holder(ops) + ")");
            }
        } catch (Throwable e) { // any failure: this holder cannot show it still holds the lease
            if (System.nanoTime() - renewedNanos + periodNanos >= durationNanos) {
                lose("renewing the lease failed until it could expire: " + e);
            } else {
                log.printf("%nrenewing the lease %s failed, retrying at the next renewal: %s%n", key, e);
            }
        }
    }

    private String holder(TableOperations o) {
        try {
            String v = o.current().properties().get(key);
            return v == null ? "released" : describe(parse(v));
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private void lose(String why) {
        lost = why;
        renewer.shutdown();
    }

    /** Stops renewing and releases the lease if it is still this holder's. */
    @Override
    public void close() {
        renewer.shutdownNow();
        try {
            renewer.awaitTermination(10, TimeUnit.SECONDS); // a renewal in flight must not commit after the release
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lost == null) {
            try {
                replaceIfStill(value, null);
            } catch (RuntimeException e) {
                log.printf("cannot release the lease %s (it expires on its own after %d s): %s%n", key,
                        durationNanos / 1_000_000_000L, e);
            }
        }
    }

    private static boolean stale(Map<String, String> lease, long fsNow, Duration duration) {
        long renewed;
        try {
            renewed = Long.parseLong(lease.getOrDefault("renewed", "0"));
        } catch (NumberFormatException e) {
            return true; // not a lease this code wrote
        }
        return fsNow - renewed >= duration.toMillis() || deadHere(lease);
    }

    /**
     * Whether the lease's holder is a process of this host that no longer exists (a crash, a kill): then its lease is
     * stale at once, without waiting for it to expire. Holders on other hosts are only known dead by expiry.
     */
    private static boolean deadHere(Map<String, String> lease) {
        String pid = lease.get("pid");
        if (!host().equals(lease.get("host")) || pid == null) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String format(String token, String holder, long renewedFsMillis) {
        return "token=" + token + ";holder=" + holder + ";host=" + host() + ";pid=" + ProcessHandle.current().pid()
                + ";renewed=" + renewedFsMillis;
    }

    static Map<String, String> parse(String value) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : value.split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    private static String describe(Map<String, String> lease) {
        return "holder " + lease.get("holder") + ", host " + lease.get("host") + ", pid " + lease.get("pid");
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
