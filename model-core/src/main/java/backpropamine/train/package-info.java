/**
 * The paper's training regime for one trial: its settings ({@link backpropamine.train.TrialSetting},
 * {@link backpropamine.train.TrialConfig}), the model factory that picks {@code nn} or {@code ops}, SGD with
 * clipping and L2, the trainer over epochs, perplexity evaluation, checkpoints and the benchmark. May import
 * {@code data}, {@code model}, {@code nn}, {@code nn64} and {@code ops}; never {@code cli}.
 */
package backpropamine.train;
