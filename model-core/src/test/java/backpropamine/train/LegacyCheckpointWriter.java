package backpropamine.train;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The checkpoint writer as it was before BPM3 (kept verbatim as test code): arrays in ND4J's own serialisation,
 * BPM2 with named extra arrays, BPM1 (before the large model) with the parameters only. Files that trials wrote
 * with it must still resume.
 */
final class LegacyCheckpointWriter {
    private LegacyCheckpointWriter() {
    }

    static void writeBpm2(OutputStream os, String fingerprint, List<EpochResult> epochs, INDArray parameters,
                          Map<String, INDArray> extras) throws IOException {
        DataOutputStream out = header(os, Checkpoint.MAGIC_V2, fingerprint, epochs);
        Nd4j.write(parameters, out);
        out.writeInt(extras.size());
        for (Map.Entry<String, INDArray> e : extras.entrySet()) {
            out.writeUTF(e.getKey());
            Nd4j.write(e.getValue(), out);
        }
        out.flush();
    }

    static void writeBpm1(OutputStream os, String fingerprint, List<EpochResult> epochs, INDArray parameters)
            throws IOException {
        DataOutputStream out = header(os, Checkpoint.MAGIC_V1, fingerprint, epochs);
        Nd4j.write(parameters, out);
        out.flush();
    }

    private static DataOutputStream header(OutputStream os, int magic, String fingerprint, List<EpochResult> epochs)
            throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 20));
        out.writeInt(magic);
        out.writeUTF(fingerprint);
        out.writeInt(epochs.size());
        for (EpochResult e : epochs) {
            out.writeInt(e.epoch());
            out.writeDouble(e.learningRate());
            out.writeDouble(e.trainPerplexity());
            out.writeDouble(e.validPerplexity());
            out.writeDouble(e.tokensPerSecond());
            out.writeDouble(e.seconds());
        }
        return out;
    }
}
