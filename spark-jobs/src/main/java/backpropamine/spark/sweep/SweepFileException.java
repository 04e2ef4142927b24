package backpropamine.spark.sweep;

/** A sweep file that cannot be run; the message names the file, the key and the problem. */
public final class SweepFileException extends RuntimeException {
    public SweepFileException(String message) {
        super(message);
    }

    public SweepFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
