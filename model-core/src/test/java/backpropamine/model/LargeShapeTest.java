package backpropamine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The large model's sizes reproduce the parameter counts of appendix A.3, and its layout agrees with them. */
class LargeShapeTest {
    @Test
    void paperCountsOfTheLargeModels() {
        LargeShape lstm = new LargeShape(Variant.LSTM, 10_000, 400, 1150);
        assertEquals(24_221_600L, lstm.parameterCount());
        assertEquals(24_221_600L, LargeShape.DEFAULT_BUDGET);
        LargeShape plastic = LargeShape.matched(Variant.SIMPLE, 10_000, 400, LargeShape.DEFAULT_BUDGET);
        assertEquals(1149, plastic.hidden(), "parameter matching gives the paper's 1149 units");
        assertEquals(24_198_893L, plastic.parameterCount());
        assertEquals(1150, LargeShape.matched(Variant.LSTM, 10_000, 400, LargeShape.DEFAULT_BUDGET).hidden());
        assertEquals(lstm.parameterCount(), LargeLayout.of(lstm).params.size());
        assertEquals(plastic.parameterCount(), LargeLayout.of(plastic).params.size());
        assertEquals(400, plastic.width(2));
        assertEquals(1149, plastic.inputWidth(2));
    }

    @Test
    void onlyLstmAndSimpleNeuromodulationExistLarge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LargeShape(Variant.RETRO, 10_000, 400, 1150));
        assertTrue(e.getMessage().contains("LSTM or SIMPLE"), e.getMessage());
    }

    @Test
    void perNeuronPlasticityParametersAreVectors() {
        LargeLayout layout = LargeLayout.of(new LargeShape(Variant.SIMPLE, 50, 4, 6));
        for (LargeLayout.Layer l : layout.layers) {
            assertEquals(1, l.alpha().rows());
            assertEquals(1, l.u().rows());
            assertEquals(l.wh().rows(), l.alpha().cols());
        }
        double[] init = layout.initialValues(3, 0.1);
        ParameterLayout.Entry emb = layout.embedding;
        for (long k = 0; k < emb.length(); k++) {
            assertTrue(Math.abs(init[(int) (emb.offset() + k)]) <= 0.1);
        }
        ParameterLayout.Entry bias = layout.decoderBias;
        for (long k = 0; k < bias.length(); k++) {
            assertEquals(0, init[(int) (bias.offset() + k)]);
        }
    }
}
