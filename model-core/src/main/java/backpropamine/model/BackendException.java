package backpropamine.model;

/**
 * A failure of the machine's compute backend rather than of the trial: no driver, a device out of memory, kernels
 * the device refuses, a native library that does not load. The sweep service fails the task on it, so that Spark
 * retries the trial on another node, instead of recording the trial FAILED.
 */
public class BackendException extends RuntimeException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
