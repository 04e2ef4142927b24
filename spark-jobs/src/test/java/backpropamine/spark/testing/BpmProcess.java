package backpropamine.spark.testing;

import backpropamine.cli.BuildInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code bin/bpm} as a separate JVM (the test's class path and the build's JVM flags), output to a log file. */
public final class BpmProcess {
    private BpmProcess() {
    }

    /** Starts {@code bpm args...} in {@code dir} with extra environment; output goes to {@code dir/<name>.log}. */
    public static Process start(Path dir, String name, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(BuildInfo.jvmFlags());
        cmd.add("-Dlog4j2.configurationFile=" + TestData.root().resolve("conf/log4j2.properties"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "backpropamine.spark.cli.BpmSpark"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).directory(dir.toFile());
        pb.environment().remove("BPM_FAULTS");
        pb.environment().putAll(env);
        return pb.start();
    }

    public static String log(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name + ".log"));
    }

    /** The last 3,000 characters of a log, for failure messages. */
    public static String tail(Path dir, String name) {
        try {
            String l = log(dir, name);
            return l.substring(Math.max(0, l.length() - 3000));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
