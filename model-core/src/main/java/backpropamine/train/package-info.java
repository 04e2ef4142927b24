/**
 * The paper's training regime for one trial: its settings ({@link backpropamine.train.TrialSetting},
 * {@link backpropamine.train.TrialConfig}), the model factory that picks {@code nn}, {@code ops} or {@code cuda}, SGD with
 * clipping and L2, the trainer over epochs, perplexity evaluation, checkpoints and the benchmark. May import
 * {@code data}, {@code model}, {@code nn}, {@code nn64}, {@code ops} and {@code cuda}; never {@code cli}.
 *
 * <p>The trial path (trainer, SGD, averaging, checkpoints, evaluation, settings) sees the model's parameters only as
 * {@link backpropamine.model.ParameterVector}s and names no ND4J class: ND4J is loaded only through the FUSED and
 * OPS branches of {@code LanguageModels}, by {@code LanguageModels.onCuda()}/{@code kernelsForBackend()}, by
 * {@code LegacyCheckpoint} (checkpoints of the formats before BPM3) and by the benchmark's matrix-product peak, so a
 * trial on a model of another backend runs without ND4J ({@code NoNd4jTest}).
 */
package backpropamine.train;
