package backpropamine.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Achieved memory bandwidth of the per-neuron rule's trace passes ({@code neuromodulated.cu}) at one layer's size,
 * each kernel launched alone, as in a training step, on [B][N][N] traces: the forward update (reads Hebb(t), writes
 * Hebb(t+1)), the backward's sums over i (reads Hebb(s) and dL/dHebb(s), writes dL/dHebb(s-1)) and its sums over
 * j (reads Hebb(s) and dL/dHebb(s-1)), beside a device-to-device copy of one trace as the practical ceiling.
 * Bytes count the trace traffic only (the [B][N] vectors beside it are under 0.2%).
 */
public final class TraceBandwidth {
    private static final int ROW_LANES = 32;

    /** One kernel: trace bytes moved per launch, seconds per launch, bytes/s. */
    public record Result(String kernel, int tracePasses, long bytes, double seconds) {
        public double bytesPerSecond() {
            return bytes / seconds;
        }
    }

    private TraceBandwidth() {
    }

    public static List<Result> measure(Device d, int batch, int n, int repeats) {
        long bn = (long) batch * n;
        long trace = bn * n * Float.BYTES;
        int chunks = CudaLstmLayer.chunks(n);
        long hebb = d.allocate(trace), next = d.allocate(trace), dIn = d.allocate(trace), dOut = d.allocate(trace);
        long h = d.allocate(bn * 4), hPrev = d.allocate(bn * 4), act = d.allocate(4 * bn * 4), dA = d.allocate(4 * bn * 4);
        long u = d.allocate(n * 4L), fan = d.allocate(n * 4L), alpha = d.allocate(n * 4L), m = d.allocate(batch * 4L);
        long partA = d.allocate(chunks * bn * 4), partD = d.allocate(chunks * bn * 4);
        long partS = d.allocate(bn * ROW_LANES * 4), partPrev = d.allocate(bn * ROW_LANES * 4);
        List<Result> out = new ArrayList<>();
        try {
            out.add(time(d, "neuron_update", 2, trace, repeats, () -> d.launchThreads("neuron_update", chunks * bn,
                    batch, n, chunks, 1f, hPrev, act, u, fan, m, hebb, next, h, alpha, partA)));
            out.add(time(d, "neuron_backward_columns", 3, trace, repeats, () -> d.launchThreads(
                    "neuron_backward_columns", chunks * bn, 1, batch, n, chunks, 1f, dA, h, hebb, alpha, dIn, dOut, hPrev,
                    partA, partD)));
            out.add(time(d, "neuron_backward_rows", 2, trace, repeats, () -> d.launchThreads("neuron_backward_rows",
                    bn * ROW_LANES, 1, batch, n, dA, hebb, alpha, dOut, act, u, fan, m, partS, partPrev)));
            out.add(time(d, "copy (ceiling)", 2, trace, repeats, () -> d.copy(next, hebb, trace)));
        } finally {
            for (long a : new long[] {hebb, next, dIn, dOut, h, hPrev, act, dA, u, fan, alpha, m, partA, partD, partS,
                    partPrev}) {
                d.free(a);
            }
        }
        return out;
    }

    private static Result time(Device d, String kernel, int passes, long trace, int repeats, Runnable launch) {
        launch.run();
        d.synchronize();
        long t0 = System.nanoTime();
        for (int r = 0; r < repeats; r++) {
            launch.run();
        }
        d.synchronize();
        return new Result(kernel, passes, passes * trace, (System.nanoTime() - t0) / 1e9 / repeats);
    }
}
