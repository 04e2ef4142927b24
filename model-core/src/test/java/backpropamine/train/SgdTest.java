package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import backpropamine.model.LanguageModel;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.ParameterLayout.Kind;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Sgd through {@link backpropamine.model.ParameterVector} only, as it runs on any backend. */
class SgdTest {
    private final LanguageModel model = LanguageModels.create(new ModelShape(Variant.RETRO, 13, 4, 2), Precision.DOUBLE,
            1.0, 3, 0.1);

    private void setGradient(double value) {
        double[] g = new double[(int) model.gradients().length()];
        Arrays.fill(g, value);
        model.gradients().set(g);
    }

    @Test
    void gradientAboveTheBoundIsScaledToIt() {
        double[] before = model.parameters().toDoubleArray();
        setGradient(1.0); // norm sqrt(P)
        double norm = new Sgd(model, 5.0).step(0.1, 0.0);
        assertEquals(Math.sqrt(model.layout().size()), norm, 1e-9);
        double[] after = model.parameters().toDoubleArray();
        double step = 0;
        for (int k = 0; k < after.length; k++) {
            step += (after[k] - before[k]) * (after[k] - before[k]);
        }
        assertEquals(0.1 * 5.0, Math.sqrt(step), 1e-9, "the applied step has norm lr * maxNorm");
    }

    @Test
    void gradientBelowTheBoundIsApplied() {
        double[] before = model.parameters().toDoubleArray();
        double[] g = new double[(int) model.gradients().length()];
        g[7] = 2.0;
        model.gradients().set(g);
        new Sgd(model, 5.0).step(0.5, 0.0);
        assertEquals(before[7] - 1.0, model.parameters().toDoubleArray()[7], 1e-12);
        assertEquals(before[8], model.parameters().toDoubleArray()[8], 0.0);
    }

    @Test
    void l2DecaysWeightsButNotBiasesNorRates() {
        double[] two = new double[(int) model.parameters().length()];
        Arrays.fill(two, 2.0);
        model.parameters().set(two);
        setGradient(0);
        new Sgd(model, 5.0).step(0.5, 0.1);
        double[] theta = model.parameters().toDoubleArray();
        for (Entry e : model.layout().entries()) {
            double expected = e.kind() == Kind.WEIGHT ? 2.0 * (1 - 0.5 * 0.1) : 2.0;
            assertEquals(expected, theta[(int) e.offset()], 1e-12, e.name());
            assertEquals(expected, theta[(int) (e.offset() + e.length() - 1)], 1e-12, e.name());
        }
    }

    @Test
    void nonFiniteGradientLeavesParametersUntouched() {
        double[] before = model.parameters().toDoubleArray();
        double[] g = new double[(int) model.gradients().length()];
        g[3] = Double.NaN;
        model.gradients().set(g);
        double norm = new Sgd(model, 5.0).step(1.0, 1e-3);
        assertEquals(Double.NaN, norm);
        assertArrayEquals(before, model.parameters().toDoubleArray());
    }

    /** A scaled entry's gradient is multiplied before the clip, every step, and nothing else is. */
    @Test
    void aScaledGradientIsMultipliedBeforeTheStep() {
        Entry e = model.layout().entries().get(1);
        double[] before = model.parameters().toDoubleArray();
        setGradient(0.01);
        new Sgd(model, 5.0).scaleGradient(e, 0.5).step(1.0, 0.0);
        double[] theta = model.parameters().toDoubleArray();
        for (int k = 0; k < theta.length; k++) {
            boolean inside = k >= e.offset() && k < e.offset() + e.length();
            assertEquals(before[k] - (inside ? 0.005 : 0.01), theta[k], 1e-15, "parameter " + k);
        }
    }
}
