/**
 * The command line of model-core ({@code bpm train}, {@code bench}, {@code data}) and the build's version and
 * JVM flags. The top layer of model-core: it may import {@code train}, {@code model} and {@code data}, and goes
 * through {@code train} to reach a model.
 */
package backpropamine.cli;
