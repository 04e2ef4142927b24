/**
 * The ND4J side of {@link backpropamine.model.ParameterVector}: one implementation over an {@code INDArray}, shared by
 * the fused kernels ({@code nn}, {@code nn64}) and the ND4J-ops model ({@code ops}). May import {@code model};
 * nothing above it. Only models on ND4J load it, so a model on another backend runs without ND4J.
 */
package backpropamine.nd4j;
