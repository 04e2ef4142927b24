package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import backpropamine.model.LanguageModel;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.ParameterLayout.Kind;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class SgdTest {
    private final LanguageModel model = LanguageModels.create(new ModelShape(Variant.RETRO, 13, 4, 2), Precision.DOUBLE,
            1.0, 3, 0.1);

    @Test
    void gradientAboveTheBoundIsScaledToIt() {
        INDArray before = model.parameters().dup();
        model.gradients().assign(1.0); // norm sqrt(P)
        double norm = new Sgd(model, 5.0).step(0.1, 0.0);
        assertEquals(Math.sqrt(model.layout().size()), norm, 1e-9);
        double step = model.parameters().sub(before).norm2Number().doubleValue();
        assertEquals(0.1 * 5.0, step, 1e-9, "the applied step has norm lr * maxNorm");
    }

    @Test
    void gradientBelowTheBoundIsApplied() {
        INDArray before = model.parameters().dup();
        model.gradients().assign(0).putScalar(7, 2.0);
        new Sgd(model, 5.0).step(0.5, 0.0);
        assertEquals(before.getDouble(7) - 1.0, model.parameters().getDouble(7), 1e-12);
        assertEquals(before.getDouble(8), model.parameters().getDouble(8), 0.0);
    }

    @Test
    void l2DecaysWeightsButNotBiasesNorRates() {
        model.parameters().assign(2.0);
        model.gradients().assign(0);
        new Sgd(model, 5.0).step(0.5, 0.1);
        for (Entry e : model.layout().entries()) {
            double expected = e.kind() == Kind.WEIGHT ? 2.0 * (1 - 0.5 * 0.1) : 2.0;
            assertEquals(expected, model.parameters().getDouble(e.offset()), 1e-12, e.name());
            assertEquals(expected, model.parameters().getDouble(e.offset() + e.length() - 1), 1e-12, e.name());
        }
    }

    @Test
    void nonFiniteGradientLeavesParametersUntouched() {
        INDArray before = model.parameters().dup();
        model.gradients().assign(0).putScalar(3, Double.NaN);
        double norm = new Sgd(model, 5.0).step(1.0, 1e-3);
        assertEquals(Double.NaN, norm);
        assertEquals(before, model.parameters());
    }
}
