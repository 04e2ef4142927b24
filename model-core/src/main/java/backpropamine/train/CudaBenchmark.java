package backpropamine.train;

import backpropamine.cuda.CudaLstmModel;
import backpropamine.model.Kernels;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;

/**
 * Training throughput of the basic model on the CUDA kernels: {@code trials} models trained at the same time, each
 * on its own device (stream and memory) of the same GPU, as trials share a GPU in a sweep with a fractional
 * {@code spark.task.resource.gpu.amount}. Each timed segment is a whole SGD step (graph replay, loss, clip, update).
 * Names no ND4J class: it runs where ND4J is absent (deploy/gpu-check.sh).
 */
public final class CudaBenchmark {
    /**
     * @param tokensPerSecond summed over the trials
     * @param deviceBytes     device memory one trial holds: parameters, gradients, the training geometry and the
     *                        validation (batch 10) and test (batch 1) ones
     */
    public record Result(Variant variant, int hidden, long params, int trials, double tokensPerSecond,
                         double secondsPerSegment, long deviceBytes, long traceBytes, String device) {
    }

    private CudaBenchmark() {
    }

    public static Result training(Variant variant, Integer hidden, int batch, int steps, int warmup, int segments,
                                  int trials) throws Exception {
        TrialConfig d = TrialConfig.builder(variant).build();
        ModelShape shape = hidden == null ? (ModelShape) d.shape(ModelShape.PAPER_VOCAB)
                : new ModelShape(variant, ModelShape.PAPER_VOCAB, hidden, ModelShape.PAPER_LAYERS);
        List<CudaLstmModel> models = new ArrayList<>();
        for (int k = 0; k < trials; k++) {
            models.add((CudaLstmModel) LanguageModels.create(shape, Precision.FLOAT, Kernels.CUDA, d.traceClip(), k + 1,
                    d.initScale()));
        }
        try {
            CyclicBarrier start = new CyclicBarrier(trials + 1);
            CyclicBarrier end = new CyclicBarrier(trials + 1);
            List<Thread> threads = new ArrayList<>();
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            for (CudaLstmModel m : models) {
                Thread t = new Thread(() -> {
                    try {
                        run(m, shape, batch, steps, warmup, 0);
                        start.await();
                        run(m, shape, batch, steps, segments, 1);
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
            CudaLstmModel first = models.get(0);
            first.evaluateSegment(tokens(new SplittableRandom(5), 10 * steps, shape.vocab()),
                    tokens(new SplittableRandom(6), 10 * steps, shape.vocab()), 10, steps);
            first.evaluateSegment(tokens(new SplittableRandom(7), steps, shape.vocab()),
                    tokens(new SplittableRandom(8), steps, shape.vocab()), 1, steps);
            // every model holds the same; a copy of the parameters is made per evaluation by the trainer: count one
            long bytes = first.device().allocatedBytes() + shape.parameterCount() * Float.BYTES;
            return new Result(variant, shape.hidden(), shape.parameterCount(), trials,
                    (double) trials * segments * batch * steps / seconds, seconds / segments, bytes,
                    first.traceBytes(batch), first.device().name());
        } finally {
            models.forEach(CudaLstmModel::close);
        }
    }

    private static void run(CudaLstmModel m, ModelShape shape, int batch, int steps, int segments, long seed) {
        Sgd sgd = new Sgd(m, 5.0);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int s = 0; s < segments; s++) {
            m.trainSegment(tokens(rng, batch * steps, shape.vocab()), tokens(rng, batch * steps, shape.vocab()), batch, steps);
            sgd.step(0.1, 0);
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
