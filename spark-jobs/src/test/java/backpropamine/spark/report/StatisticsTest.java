package backpropamine.spark.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Against values worked out independently (by hand and by numerical integration of Student's t density in a few
 * lines of Python, not with commons-math): the t-interval, Welch's test, the normal approximation of Mann-Whitney's
 * U, and Holm's adjustment.
 */
class StatisticsTest {
    static final double[] A = {1, 2, 3, 4, 5};
    static final double[] B = {2, 4, 6, 8, 10};

    @Test
    void meanSdAndTheNinetyFivePercentTInterval() {
        Statistics.Summary s = Statistics.summary("a", A);
        assertEquals(5, s.n());
        assertEquals(3.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(2.5), s.sd(), 1e-12);
        // t(0.975, 4) = 2.7764451; half width = 2.7764451 * sqrt(2.5) / sqrt(5) = 1.9632432
        assertEquals(1.9632432, s.halfWidth(), 1e-6);
        assertEquals(3 - 1.9632432, s.ciLow(), 1e-6);
        assertEquals(Double.NaN, Statistics.summary("one", new double[] {7}).halfWidth());
    }

    @Test
    void welchTwoSidedPValue() {
        // t = -1.8973666 on 5.882353 degrees of freedom (Welch-Satterthwaite): two-sided p = 0.1075312
        assertEquals(0.1075312, Statistics.welch(A, B), 1e-6);
    }

    @Test
    void mannWhitneyNormalApproximation() {
        // U = 0 for {1,2,3} vs {4,5,6}: z = (0 - 4.5) / sqrt(5.25) = -1.963961, two-sided p = 0.0495346
        assertEquals(0.0495346, Statistics.mannWhitney(new double[] {1, 2, 3}, new double[] {4, 5, 6}), 1e-6);
    }

    @Test
    void holmStepDown() {
        assertArrayEquals(new double[] {0.03, 0.06, 0.06}, Statistics.holm(new double[] {0.01, 0.04, 0.03}), 1e-12);
        assertArrayEquals(new double[] {0.6, Double.NaN, 0.4}, Statistics.holm(new double[] {0.6, Double.NaN, 0.2}), 1e-12);
    }

    @Test
    void everyPairIsComparedOnceWithAdjustedPValues() {
        List<Statistics.Comparison> c = Statistics.pairwise(List.of("x", "y", "z"), List.of(A, B, new double[] {1, 2, 3, 4, 6}));
        assertEquals(3, c.size());
        assertEquals("x", c.get(0).a());
        assertEquals("y", c.get(0).b());
        assertEquals(-3.0, c.get(0).meanDifference(), 1e-12);
        assertEquals(0.1075312, c.get(0).welchP(), 1e-6);
        for (Statistics.Comparison k : c) {
            assertEquals(true, k.holmWelchP() >= k.welchP());
        }
    }
}
