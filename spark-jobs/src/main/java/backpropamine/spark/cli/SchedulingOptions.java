package backpropamine.spark.cli;

import picocli.CommandLine.Option;

/** How a command that runs trials schedules and commits them (sweep, nightly, replicate). */
public final class SchedulingOptions {
    @Option(names = "--parallelism", defaultValue = "0", description = "trials at a time (default: follow the task slots)")
    int parallelism;
    @Option(names = "--commit-seconds", defaultValue = "30", description = "commit results at least this often (default ${DEFAULT-VALUE})")
    long commitSeconds;
}
