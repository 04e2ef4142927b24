package backpropamine.spark.cli;

import backpropamine.cli.Bpm;
import org.apache.spark.SparkUserAppException;
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

    public static void main(String[] args) throws SparkUserAppException {
        int status = commandLine().execute(args);
        if (insideYarnApplicationMaster()) {
            // YARN cluster mode: the ApplicationMaster runs this method and reports its final status when it returns
            // (SUCCEEDED) or throws (FAILED, with this exit code). System.exit would end the JVM before that report:
            // YARN would record FAILED for every run and start another attempt.
            if (status != 0) {
                throw new SparkUserAppException(status);
            }
            return;
        }
        System.exit(status);
    }

    /** Whether this driver runs in YARN's ApplicationMaster (cluster deploy mode), which sets these properties. */
    static boolean insideYarnApplicationMaster() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }
}
