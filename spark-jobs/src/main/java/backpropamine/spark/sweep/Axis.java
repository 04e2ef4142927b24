package backpropamine.spark.sweep;

import backpropamine.train.TrialSetting;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Values of one grid axis, a trial setting: a list, or a range {from, to, step} expanded in exact decimal
 * arithmetic so that 0.25 + 3 * 0.01 is 0.28 and not 0.28000000000000003 (the values go into trial keys).
 * Values are of the setting's kind (Double for a real setting, Integer for an integral one, ...).
 */
public record Axis(TrialSetting setting, List<Object> values) {
    /** The largest grid a sweep may expand to: beyond it a typo in a step, not a plan. */
    public static final int MAX_VALUES = 100_000;

    public static Axis range(TrialSetting setting, BigDecimal from, BigDecimal to, BigDecimal step) {
        String where = "grid." + setting.key();
        if (!setting.kind().numeric()) {
            throw new SweepFileException(where + ": a range needs a numeric setting; list the values instead");
        }
        if (step.signum() <= 0) {
            throw new SweepFileException(where + ": step must be positive, was " + step);
        }
        if (to.compareTo(from) < 0) {
            throw new SweepFileException(where + ": range is inverted (from " + from + " > to " + to + ")");
        }
        if (to.subtract(from).divideToIntegralValue(step).compareTo(BigDecimal.valueOf(MAX_VALUES)) >= 0) {
            throw new SweepFileException(where + ": the range has more than " + MAX_VALUES + " values; check the step");
        }
        List<Object> v = new ArrayList<>();
        for (BigDecimal x = from; x.compareTo(to) <= 0; x = x.add(step)) {
            try {
                v.add(setting.fromDecimal(x));
            } catch (IllegalArgumentException e) {
                throw new SweepFileException(where + ": " + e.getMessage());
            }
        }
        return new Axis(setting, List.copyOf(v));
    }

    public Axis {
        if (values.isEmpty()) {
            throw new SweepFileException("grid." + setting.key() + ": no values (an empty list or range)");
        }
    }

    public String key() {
        return setting.key();
    }
}
