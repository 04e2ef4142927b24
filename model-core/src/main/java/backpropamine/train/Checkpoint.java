package backpropamine.train;

import backpropamine.model.LanguageModel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trial state after a complete epoch: parameters, the per-epoch results so far and named extra arrays of the
 * training regime (the large model's parameter average and best model). Written to a temporary file,
 * synced and renamed over {@code trial.ckpt}, so a crash leaves either the previous or the new checkpoint.
 * Traces and hidden state are not saved: they are reset at the start of every epoch anyway.
 */
public final class Checkpoint {
    private static final int MAGIC_V1 = 0x42504d31; // "BPM1": parameters only
    private static final int MAGIC = 0x42504d32; // "BPM2": parameters, then named extra arrays
    static final String FILE = "trial.ckpt";

    private Checkpoint() {
    }

    public record State(String fingerprint, List<EpochResult> epochs, INDArray parameters, Map<String, INDArray> extras) {
    }

    public static void save(Path dir, String fingerprint, List<EpochResult> epochs, LanguageModel model,
                            Map<String, INDArray> extras) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            write(os, fingerprint, epochs, model, extras);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes a checkpoint to a stream (left open). */
    public static void write(OutputStream os, String fingerprint, List<EpochResult> epochs, LanguageModel model,
                             Map<String, INDArray> extras) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 20));
        out.writeInt(MAGIC);
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
        Nd4j.write(model.parameters(), out);
        out.writeInt(extras.size());
        for (Map.Entry<String, INDArray> e : extras.entrySet()) {
            out.writeUTF(e.getKey());
            Nd4j.write(e.getValue(), out);
        }
        out.flush();
    }

    /** The checkpoint in {@code dir}, or null if there is none. */
    public static State load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** The epochs of a checkpoint, read from its header only (the parameters are not read). */
    public static List<EpochResult> readEpochs(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        return header(in, what).epochs();
    }

    private record Header(int magic, String fingerprint, List<EpochResult> epochs) {
    }

    private static Header header(DataInputStream in, String what) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC && magic != MAGIC_V1) {
            throw new IOException("not a trial checkpoint: " + what);
        }
        String fingerprint = in.readUTF();
        int n = in.readInt();
        List<EpochResult> epochs = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            epochs.add(new EpochResult(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble(),
                    in.readDouble(), in.readDouble()));
        }
        return new Header(magic, fingerprint, epochs);
    }

    /** Reads a checkpoint from a stream; {@code what} names it in errors. */
    public static State read(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 20));
        Header h = header(in, what);
        INDArray parameters = Nd4j.read(in);
        Map<String, INDArray> extras = new LinkedHashMap<>();
        if (h.magic() == MAGIC) { // BPM1 files, written before the large model, have no extras
            int n = in.readInt();
            for (int k = 0; k < n; k++) {
                String name = in.readUTF();
                extras.put(name, Nd4j.read(in));
            }
        }
        return new State(h.fingerprint(), h.epochs(), parameters, extras);
    }
}
