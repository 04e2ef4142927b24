package backpropamine.spark.sweep;

import backpropamine.model.CodeVersion;
import backpropamine.train.TrialConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a trial: a hash of everything that determines its result (variant, hyperparameters,
 * training settings, seed, data checksum, numerics version). Equal keys mean interchangeable results, which
 * is what resume and de-duplication rely on.
 */
public final class TrialKey {
    private TrialKey() {
    }

    public static String of(TrialConfig config, String dataChecksum) {
        String canonical = "trial-key-v1|" + config.fingerprint() + "|data=" + dataChecksum + "|code=" + CodeVersion.VALUE;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
