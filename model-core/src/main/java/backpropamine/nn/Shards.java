package backpropamine.nn;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Independent rows of work (batch elements, softmax rows) split into {@link #COUNT} fixed shards, run on the
 * calling thread and, when the trial has a second core, on one helper thread.
 *
 * <p>The split depends on the number of shards, never on the number of threads, and every sum across shards
 * (a parameter gradient, the loss) is kept per shard and added in shard order: a trial gives the same bits on one
 * thread as on two. The thread count is {@code -Dbpm.threads}, else ND4J's thread budget for the trial
 * ({@code OMP_NUM_THREADS}, else the number of cores; a sweep task sets it to {@code training.threads}).
 *
 * <p>Helpers are pooled per JVM, not owned by a model, so that thousands of trials in one executor do not leave
 * threads behind. A helper spins briefly after its shard (the next call usually follows within microseconds),
 * then parks, so it does not steal a core from the matrix products in between.
 */
final class Shards {
    static final int COUNT = 2;
    private static final long SPIN_NANOS = 50_000;
    private static final ConcurrentLinkedQueue<Helper> IDLE = new ConcurrentLinkedQueue<>();

    /** The work of one shard: rows [from, to). */
    @FunctionalInterface
    interface Body {
        void run(int shard, int from, int to);
    }

    private final boolean parallel;

    Shards() {
        this(threads());
    }

    Shards(int threads) {
        this.parallel = threads > 1;
    }

    /** {@code -Dbpm.threads}, else the trial's ND4J thread budget (OMP_NUM_THREADS or cores; a sweep task sets it). */
    static int threads() {
        String p = System.getProperty("bpm.threads");
        if (p == null) {
            return Nd4j.getEnvironment().maxMasterThreads();
        }
        try {
            return Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dbpm.threads must be an integer, was '" + p + "'");
        }
    }

    /**
     * Each shard's part of a sum or scratch of {@code length} values, padded so that the parts of two threads never
     * share a cache line: the row kernels write their accumulators on every vector, and a shared line would
     * bounce between the cores (measured: two threads slower than one).
     */
    static float[][] parts(int length) {
        return new float[COUNT][length + 32];
    }

    /** Zeroes every shard's part of a sum. */
    static void clear(float[][] parts) {
        for (float[] part : parts) {
            java.util.Arrays.fill(part, 0);
        }
    }

    /** Adds the shards' parts into part 0, in shard order, and returns it. */
    static float[] sum(float[][] parts) {
        float[] total = parts[0];
        for (int p = 1; p < parts.length; p++) {
            for (int k = 0; k < total.length; k++) {
                total[k] += parts[p][k];
            }
        }
        return total;
    }

    /** First row of shard {@code shard} when {@code rows} rows are split. */
    static int start(int shard, int rows) {
        return shard == 0 ? 0 : (rows + 1) / 2;
    }

    /** Runs {@code body} over rows [0, rows) split into the shards; returns when all shards are done. */
    void run(int rows, Body body) {
        int mid = start(1, rows);
        if (!parallel || rows < 2) {
            body.run(0, 0, mid);
            body.run(1, mid, rows);
            return;
        }
        Helper helper = IDLE.poll();
        if (helper == null) {
            helper = new Helper();
        }
        helper.post(body, mid, rows);
        Throwable failure;
        try {
            body.run(0, 0, mid);
        } finally {
            failure = helper.await(); // never hand back a helper that is still running
            IDLE.offer(helper);
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static final class Helper extends Thread {
        private Body body;
        private int from;
        private int to;
        private Throwable failure;
        private volatile long posted;
        private volatile long finished;
        private volatile boolean parked;

        Helper() {
            super("bpm-shard-helper");
            setDaemon(true);
            start();
        }

        void post(Body b, int f, int t) {
            body = b;
            from = f;
            to = t;
            failure = null;
            posted = posted + 1; // volatile write publishes the fields above
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        /** Waits for the posted shard; returns what it threw, if anything. */
        Throwable await() {
            long ticket = posted;
            while (finished != ticket) {
                Thread.onSpinWait();
            }
            return failure;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long spinStart = System.nanoTime();
                int spins = 0;
                while (posted == seen) {
                    if (++spins % 64 != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (posted == seen) {
                            LockSupport.park(this);
                        }
                        parked = false;
                        spinStart = System.nanoTime();
                    }
                }
                seen = posted;
                try {
                    body.run(1, from, to);
                } catch (Throwable t) {
                    failure = t;
                }
                body = null;
                finished = seen;
            }
        }
    }
}
