/**
 * What a language model is, independent of how it is computed: the variants, shapes and parameter matching,
 * the parameter layout and its initialisation, the {@link backpropamine.model.LanguageModel} interface with the
 * backend-neutral {@link backpropamine.model.ParameterVector} it hands out, kernels and precision as names. A bottom
 * layer: it imports nothing else of the project and no ND4J (the factory that picks an implementation lives in
 * {@code train}; the ND4J vector in {@code nd4j}).
 */
package backpropamine.model;
