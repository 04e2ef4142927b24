package backpropamine.spark.cli;

import backpropamine.spark.sweep.SweepFile;
import backpropamine.spark.sweep.SweepSpec;
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
    @Mixin
    CatalogPropertyOptions catalog;

    /** The sweep file with the command line's catalog properties applied to its results location. */
    SweepSpec read() {
        SweepSpec spec = SweepFile.read(file);
        return spec.withResults(catalog.applyTo(spec.results()));
    }
}
