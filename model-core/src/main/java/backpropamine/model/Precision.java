package backpropamine.model;

/** Arithmetic of a model: FLOAT for training, DOUBLE for gradient checks against finite differences. */
public enum Precision {
    FLOAT,
    DOUBLE
}
