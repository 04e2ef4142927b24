package backpropamine.spark.sweep;

import backpropamine.model.ModelShape;
import backpropamine.model.Variant;
import backpropamine.train.TrialConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a sweep file (YAML). Every key is checked: unknown keys, empty or inverted ranges and out-of-range values
 * are refused before any trial starts, with a message naming the file, the key and the problem.
 *
 * <pre>
 * name: paper-basic
 * variants: [LSTM, PLASTIC, SIMPLE, RETRO]
 * grid:
 *   decay_factor: {from: 0.25, to: 0.40, step: 0.01}
 *   decay_start: [4, 5, 6]
 *   init_scale: [0.09, 0.10, 0.11, 0.12]
 *   l2: [1e-2, 1e-3, 1e-4, 1e-5, 1e-6]
 * seeds: [1]
 * training: {epochs: 13, batch: 20, bptt: 20, hidden: auto, max_batches: 0, threads: 1}
 * data: data/ptb
 * results: {warehouse: warehouse, catalog: bpm, namespace: results}
 * </pre>
 */
public final class SweepFile {
    private static final Set<String> TOP = Set.of("name", "variants", "grid", "seeds", "training", "data", "results");
    private static final Set<String> GRID = Set.of("decay_factor", "decay_start", "init_scale", "l2");
    private static final Set<String> TRAINING = Set.of("epochs", "batch", "bptt", "hidden", "param_budget",
            "max_batches", "valid_batch", "test_batch", "trace_clip", "grad_clip", "learning_rate", "threads");
    private static final Set<String> RESULTS = Set.of("warehouse", "catalog", "namespace", "catalog_properties");

    private final Path file;

    private SweepFile(Path file) {
        this.file = file;
    }

    public static SweepSpec read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new SweepFileException("sweep file " + file + " not found");
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new SweepFileException("sweep file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        return new SweepFile(file).parse(root);
    }

    private SweepFileException error(String key, String problem) {
        return new SweepFileException("sweep file " + file + ": " + key + ": " + problem);
    }

    private void onlyKnown(JsonNode node, Set<String> known, String where) {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw error(where, "must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                String full = where.isEmpty() ? k : where + "." + k;
                throw error(full, "unknown key (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private SweepSpec parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw error("(top)", "the file must be a YAML mapping");
        }
        onlyKnown(root, TOP, "");
        String name = text(root, "name", null);
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw error("name", "required; letters, digits, '-', '_' and '.' only, was " + name);
        }
        List<Variant> variants = new ArrayList<>();
        JsonNode vs = root.get("variants");
        if (vs == null || !vs.isArray() || vs.isEmpty()) {
            throw error("variants", "required: a non-empty list of LSTM, PLASTIC, SIMPLE, RETRO");
        }
        for (JsonNode v : vs) {
            try {
                Variant parsed = Variant.parse(v.asText());
                if (variants.contains(parsed)) {
                    throw error("variants", parsed + " is listed twice");
                }
                variants.add(parsed);
            } catch (IllegalArgumentException e) {
                throw error("variants", e.getMessage());
            }
        }

        JsonNode grid = root.get("grid");
        if (grid == null) {
            throw error("grid", "required: decay_factor, decay_start, init_scale and l2");
        }
        onlyKnown(grid, GRID, "grid");
        Map<String, Axis> axes = new LinkedHashMap<>();
        for (String k : GRID) {
            axes.put(k, axis(grid, k));
        }
        for (double d : axes.get("decay_start").values()) {
            if (d != Math.rint(d)) {
                throw error("grid.decay_start", "epochs must be integers, was " + d);
            }
        }

        List<Long> seeds = new ArrayList<>();
        JsonNode sn = root.get("seeds");
        if (sn == null) {
            seeds.add(1L);
        } else {
            if (!sn.isArray() || sn.isEmpty()) {
                throw error("seeds", "must be a non-empty list of integers");
            }
            for (JsonNode s : sn) {
                if (!s.canConvertToLong() || !s.isIntegralNumber()) {
                    throw error("seeds", "must be integers, was " + s);
                }
                if (seeds.contains(s.asLong())) {
                    throw error("seeds", s.asLong() + " is listed twice");
                }
                seeds.add(s.asLong());
            }
        }

        JsonNode tr = root.get("training");
        onlyKnown(tr, TRAINING, "training");
        TrialConfig.Builder b = TrialConfig.builder(variants.get(0));
        int threads = 1;
        if (tr != null) {
            if (tr.has("epochs")) b.epochs(integer(tr, "epochs"));
            if (tr.has("batch")) b.batch(integer(tr, "batch"));
            if (tr.has("bptt")) b.bptt(integer(tr, "bptt"));
            if (tr.has("valid_batch")) b.validBatch(integer(tr, "valid_batch"));
            if (tr.has("test_batch")) b.testBatch(integer(tr, "test_batch"));
            if (tr.has("max_batches")) b.maxBatches(integer(tr, "max_batches"));
            if (tr.has("param_budget")) b.paramBudget(number(tr, "param_budget").longValueExact());
            if (tr.has("trace_clip")) b.traceClip(number(tr, "trace_clip").doubleValue());
            if (tr.has("grad_clip")) b.gradClip(number(tr, "grad_clip").doubleValue());
            if (tr.has("learning_rate")) b.learningRate(number(tr, "learning_rate").doubleValue());
            if (tr.has("hidden") && !"auto".equalsIgnoreCase(tr.get("hidden").asText())) {
                b.hidden(integer(tr, "hidden"));
            }
            if (tr.has("threads")) {
                threads = integer(tr, "threads");
                if (threads < 1 || threads > 256) {
                    throw error("training.threads", "must be in [1, 256], was " + threads);
                }
            }
        }
        TrialConfig training;
        try {
            training = b.build();
        } catch (IllegalArgumentException e) {
            throw error("training", e.getMessage());
        }
        if (training.hidden() == null && training.paramBudget() < ModelShape.DEFAULT_BUDGET / 100) {
            throw error("training.param_budget", "too small for any model: " + training.paramBudget());
        }

        Path data = root.hasNonNull("data") ? Path.of(root.get("data").asText()) : null;
        SweepSpec.Results results = results(root.get("results"));
        SweepSpec spec = new SweepSpec(name, List.copyOf(variants), axes.get("decay_factor"), axes.get("decay_start"),
                axes.get("init_scale"), axes.get("l2"), List.copyOf(seeds), training, data, results, threads);
        try {
            spec.expand(); // every grid point must make a valid trial
        } catch (SweepFileException e) {
            throw new SweepFileException("sweep file " + file + ": " + e.getMessage());
        }
        return spec;
    }

    private SweepSpec.Results results(JsonNode r) {
        onlyKnown(r, RESULTS, "results");
        SweepSpec.Results d = SweepSpec.Results.defaults();
        if (r == null) {
            return d;
        }
        String catalog = text(r, "catalog", d.catalog());
        String namespace = text(r, "namespace", d.namespace());
        for (String[] kv : new String[][] {{"results.catalog", catalog}, {"results.namespace", namespace}}) {
            if (!kv[1].matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw error(kv[0], "must be an identifier, was " + kv[1]);
            }
        }
        Map<String, String> props = new LinkedHashMap<>();
        JsonNode p = r.get("catalog_properties");
        if (p != null) {
            if (!p.isObject()) {
                throw error("results.catalog_properties", "must be a mapping of Iceberg catalog settings");
            }
            p.fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        }
        return new SweepSpec.Results(catalog, text(r, "warehouse", d.warehouse()), namespace, Map.copyOf(props));
    }

    private Axis axis(JsonNode grid, String key) {
        JsonNode n = grid.get(key);
        String where = "grid." + key;
        if (n == null) {
            throw error(where, "required (a list, or {from, to, step})");
        }
        if (n.isArray()) {
            List<Double> v = new ArrayList<>();
            for (JsonNode x : n) {
                double d = decimal(x, where).doubleValue();
                if (v.contains(d)) {
                    throw error(where, d + " is listed twice");
                }
                v.add(d);
            }
            try {
                return new Axis(key, List.copyOf(v));
            } catch (SweepFileException e) {
                throw error(where, "empty list");
            }
        }
        if (n.isObject()) {
            onlyKnown(n, Set.of("from", "to", "step"), where);
            for (String k : List.of("from", "to", "step")) {
                if (!n.has(k)) {
                    throw error(where, "a range needs from, to and step; '" + k + "' is missing");
                }
            }
            try {
                return Axis.range(key, decimal(n.get("from"), where), decimal(n.get("to"), where),
                        decimal(n.get("step"), where));
            } catch (SweepFileException e) {
                throw new SweepFileException("sweep file " + file + ": " + e.getMessage());
            }
        }
        double single = decimal(n, where).doubleValue();
        return new Axis(key, List.of(single));
    }

    /** A number, also when YAML 1.1 reads it as text (it reads 1e-5 as a string). */
    private BigDecimal decimal(JsonNode x, String where) {
        try {
            return new BigDecimal(x.asText().trim());
        } catch (NumberFormatException e) {
            throw error(where, "not a number: " + x);
        }
    }

    private BigDecimal number(JsonNode parent, String key) {
        return decimal(parent.get(key), "training." + key);
    }

    private int integer(JsonNode parent, String key) {
        BigDecimal d = number(parent, key);
        try {
            return d.intValueExact();
        } catch (ArithmeticException e) {
            throw error("training." + key, "must be an integer, was " + d);
        }
    }

    private static String text(JsonNode parent, String key, String dflt) {
        JsonNode n = parent.get(key);
        return n == null || n.isNull() ? dflt : n.asText();
    }
}
