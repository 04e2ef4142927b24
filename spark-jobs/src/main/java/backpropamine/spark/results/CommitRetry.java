package backpropamine.spark.results;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a table write that lost an optimistic-commit race with another writer (another sweep, a lease renewal):
 * Iceberg's own retries give up after a few attempts under heavy contention, and a conflicting concurrent change of
 * the same rows raises a validation error; the write is idempotent (a MERGE), so running it again is safe.
 */
final class CommitRetry {
    private static final Logger LOG = LoggerFactory.getLogger(CommitRetry.class);
    static final int ATTEMPTS = 5;

    private CommitRetry() {
    }

    /** Runs {@code write}, again after a commit conflict, up to {@link #ATTEMPTS} times; other errors at once. */
    static void run(String table, Runnable write) {
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                return;
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS || !isCommitConflict(e)) {
                    throw e;
                }
                LOG.warn("commit to {} conflicted with another writer (attempt {}), retrying", table, attempt);
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    static boolean isCommitConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String n = t.getClass().getName();
            if (n.endsWith("CommitFailedException") || n.endsWith("ValidationException")) {
                return true;
            }
        }
        return false;
    }
}
