package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.ModelShape;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import org.junit.jupiter.api.Test;

class LanguageModelsTest {
    @Test
    void everyVariantsLayoutHoldsExactlyItsParametersOnBothKernels() {
        for (Kernels k : Kernels.values()) {
            for (Variant v : Variant.values()) {
                ModelShape s = new ModelShape(v, 50, 9, 2);
                LanguageModel m = LanguageModels.create(s, Precision.FLOAT, k, 1.0, 1, 0.1);
                assertEquals(s.parameterCount(), m.layout().size(), k + " " + v);
                assertEquals(s.parameterCount(), m.parameters().length(), k + " " + v);
            }
        }
    }
}
