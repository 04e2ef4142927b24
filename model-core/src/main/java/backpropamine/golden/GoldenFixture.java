package backpropamine.golden;

import backpropamine.model.Variant;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A golden fixture: for each tiny model, every parameter, and for consecutive truncated-BPTT segments the
 * inputs, the loss (sum over steps of the batch-mean cross-entropy), the gradient of that loss for every
 * parameter and the state at the segment's end. Tensors are in the fixture's own layout (its {@code layout}
 * entry): {@code layerL.wx} [N_in, 4N] in gate blocks i, f, o, g; {@code layerL.alpha} [i pre][j post];
 * traces [B][N][N] indexed as alpha. Any sizes and number of layers, any subset of the variants, one or more
 * segments; plain or gzipped JSON.
 */
public record GoldenFixture(List<Case> cases) {
    /** One tiny model and its segments. */
    public record Case(Variant variant, int vocab, int hidden, int layers, int batch, int steps, double traceClip,
                       Map<String, double[]> parameters, List<Segment> segments) {
    }

    /**
     * One segment: tokens [B][T] (batch-major, as in the fixture), the loss, every parameter's gradient and each
     * layer's end state ({@code h}, {@code c}, and {@code hebb}, {@code e} where the variant has them).
     */
    public record Segment(int[][] inputs, int[][] targets, double loss, Map<String, double[]> gradients,
                          List<Map<String, double[]>> finalState) {
    }

    /**
     * @throws IllegalArgumentException naming the file and what is missing or malformed
     */
    public static GoldenFixture read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("fixture " + file + " not found");
        }
        JsonNode root;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            root = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("fixture " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode models = root.get("models");
        if (models == null || !models.isArray() || models.isEmpty()) {
            throw new IllegalArgumentException("fixture " + file + ": 'models' must be a non-empty list");
        }
        List<Case> cases = new ArrayList<>();
        for (JsonNode m : models) {
            try {
                cases.add(parseCase(m));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("fixture " + file + ", model " + m.path("variant").asText("?") + ": "
                        + e.getMessage(), e);
            }
        }
        return new GoldenFixture(List.copyOf(cases));
    }

    private static Case parseCase(JsonNode m) {
        Variant variant = Variant.parse(required(m, "variant").asText());
        Map<String, double[]> params = tensors(required(m, "parameters"));
        int layers = 0;
        while (params.containsKey("layer" + layers + ".wx")) {
            layers++;
        }
        if (layers == 0) {
            throw new IllegalArgumentException("no layer0.wx among the parameters");
        }
        List<Segment> segments = new ArrayList<>();
        for (JsonNode s : required(m, "segments")) {
            List<Map<String, double[]>> state = new ArrayList<>();
            for (JsonNode layer : required(s, "final_state")) {
                state.add(tensors(layer));
            }
            segments.add(new Segment(tokens(required(s, "inputs")), tokens(required(s, "targets")),
                    required(s, "loss").asDouble(), tensors(required(s, "gradients")), state));
        }
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("no segments");
        }
        return new Case(variant, required(m, "vocab").asInt(), required(m, "hidden").asInt(), layers,
                required(m, "batch").asInt(), required(m, "steps").asInt(), required(m, "trace_clip").asDouble(),
                params, segments);
    }

    private static JsonNode required(JsonNode parent, String key) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return n;
    }

    /** Named tensors, each {shape, values} or a plain (nested) list, flattened row-major. */
    private static Map<String, double[]> tensors(JsonNode node) {
        Map<String, double[]> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue().has("values") ? e.getValue().get("values") : e.getValue();
            List<Double> flat = new ArrayList<>();
            flatten(v, flat);
            out.put(e.getKey(), flat.stream().mapToDouble(Double::doubleValue).toArray());
        });
        return out;
    }

    private static void flatten(JsonNode v, List<Double> out) {
        if (v.isArray()) {
            v.forEach(x -> flatten(x, out));
        } else if (v.isNumber()) {
            out.add(v.asDouble());
        } else {
            throw new IllegalArgumentException("not a number: " + v);
        }
    }

    private static int[][] tokens(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int b = 0; b < rows.size(); b++) {
            out[b] = new int[rows.get(b).size()];
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] = rows.get(b).get(t).asInt();
            }
        }
        return out;
    }
}
