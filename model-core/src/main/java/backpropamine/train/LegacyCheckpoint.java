package backpropamine.train;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the body of a checkpoint in the formats before BPM3, whose arrays are ND4J's own serialisation
 * ({@code Nd4j.write}): BPM1 (parameters only) and BPM2 (parameters, then named extra arrays). Kept apart from
 * {@link Checkpoint} so that ND4J is loaded only when such a file is met.
 */
final class LegacyCheckpoint {
    private LegacyCheckpoint() {
    }

    /** The rest of the file after its header, as a {@link Checkpoint.State}. */
    static Checkpoint.State read(DataInputStream in, Checkpoint.Header h) throws IOException {
        double[] parameters = values(Nd4j.read(in));
        Map<String, double[]> extras = new LinkedHashMap<>();
        if (h.magic() == Checkpoint.MAGIC_V2) { // BPM1 files, written before the large model, have no extras
            int n = in.readInt();
            for (int k = 0; k < n; k++) {
                String name = in.readUTF();
                extras.put(name, values(Nd4j.read(in)));
            }
        }
        return new Checkpoint.State(h.fingerprint(), h.epochs(), parameters, extras);
    }

    private static double[] values(INDArray a) {
        try (a) {
            return a.length() == 1 ? new double[] {a.getDouble(0)} : a.toDoubleVector(); // scalars: counts, figures
        }
    }
}
