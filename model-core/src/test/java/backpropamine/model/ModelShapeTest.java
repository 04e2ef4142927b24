package backpropamine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelShapeTest {
    @Test
    void parameterCountsMatchTheSpecification() {
        assertEquals(4_651_600, new ModelShape(Variant.LSTM, 10_000, 200, 2).parameterCount());
        assertEquals(4_651_600 + 2 * 80_000, new ModelShape(Variant.PLASTIC, 10_000, 200, 2).parameterCount());
        assertEquals(4_651_600 + 2 * 80_000 + 2 * 201, new ModelShape(Variant.SIMPLE, 10_000, 200, 2).parameterCount());
        assertEquals(4_651_600 + 2 * 80_000 + 2 * 202, new ModelShape(Variant.RETRO, 10_000, 200, 2).parameterCount());
        assertEquals(4_812_004, ModelShape.DEFAULT_BUDGET);
    }

    @Test
    void parameterMatchingPicksTheLargestHiddenSizeWithinBudget() {
        long budget = ModelShape.DEFAULT_BUDGET;
        for (Variant v : Variant.values()) {
            ModelShape s = ModelShape.matched(v, 10_000, 2, budget);
            assertTrue(s.parameterCount() <= budget);
            assertTrue(new ModelShape(v, 10_000, s.hidden() + 1, 2).parameterCount() > budget);
        }
        assertEquals(206, ModelShape.matched(Variant.LSTM, 10_000, 2, budget).hidden());
        assertEquals(200, ModelShape.matched(Variant.PLASTIC, 10_000, 2, budget).hidden());
        assertEquals(200, ModelShape.matched(Variant.SIMPLE, 10_000, 2, budget).hidden());
        assertEquals(200, ModelShape.matched(Variant.RETRO, 10_000, 2, budget).hidden());
    }
}
