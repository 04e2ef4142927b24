package backpropamine.model;

/** Parts of a training step, for the benchmark's time split. */
public enum Phase {
    /** Embedding lookup and the recurrent layers, forward. */
    FORWARD,
    /** Output projection, softmax and cross-entropy, forward and backward. */
    SOFTMAX,
    /** The recurrent layers and the embedding, backward. */
    BACKWARD,
    /** Gradient clipping and the SGD update (timed by the caller). */
    OPTIMIZER
}
