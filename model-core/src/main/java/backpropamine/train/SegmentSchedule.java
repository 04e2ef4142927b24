package backpropamine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How one training epoch cuts the token columns into truncated-BPTT segments: where each starts and how many steps
 * it has. The segments of an epoch cover every position of the columns once, in order.
 */
public interface SegmentSchedule {
    record Segment(int start, int steps) {
    }

    /** The segments of a 1-based epoch over columns of {@code positions} predicted positions. */
    List<Segment> epoch(int epoch, int positions);

    /** The longest segment this schedule can produce (sizes the buffers). */
    int maxSteps();

    /** The basic model's: every segment {@code bptt} steps, the last one shorter. */
    static SegmentSchedule fixed(int bptt) {
        return new SegmentSchedule() {
            @Override
            public List<Segment> epoch(int epoch, int positions) {
                List<Segment> out = new ArrayList<>();
                for (int start = 0; start < positions; start += bptt) {
                    out.add(new Segment(start, Math.min(bptt, positions - start)));
                }
                return out;
            }

            @Override
            public int maxSteps() {
                return bptt;
            }
        };
    }

    /**
     * The AWD-LSTM's variable BPTT (Merity et al. 2017, section 4.1): each segment draws a base, {@code base} with
     * probability 0.95 and base/2 otherwise, then its length from N(base, 5), at least 5 and at most
     * {@code base + 10} (and no further than the end). The draws of an epoch depend only on the seed and the epoch,
     * so a trial resumed from a checkpoint cuts the same segments.
     */
    static SegmentSchedule variable(int base, long seed) {
        return new SegmentSchedule() {
            @Override
            public List<Segment> epoch(int epoch, int positions) {
                SplittableRandom rng = new SplittableRandom(Seeds.of(seed, "bptt", epoch));
                List<Segment> out = new ArrayList<>();
                for (int start = 0; start < positions; ) {
                    double b = rng.nextDouble() < 0.95 ? base : base / 2.0;
                    int len = Math.min(Math.max(5, (int) (b + 5 * rng.nextGaussian())), maxSteps());
                    len = Math.min(len, positions - start);
                    out.add(new Segment(start, len));
                    start += len;
                }
                return out;
            }

            @Override
            public int maxSteps() {
                return base + 10;
            }
        };
    }
}
