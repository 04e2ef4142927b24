package backpropamine.cli;

import backpropamine.train.EpochResult;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialListener;
import java.io.PrintStream;

/**
 * Live progress of a trial: a self-overwriting line on a terminal (a line every 10% otherwise), one summary
 * line per epoch.
 */
final class ProgressPrinter implements TrialListener {
    private final PrintStream out;
    private final boolean live = System.console() != null;
    private int epochs;
    private int startEpoch;
    private long started;
    private long lastPrint;

    ProgressPrinter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onStart(TrialConfig config, int hidden, long parameters, int resumedEpochs) {
        epochs = config.epochs();
        startEpoch = resumedEpochs + 1;
        started = System.nanoTime();
        boolean large = config.model() == backpropamine.model.ModelKind.LARGE;
        out.printf("%s%s, hidden %d, %,d parameters, batch %d x %s steps, %d epochs%s%n", config.variant(),
                large ? " (large model)" : "", hidden, parameters, config.batch(),
                large ? "~" + config.bptt() + " (variable)" : String.valueOf(config.bptt()), epochs,
                resumedEpochs > 0 ? " (resumed after epoch " + resumedEpochs + ")" : "");
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, double ppl, double tokensPerSecond) {
        long now = System.nanoTime();
        boolean tenth = batch == batches || batch % Math.max(1, batches / 10) == 0;
        if (live ? now - lastPrint < 250_000_000L && batch != batches : !tenth) {
            return;
        }
        lastPrint = now;
        double done = (epoch - startEpoch) + batch / (double) batches;
        double total = epochs - startEpoch + 1;
        double eta = (now - started) / 1e9 / done * (total - done);
        String line = String.format("epoch %d/%d  batch %d/%d  %.0f tok/s  ETA %s  ppl %.1f", epoch, epochs, batch,
                batches, tokensPerSecond, duration(eta), ppl);
        if (live) {
            out.print("\r" + line + "\u001b[K");
        } else {
            out.println(line);
        }
    }

    @Override
    public void onEpoch(EpochResult e) {
        if (live) {
            out.print("\r\u001b[K");
        }
        out.printf("epoch %d: lr %.4f  train ppl %.2f  valid ppl %.2f  (%.0f tok/s, %.0f s)%n", e.epoch(),
                e.learningRate(), e.trainPerplexity(), e.validPerplexity(), e.tokensPerSecond(), e.seconds());
    }

    @Override
    public void onEvaluation(String split, double perplexity) {
        if ("test".equals(split)) {
            out.printf("test ppl %.2f%n", perplexity);
        }
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
