package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.LargeShape;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Regularization;
import backpropamine.model.Variant;
import org.junit.jupiter.api.Test;

class LanguageModelsTest {
    @Test
    void everyVariantsLayoutHoldsExactlyItsParametersOnEveryImplementedKernels() {
        assertTrue(LanguageModels.implemented(Kernels.FUSED) && LanguageModels.implemented(Kernels.OPS));
        for (Kernels k : Kernels.values()) {
            for (Variant v : Variant.values()) {
                ModelShape s = new ModelShape(v, 50, 9, 2);
                if (!LanguageModels.implemented(k)) {
                    // CUDA without a GPU or its host emulation: the device cannot be opened, and says why
                    RuntimeException e = assertThrows(backpropamine.model.BackendException.class,
                            () -> LanguageModels.create(s, Precision.FLOAT, k, 1.0, 1, 0.1), k + " " + v);
                    assertTrue(e.getMessage().contains("driver") || e.getMessage().contains("clang"), e.getMessage());
                    continue;
                }
                LanguageModel m = LanguageModels.create(s, Precision.FLOAT, k, 1.0, 1, 0.1);
                assertEquals(s.parameterCount(), m.layout().size(), k + " " + v);
                assertEquals(s.parameterCount(), m.parameters().length(), k + " " + v);
                assertEquals(Precision.FLOAT, m.parameters().precision(), k + " " + v);
            }
        }
    }

    /** The large model's layout too, both variants, on every kernels (CUDA: a GPU or the emulation, else refused). */
    @Test
    void theLargeModelsLayoutHoldsItsParametersOnEveryImplementedKernels() {
        for (Kernels k : Kernels.values()) {
            for (Variant v : new Variant[] {Variant.LSTM, Variant.SIMPLE}) {
                LargeShape s = new LargeShape(v, 50, 9, 7);
                if (!LanguageModels.implemented(k)) {
                    assertThrows(backpropamine.model.BackendException.class, () -> LanguageModels.createLarge(s,
                            Regularization.PAPER, Precision.FLOAT, k, 1.0, 1, 0.1), k + " " + v);
                    continue;
                }
                try (LanguageModel m = LanguageModels.createLarge(s, Regularization.PAPER, Precision.FLOAT, k, 1.0, 1, 0.1)) {
                    assertEquals(s.parameterCount(), m.layout().size(), k + " " + v);
                    assertEquals(s.parameterCount(), m.parameters().length(), k + " " + v);
                }
            }
        }
    }

    /** The CUDA kernels compute in float: double is refused, for both models, with the setting to change. */
    @Test
    void doubleIsRefusedOnTheCudaKernels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LanguageModels.createLarge(
                new LargeShape(Variant.SIMPLE, 50, 9, 3), Regularization.PAPER, Precision.DOUBLE, Kernels.CUDA, 1.0, 1, 0.1));
        assertTrue(e.getMessage().contains("--precision float"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LanguageModels.create(new ModelShape(Variant.SIMPLE, 50, 9, 2),
                Precision.DOUBLE, Kernels.CUDA, 1.0, 1, 0.1));
    }
}
