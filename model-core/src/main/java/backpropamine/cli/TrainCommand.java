package backpropamine.cli;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFetcher;
import backpropamine.data.PtbFiles;
import backpropamine.model.Kernels;
import backpropamine.train.Cancellation;
import backpropamine.train.CheckpointStore;
import backpropamine.train.LanguageModels;
import backpropamine.train.Trainer;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialResult;
import backpropamine.train.TrialStatus;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bpm train}: one trial from the command line, with live progress and a JSON result. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one language model on Penn Treebank and report validation and test perplexity.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--checkpoint", description = "directory to checkpoint into after every epoch and resume from")
    Path checkpoint;
    @Option(names = "--out", description = "write the result as JSON to this file")
    Path out;
    @Option(names = "--data", description = "PTB directory (default $BPM_DATA, else data/ptb)")
    Path data;
    @Option(names = "--kernels", description = "fused (CPU), ops (ND4J ops) or cuda (the project's CUDA kernels"
            + " on a GPU, float); default: BPM_KERNELS, else fused (ops on ND4J's CUDA backend)")
    String kernels;

    /** {@code bpm train} with an option per trial setting (see {@link TrialOptions}). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TrainCommand());
        TrialOptions.addTo(cl.getCommandSpec());
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        TrialConfig config = TrialOptions.config(spec);
        Kernels k = kernels == null ? LanguageModels.kernelsForBackend() : Kernels.parse(kernels);
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
        TrialResult result = new Trainer(corpus, k).run(config, new ProgressPrinter(System.err), cancel,
                checkpoint == null ? null : CheckpointStore.directory(checkpoint));
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
