package backpropamine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import backpropamine.model.LanguageModel;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.train.LanguageModels;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The batch split between threads: every row once, failures surface, and one thread gives two threads' bits. */
class ShardsTest {
    @Test
    void everyRowRunsExactlyOnceInItsShard() {
        Shards shards = new Shards(2);
        for (int rows : new int[] {0, 1, 2, 3, 20, 401}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(rows, 1));
            for (int rep = 0; rep < 50; rep++) {
                shards.run(rows, (p, from, to) -> {
                    assertEquals(Shards.start(p, rows), from);
                    for (int r = from; r < to; r++) {
                        seen.incrementAndGet(r);
                    }
                });
            }
            for (int r = 0; r < rows; r++) {
                assertEquals(50, seen.get(r), "row " + r + " of " + rows);
            }
        }
    }

    @Test
    void aFailureInTheHelpersShardReachesTheCaller() {
        Shards shards = new Shards(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> shards.run(10, (p, from, to) -> {
            if (p == 1) {
                throw new IllegalStateException("shard 1 failed");
            }
        }));
        assertEquals("shard 1 failed", e.getMessage());
        // the helper went back to the pool in a usable state
        int[] sum = new int[2];
        shards.run(10, (p, from, to) -> sum[p] = to - from);
        assertArrayEquals(new int[] {5, 5}, sum);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void oneThreadGivesTheBitsOfTwo(Variant v) {
        float[] one = trainedParameters(v, "1");
        float[] two = trainedParameters(v, "2");
        assertArrayEquals(one, two, "parameters after 3 segments differ between 1 and 2 threads");
        assertNotEquals(0f, one[0]);
    }

    private static float[] trainedParameters(Variant v, String threads) {
        String before = System.getProperty("bpm.threads");
        System.setProperty("bpm.threads", threads);
        try {
            ModelShape shape = new ModelShape(v, 40, 16, 2);
            LanguageModel model = LanguageModels.create(shape, Precision.FLOAT, 1.0, 3, 0.2);
            Random rnd = new Random(5);
            int batch = 5;
            int steps = 7;
            for (int segment = 0; segment < 3; segment++) {
                int[] in = new int[batch * steps];
                int[] out = new int[batch * steps];
                for (int k = 0; k < in.length; k++) {
                    in[k] = rnd.nextInt(40);
                    out[k] = rnd.nextInt(40);
                }
                model.trainSegment(in, out, batch, steps);
                Nd4jVector.array(model.parameters()).subi(Nd4jVector.array(model.gradients()).mul(0.5));
            }
            return Nd4jVector.array(model.parameters()).toFloatVector();
        } finally {
            if (before == null) {
                System.clearProperty("bpm.threads");
            } else {
                System.setProperty("bpm.threads", before);
            }
        }
    }
}
