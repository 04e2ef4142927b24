package backpropamine.train;

/** Per-epoch figures: learning rate, training and validation perplexity, training throughput. */
public record EpochResult(int epoch, double learningRate, double trainPerplexity, double validPerplexity,
                          double tokensPerSecond, double seconds) implements java.io.Serializable {
}
