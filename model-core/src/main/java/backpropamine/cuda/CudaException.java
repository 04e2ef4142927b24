package backpropamine.cuda;

/**
 * A failure of the CUDA device or its libraries (no driver, out of memory, PTX refused, a kernel fault). It is
 * an error of the node, not of the trial: the sweep service fails the task so that Spark retries it elsewhere.
 */
public final class CudaException extends backpropamine.model.BackendException {
    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
