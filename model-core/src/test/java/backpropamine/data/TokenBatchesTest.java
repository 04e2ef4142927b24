package backpropamine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TokenBatchesTest {
    @Test
    void columnsAreContiguousAndEveryTokenButTheFirstOfAColumnIsPredictedOnce() {
        int[] stream = new int[103];
        for (int k = 0; k < stream.length; k++) {
            stream[k] = k;
        }
        TokenBatches tb = new TokenBatches(stream, 4, 7); // 4 columns of 25, 24 predictions each
        assertEquals(4, tb.segments()); // 7 + 7 + 7 + 3
        assertEquals(96, tb.predictedTokens());
        int[] in = new int[28];
        int[] out = new int[28];
        int seen = 0;
        int lastTarget = -1;
        for (int s = 0; s < tb.segments(); s++) {
            int steps = tb.segment(s, in, out);
            for (int t = 0; t < steps; t++) {
                for (int b = 0; b < 4; b++) {
                    assertEquals(b * 25 + s * 7 + t, in[t * 4 + b], "time-major layout, column b holds a contiguous run");
                    assertEquals(in[t * 4 + b] + 1, out[t * 4 + b]);
                    seen++;
                }
            }
            lastTarget = out[(steps - 1) * 4 + 3];
        }
        assertEquals(96, seen);
        assertEquals(99, lastTarget); // the 3 tokens past 4*25 are dropped
        assertArrayEquals(new int[] {7, 7, 7, 3}, new int[] {tb.stepsOf(0), tb.stepsOf(1), tb.stepsOf(2), tb.stepsOf(3)});
    }
}
