package backpropamine.spark;

import java.util.Arrays;
import java.util.List;

/**
 * Which CUDA device a task's GPU address means. Spark's addresses come from the discovery script: physical
 * indices as nvidia-smi lists them. When {@code CUDA_VISIBLE_DEVICES} restricts the process to some devices, CUDA
 * numbers those from 0 in the listed order, so address 3 with {@code CUDA_VISIBLE_DEVICES=2,3} is device 1.
 */
final class GpuBinding {
    private GpuBinding() {
    }

    /**
     * The GPU's UUID as nvidia-smi reports it ("GPU-..."), or null where there is no nvidia-smi or it does not
     * answer within a few seconds: rows then record the address alone.
     */
    static String uuid(String address) {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=uuid", "--format=csv,noheader", "-i", address.trim())
                    .redirectErrorStream(true).start();
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && out.startsWith("GPU-") ? out : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * @param visible the value of CUDA_VISIBLE_DEVICES, or null
     * @throws IllegalArgumentException when the address is not a device this process can see
     */
    static int device(String address, String visible) {
        String a = address.trim();
        if (visible == null || visible.isBlank()) {
            try {
                return Integer.parseInt(a);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("GPU address '" + a + "' is not a device index and"
                        + " CUDA_VISIBLE_DEVICES is not set to map it");
            }
        }
        List<String> ids = Arrays.stream(visible.split(",")).map(String::trim).toList();
        int k = ids.indexOf(a);
        if (k < 0) {
            throw new IllegalArgumentException("GPU address " + a + " is not among CUDA_VISIBLE_DEVICES=" + visible
                    + ": the discovery script and the executor's visible devices disagree");
        }
        return k;
    }
}
