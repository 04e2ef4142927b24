package backpropamine.cli;

import backpropamine.model.Kernels;
import backpropamine.model.LargeShape;
import backpropamine.model.ModelKind;
import backpropamine.model.ModelShape;
import backpropamine.model.Phase;
import backpropamine.model.Shape;
import backpropamine.model.Variant;
import backpropamine.train.Benchmark;
import backpropamine.train.CudaBenchmark;
import backpropamine.train.LanguageModels;
import backpropamine.train.TrialConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bpm bench}: training tokens/s, achieved GFLOP/s and peak memory per variant at the basic configuration.
 * Each variant runs in a fresh JVM so that its peak resident memory is its own.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure training speed and peak memory of each variant (basic model: B=20, T=20, matched"
                + " hidden sizes; --model large: B=7, T=70, LSTM 1150 and SIMPLE 1149)."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "basic", description = "basic or large (default ${DEFAULT-VALUE})")
    String modelName;
    @Option(names = "--variant", split = ",", description = "variants to measure (default: all four; large: LSTM, SIMPLE)")
    List<String> variants;
    @Option(names = "--batch", description = "training batch (default: the model's, 20 or 7)")
    Integer batch;
    @Option(names = "--bptt", description = "steps per segment (default: the model's, 20 or 70)")
    Integer bptt;
    @Option(names = "--hidden", description = "fixed hidden size instead of parameter matching")
    Integer hidden;
    @Option(names = "--segments", defaultValue = "40", description = "timed segments per variant")
    int segments;
    @Option(names = "--warmup", defaultValue = "10", description = "untimed warm-up segments")
    int warmup;
    @Option(names = "--json", description = "also write the figures as JSON to this file")
    Path json;
    @Option(names = "--kernels", description = "FUSED (CPU), OPS (ND4J ops only) or CUDA (the project's"
            + " CUDA kernels on a GPU, BPM_CUDA_DEVICE); default: BPM_KERNELS, else FUSED (OPS on ND4J's CUDA backend)")
    String kernelsName;
    @Option(names = "--threads", description = "OpenMP threads per trial (default: the environment's, i.e. all cores)")
    Integer threads;
    @Option(names = "--concurrent", defaultValue = "1",
            description = "trials measured at the same time, each in its own JVM (a sweep on one machine); tokens/s is their sum")
    int concurrent;
    @Option(names = "--scaling", description = "also measure every variant at hidden 200, 400, 650 x batch 20, 64 "
            + "(fixed hidden sizes, --scaling-segments each; several minutes)")
    boolean scaling;
    @Option(names = "--scaling-segments", defaultValue = "4", description = "timed segments per cell of the scaling table")
    int scalingSegments;
    @Option(names = "--scaling-warmup", defaultValue = "5",
            description = "untimed segments per cell of the scaling table (the JIT needs a few at the small sizes)")
    int scalingWarmup;
    @Option(names = "--count-ops", description = "also count the ND4J operations of one training segment (ND4J's op"
            + " profiler; with --kernels ops: each is a kernel launch on a GPU, see docs/large-model.md)")
    boolean countOps;
    @Option(names = "--in-process", hidden = true, description = "measure one variant in this JVM and print JSON")
    boolean inProcess;
    @Option(names = "--skip-eval", hidden = true, description = "do not measure evaluation (scaling table)")
    boolean skipEval;
    @Option(names = "--gemm-peak", hidden = true, description = "measure the matrix-product peak in this JVM and print JSON")
    boolean gemmPeak;

    static final int[] SCALING_HIDDEN = {200, 400, 650};
    static final int[] SCALING_BATCH = {20, 64};

    @Override
    public Integer call() throws Exception {
        kernels(); // refuse an unknown name before anything is measured
        ModelKind model = ModelKind.parse(modelName);
        // batch and steps default to the model's trial settings (TrialSetting), so bench measures what trials run
        TrialConfig defaults = TrialConfig.builder(Variant.LSTM).model(model).build();
        batch = batch != null ? batch : defaults.batch();
        bptt = bptt != null ? bptt : defaults.bptt();
        List<Variant> list = new ArrayList<>();
        if (variants == null) {
            list.addAll(model == ModelKind.LARGE ? List.of(Variant.LSTM, Variant.SIMPLE) : List.of(Variant.values()));
        } else {
            for (String v : variants) {
                list.add(Variant.parse(v));
            }
        }
        if (kernels() == Kernels.CUDA) {
            return cuda(list, model);
        }
        if (gemmPeak) {
            System.out.println(new ObjectMapper().createObjectNode()
                    .put("gemm_peak_gflops", Benchmark.gemm(2048, 2048, 2048, 5))
                    .put("softmax_gemm_gflops", Benchmark.gemm(batch * bptt, softmaxInput(model), ModelShape.PAPER_VOCAB, 10)));
            return 0;
        }
        if (inProcess) {
            System.out.println(measure(list.get(0), model));
            return 0;
        }
        ObjectMapper mapper = new ObjectMapper();
        JsonNode gemm = mapper.readTree(result(child(null, List.of("--gemm-peak"), false), "the matrix-product peak"));
        // K concurrent trials of T threads have K times the peak of T threads to share
        double peak = gemm.get("gemm_peak_gflops").asDouble() * concurrent;
        System.out.printf("kernels %s on %s%n", kernels(), Nd4j.getBackend().getClass().getSimpleName());
        int in = softmaxInput(model);
        System.out.printf("%s model; matrix-product peak %.0f GFLOP/s ([2048x2048]x[2048x2048], Nd4j.gemm, %s threads%s); "
                        + "the softmax product [%dx%d]x[%dx10000] runs at %.0f GFLOP/s%n", model.name().toLowerCase(), peak,
                threads == null ? "all" : threads, concurrent > 1 ? ", x" + concurrent + " trials" : "", batch * bptt, in, in,
                gemm.get("softmax_gemm_gflops").asDouble());
        ArrayNode rows = mapper.createArrayNode();
        System.out.printf("%-8s %6s %11s %10s %9s %7s %12s %10s %10s   %-36s %s%n", "variant", "hidden", "params", "tokens/s",
                "GFLOP/s", "of peak", "ms/segment", "peak RSS", "traces", "forward/softmax/backward/optimizer",
                "eval tok/s B=10, B=1");
        for (Variant v : list) {
            List<Process> running = new ArrayList<>();
            for (int k = 0; k < concurrent; k++) {
                running.add(child(v, variantArgs(model, hidden, batch, segments, warmup, false), false));
            }
            JsonNode row = null;
            double total = 0;
            for (Process p : running) {
                JsonNode r = mapper.readTree(result(p, v.toString()));
                total += r.get("tokens_per_s").asDouble();
                row = row == null ? r : row;
            }
            ObjectNode sum = (ObjectNode) row;
            double gflops = total * row.get("flops_per_token").asDouble() / 1e9;
            sum.put("concurrent", concurrent).put("threads", threads == null ? -1 : threads).put("tokens_per_s", total)
                    .put("gflops", gflops).put("fraction_of_gemm_peak", gflops / peak);
            rows.add(sum);
            System.out.printf("%-8s %6d %,11d %10.0f %9.1f %6.0f%% %12.1f %7.0f MB %7.0f MB   %-36s %.0f, %.0f%n", v,
                    row.get("hidden").asInt(), row.get("params").asLong(), total, gflops, 100 * gflops / peak,
                    row.get("ms_per_segment").asDouble(), row.get("peak_rss_mb").asDouble(), row.get("trace_mb").asDouble(),
                    shares(row), row.get("eval_tokens_per_s_batch10").asDouble(), row.get("eval_tokens_per_s_batch1").asDouble());
            if (row.has("ops_per_segment")) {
                System.out.printf("%-8s ND4J operations per training segment of %d x %d: %,d%n", v, batch, bptt,
                        row.get("ops_per_segment").asLong());
            }
        }
        ArrayNode scalingRows = mapper.createArrayNode();
        if (scaling) {
            System.out.printf("%nscaling (fixed hidden sizes, %d timed segments after %d untimed each, one trial at a time)%n",
                    scalingSegments, scalingWarmup);
            System.out.printf("%-8s %6s %5s %10s %9s %7s %12s %10s   %s%n", "variant", "hidden", "batch", "tokens/s",
                    "GFLOP/s", "of peak", "ms/segment", "peak RSS", "forward/softmax/backward/optimizer");
            for (Variant v : list) {
                for (int h : SCALING_HIDDEN) {
                    for (int b : SCALING_BATCH) {
                        ObjectNode r = (ObjectNode) mapper.readTree(result(
                                child(v, variantArgs(model, h, b, scalingSegments, scalingWarmup, true), true), v + " hidden " + h + " batch " + b));
                        r.put("fraction_of_gemm_peak", r.get("gflops").asDouble() / peak);
                        scalingRows.add(r);
                        System.out.printf("%-8s %6d %5d %10.0f %9.1f %6.0f%% %12.1f %7.0f MB   %s%n", v, h, b,
                                r.get("tokens_per_s").asDouble(), r.get("gflops").asDouble(),
                                100 * r.get("gflops").asDouble() / peak, r.get("ms_per_segment").asDouble(),
                                r.get("peak_rss_mb").asDouble(), shares(r));
                    }
                }
            }
        }
        if (json != null) {
            ObjectNode doc = mapper.createObjectNode();
            doc.put("model", model.name().toLowerCase()).put("kernels", kernels().name()).put("backend", Nd4j.getBackend().getClass().getSimpleName())
                    .put("batch", batch).put("bptt", bptt).put("cores", Runtime.getRuntime().availableProcessors())
                    .put("threads", threads == null ? -1 : threads).put("gemm_peak_gflops", peak)
                    .put("softmax_gemm_gflops", gemm.get("softmax_gemm_gflops").asDouble());
            doc.set("variants", rows);
            doc.set("scaling", scalingRows);
            mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), doc);
            System.out.println("written " + json);
        }
        return 0;
    }

    /**
     * The CUDA kernels: per variant, tokens/s of {@code --concurrent} trials sharing the GPU (summed), time per
     * segment, evaluation tokens/s and device memory per trial, the device named on every line; for the large
     * model also the trace kernels' bandwidth and the time of a trial and of the paper run. In this JVM: no ND4J is
     * touched.
     */
    private int cuda(List<Variant> list, ModelKind model) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode rows = mapper.createArrayNode();
        System.out.printf("%-8s %6s %11s %6s %12s %12s %10s %14s %12s %10s  %s%n", "variant", "hidden", "params", "trials",
                "tokens/s", "per trial", "ms/segment", "eval tok/s", "device MB", "traces MB", "device");
        Map<Variant, CudaBenchmark.Result> results = new java.util.EnumMap<>(Variant.class);
        for (Variant v : list) {
            Shape shape = TrialConfig.builder(v).model(model).hidden(hidden).build().shape(ModelShape.PAPER_VOCAB);
            CudaBenchmark.Result r = CudaBenchmark.training(shape, batch, bptt, warmup, segments, concurrent);
            results.put(v, r);
            System.out.printf("%-8s %6d %,11d %6d %,12.0f %,12.0f %10.2f %,9.0f B=%-3d %12.1f %10.1f  %s%n", v, r.hidden(),
                    r.params(), r.trials(), r.tokensPerSecond(), r.tokensPerSecond() / r.trials(),
                    1e3 * r.secondsPerSegment(), r.evalTokensPerSecond(), r.evalBatch(), r.deviceBytes() / 1e6,
                    r.traceBytes() / 1e6, r.device());
            rows.add(mapper.createObjectNode().put("variant", v.name()).put("kernels", "CUDA").put("hidden", r.hidden())
                    .put("params", r.params()).put("batch", batch).put("bptt", bptt).put("trials", r.trials())
                    .put("tokens_per_s", r.tokensPerSecond()).put("ms_per_segment", 1e3 * r.secondsPerSegment())
                    .put("eval_batch", r.evalBatch()).put("eval_tokens_per_s", r.evalTokensPerSecond())
                    .put("device_mb_per_trial", r.deviceBytes() / 1e6).put("trace_mb", r.traceBytes() / 1e6)
                    .put("device", r.device()));
        }
        ObjectNode doc = mapper.createObjectNode().put("model", model.name().toLowerCase()).put("kernels", "CUDA");
        if (model == ModelKind.LARGE) {
            doc.set("trace_kernels", traceBandwidth(mapper));
            doc.set("paper_run", paperRun(mapper, results));
        }
        doc.set("rows", rows);
        if (json != null) {
            mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), doc);
            System.out.println("written " + json);
        }
        return 0;
    }

    /**
     * The per-neuron rule's trace kernels at the large model's 1149 units and the training batch, each launched
     * alone: trace bytes per launch, GB/s, share of the device's theoretical bandwidth and of a plain copy's; and
     * the trace bytes a training step moves per plastic layer against the least the equations allow.
     */
    private ArrayNode traceBandwidth(ObjectMapper mapper) {
        ArrayNode out = mapper.createArrayNode();
        int n = LargeShape.PAPER_HIDDEN - 1;
        CudaBenchmark.TraceReport t = CudaBenchmark.traceKernels(batch, n, 20);
        double peak = t.peakBytesPerSecond();
        double copy = t.copyBytesPerSecond();
        System.out.printf("%ntrace kernels, B=%d N=%d (one trace %.1f MB) on %s; theoretical bandwidth %.0f GB/s%n",
                batch, n, (double) batch * n * n * Float.BYTES / 1e6, t.device(), peak / 1e9);
        System.out.printf("%-26s %7s %10s %10s %10s %10s%n", "kernel", "passes", "us/launch", "GB/s", "of peak", "of copy");
        for (CudaBenchmark.TraceKernel r : t.kernels()) {
            System.out.printf("%-26s %7d %10.1f %10.1f %9.0f%% %9.0f%%%n", r.kernel(), r.tracePasses(),
                    1e6 * r.secondsPerLaunch(), r.bytesPerSecond() / 1e9, 100 * r.bytesPerSecond() / peak,
                    100 * r.bytesPerSecond() / copy);
            out.add(mapper.createObjectNode().put("kernel", r.kernel()).put("passes", r.tracePasses())
                    .put("us_per_launch", 1e6 * r.secondsPerLaunch()).put("gb_per_s", r.bytesPerSecond() / 1e9)
                    .put("of_peak", r.bytesPerSecond() / peak).put("of_copy", r.bytesPerSecond() / copy)
                    .put("device", t.device()));
        }
        System.out.printf("trace traffic per training step and plastic layer: 7 passes of [B][N][N] (update 2,"
                + " backward 3 + 2); the equations need 5 (read and write the trace forward, read it, read and write"
                + " its gradient backward): %.0f MB against %.0f MB at N=%d%n",
                7.0 * batch * n * n * Float.BYTES / 1e6, 5.0 * batch * n * n * Float.BYTES / 1e6, n);
        return out;
    }

    /**
     * One paper run (conf/sweeps/paper-large.yaml: 5 trials of each large model, 500 epochs of PTB's 929,589
     * training tokens and a validation pass of 73,760) at the measured rates: a trial, the run on one GPU with the
     * measured number of trials at a time, and on 10 GPUs (one trial each).
     */
    private ObjectNode paperRun(ObjectMapper mapper, Map<Variant, CudaBenchmark.Result> results) {
        ObjectNode out = mapper.createObjectNode();
        double oneGpuSeconds = 0;
        double tenGpuSeconds = 0;
        System.out.println();
        for (CudaBenchmark.Result r : results.values()) {
            double perTrialRate = r.tokensPerSecond() / r.trials();
            double epoch = 929_589 / perTrialRate + 73_760 / r.evalTokensPerSecond();
            double trial = 500 * epoch;
            oneGpuSeconds += 5 * trial / r.trials(); // r.trials() at a time share the GPU at the measured rate
            tenGpuSeconds = Math.max(tenGpuSeconds, trial);
            System.out.printf("one %s trial: %.1f min per epoch, %.1f h for 500 epochs (%d trial(s) sharing the GPU)%n",
                    r.variant(), epoch / 60, trial / 3600, r.trials());
            out.put(r.variant().name().toLowerCase() + "_trial_hours", trial / 3600);
        }
        System.out.printf("paper run (5 LSTM + 5 SIMPLE trials): %.1f days on 1 GPU, %.1f h on 10 GPUs%n",
                oneGpuSeconds / 86400, tenGpuSeconds / 3600);
        out.put("one_gpu_days", oneGpuSeconds / 86400).put("ten_gpu_hours", tenGpuSeconds / 3600);
        return out;
    }

    /** Width of the softmax's input: the basic LSTM's matched hidden size, or the large model's embedding. */
    private static int softmaxInput(ModelKind model) {
        return model == ModelKind.LARGE ? LargeShape.PAPER_EMBEDDING : ModelShape.matched(Variant.LSTM,
                ModelShape.PAPER_VOCAB, ModelShape.PAPER_LAYERS, ModelShape.DEFAULT_BUDGET).hidden();
    }

    private String measure(Variant v, ModelKind model) throws Exception {
        Shape shape = TrialConfig.builder(v).model(model).hidden(hidden).build().shape(ModelShape.PAPER_VOCAB);
        Kernels kernels = kernels();
        Benchmark.Result r = Benchmark.training(shape, kernels, batch, bptt, warmup, segments, 1);
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("variant", v.name()).put("kernels", kernels.name()).put("hidden", shape.hidden()).put("params", shape.parameterCount())
                .put("batch", batch).put("bptt", bptt).put("tokens_per_s", r.tokensPerSecond()).put("gflops", r.gflops())
                .put("flops_per_token", shape.trainingFlopsPerToken())
                .put("ms_per_segment", r.secondsPerSegment() * 1e3)
                .put("forward_share", r.phaseShare()[Phase.FORWARD.ordinal()])
                .put("softmax_share", r.phaseShare()[Phase.SOFTMAX.ordinal()])
                .put("backward_share", r.phaseShare()[Phase.BACKWARD.ordinal()])
                .put("optimizer_share", r.phaseShare()[Phase.OPTIMIZER.ordinal()]).put("peak_rss_mb", peakRssMb())
                .put("trace_mb", r.traceBytes() / 1e6)
                .put("peak_heap_mb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1e6);
        if (countOps) {
            o.put("ops_per_segment", Benchmark.opsPerSegment(shape, kernels, batch, bptt, 1));
        }
        if (!skipEval) {
            o.put("eval_tokens_per_s_batch10", Benchmark.evaluation(shape, kernels, 10, 20, 1))
                    .put("eval_tokens_per_s_batch1", Benchmark.evaluation(shape, kernels, 1, 60, 1));
        }
        return o.toString();
    }

    /** VmHWM of this process (Linux), the peak resident set including off-heap ND4J buffers. */
    static double peakRssMb() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return Double.NaN;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String shares(JsonNode r) {
        return String.format("%.0f%% / %.0f%% / %.0f%% / %.0f%%", 100 * r.get("forward_share").asDouble(),
                100 * r.get("softmax_share").asDouble(), 100 * r.get("backward_share").asDouble(),
                100 * r.get("optimizer_share").asDouble());
    }

    private Kernels kernels() {
        return kernelsName == null ? LanguageModels.kernelsForBackend() : Kernels.parse(kernelsName);
    }

    private List<String> variantArgs(ModelKind model, Integer h, int b, int timed, int untimed, boolean noEval) {
        List<String> args = new ArrayList<>(List.of("--in-process", "--model=" + model, "--batch=" + b, "--bptt=" + bptt,
                "--segments=" + timed, "--warmup=" + untimed, "--kernels=" + kernels()));
        if (h != null) {
            args.add("--hidden=" + h);
        }
        if (noEval) {
            args.add("--skip-eval");
        }
        if (countOps) {
            args.add("--count-ops");
        }
        return args;
    }

    /**
     * A fresh JVM (same flags and class path) running {@code bench} with {@code args}. {@code largeHeap} gives it
     * most of the machine's memory, for the scaling table (RETRO at hidden 650, batch 64 keeps ~11 GB of traces);
     * the main table keeps the default heap, so that its peak RSS is what a trial needs.
     */
    private Process child(Variant v, List<String> args, boolean largeHeap) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        if (largeHeap && ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            cmd.add("-Xmx" + (long) (os.getTotalMemorySize() * 0.75 / (1 << 20)) + "m");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Bpm.class.getName());
        cmd.add("bench");
        if (v != null) {
            cmd.add("--variant=" + v);
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (threads != null) {
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        }
        return pb.start();
    }

    /** The JSON line a child printed. */
    private static String result(Process p, String what) throws Exception {
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    last = line;
                }
            }
        }
        if (p.waitFor() != 0 || last == null) {
            throw new IllegalStateException("benchmark of " + what + " failed (exit " + p.exitValue() + ")");
        }
        return last;
    }
}
