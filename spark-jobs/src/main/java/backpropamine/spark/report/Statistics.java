package backpropamine.spark.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The statistics of Table 1 with commons-math3: per group (a variant's configuration over seeds) the runs, mean,
 * sample standard deviation and 95% t-interval of test perplexity; between groups, two-sided Welch t-tests and
 * Mann-Whitney U tests, with Holm's step-down correction over all the pairs compared (it controls the
 * family-wise error rate at the stated level without assuming the tests independent).
 */
public final class Statistics {
    /** One group's summary; the interval is mean +/- t(0.975, n-1) * sd / sqrt(n) (NaN for n < 2). */
    public record Summary(String group, int n, double mean, double sd, double ciLow, double ciHigh) {
        public double halfWidth() {
            return (ciHigh - ciLow) / 2;
        }
    }

    /** A comparison of two groups; {@code holm*} are the p-values adjusted over every pair compared. */
    public record Comparison(String a, String b, double meanDifference, double welchP, double mannWhitneyP,
                             double holmWelchP, double holmMannWhitneyP) {
    }

    private Statistics() {
    }

    public static Summary summary(String group, double[] values) {
        DescriptiveStatistics d = new DescriptiveStatistics(values);
        int n = values.length;
        double mean = d.getMean();
        double sd = n > 1 ? d.getStandardDeviation() : Double.NaN;
        double half = n > 1 ? new TDistribution(n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n) : Double.NaN;
        return new Summary(group, n, mean, sd, mean - half, mean + half);
    }

    /** Welch's two-sided p-value (unequal variances), or NaN where a group has fewer than two values. */
    public static double welch(double[] a, double[] b) {
        return a.length < 2 || b.length < 2 ? Double.NaN : new TTest().tTest(a, b);
    }

    /**
     * The Mann-Whitney U test's two-sided p-value, from commons-math's normal approximation of U (without continuity
     * correction): at the paper's 16 seeds per group it is close to the exact test; for a handful of seeds it is only
     * indicative.
     */
    public static double mannWhitney(double[] a, double[] b) {
        return a.length < 1 || b.length < 1 ? Double.NaN : new MannWhitneyUTest().mannWhitneyUTest(a, b);
    }

    /** Every pair of groups, in the order given, with Holm-adjusted p-values. */
    public static List<Comparison> pairwise(List<String> names, List<double[]> groups) {
        List<double[]> raw = new ArrayList<>();
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            for (int j = i + 1; j < groups.size(); j++) {
                pairs.add(new String[] {names.get(i), names.get(j)});
                double[] a = groups.get(i);
                double[] b = groups.get(j);
                raw.add(new double[] {mean(a) - mean(b), welch(a, b), mannWhitney(a, b)});
            }
        }
        double[] holmW = holm(raw.stream().mapToDouble(r -> r[1]).toArray());
        double[] holmU = holm(raw.stream().mapToDouble(r -> r[2]).toArray());
        List<Comparison> out = new ArrayList<>();
        for (int k = 0; k < pairs.size(); k++) {
            out.add(new Comparison(pairs.get(k)[0], pairs.get(k)[1], raw.get(k)[0], raw.get(k)[1], raw.get(k)[2],
                    holmW[k], holmU[k]));
        }
        return out;
    }

    /**
     * Holm's step-down adjustment: with the m p-values sorted ascending, p(i) becomes max over j <= i of
     * min(1, (m - j + 1) p(j)). NaN values are left out of m and stay NaN.
     */
    public static double[] holm(double[] p) {
        Integer[] order = new Integer[p.length];
        for (int k = 0; k < p.length; k++) {
            order[k] = k;
        }
        Arrays.sort(order, Comparator.comparingDouble(k -> Double.isNaN(p[k]) ? Double.POSITIVE_INFINITY : p[k]));
        int m = (int) Arrays.stream(p).filter(x -> !Double.isNaN(x)).count();
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        double running = 0;
        for (int r = 0; r < m; r++) {
            int k = order[r];
            running = Math.max(running, Math.min(1, (m - r) * p[k]));
            out[k] = running;
        }
        return out;
    }

    private static double mean(double[] a) {
        return a.length == 0 ? Double.NaN : Arrays.stream(a).average().orElse(Double.NaN);
    }
}
