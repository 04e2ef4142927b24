package backpropamine.spark.sweep;

import backpropamine.model.ModelKind;
import backpropamine.model.ModelShape;
import backpropamine.model.Variant;
import backpropamine.spark.results.ResultsLocation;
import backpropamine.spark.results.ResultsQueries;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a sweep file (YAML). Every key is checked: unknown keys, empty or inverted ranges and out-of-range values
 * are refused before any trial starts, with a message naming the file, the key and the problem. The keys under
 * {@code grid} and {@code training} are the {@link TrialSetting}s: the paper's four hyperparameters are required
 * grid axes, and any training setting may be a grid axis instead of a fixed value.
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
 *   trace_clip: [0.5, 1.0]          # optional: any training setting as an axis
 * training: {epochs: 13, batch: 20, bptt: 20, hidden: auto, max_batches: 0, threads: 1}
 * data: data/ptb
 * results: {warehouse: warehouse, catalog: bpm, namespace: results}
 * checkpoints: {root: hdfs://nn/bpm/checkpoints, keep: false}   # default: checkpoints beside the warehouse
 * reuse: true          # copy trials already computed by any earlier sweep (same trial key) instead of retraining
 * </pre>
 */
public final class SweepFile {
    private static final Set<String> TOP = Set.of("name", "variants", "grid", "seeds", "training", "data", "results",
            "checkpoints", "max_trials", "reuse", "replicate");
    /** Keys under {@code training} that are not trial settings: how a trial runs, not what it computes. */
    private static final String THREADS = "threads";
    private static final String ALLOW_SHARED_GPU = "allow_shared_gpu";
    private static final Set<String> CHECKPOINTS = Set.of("root", "keep");
    private static final Set<String> RESULTS = Set.of("warehouse", "catalog", "namespace", "catalog_properties");
    /** The largest grid a sweep file may expand to unless it sets {@code max_trials}: past it, a typo in a step. */
    public static final long DEFAULT_MAX_TRIALS = 1_000_000;

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

        // the large model (appendix A.3) has its regime's defaults and needs no grid; the basic model's four axes are required
        JsonNode tr = root.get("training");
        boolean large = tr != null && tr.has(TrialSetting.MODEL.key())
                && value(tr.get(TrialSetting.MODEL.key()), TrialSetting.MODEL, "training.model") == ModelKind.LARGE;
        JsonNode grid = root.get("grid");
        if (grid == null && large) {
            grid = JsonNodeFactory.instance.objectNode();
        }
        if (grid == null) {
            throw error("grid", "required: " + String.join(", ", keys(TrialSetting.Role.GRID)));
        }
        for (Variant v : variants) {
            if (large && v != Variant.LSTM && v != Variant.SIMPLE) {
                throw error("variants", v + " has no large model: the large model comes as LSTM or SIMPLE (appendix A.3)");
            }
        }
        if (grid.has(TrialSetting.MODEL.key())) {
            throw error("grid.model", "not a grid axis: the two models train under different regimes; write one sweep"
                    + " file per model (training.model)");
        }
        onlyKnown(grid, gridKeys(), "grid");
        long cap = root.has("max_trials") ? decimal(root.get("max_trials"), "max_trials").longValue() : DEFAULT_MAX_TRIALS;
        if (cap < 1) {
            throw error("max_trials", "must be positive, was " + cap);
        }
        JsonNode seedList = root.get("seeds");
        BigInteger size = BigInteger.valueOf(variants.size())
                .multiply(BigInteger.valueOf(seedList != null && seedList.isArray() ? Math.max(1, seedList.size()) : 1));
        for (Iterator<String> it = grid.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            size = size.multiply(values(grid.get(k), "grid." + k));
        }
        if (size.compareTo(BigInteger.valueOf(cap)) > 0) {
            throw error("grid", "expands to " + size + " trials, more than max_trials " + cap
                    + "; check the ranges' steps, or raise max_trials");
        }
        Set<String> trainingKeys = new TreeSet<>(keys(TrialSetting.Role.TRAINING));
        if (large) { // no grid needed: the paper's four hyperparameters may be fixed values
            trainingKeys.addAll(keys(TrialSetting.Role.GRID));
        }
        trainingKeys.add(THREADS);
        trainingKeys.add(ALLOW_SHARED_GPU);
        onlyKnown(tr, trainingKeys, "training");
        List<Axis> axes = new ArrayList<>();
        for (TrialSetting s : TrialSetting.values()) {
            if (grid.has(s.key())) {
                if (tr != null && tr.has(s.key())) {
                    throw error("grid." + s.key(), "also set under training; keep one of the two");
                }
                axes.add(axis(grid, s));
            } else if (s.role() == TrialSetting.Role.GRID && !large) {
                throw error("grid." + s.key(), "required (a list, or {from, to, step})");
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

        TrialConfig.Builder b = TrialConfig.builder(variants.get(0));
        int threads = 1;
        boolean allowSharedGpu = false;
        if (tr != null) {
            for (TrialSetting s : TrialSetting.values()) {
                if (tr.has(s.key())) {
                    b.set(s, value(tr.get(s.key()), s, "training." + s.key()));
                }
            }
            if (tr.has(ALLOW_SHARED_GPU)) {
                allowSharedGpu = bool(tr.get(ALLOW_SHARED_GPU), "training." + ALLOW_SHARED_GPU);
            }
            if (tr.has(THREADS)) {
                threads = integer(tr.get(THREADS), "training." + THREADS);
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
        ResultsLocation results = results(root.get("results"));
        SweepSpec spec = new SweepSpec(name, List.copyOf(variants), List.copyOf(axes), List.copyOf(seeds), training,
                data, results, threads, checkpoints(root.get("checkpoints")), allowSharedGpu,
                root.has("reuse") && bool(root.get("reuse"), "reuse"), replicate(root.get("replicate")));
        try {
            spec.expand(); // every grid point must make a valid trial
        } catch (SweepFileException e) {
            throw new SweepFileException("sweep file " + file + ": " + e.getMessage());
        }
        return spec;
    }

    private CheckpointPolicy checkpoints(JsonNode c) {
        onlyKnown(c, CHECKPOINTS, "checkpoints");
        if (c == null || c.isNull()) {
            return CheckpointPolicy.defaults();
        }
        return new CheckpointPolicy(text(c, "root", null), c.has("keep") && bool(c.get("keep"), "checkpoints.keep"));
    }

    private SweepSpec.ReplicatePlan replicate(JsonNode r) {
        if (r == null || r.isNull()) {
            return null;
        }
        onlyKnown(r, Set.of("top", "seeds", "metric"), "replicate");
        int top = r.has("top") ? integer(r.get("top"), "replicate.top") : 1;
        int seeds = r.has("seeds") ? integer(r.get("seeds"), "replicate.seeds") : 16;
        String metric = text(r, "metric", "best_valid_ppl");
        if (top < 1 || seeds < 1) {
            throw error("replicate", "top and seeds must be >= 1, were " + top + " and " + seeds);
        }
        if (!ResultsQueries.METRICS.contains(metric)) {
            throw error("replicate.metric", "must be one of " + ResultsQueries.METRICS + ", was " + metric);
        }
        return new SweepSpec.ReplicatePlan(top, seeds, metric);
    }

    private boolean bool(JsonNode x, String where) {
        String t = x.asText().trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            throw error(where, "must be true or false, was " + x.asText());
        }
        return Boolean.parseBoolean(t);
    }

    private ResultsLocation results(JsonNode r) {
        onlyKnown(r, RESULTS, "results");
        ResultsLocation d = ResultsLocation.defaults();
        if (r == null) {
            return d;
        }
        String catalog = text(r, "catalog", d.catalog());
        String namespace = text(r, "namespace", d.namespace());
        Map<String, String> props = new LinkedHashMap<>();
        JsonNode p = r.get("catalog_properties");
        if (p != null) {
            if (!p.isObject()) {
                throw error("results.catalog_properties", "must be a mapping of Iceberg catalog settings");
            }
            p.fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        }
        try {
            return new ResultsLocation(catalog, text(r, "warehouse", d.warehouse()), namespace, props);
        } catch (IllegalArgumentException e) {
            throw error("results", e.getMessage());
        }
    }

    private Axis axis(JsonNode grid, TrialSetting setting) {
        JsonNode n = grid.get(setting.key());
        String where = "grid." + setting.key();
        if (n.isArray()) {
            List<Object> v = new ArrayList<>();
            for (JsonNode x : n) {
                Object value = value(x, setting, where);
                if (v.contains(value)) {
                    throw error(where, setting.format(value) + " is listed twice");
                }
                v.add(value);
            }
            try {
                return new Axis(setting, Collections.unmodifiableList(v)); // may hold null: hidden auto
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
                return Axis.range(setting, decimal(n.get("from"), where), decimal(n.get("to"), where),
                        decimal(n.get("step"), where));
            } catch (SweepFileException e) {
                throw new SweepFileException("sweep file " + file + ": " + e.getMessage());
            }
        }
        return new Axis(setting, Collections.singletonList(value(n, setting, where)));
    }

    /** How many values a grid entry has (a range counted, not expanded). */
    private BigInteger values(JsonNode n, String where) {
        if (n.isArray()) {
            return BigInteger.valueOf(n.size());
        }
        if (n.isObject() && n.has("from") && n.has("to") && n.has("step")) {
            return Axis.count(decimal(n.get("from"), where), decimal(n.get("to"), where), decimal(n.get("step"), where));
        }
        return BigInteger.ONE;
    }

    /** A scalar read as the setting's kind (text first: YAML 1.1 reads 1e-5 as a string). */
    private Object value(JsonNode x, TrialSetting setting, String where) {
        if (!x.isValueNode() || x.isNull()) {
            throw error(where, "must be a single value, was " + x);
        }
        try {
            return setting.parse(x.asText());
        } catch (IllegalArgumentException e) {
            throw error(where, e.getMessage());
        }
    }

    private BigDecimal decimal(JsonNode x, String where) {
        try {
            return new BigDecimal(x.asText().trim());
        } catch (NumberFormatException e) {
            throw error(where, "not a number: " + x);
        }
    }

    private int integer(JsonNode x, String where) {
        try {
            return decimal(x, where).intValueExact();
        } catch (ArithmeticException e) {
            throw error(where, "must be an integer, was " + x.asText());
        }
    }

    private static List<String> keys(TrialSetting.Role role) {
        return Arrays.stream(TrialSetting.values()).filter(s -> s.role() == role).map(TrialSetting::key).toList();
    }

    /** Any trial setting but the variant and the seed (which have their own lists) can be a grid axis. */
    private static Set<String> gridKeys() {
        Set<String> keys = new TreeSet<>(keys(TrialSetting.Role.GRID));
        keys.addAll(keys(TrialSetting.Role.TRAINING));
        return keys;
    }

    /**
     * The reference of the trial settings' keys in a sweep file, as the Markdown table rows of
     * {@code docs/configuration.md} (a test keeps the two equal).
     */
    public static String settingsReference() {
        StringBuilder sb = new StringBuilder("| key | meaning | allowed | default |\n|---|---|---|---|\n");
        for (TrialSetting s : TrialSetting.values()) {
            String key = switch (s.role()) {
                case VARIANT -> "variants";
                case SEED -> "seeds";
                case GRID -> "grid." + s.key();
                case TRAINING -> s == TrialSetting.MODEL ? "training.model" : "training." + s.key() + " or grid." + s.key();
            };
            String dflt = switch (s.role()) {
                case VARIANT -> "required";
                case GRID -> "required (large model: " + s.format(s.defaultValue(ModelKind.LARGE)) + ", may be under training)";
                case SEED -> "[" + s.format(s.defaultValue()) + "]";
                case TRAINING -> s.format(s.defaultValue())
                        + (s.hasLargeDefault() ? " (large model: " + s.format(s.defaultValue(ModelKind.LARGE)) + ")" : "");
            };
            String allowed = s.role() == TrialSetting.Role.VARIANT || s.role() == TrialSetting.Role.SEED
                    ? "a list of " + s.allowed() : s.allowed();
            sb.append("| `").append(key.replace(" or ", "` or `")).append("` | ").append(s.description())
                    .append(" | ").append(allowed).append(" | ").append(dflt).append(" |\n");
        }
        sb.append("| `training.threads` | threads per trial; match `spark.task.cpus` (not part of the trial key) | 1..256 | 1 |\n");
        sb.append("| `training.allow_shared_gpu` | on the CUDA backend, let a task without a GPU address train on device 0"
                + " (shared with other trials); otherwise such a trial is refused (not part of the trial key) | true, false | false |\n");
        return sb.toString();
    }

    private static String text(JsonNode parent, String key, String dflt) {
        JsonNode n = parent.get(key);
        return n == null || n.isNull() ? dflt : n.asText();
    }
}
