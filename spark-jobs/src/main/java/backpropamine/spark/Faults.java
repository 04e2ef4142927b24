package backpropamine.spark;

import backpropamine.train.EpochResult;
import backpropamine.train.TrialListener;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fault injector for tests and operators' drills, inert unless {@code BPM_FAULTS} is set in the environment of
 * the process that runs trials (an executor; in local mode the driver). Comma-separated:
 * <ul>
 *   <li>{@code task-error:N}: the N-th trial to start in this process throws an uncaught error on every attempt,
 *       as a repeatedly lost executor would;</li>
 *   <li>{@code halt-after-epoch:K}: the process halts ({@code Runtime.halt}) right after the first trial to finish
 *       epoch K has written its checkpoint.</li>
 * </ul>
 */
final class Faults {
    /** The error {@code task-error} throws: never caught by the trial, so the Spark task fails. */
    static final class InjectedFault extends Error {
        InjectedFault(String message) {
            super(message);
        }
    }

    private static final Faults FROM_ENV = parse(System.getenv("BPM_FAULTS"));

    private final int taskError;        // 0: off
    private final int haltAfterEpoch;   // 0: off
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicReference<String> doomed = new AtomicReference<>();

    private Faults(int taskError, int haltAfterEpoch) {
        this.taskError = taskError;
        this.haltAfterEpoch = haltAfterEpoch;
    }

    static Faults fromEnvironment() {
        return FROM_ENV;
    }

    /**
     * @throws IllegalArgumentException naming the entry and the accepted forms
     */
    static Faults parse(String spec) {
        int taskError = 0;
        int halt = 0;
        if (spec != null && !spec.isBlank()) {
            for (String entry : spec.split(",")) {
                String[] kv = entry.trim().toLowerCase(Locale.ROOT).split(":", 2);
                int n;
                try {
                    n = Integer.parseInt(kv.length == 2 ? kv[1].trim() : "");
                } catch (NumberFormatException e) {
                    n = 0;
                }
                if (n < 1 || !(kv[0].equals("task-error") || kv[0].equals("halt-after-epoch"))) {
                    throw new IllegalArgumentException("BPM_FAULTS: '" + entry.trim()
                            + "' is not task-error:N or halt-after-epoch:K (N, K >= 1)");
                }
                if (kv[0].equals("task-error")) {
                    taskError = n;
                } else {
                    halt = n;
                }
            }
        }
        return new Faults(taskError, halt);
    }

    /** Called as a trial's task starts; throws {@link InjectedFault} on every attempt of the doomed trial. */
    void onTrialStart(String trialKey) {
        if (taskError == 0) {
            return;
        }
        if (started.incrementAndGet() == taskError) {
            doomed.compareAndSet(null, trialKey);
        }
        if (trialKey.equals(doomed.get())) {
            throw new InjectedFault("BPM_FAULTS task-error:" + taskError + ": injected failure of trial " + trialKey);
        }
    }

    /** A listener that halts the process after the checkpoint of epoch K, or {@link TrialListener#NONE}. */
    TrialListener listener() {
        if (haltAfterEpoch == 0) {
            return TrialListener.NONE;
        }
        return new TrialListener() {
            @Override
            public void onCheckpoint(EpochResult epoch) {
                if (epoch.epoch() == haltAfterEpoch) {
                    System.err.println("BPM_FAULTS halt-after-epoch:" + haltAfterEpoch + ": halting this process");
                    Runtime.getRuntime().halt(137);
                }
            }
        };
    }
}
