package backpropamine.spark.sweep;

import backpropamine.train.TrialSetting;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Values of one grid axis, a trial setting: a list, or a range {from, to, step} expanded in exact decimal
 * arithmetic so that 0.25 + 3 * 0.01 is 0.28 and not 0.28000000000000003 (the values go into trial keys).
 * Values are of the setting's kind (Double for a real setting, Integer for an integral one, ...).
 */
public record Axis(TrialSetting setting, List<Object> values) {
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

    /** Values of a range {from, to, step} (positive step, from <= to), counted without expanding it. */
    public static BigInteger count(BigDecimal from, BigDecimal to, BigDecimal step) {
        if (step.signum() <= 0 || to.compareTo(from) < 0) {
            return BigInteger.ZERO;
        }
        return to.subtract(from).divideToIntegralValue(step).toBigInteger().add(BigInteger.ONE);
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
