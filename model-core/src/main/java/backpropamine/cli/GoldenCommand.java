package backpropamine.cli;

import backpropamine.golden.GoldenCheck;
import backpropamine.golden.GoldenFixture;
import backpropamine.model.Kernels;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.train.LanguageModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bpm golden FIXTURE.json}: the model against golden values from an independent implementation. Prints,
 * per variant, kernels and precision, the largest relative error of the losses, the gradients and the end states;
 * exit status 1 past tolerance, 2 for a bad fixture or option.
 */
@Command(name = "golden", mixinStandardHelpOptions = true,
        description = "Check losses, gradients and carried state against a golden fixture (../shared/fixtures).")
public final class GoldenCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "fixture (JSON), e.g. ../shared/fixtures/plastic-lstm-golden.json")
    Path fixture;
    @Option(names = "--kernels", defaultValue = "all", description = "fused, ops, cuda or all: every one that can run"
            + " here (cuda: a GPU, or BPM_CUDA_DEVICE=emulation; float only) (default ${DEFAULT-VALUE})")
    String kernels;
    @Option(names = "--precision", defaultValue = "all", description = "float, double or all (default ${DEFAULT-VALUE})")
    String precision;
    @Option(names = "--variant", split = ",", description = "only these variants (default: every one in the fixture)")
    List<String> variants;

    @Override
    public Integer call() {
        List<Kernels> ks = "all".equalsIgnoreCase(kernels)
                ? Arrays.stream(Kernels.values()).filter(LanguageModels::implemented).toList()
                : List.of(Kernels.parse(kernels));
        List<Precision> ps = "all".equalsIgnoreCase(precision) ? List.of(Precision.DOUBLE, Precision.FLOAT)
                : List.of(precision(precision));
        List<Variant> only = variants == null ? null : variants.stream().map(Variant::parse).toList();
        GoldenFixture f = GoldenFixture.read(fixture);
        System.out.printf("%-8s %-6s %-9s %10s %10s  %-28s %10s  %-28s %s%n", "variant", "kernels", "precision", "loss",
                "gradients", "(worst)", "states", "(worst)", "");
        List<String> failures = new ArrayList<>();
        for (GoldenFixture.Case c : f.cases()) {
            if (only != null && !only.contains(c.variant())) {
                continue;
            }
            for (Kernels k : ks) {
                for (Precision p : ps) {
                    if (!LanguageModels.supports(k, p)) {
                        if (ps.size() == 1) {
                            throw new IllegalArgumentException("--precision " + precision + ": the " + k.name()
                                    .toLowerCase(Locale.ROOT) + " kernels compute in float only");
                        }
                        continue;
                    }
                    GoldenCheck.Errors e = GoldenCheck.check(c, k, p);
                    GoldenCheck.Tolerance t = GoldenCheck.Tolerance.of(p);
                    boolean ok = e.within(t);
                    System.out.printf("%-8s %-6s %-9s %10.1e %10.1e  %-28s %10.1e  %-28s %s%n", c.variant(),
                            k.name().toLowerCase(Locale.ROOT), p.name().toLowerCase(Locale.ROOT), e.loss(), e.gradients(),
                            e.worstGradient(), e.states(), e.worstState(), ok ? "ok" : "FAIL");
                    if (!ok) {
                        failures.add(c.variant() + "/" + k + "/" + p);
                    }
                }
            }
        }
        GoldenCheck.Tolerance d = GoldenCheck.Tolerance.of(Precision.DOUBLE);
        GoldenCheck.Tolerance fl = GoldenCheck.Tolerance.of(Precision.FLOAT);
        System.out.printf("tolerance (relative): double loss %.0e, gradients %.0e, states %.0e; float %.0e, %.0e, %.0e%n",
                d.loss(), d.gradients(), d.states(), fl.loss(), fl.gradients(), fl.states());
        if (!failures.isEmpty()) {
            System.out.println("past tolerance: " + String.join(", ", failures));
            return 1;
        }
        return 0;
    }

    private static Precision precision(String s) {
        try {
            return Precision.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + s + "': use float, double or all ("
                    + Arrays.toString(Precision.values()) + ")");
        }
    }
}
