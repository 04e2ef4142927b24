package backpropamine.train;

import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.LargeShape;
import backpropamine.model.ModelKind;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import backpropamine.model.Shape;
import backpropamine.model.Variant;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

/**
 * Training throughput of one model: SGD steps on random tokens (speed does not depend on the text), after a
 * warm-up that lets the JIT compile the fused loops.
 */
public final class Benchmark {
    /**
     * @param phaseShare fraction of a step in each {@link Phase}
     * @param traceBytes memory held by the plastic traces after the timed segments (0 without plasticity)
     */
    public record Result(Shape shape, int batch, int steps, double tokensPerSecond, double gflops,
                         double secondsPerSegment, double[] phaseShare, long traceBytes) {
    }

    /** A trial's default settings (trace clip, init scale, gradient clip, L2) of each model: the benchmark measures those. */
    private static TrialConfig defaults(Shape shape) {
        return TrialConfig.builder(Variant.LSTM)
                .model(shape instanceof LargeShape ? ModelKind.LARGE : ModelKind.BASIC).build();
    }
    /** Small, so that thousands of steps on random tokens stay finite. */
    private static final double LEARNING_RATE = 0.1;

    private Benchmark() {
    }

    private static LanguageModel model(Shape shape, Kernels kernels, long seed) {
        TrialConfig d = defaults(shape);
        return LanguageModels.create(shape, Precision.FLOAT, kernels, d.traceClip(), seed, d.initScale());
    }

    /**
     * Best-of-{@code reps} speed of one single-precision matrix product [m x k] x [k x n] through {@code Nd4j.gemm}
     * into a preallocated output (the call the model makes), in GFLOP/s. [2048 x 2048] x [2048 x 2048] is the
     * machine's matrix-product peak that the model's throughput is compared with.
     */
    public static double gemm(int m, int k, int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = Nd4j.create(DataType.FLOAT, m, n);
        for (int i = 0; i < 2; i++) {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return 2.0 * m * k * n / best;
    }

    /**
     * Evaluation throughput (forward only, state carried) at one batch size, in tokens/s: the validation pass
     * runs at batch 10 and the test pass at batch 1, which must not dominate a trial.
     */
    public static double evaluation(Shape shape, Kernels kernels, int batch, int segments, long seed) {
        LanguageModel model = model(shape, kernels, seed);
        int steps = PerplexityEvaluator.EVAL_STEPS;
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] inputs = randomTokens(rnd, shape.vocab(), batch * steps);
        int[] targets = randomTokens(rnd, shape.vocab(), batch * steps);
        for (int s = 0; s < Math.max(2, segments / 4); s++) {
            model.evaluateSegment(inputs, targets, batch, steps);
        }
        long t0 = System.nanoTime();
        for (int s = 0; s < segments; s++) {
            model.evaluateSegment(inputs, targets, batch, steps);
        }
        return (double) segments * batch * steps / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * ND4J operations one training segment issues (ND4J's op profiler; matrix products included), after one
     * untimed segment. On a GPU every one is a kernel launch plus ND4J's per-op cost, whatever its size, so this
     * count bounds the ops path's speed there from below.
     */
    public static long opsPerSegment(Shape shape, Kernels kernels, int batch, int steps, long seed) {
        LanguageModel model = model(shape, kernels, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] inputs = randomTokens(rnd, shape.vocab(), batch * steps);
        int[] targets = randomTokens(rnd, shape.vocab(), batch * steps);
        model.trainSegment(inputs, targets, batch, steps);
        OpExecutioner executioner = Nd4j.getExecutioner();
        executioner.setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
        OpProfiler.getInstance().reset();
        try {
            model.trainSegment(inputs, targets, batch, steps);
            return OpProfiler.getInstance().getInvocationsCount();
        } finally {
            executioner.setProfilingConfig(ProfilerConfig.builder().build());
        }
    }

    /** Uniform token ids: the benchmark measures speed, which does not depend on the text. */
    private static int[] randomTokens(SplittableRandom rnd, int vocab, int length) {
        return rnd.ints(length, 0, vocab).toArray();
    }

    public static Result training(Shape shape, Kernels kernels, int batch, int steps, int warmup, int segments,
                                  long seed) {
        LanguageModel model = model(shape, kernels, seed);
        TrialConfig d = defaults(shape);
        Sgd sgd = new Sgd(model, d.gradClip(), shape instanceof LargeShape);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] inputs = randomTokens(rnd, shape.vocab(), batch * steps);
        int[] targets = randomTokens(rnd, shape.vocab(), batch * steps);
        for (int s = 0; s < warmup; s++) {
            model.trainSegment(inputs, targets, batch, steps);
            sgd.step(LEARNING_RATE, d.l2());
        }
        long[] before = model.phaseNanos();
        long optimizer = 0;
        long t0 = System.nanoTime();
        for (int s = 0; s < segments; s++) {
            model.trainSegment(inputs, targets, batch, steps);
            long o = System.nanoTime();
            sgd.step(LEARNING_RATE, d.l2());
            optimizer += System.nanoTime() - o;
        }
        long total = System.nanoTime() - t0;
        double seconds = total / 1e9;
        long[] after = model.phaseNanos();
        double[] share = new double[Phase.values().length];
        for (Phase p : Phase.values()) {
            long nanos = p == Phase.OPTIMIZER ? optimizer : after[p.ordinal()] - before[p.ordinal()];
            share[p.ordinal()] = nanos / (double) total;
        }
        double tokens = (double) segments * batch * steps;
        double tps = tokens / seconds;
        return new Result(shape, batch, steps, tps, tps * shape.trainingFlopsPerToken() / 1e9, seconds / segments, share,
                model.traceBytes(batch));
    }
}
