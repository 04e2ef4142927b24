package backpropamine.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.testing.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The catalog options are the same on every command, and the sweep id is one Hadoop paths accept. */
class CatalogOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void everyCommandTakesCatalogPropertiesFromTheCommandLineAndAFile() throws Exception {
        Path file = tmp.resolve("catalog.properties");
        Files.writeString(file, "type=rest\nuri=http://from-file\nwarehouse=s3://bucket/w\n");
        String[] props = {"--catalog-properties", file.toString(), "--catalog-property", "uri=http://catalog:8181",
                "--catalog-property", "credential=a:b"};
        Map<String, String> expected = Map.of("type", "rest", "uri", "http://catalog:8181", "warehouse", "s3://bucket/w",
                "credential", "a:b");
        for (String command : new String[] {"status", "sql", "report", "replicate"}) {
            CommandLine cl = BpmSpark.commandLine();
            String[] args = new String[props.length + 2];
            args[0] = command;
            args[1] = command.equals("sql") ? "SELECT 1" : "some-sweep";
            System.arraycopy(props, 0, args, 2, props.length);
            CommandLine.ParseResult parsed = cl.parseArgs(args);
            Object cmd = parsed.subcommand().commandSpec().userObject();
            CatalogOptions catalog = (CatalogOptions) cmd.getClass().getDeclaredField("catalog").get(cmd);
            assertEquals(expected, catalog.results().properties(), command + ": the command line wins over the file");
        }
        Path sweep = tmp.resolve("s.yaml");
        Files.writeString(sweep, "name: s\nvariants: [LSTM]\ngrid:\n  decay_factor: [0.3]\n  decay_start: [1]\n"
                + "  init_scale: [0.1]\n  l2: [1e-5]\ndata: " + TestData.dir() + "\nresults: {warehouse: w,"
                + " catalog_properties: {type: hadoop, io-impl: x}}\n");
        for (String command : new String[] {"sweep", "nightly"}) {
            CommandLine.ParseResult parsed = BpmSpark.commandLine().parseArgs(command, sweep.toString(), "--catalog-property",
                    "type=rest", "--catalog-property", "uri=http://catalog:8181");
            Object cmd = parsed.subcommand().commandSpec().userObject();
            RunOptions run = (RunOptions) cmd.getClass().getDeclaredField("options").get(cmd);
            assertEquals(Map.of("type", "rest", "uri", "http://catalog:8181", "io-impl", "x"), run.read().results().properties(),
                    command + ": added to the sweep file's, winning over them");
        }
    }

    @Test
    void aSweepIdWithCharactersHadoopPathsRefuseIsRefusedWithTheReason() throws Exception {
        Path sweep = tmp.resolve("s.yaml");
        Files.writeString(sweep, "name: s\nvariants: [LSTM]\ngrid:\n  decay_factor: [0.3]\n  decay_start: [1]\n"
                + "  init_scale: [0.1]\n  l2: [1e-5]\ndata: " + TestData.dir() + "\nresults: {warehouse: "
                + tmp.resolve("w") + "}\n");
        CommandLine cl = BpmSpark.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("sweep", sweep.toString(), "--sweep-id", "night:1"));
        assertTrue(err.toString().contains("Hadoop paths refuse ':'") && err.toString().contains("'night:1'"), err.toString());
        assertTrue(!Files.exists(tmp.resolve("w")), "refused before anything was written");
    }
}
