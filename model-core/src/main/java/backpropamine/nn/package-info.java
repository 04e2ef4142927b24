/**
 * The model in fused kernels: oneDNN matrix products around Java (Vector API) loops for the LSTM cell, the
 * Hebbian traces of the three plasticity rules, the modulator and the softmax. CPU backend only. May import
 * {@code model} and {@code nd4j} (its parameters are handed out as {@code nd4j.Nd4jVector}); nothing above it.
 *
 * <p>Written once, in float. The build generates the double-precision twin {@code backpropamine.nn64} from this
 * source by replacing {@code float}, {@code Float}, {@code FLOAT}, {@code IntVector} and
 * {@code reinterpretAsInts} with their double counterparts (model-core/pom.xml). Rules that keep the twin
 * correct:
 * <ul>
 *   <li>every word {@code float}, {@code Float*} and {@code FLOAT} becomes its double counterpart
 *       ({@code FloatBuffer} -> {@code DoubleBuffer}, {@code Float.SIZE} -> {@code Double.SIZE},
 *       {@code DataType.FLOAT} -> {@code DOUBLE}): use one only where the twin needs the double meaning, and
 *       never write a literal with an {@code f} suffix or a hard-coded 4-byte size;</li>
 *   <li>lane bit tricks go through {@code IntVector} and {@code reinterpretAsInts} only (they become
 *       {@code LongVector} and {@code reinterpretAsLongs});</li>
 *   <li>constants that depend on the precision (polynomial degree, mantissa bits) are derived from
 *       {@code Float.SIZE}/{@code Float.MAX_EXPONENT} at compile time, as {@code Simd} does;</li>
 *   <li>refer to this package only as {@code backpropamine.nn.} or {@code backpropamine.nn;} (both rewritten), and
 *       never use a class of {@code nn} from {@code nn64} or the reverse: each twin is complete;</li>
 *   <li>the twin is regenerated from scratch on every build, so a class removed here disappears there too.</li>
 * </ul>
 */
package backpropamine.nn;
