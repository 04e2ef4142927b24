package backpropamine.spark.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The sweep file and options of the commands that run a sweep (sweep, nightly). */
public final class RunOptions {
    @Parameters(index = "0", description = "sweep file (YAML), e.g. conf/sweeps/quickstart.yaml")
    Path file;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local mode, one slot per core plus one)")
    String master;
    @Mixin
    SchedulingOptions scheduling;
}
