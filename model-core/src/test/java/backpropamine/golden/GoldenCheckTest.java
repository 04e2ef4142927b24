package backpropamine.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.cli.Bpm;
import backpropamine.golden.GoldenFixture.Case;
import backpropamine.model.Kernels;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.train.LanguageModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every implementation of the model against the independent implementations' golden values
 * ({@code ../shared/fixtures/plastic-lstm-golden.json} and a fixture of other sizes): every variant, the fused and
 * ND4J-ops kernels in both precisions, the CUDA kernels in float (run in their host emulation where there is no GPU).
 */
class GoldenCheckTest {
    /** Every implementation this build can create here: CUDA on a GPU, or in its host emulation (tests). */
    static final List<Kernels> IMPLEMENTED = Arrays.stream(Kernels.values()).filter(LanguageModels::implemented).toList();
    static Path fixture;
    static GoldenFixture golden;

    @BeforeAll
    static void load() {
        fixture = Path.of(System.getProperty("bpm.test.fixtures", "../../shared/fixtures"))
                .resolve("plastic-lstm-golden.json");
        golden = GoldenFixture.read(fixture);
    }

    @Test
    void everyVariantMatchesOnEveryKernelsInEveryPrecision() {
        assertTrue(IMPLEMENTED.containsAll(List.of(Kernels.FUSED, Kernels.OPS)), IMPLEMENTED.toString());
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(IMPLEMENTED.contains(Kernels.CUDA), "CI=true: the CUDA kernels must be checked (host emulation)");
        }
        Set<Variant> seen = EnumSet.noneOf(Variant.class);
        for (Case c : golden.cases()) {
            seen.add(c.variant());
            assertTrue(c.segments().size() >= 2, "state is carried across segments");
            for (Kernels k : IMPLEMENTED) {
                for (Precision p : Precision.values()) {
                    if (!LanguageModels.supports(k, p)) {
                        continue; // CUDA: float only
                    }
                    GoldenCheck.Errors e = GoldenCheck.check(c, k, p);
                    assertTrue(e.within(GoldenCheck.Tolerance.of(p)), e.toString());
                }
            }
        }
        assertEquals(EnumSet.allOf(Variant.class), seen);
    }

    /**
     * A fixture of other sizes and seeds (hidden 9, three layers, three segments), from a second independent
     * reading of the equations in PyTorch ({@code src/test/python/make_golden.py}).
     */
    @Test
    void aFixtureOfOtherSizesMatchesToo() throws Exception {
        GoldenFixture other = GoldenFixture.read(Path.of(getClass().getResource("/golden/other-sizes.json.gz").toURI()));
        assertEquals(4, other.cases().size());
        for (Case c : other.cases()) {
            assertEquals(3, c.layers());
            for (Kernels k : IMPLEMENTED) {
                for (Precision p : Precision.values()) {
                    if (!LanguageModels.supports(k, p)) {
                        continue; // CUDA: float only
                    }
                    GoldenCheck.Errors e = GoldenCheck.check(c, k, p);
                    assertTrue(e.within(GoldenCheck.Tolerance.of(p)), e.toString());
                }
            }
        }
    }

    private static Case retro() {
        return golden.cases().stream().filter(c -> c.variant() == Variant.RETRO).findFirst().orElseThrow();
    }

    /** The check sees a misread equation: alpha transposed (i pre / j post swapped) moves everything downstream. */
    @Test
    void aTransposedPlasticityMatrixIsCaught() {
        Case c = retro();
        Map<String, double[]> params = new LinkedHashMap<>(c.parameters());
        int n = c.hidden();
        double[] a = params.get("layer0.alpha");
        double[] t = new double[a.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[j * n + i] = a[i * n + j];
            }
        }
        params.put("layer0.alpha", t);
        Case transposed = new Case(c.variant(), c.vocab(), c.hidden(), c.layers(), c.batch(), c.steps(), c.traceClip(),
                params, c.segments());
        GoldenCheck.Errors e = GoldenCheck.check(transposed, Kernels.FUSED, Precision.DOUBLE);
        assertFalse(e.within(GoldenCheck.Tolerance.of(Precision.DOUBLE)), e.toString());
        assertTrue(e.states() > 1e-6, e.toString());
    }

    /** A clip bound other than the fixture's changes the saturated traces and their gradients. */
    @Test
    void theClipBoundMatters() {
        Case c = retro();
        Case wider = new Case(c.variant(), c.vocab(), c.hidden(), c.layers(), c.batch(), c.steps(), c.traceClip() * 1.5,
                c.parameters(), c.segments());
        assertFalse(GoldenCheck.check(wider, Kernels.OPS, Precision.DOUBLE).within(GoldenCheck.Tolerance.of(Precision.DOUBLE)));
    }

    @Test
    void theCommandExitsZeroOnTheSharedFixtureAndOnePastTolerance(@TempDir Path tmp) throws IOException {
        assertEquals(0, Bpm.commandLine(new Bpm()).execute("golden", fixture.toString(), "--variant", "SIMPLE"));
        // the same fixture with one golden loss changed in its 8th digit
        String text = Files.readString(fixture);
        String loss = "\"loss\": ";
        int at = text.indexOf(loss) + loss.length();
        int end = at;
        while ("0123456789.-eE".indexOf(text.charAt(end)) >= 0) {
            end++;
        }
        double value = Double.parseDouble(text.substring(at, end));
        Path changed = tmp.resolve("changed.json");
        Files.writeString(changed, text.substring(0, at) + (value * (1 + 1e-8)) + text.substring(end));
        assertEquals(1, Bpm.commandLine(new Bpm()).execute("golden", changed.toString(), "--kernels", "fused",
                "--precision", "double"));
        assertEquals(2, Bpm.commandLine(new Bpm()).execute("golden", fixture.toString(), "--kernels", "cuda",
                "--precision", "double"), "the CUDA kernels compute in float only");
        Files.writeString(tmp.resolve("broken.json"), "{\"models\": []}");
        assertEquals(2, Bpm.commandLine(new Bpm()).execute("golden", tmp.resolve("broken.json").toString()));
    }

    @Test
    void layoutsMapOneToOne() {
        assertEquals("layer1.u", GoldenCheck.ourName("layer1.eta", Variant.SIMPLE));
        assertEquals("layer1.eta", GoldenCheck.ourName("layer1.eta", Variant.PLASTIC));
        assertEquals(List.of(1, 4, 2, 5, 3, 6),
                java.util.Arrays.stream(GoldenCheck.timeMajor(new int[][] {{1, 2, 3}, {4, 5, 6}})).boxed().toList());
    }
}
