/**
 * Checks the model against golden values computed by an independent implementation of the paper's equations
 * ({@code ../shared/fixtures}): parameters in, losses, gradients and end-of-segment states out, on either
 * kernels and precision. May import {@code train} and {@code model}; {@code cli} runs it as {@code bpm golden}.
 */
package backpropamine.golden;
