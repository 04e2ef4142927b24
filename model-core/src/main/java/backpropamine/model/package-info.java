/**
 * What a language model is, independent of how it is computed: the variants, shapes and parameter matching,
 * the parameter layout and its initialisation, the {@link backpropamine.model.LanguageModel} interface, kernels
 * and precision as names. A bottom layer: it imports nothing else of the project (the factory that picks an
 * implementation lives in {@code train}).
 */
package backpropamine.model;
