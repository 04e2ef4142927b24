package backpropamine.spark;

import backpropamine.model.BackendException;
import backpropamine.train.EpochResult;
import backpropamine.train.TrialListener;
import java.util.List;
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
 *       epoch K has written its checkpoint;</li>
 *   <li>{@code halt-in-trial:N}: the process halts right after the N-th trial to start in it has written its first
 *       checkpoint, as a driver killed half-way through a sweep would (with one trial at a time, the N-1 before it
 *       have finished and been reported);</li>
 *   <li>{@code node-error-after-epoch:K}: the first trial in this process to write the checkpoint of epoch K on
 *       its task's first attempt then throws a {@link BackendException}, as a GPU failing mid-trial would; retries
 *       (on another executor, or this one) run normally, from that checkpoint.</li>
 * </ul>
 */
final class Faults {
    /** The error {@code task-error} throws: never caught by the trial, so the Spark task fails. */
    static final class InjectedFault extends Error {
        InjectedFault(String message) {
            super(message);
        }
    }

    /** Parsed on first use, not as the class loads, so {@link #parse}'s check at start gives a plain message. */
    private static final class FromEnvironment {
        static final Faults FAULTS = parse(System.getenv("BPM_FAULTS"));
    }

    private final int taskError;        // 0: off
    private final int haltAfterEpoch;   // 0: off
    private final int nodeErrorAfterEpoch; // 0: off
    private final int haltInTrial;      // 0: off
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicReference<String> doomed = new AtomicReference<>();
    private final AtomicReference<String> haltIn = new AtomicReference<>();
    private final AtomicReference<String> nodeErrorHit = new AtomicReference<>();

    private Faults(int taskError, int haltAfterEpoch, int nodeErrorAfterEpoch, int haltInTrial) {
        this.taskError = taskError;
        this.haltAfterEpoch = haltAfterEpoch;
        this.nodeErrorAfterEpoch = nodeErrorAfterEpoch;
        this.haltInTrial = haltInTrial;
    }

    static Faults fromEnvironment() {
        return FromEnvironment.FAULTS;
    }

    /**
     * @throws IllegalArgumentException naming the entry and the accepted forms
     */
    static Faults parse(String spec) {
        int taskError = 0;
        int halt = 0;
        int nodeError = 0;
        int haltIn = 0;
        if (spec != null && !spec.isBlank()) {
            for (String entry : spec.split(",")) {
                String[] kv = entry.trim().toLowerCase(Locale.ROOT).split(":", 2);
                int n;
                try {
                    n = Integer.parseInt(kv.length == 2 ? kv[1].trim() : "");
                } catch (NumberFormatException e) {
                    n = 0;
                }
                if (n < 1 || !List.of("task-error", "halt-after-epoch", "node-error-after-epoch", "halt-in-trial")
                        .contains(kv[0])) {
                    throw new IllegalArgumentException("BPM_FAULTS: '" + entry.trim() + "' is not task-error:N,"
                            + " halt-after-epoch:K, node-error-after-epoch:K or halt-in-trial:N (N, K >= 1)");
                }
                switch (kv[0]) {
                    case "task-error" -> taskError = n;
                    case "halt-after-epoch" -> halt = n;
                    case "halt-in-trial" -> haltIn = n;
                    default -> nodeError = n;
                }
            }
        }
        return new Faults(taskError, halt, nodeError, haltIn);
    }

    /** Called as a trial's task starts; throws {@link InjectedFault} on every attempt of the doomed trial. */
    void onTrialStart(String trialKey) {
        if (taskError == 0 && haltInTrial == 0) {
            return;
        }
        int n = started.incrementAndGet();
        if (n == taskError) {
            doomed.compareAndSet(null, trialKey);
        }
        if (n == haltInTrial) {
            haltIn.compareAndSet(null, trialKey);
        }
        if (trialKey.equals(doomed.get())) {
            throw new InjectedFault("BPM_FAULTS task-error:" + taskError + ": injected failure of trial " + trialKey);
        }
    }

    /**
     * A listener that injects the checkpoint faults (halt, node error) into one attempt of a trial, or
     * {@link TrialListener#NONE}.
     *
     * @param attempt the task's attempt number (0: the first)
     */
    TrialListener listener(String trialKey, int attempt) {
        if (haltAfterEpoch == 0 && nodeErrorAfterEpoch == 0 && !trialKey.equals(haltIn.get())) {
            return TrialListener.NONE;
        }
        return new TrialListener() {
            @Override
            public void onCheckpoint(EpochResult epoch) {
                if (epoch.epoch() == haltAfterEpoch) {
                    halt("halt-after-epoch:" + haltAfterEpoch);
                }
                if (trialKey.equals(haltIn.get())) {
                    halt("halt-in-trial:" + haltInTrial);
                }
                if (epoch.epoch() == nodeErrorAfterEpoch && attempt == 0 && nodeErrorHit.compareAndSet(null, trialKey)) {
                    throw new BackendException("BPM_FAULTS node-error-after-epoch:" + nodeErrorAfterEpoch
                            + ": injected device error in trial " + trialKey + " (CUDA_ERROR_ILLEGAL_ADDRESS)");
                }
            }
        };
    }

    /** Ends the process at once, as {@code kill -9} would: no shutdown hooks, nothing flushed or committed. */
    private static void halt(String fault) {
        System.err.println("BPM_FAULTS " + fault + ": halting this process");
        Runtime.getRuntime().halt(137);
    }
}
