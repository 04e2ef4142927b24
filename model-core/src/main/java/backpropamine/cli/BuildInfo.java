package backpropamine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version and the JVM flags, as Maven wrote them into {@code backpropamine/build.properties} from the poms
 * (the one source; {@code bin/bpm} reads the same file). Also {@code bpm --version}.
 */
public final class BuildInfo implements IVersionProvider {
    private static final Properties PROPS = load();

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/backpropamine/build.properties")) {
            if (in == null) {
                throw new IllegalStateException("backpropamine/build.properties is not on the class path: build with Maven");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    public static String version() {
        return PROPS.getProperty("version");
    }

    /** Flags of every JVM that trains or runs Spark: the Vector API module and Spark's module options. */
    public static List<String> jvmFlags() {
        return Arrays.stream(PROPS.getProperty("jvm.flags").trim().split("\\s+")).toList();
    }

    @Override
    public String[] getVersion() {
        return new String[] {"bpm " + version()};
    }
}
