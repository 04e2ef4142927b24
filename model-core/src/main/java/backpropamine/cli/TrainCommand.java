package backpropamine.cli;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFetcher;
import backpropamine.data.PtbFiles;
import backpropamine.model.Variant;
import backpropamine.train.Cancellation;
import backpropamine.train.Trainer;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialResult;
import backpropamine.train.TrialStatus;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bpm train}: one trial from the command line, with live progress and a JSON result. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one language model on Penn Treebank and report validation and test perplexity.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--variant", required = true, description = "LSTM, PLASTIC, SIMPLE or RETRO")
    String variant;
    @Option(names = "--decay", defaultValue = "0.3", description = "learning-rate decay factor (default ${DEFAULT-VALUE})")
    double decay;
    @Option(names = "--decay-start", defaultValue = "4", description = "epoch after which the rate decays (default ${DEFAULT-VALUE})")
    int decayStart;
    @Option(names = "--init-scale", defaultValue = "0.1", description = "weights uniform in [-s, s] (default ${DEFAULT-VALUE})")
    double initScale;
    @Option(names = "--l2", defaultValue = "1e-5", description = "L2 penalty on weights (default ${DEFAULT-VALUE})")
    double l2;
    @Option(names = "--epochs", defaultValue = "13")
    int epochs;
    @Option(names = "--hidden", defaultValue = "auto", description = "hidden size, or 'auto' for parameter matching")
    String hidden;
    @Option(names = "--param-budget", description = "parameter budget of --hidden auto (default: SIMPLE at 200)")
    Long paramBudget;
    @Option(names = "--batch", defaultValue = "20")
    int batch;
    @Option(names = "--bptt", defaultValue = "20")
    int bptt;
    @Option(names = "--valid-batch", defaultValue = "10")
    int validBatch;
    @Option(names = "--test-batch", defaultValue = "1")
    int testBatch;
    @Option(names = "--max-batches", defaultValue = "0", description = "cap on batches per epoch and per evaluation (0: none)")
    int maxBatches;
    @Option(names = "--seed", defaultValue = "1")
    long seed;
    @Option(names = "--trace-clip", defaultValue = "1.0", description = "bound c of the Hebbian trace clip")
    double traceClip;
    @Option(names = "--checkpoint", description = "directory to checkpoint into after every epoch and resume from")
    Path checkpoint;
    @Option(names = "--out", description = "write the result as JSON to this file")
    Path out;
    @Option(names = "--data", description = "PTB directory (default $BPM_DATA, else data/ptb)")
    Path data;

    TrialConfig config() {
        TrialConfig.Builder b = TrialConfig.builder(Variant.parse(variant)).decayFactor(decay).decayStart(decayStart)
                .initScale(initScale).l2(l2).epochs(epochs).batch(batch).bptt(bptt).validBatch(validBatch)
                .testBatch(testBatch).maxBatches(maxBatches).seed(seed).traceClip(traceClip);
        if (!"auto".equalsIgnoreCase(hidden)) {
            try {
                b.hidden(Integer.parseInt(hidden));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--hidden must be 'auto' or a positive integer, was '" + hidden + "'");
            }
        }
        if (paramBudget != null) {
            b.paramBudget(paramBudget);
        }
        return b.build();
    }

    @Override
    public Integer call() throws Exception {
        TrialConfig config = config();
        PtbCorpus corpus = PtbFetcher.loadOrFetch(PtbFiles.resolveDirectory(data));
        Cancellation cancel = new Cancellation();
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            cancel.cancel();
            try {
                main.join(30_000);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        TrialResult result = new Trainer(corpus).run(config, new ProgressPrinter(System.err), cancel, checkpoint);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down
        }
        System.out.printf("%s %s: test perplexity %.2f, best valid %.2f, hidden %d, %,d parameters, %.0f tokens/s, %.0f s%n",
                config.variant(), result.status(), result.testPerplexity(), result.bestValidPerplexity(), result.hidden(),
                result.parameters(), result.tokensPerSecond(), result.wallSeconds());
        if (!result.message().isEmpty()) {
            System.out.println("  " + result.message());
        }
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
            System.out.println("result written to " + out);
        }
        return result.status() == TrialStatus.COMPLETED ? 0 : 1;
    }
}
