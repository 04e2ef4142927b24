package backpropamine.cuda;

import java.util.Random;

/**
 * {@code java backpropamine.cuda.CudaProbe [--check [ordinal]]}: prints {@link CudaDevice#probe()}, the one line
 * saying what was found (driver, GPUs, cuBLAS, kernels.ptx) or what is missing. With {@code --check} it then opens
 * the GPU and runs the binding's own checks (upload/download, zero, copy, a launch of {@link ProbeKernel}, GEMM
 * against a host product in all four transpositions, a replayed graph), one line each; for machines without Maven
 * or JUnit, such as the GPU check ({@code deploy/gpu-check.sh}). Exit status 0 when everything asked for passed.
 */
public final class CudaProbe {
    private CudaProbe() {
    }

    public static void main(String[] args) {
        System.out.println(CudaDevice.probe());
        if (args.length == 0 || !args[0].equals("--check")) {
            return;
        }
        int ordinal = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int failed = 0;
        try (CudaDevice device = CudaDevice.open(ordinal)) {
            System.out.println("opened " + device.name());
            failed += run("upload/download/zero/copy", () -> memory(device));
            failed += run("launch " + ProbeKernel.NAME, () -> kernel(device));
            failed += run("gemm (" + (device.hasCublas() ? "cuBLAS" : "project kernel") + ")", () -> gemm(device));
            failed += run("replay (graph captured, launched twice)", () -> replay(device));
            if (device.allocatedBytes() != 0) {
                System.out.println("FAIL allocatedBytes " + device.allocatedBytes() + " after freeing everything");
                failed++;
            }
        } catch (RuntimeException e) {
            System.out.println("FAIL " + e);
            failed++;
        }
        System.out.println(failed == 0 ? "CUDA check passed" : "CUDA check: " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    private static int run(String what, Runnable check) {
        long started = System.nanoTime();
        try {
            check.run();
            System.out.printf("ok   %s (%.1f ms)%n", what, (System.nanoTime() - started) / 1e6);
            return 0;
        } catch (RuntimeException | AssertionError e) {
            System.out.println("FAIL " + what + ": " + e);
            return 1;
        }
    }

    static void memory(Device d) {
        int n = 1000;
        float[] x = random(n, 1);
        long a = d.allocate(4L * n);
        long b = d.allocate(4L * n);
        float[] back = new float[n];
        d.download(a, back, 0, n);
        expect(back, new float[n], 0, "fresh allocation is zero");
        d.upload(a, x, 0, n);
        d.download(a, back, 0, n);
        expect(back, x, 0, "upload then download");
        d.copy(b, a, 4L * n);
        d.zero(a + 400, 400);
        float[] zeroed = x.clone();
        java.util.Arrays.fill(zeroed, 100, 200, 0f);
        d.download(a, back, 0, n);
        expect(back, zeroed, 0, "zero of floats 100..199");
        d.download(b, back, 0, n);
        expect(back, x, 0, "device copy");
        d.free(a);
        d.free(b);
    }

    static void kernel(CudaDevice d) {
        long f = d.function(d.loadModule(ProbeKernel.PTX, "ProbeKernel"), ProbeKernel.NAME);
        int n = 3000;
        float[] x = random(n, 2);
        long a = d.allocate(4L * n);
        d.upload(a, x, 0, n);
        d.launchFunction(f, ProbeKernel.NAME, 4, 3, 256, a, n, 2.5f, -1f); // 12 blocks x 256 >= 3000
        float[] back = new float[n];
        d.download(a, back, 0, n);
        float[] want = new float[n];
        for (int i = 0; i < n; i++) {
            want[i] = 2.5f * x[i] - 1f;
        }
        expect(back, want, 1e-6f, "a x + b");
        d.free(a);
    }

    /** Row-major C = alpha op(A) op(B) + beta C for the four transpositions, padded strides, against a host loop. */
    static void gemm(Device d) {
        int m = 37;
        int n = 29;
        int k = 41;
        int pad = 3;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            int aRows = ta ? k : m;
            int aCols = ta ? m : k;
            int bRows = tb ? n : k;
            int bCols = tb ? k : n;
            int lda = aCols + pad;
            int ldb = bCols + pad;
            int ldc = n + pad;
            float[] a = random(aRows * lda, 10 + t);
            float[] b = random(bRows * ldb, 20 + t);
            float[] c = random(m * ldc, 30 + t);
            float alpha = 0.75f;
            float beta = -0.5f;
            float[] want = c.clone();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[p * lda + i] : a[i * lda + p];
                        double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                        s += av * bv;
                    }
                    want[i * ldc + j] = (float) (alpha * s + beta * c[i * ldc + j]);
                }
            }
            long da = d.allocate(4L * a.length);
            long db = d.allocate(4L * b.length);
            long dc = d.allocate(4L * c.length);
            d.upload(da, a, 0, a.length);
            d.upload(db, b, 0, b.length);
            d.upload(dc, c, 0, c.length);
            d.gemm(ta, tb, m, n, k, alpha, da, lda, db, ldb, beta, dc, ldc);
            float[] got = new float[c.length];
            d.download(dc, got, 0, got.length);
            for (int i = 0; i < m; i++) {
                for (int j = n; j < ldc; j++) { // the padding columns must be left alone
                    want[i * ldc + j] = c[i * ldc + j];
                }
            }
            expect(got, want, 1e-4f, "gemm transA=" + ta + " transB=" + tb);
            d.free(da);
            d.free(db);
            d.free(dc);
        }
    }

    /** A body of zero + copy + gemm, captured once and replayed twice: each run must give the same product. */
    static void replay(Device d) {
        int n = 16;
        float[] a = random(n * n, 40);
        float[] b = random(n * n, 41);
        long da = d.allocate(4L * n * n);
        long db = d.allocate(4L * n * n);
        long dc = d.allocate(4L * n * n);
        long dd = d.allocate(4L * n * n);
        d.upload(da, a, 0, a.length);
        d.upload(db, b, 0, b.length);
        Runnable body = () -> {
            d.zero(dc, 4L * n * n);
            d.gemm(false, false, n, n, n, 1f, da, n, db, n, 1f, dc, n); // beta 1: a stale C would show
            d.copy(dd, dc, 4L * n * n);
        };
        float[] want = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < n; p++) {
                    s += (double) a[i * n + p] * b[p * n + j];
                }
                want[i * n + j] = (float) s;
            }
        }
        Object key = new Object();
        float[] got = new float[n * n];
        for (int run = 0; run < 2; run++) {
            d.replay(key, body);
            d.download(dd, got, 0, got.length);
            expect(got, want, 1e-4f, "replay run " + (run + 1));
        }
        // a later upload changes what the replayed graph reads: the graph holds addresses, not values
        for (int i = 0; i < a.length; i++) {
            a[i] *= 2;
            want[i] *= 2;
        }
        d.upload(da, a, 0, a.length);
        d.replay(key, body);
        d.download(dd, got, 0, got.length);
        expect(got, want, 2e-4f, "replay after new input");
        d.free(da);
        d.free(db);
        d.free(dc);
        d.free(dd);
    }

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Throws AssertionError at the first element off by more than {@code tol} relative to max(1, |want|). */
    static void expect(float[] got, float[] want, float tol, String what) {
        for (int i = 0; i < want.length; i++) {
            float err = Math.abs(got[i] - want[i]) / Math.max(1f, Math.abs(want[i]));
            if (!(err <= tol)) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
            }
        }
    }
}
