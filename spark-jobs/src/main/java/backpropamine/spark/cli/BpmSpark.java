package backpropamine.spark.cli;

import backpropamine.cli.Bpm;
import picocli.CommandLine;

/** {@code bin/bpm}: model-core's commands (train, bench, data) plus the sweep service (sweep, sql, status, nightly). */
public final class BpmSpark {
    private BpmSpark() {
    }

    public static CommandLine commandLine() {
        CommandLine cl = Bpm.commandLine(new Bpm());
        cl.addSubcommand("sweep", new SweepCommand());
        cl.addSubcommand("sql", new SqlCommand());
        cl.addSubcommand("status", new StatusCommand());
        cl.addSubcommand("nightly", new NightlyCommand());
        cl.addSubcommand("replicate", new ReplicateCommand());
        cl.addSubcommand("report", new ReportCommand());
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
