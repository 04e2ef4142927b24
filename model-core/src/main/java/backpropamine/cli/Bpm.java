package backpropamine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/bpm}: the command-line entry point of model-core (train, bench, data). */
@Command(name = "bpm", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "Backpropamine language models on Penn Treebank.",
        subcommands = {})
public final class Bpm implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** A command line whose errors print one clear message (no stack trace) and exit non-zero. */
    public static CommandLine commandLine(Object root) {
        CommandLine cl = new CommandLine(root);
        cl.addSubcommand("train", TrainCommand.commandLine());
        cl.addSubcommand("bench", new BenchCommand());
        cl.addSubcommand("data", new DataCommand());
        cl.addSubcommand("golden", new GoldenCommand());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("error: " + ex.getMessage());
            if (System.getenv("BPM_DEBUG") != null) {
                ex.printStackTrace(line.getErr());
            }
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Bpm()).execute(args));
    }
}
