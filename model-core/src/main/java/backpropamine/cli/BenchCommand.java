package backpropamine.cli;

import backpropamine.model.ModelShape;
import backpropamine.model.Phase;
import backpropamine.model.Variant;
import backpropamine.train.Benchmark;
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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bpm bench}: training tokens/s, achieved GFLOP/s and peak memory per variant at the basic configuration.
 * Each variant runs in a fresh JVM so that its peak resident memory is its own.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training speed and peak memory of each variant (B=20, T=20, matched hidden sizes).")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--variant", split = ",", description = "variants to measure (default: all four)")
    List<String> variants;
    @Option(names = "--batch", defaultValue = "20")
    int batch;
    @Option(names = "--bptt", defaultValue = "20")
    int bptt;
    @Option(names = "--hidden", description = "fixed hidden size instead of parameter matching")
    Integer hidden;
    @Option(names = "--segments", defaultValue = "40", description = "timed segments per variant")
    int segments;
    @Option(names = "--warmup", defaultValue = "10", description = "untimed warm-up segments")
    int warmup;
    @Option(names = "--json", description = "also write the figures as JSON to this file")
    Path json;
    @Option(names = "--threads", description = "OpenMP threads per trial (default: the environment's, i.e. all cores)")
    Integer threads;
    @Option(names = "--concurrent", defaultValue = "1",
            description = "trials measured at the same time, each in its own JVM (a sweep on one machine); tokens/s is their sum")
    int concurrent;
    @Option(names = "--in-process", hidden = true, description = "measure one variant in this JVM and print JSON")
    boolean inProcess;

    @Override
    public Integer call() throws Exception {
        List<Variant> list = new ArrayList<>();
        if (variants == null) {
            list.addAll(List.of(Variant.values()));
        } else {
            for (String v : variants) {
                list.add(Variant.parse(v));
            }
        }
        if (inProcess) {
            System.out.println(measure(list.get(0)));
            return 0;
        }
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode rows = mapper.createArrayNode();
        System.out.printf("%-8s %6s %11s %10s %9s %12s %10s   %-36s %s%n", "variant", "hidden", "params", "tokens/s",
                "GFLOP/s", "ms/segment", "peak RSS", "forward/softmax/backward/optimizer", "eval tok/s B=10, B=1");
        for (Variant v : list) {
            List<Process> running = new ArrayList<>();
            for (int k = 0; k < concurrent; k++) {
                running.add(child(v));
            }
            JsonNode row = null;
            double total = 0;
            for (Process p : running) {
                JsonNode r = mapper.readTree(result(p, v));
                total += r.get("tokens_per_s").asDouble();
                row = row == null ? r : row;
            }
            ObjectNode sum = (ObjectNode) row;
            sum.put("concurrent", concurrent).put("threads", threads == null ? -1 : threads).put("tokens_per_s", total)
                    .put("gflops", total * ModelShape.matched(v, ModelShape.PAPER_VOCAB, ModelShape.PAPER_LAYERS,
                            ModelShape.DEFAULT_BUDGET).trainingFlopsPerToken() / 1e9);
            rows.add(sum);
            System.out.printf("%-8s %6d %,11d %10.0f %9.1f %12.1f %7.0f MB   %-36s %.0f, %.0f%n", v,
                    row.get("hidden").asInt(), row.get("params").asLong(), total,
                    row.get("gflops").asDouble(), row.get("ms_per_segment").asDouble(), row.get("peak_rss_mb").asDouble(),
                    String.format("%.0f%% / %.0f%% / %.0f%% / %.0f%%", 100 * row.get("forward_share").asDouble(),
                            100 * row.get("softmax_share").asDouble(), 100 * row.get("backward_share").asDouble(),
                            100 * row.get("optimizer_share").asDouble()),
                    row.get("eval_tokens_per_s_batch10").asDouble(), row.get("eval_tokens_per_s_batch1").asDouble());
        }
        if (json != null) {
            ObjectNode doc = mapper.createObjectNode();
            doc.put("batch", batch).put("bptt", bptt).put("cores", Runtime.getRuntime().availableProcessors());
            doc.set("variants", rows);
            mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), doc);
            System.out.println("written " + json);
        }
        return 0;
    }

    private String measure(Variant v) throws Exception {
        ModelShape shape = hidden != null ? new ModelShape(v, ModelShape.PAPER_VOCAB, hidden, ModelShape.PAPER_LAYERS)
                : ModelShape.matched(v, ModelShape.PAPER_VOCAB, ModelShape.PAPER_LAYERS, ModelShape.DEFAULT_BUDGET);
        Benchmark.Result r = Benchmark.training(shape, batch, bptt, warmup, segments, 1);
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("variant", v.name()).put("hidden", shape.hidden()).put("params", shape.parameterCount())
                .put("batch", batch).put("bptt", bptt).put("tokens_per_s", r.tokensPerSecond()).put("gflops", r.gflops())
                .put("ms_per_segment", r.secondsPerSegment() * 1e3)
                .put("forward_share", r.phaseShare()[Phase.FORWARD.ordinal()])
                .put("softmax_share", r.phaseShare()[Phase.SOFTMAX.ordinal()])
                .put("backward_share", r.phaseShare()[Phase.BACKWARD.ordinal()])
                .put("optimizer_share", r.phaseShare()[Phase.OPTIMIZER.ordinal()]).put("peak_rss_mb", peakRssMb())
                .put("peak_heap_mb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1e6)
                .put("eval_tokens_per_s_batch10", Benchmark.evaluation(shape, 10, 20, 1))
                .put("eval_tokens_per_s_batch1", Benchmark.evaluation(shape, 1, 60, 1));
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

    private Process child(Variant v) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Bpm.class.getName());
        cmd.add("bench");
        cmd.add("--in-process");
        cmd.add("--variant=" + v);
        cmd.add("--batch=" + batch);
        cmd.add("--bptt=" + bptt);
        cmd.add("--segments=" + segments);
        cmd.add("--warmup=" + warmup);
        if (hidden != null) {
            cmd.add("--hidden=" + hidden);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (threads != null) {
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        }
        return pb.start();
    }

    /** The JSON line a child printed. */
    private static String result(Process p, Variant v) throws Exception {
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    last = line;
                }
            }
        }
        if (p.waitFor() != 0 || last == null) {
            throw new IllegalStateException("benchmark of " + v + " failed (exit " + p.exitValue() + ")");
        }
        return last;
    }
}
