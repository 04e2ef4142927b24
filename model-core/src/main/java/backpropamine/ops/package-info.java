/**
 * The model in ND4J tensor operations only: the same equations, layout and initialisation as {@code nn}, on any
 * ND4J backend (the path CUDA takes), and the readable reference implementation of the model. May import
 * {@code model}; nothing above it.
 */
package backpropamine.ops;
