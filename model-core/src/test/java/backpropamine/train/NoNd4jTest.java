package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trial path loads no ND4J class when the model is not ND4J-based: model-core's classes and the tests' are loaded
 * by a class loader that sees nothing else (the JDK aside) and refuses every {@code org.nd4j} class, and a whole
 * trial with a checkpoint and a resume runs there ({@link NoNd4jTrial}). This is what a CUDA trial needs.
 */
class NoNd4jTest {
    @Test
    void aTrialWithCheckpointsRunsWithoutNd4j(@TempDir Path tmp) throws Exception {
        List<String> asked = Collections.synchronizedList(new ArrayList<>());
        URL main = Trainer.class.getProtectionDomain().getCodeSource().getLocation();
        URL tests = NoNd4jTest.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {main, tests}, ClassLoader.getPlatformClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("org.nd4j.") || name.startsWith("org.bytedeco.")) {
                    asked.add(name);
                    throw new ClassNotFoundException(name + " (refused: this trial must run without ND4J)");
                }
                return super.loadClass(name, resolve);
            }
        }) {
            Class<?> trial = loader.loadClass(NoNd4jTrial.class.getName());
            assertTrue(trial.getClassLoader() == loader, "the trial's classes come from the isolated loader");
            @SuppressWarnings("unchecked")
            Callable<List<Double>> run = (Callable<List<Double>>) trial.getConstructor(String.class)
                    .newInstance(tmp.toString());
            List<Double> figures = run.call();
            assertEquals(List.of(), asked, "ND4J classes the trial path asked for");
            int n = figures.size() / 2;
            assertEquals(7, n, "train and valid of 3 epochs, then test");
            assertEquals(figures.subList(0, n), figures.subList(n, 2 * n), "the resumed trial ends as the straight one");
            for (double f : figures) { // a unigram model a few batches into training: near uniform over 10,000 words
                assertTrue(f > 100 && f < 20_000, "perplexity " + f);
            }
        }
    }

    /**
     * A CUDA trial (in the host emulation of the kernels) in a fresh JVM whose class path is this one's without any
     * ND4J, JavaCPP, OpenBLAS or Deeplearning4j jar: it trains, checkpoints and resumes to the same figures.
     */
    @Test
    void aCudaTrialRunsWithNoNd4jOnItsClassPath() throws Exception {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(LanguageModels.implemented(backpropamine.model.Kernels.CUDA), "CI=true: the emulation must be built");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(LanguageModels.implemented(backpropamine.model.Kernels.CUDA),
                "no host emulation of the CUDA kernels (clang)");
        List<String> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            (name.matches("(nd4j|javacpp|openblas|deeplearning4j|flatbuffers|protobuf|oshi).*") ? dropped : kept).add(entry);
        }
        assertTrue(dropped.stream().anyMatch(d -> d.contains("nd4j-native")), "this JVM had ND4J: " + dropped);
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "--add-modules=jdk.incubator.vector",
                "-D" + backpropamine.cuda.CudaDevices.PROPERTY + "=emulation",
                "-Dbpm.emulator=" + System.getProperty("bpm.emulator"),
                "-Dbpm.test.data=" + System.getProperty("bpm.test.data"),
                "-cp", String.join(java.io.File.pathSeparator, kept), NoNd4jCudaTrial.class.getName())
                .redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String line = out.lines().filter(l -> l.startsWith("FIGURES ")).findFirst().orElseThrow(() -> new AssertionError(out));
        String[] parts = line.substring("FIGURES [".length(), line.indexOf("] RESUMED")).split(", ");
        assertEquals(10, parts.length, line);
        for (int k = 0; k < 5; k++) {
            assertEquals(parts[k], parts[k + 5], "the resumed trial ends as the straight one: " + line);
        }
        assertTrue(line.endsWith("RESUMED 1"), line);
    }
}
