package backpropamine.train;

import backpropamine.cuda.CudaDevices;
import backpropamine.cuda.Device;
import backpropamine.cuda.DeviceModel;
import backpropamine.cuda.TraceBandwidth;
import backpropamine.model.Kernels;
import backpropamine.model.LargeShape;
import backpropamine.model.Precision;
import backpropamine.model.Shape;
import backpropamine.model.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;

/**
 * Training throughput of the basic or the large model on the CUDA kernels: {@code trials} models trained at the
 * same time, each on its own device (stream and memory) of the same GPU, as trials share a GPU in a sweep with a
 * fractional {@code spark.task.resource.gpu.amount}. Each timed segment is a whole SGD step (graph replay, loss,
 * clip, update); then the evaluation throughput of one model at the validation batch. Names no ND4J class: it runs
 * where ND4J is absent (deploy/gpu-check.sh).
 */
public final class CudaBenchmark {
    /**
     * @param tokensPerSecond     training, summed over the trials
     * @param evalTokensPerSecond one model evaluating at batch {@code evalBatch}
     * @param deviceBytes         device memory one trial holds: parameters, gradients, the training geometry and the
     *                            evaluation ones (validation batch, test batch 1), a copy of the parameters
     * @param traceBytes          the traces one trial holds at the training batch
     */
    public record Result(Variant variant, int hidden, long params, int trials, double tokensPerSecond,
                         double secondsPerSegment, int evalBatch, double evalTokensPerSecond, long deviceBytes,
                         long traceBytes, String device) {
    }

    /** One trace kernel of the per-neuron rule, launched alone (cuda.TraceBandwidth). */
    public record TraceKernel(String kernel, int tracePasses, double secondsPerLaunch, double bytesPerSecond) {
    }

    /** The trace kernels on one device, beside its theoretical bandwidth; the last entry is a plain copy. */
    public record TraceReport(String device, double peakBytesPerSecond, List<TraceKernel> kernels) {
        /** Achieved bandwidth of a device-to-device copy of one trace: the practical ceiling. */
        public double copyBytesPerSecond() {
            return kernels.get(kernels.size() - 1).bytesPerSecond();
        }
    }

    private CudaBenchmark() {
    }

    /** The per-neuron rule's trace kernels at {@code n} units and batch {@code batch}, {@code repeats} launches each. */
    public static TraceReport traceKernels(int batch, int n, int repeats) {
        try (Device d = CudaDevices.open()) {
            List<TraceKernel> ks = new ArrayList<>();
            for (TraceBandwidth.Result r : TraceBandwidth.measure(d, batch, n, repeats)) {
                ks.add(new TraceKernel(r.kernel(), r.tracePasses(), r.seconds(), r.bytesPerSecond()));
            }
            return new TraceReport(d.name(), d.peakBandwidth(), List.copyOf(ks));
        }
    }

    /** The model of {@code shape} (basic or large) with its trial defaults; segments of {@code batch} x {@code steps}. */
    public static Result training(Shape shape, int batch, int steps, int warmup, int segments, int trials)
            throws Exception {
        boolean large = shape instanceof LargeShape;
        TrialConfig d = TrialConfig.builder(shape.variant()).model(large ? backpropamine.model.ModelKind.LARGE
                : backpropamine.model.ModelKind.BASIC).build();
        List<DeviceModel> models = new ArrayList<>();
        try {
            for (int k = 0; k < trials; k++) {
                models.add((DeviceModel) LanguageModels.create(shape, Precision.FLOAT, Kernels.CUDA, d.traceClip(),
                        k + 1, d.initScale()));
            }
            CyclicBarrier start = new CyclicBarrier(trials + 1);
            CyclicBarrier end = new CyclicBarrier(trials + 1);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            for (DeviceModel m : models) {
                Thread t = new Thread(() -> {
                    try {
                        run(m, shape, d, large, batch, steps, warmup, 0);
                        start.await();
                        run(m, shape, d, large, batch, steps, segments, 1);
                        end.await();
                    } catch (Throwable e) {
                        errors.add(e);
                        start.reset();
                        end.reset();
                    }
                }, "bench-trial-" + threads.size());
                threads.add(t);
                t.start();
            }
            start.await();
            long t0 = System.nanoTime();
            end.await();
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (Thread t : threads) {
                t.join();
            }
            if (!errors.isEmpty()) {
                throw new IllegalStateException("a benchmark trial failed: " + errors.get(0), errors.get(0));
            }
            DeviceModel first = models.get(0);
            int evalBatch = d.validBatch();
            double evalRate = evaluation(first, shape, evalBatch, steps, Math.max(2, segments / 4));
            evaluation(first, shape, d.testBatch(), steps, 1);
            // every model holds the same; the trainer keeps a copy of the parameters for evaluation: count one
            long bytes = first.device().allocatedBytes() + shape.parameterCount() * Float.BYTES;
            return new Result(shape.variant(), shape.hidden(), shape.parameterCount(), trials,
                    (double) trials * segments * batch * steps / seconds, seconds / segments, evalBatch, evalRate, bytes,
                    first.traceBytes(batch), first.device().name());
        } finally {
            models.forEach(DeviceModel::close);
        }
    }

    /** Evaluation tokens/s of {@code segments} segments (after one untimed, which captures the launches). */
    private static double evaluation(DeviceModel m, Shape shape, int batch, int steps, int segments) {
        SplittableRandom rng = new SplittableRandom(5);
        m.evaluateSegment(tokens(rng, batch * steps, shape.vocab()), tokens(rng, batch * steps, shape.vocab()), batch, steps);
        long t0 = System.nanoTime();
        for (int s = 0; s < segments; s++) {
            m.evaluateSegment(tokens(rng, batch * steps, shape.vocab()), tokens(rng, batch * steps, shape.vocab()), batch,
                    steps);
        }
        return (double) segments * batch * steps / ((System.nanoTime() - t0) / 1e9);
    }

    /** SGD steps as a trial takes them (the large model: weight decay on everything, its clip and rate). */
    private static void run(DeviceModel m, Shape shape, TrialConfig d, boolean large, int batch, int steps,
                            int segments, long seed) {
        Sgd sgd = new Sgd(m, d.gradClip(), large);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int s = 0; s < segments; s++) {
            m.trainSegment(tokens(rng, batch * steps, shape.vocab()), tokens(rng, batch * steps, shape.vocab()), batch, steps);
            sgd.step(large ? 1.0 : 0.1, d.l2());
        }
    }

    private static int[] tokens(SplittableRandom rng, int n, int vocab) {
        int[] t = new int[n];
        for (int k = 0; k < n; k++) {
            t[k] = rng.nextInt(vocab);
        }
        return t;
    }
}
