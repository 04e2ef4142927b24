package backpropamine.data;

/** Missing, corrupt or unreadable training data; the message names the file and the fix. */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
