package backpropamine.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Named slices of the flat parameter vector. Weights come first and form one contiguous range, so that the L2
 * penalty (weights only, never biases or the eligibility rate) is a single operation over that range.
 */
public final class ParameterLayout {
    /** What a parameter is, which decides its initialisation and whether L2 applies. */
    public enum Kind {
        WEIGHT, BIAS, RATE
    }

    public record Entry(String name, Kind kind, long offset, int rows, int cols) {
        public long length() {
            return (long) rows * cols;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private long size;
    private boolean biasesStarted;

    /** Adds a parameter; all weights must be added before the first bias or rate. */
    public Entry add(String name, Kind kind, int rows, int cols) {
        if (kind == Kind.WEIGHT && biasesStarted) {
            throw new IllegalStateException("weights must precede biases in the layout: " + name);
        }
        biasesStarted |= kind != Kind.WEIGHT;
        Entry e = new Entry(name, kind, size, rows, cols);
        entries.add(e);
        size += e.length();
        return e;
    }

    public List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    public long size() {
        return size;
    }

    /** Length of the leading weight range. */
    public long weightCount() {
        return entries.stream().filter(e -> e.kind() == Kind.WEIGHT).mapToLong(Entry::length).sum();
    }

    public Entry get(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no parameter " + name));
    }
}
