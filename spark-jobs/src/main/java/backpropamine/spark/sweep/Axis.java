package backpropamine.spark.sweep;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Values of one grid axis: a list, or a range {from, to, step} expanded in exact decimal arithmetic so that
 * 0.25 + 3 * 0.01 is 0.28 and not 0.28000000000000003 (the values go into trial keys).
 */
public record Axis(String key, List<Double> values) {
    public static Axis range(String key, BigDecimal from, BigDecimal to, BigDecimal step) {
        if (step.signum() <= 0) {
            throw new SweepFileException("grid." + key + ": step must be positive, was " + step);
        }
        if (to.compareTo(from) < 0) {
            throw new SweepFileException("grid." + key + ": range is inverted (from " + from + " > to " + to + ")");
        }
        List<Double> v = new ArrayList<>();
        for (BigDecimal x = from; x.compareTo(to) <= 0; x = x.add(step)) {
            v.add(x.doubleValue());
        }
        return new Axis(key, List.copyOf(v));
    }

    public Axis {
        if (values.isEmpty()) {
            throw new SweepFileException("grid." + key + ": no values (an empty list or range)");
        }
    }
}
