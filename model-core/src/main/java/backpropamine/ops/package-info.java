/**
 * The model in ND4J tensor operations only: the same equations, layout and initialisation as {@code nn}, on any
 * ND4J backend (ND4J's CUDA backend too), and the readable reference implementation of the model. May import
 * {@code model} and {@code nd4j} (its parameters are handed out as {@code nd4j.Nd4jVector}); nothing above it.
 */
package backpropamine.ops;
