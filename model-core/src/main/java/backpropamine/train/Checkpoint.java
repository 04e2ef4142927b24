package backpropamine.train;

import backpropamine.model.LanguageModel;
import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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

/**
 * Trial state after a complete epoch: parameters, the per-epoch results so far and named extra arrays of the
 * training regime (the large model's parameter average and best model). Written to a temporary file,
 * synced and renamed over {@code trial.ckpt}, so a crash leaves either the previous or the new checkpoint.
 * Traces and hidden state are not saved: they are reset at the start of every epoch anyway.
 *
 * <p>Format BPM3, written and read with plain {@code DataOutputStream}/{@code DataInputStream} (big-endian), so
 * that any backend, ND4J or not, reads and writes it:
 * <pre>
 *   int     magic "BPM3"
 *   UTF     fingerprint of the trial's configuration
 *   int     n, then n epochs: int epoch, double learning rate, train ppl, valid ppl, tokens/s, seconds
 *   array   the parameters, in the model's precision
 *   int     m, then m extras: UTF name, array
 *   array = byte type (0: float32, 1: float64), int length, length values of that type
 * </pre>
 * Files of the earlier formats (BPM1: parameters only, BPM2: with extras; ND4J's own array serialisation) are
 * still read, by {@link LegacyCheckpoint}, which needs ND4J and is loaded only when such a file is met.
 */
public final class Checkpoint {
    static final int MAGIC_V1 = 0x42504d31; // "BPM1": parameters only (ND4J arrays)
    static final int MAGIC_V2 = 0x42504d32; // "BPM2": parameters, then named extra arrays (ND4J arrays)
    static final int MAGIC = 0x42504d33; // "BPM3": plain arrays, see the class comment
    static final String FILE = "trial.ckpt";
    private static final byte FLOAT32 = 0;
    private static final byte FLOAT64 = 1;
    /** Values converted per write or read call. */
    private static final int CHUNK = 1 << 15;

    private Checkpoint() {
    }

    /** A checkpoint as read: every array in double (exact for float), extras by name. */
    public record State(String fingerprint, List<EpochResult> epochs, double[] parameters, Map<String, double[]> extras) {
    }

    /**
     * What a checkpoint keeps besides the parameters: named vectors (written in their own precision) and named
     * double arrays (counts, figures); the names of both together are unique.
     */
    public record Extras(Map<String, ParameterVector> vectors, Map<String, double[]> values) {
        public static final Extras NONE = new Extras(Map.of(), Map.of());

        public Extras {
            vectors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vectors));
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
            for (String name : vectors.keySet()) {
                if (values.containsKey(name)) {
                    throw new IllegalArgumentException("extra '" + name + "' given twice");
                }
            }
        }
    }

    public static void save(Path dir, String fingerprint, List<EpochResult> epochs, LanguageModel model, Extras extras)
            throws IOException {
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

    /** Writes a checkpoint (BPM3) to a stream (left open). */
    public static void write(OutputStream os, String fingerprint, List<EpochResult> epochs, LanguageModel model,
                             Extras extras) throws IOException {
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
        ParameterVector theta = model.parameters();
        writeArray(out, theta.toDoubleArray(), theta.precision());
        out.writeInt(extras.vectors().size() + extras.values().size());
        for (Map.Entry<String, ParameterVector> e : extras.vectors().entrySet()) {
            out.writeUTF(e.getKey());
            writeArray(out, e.getValue().toDoubleArray(), e.getValue().precision());
        }
        for (Map.Entry<String, double[]> e : extras.values().entrySet()) {
            out.writeUTF(e.getKey());
            writeArray(out, e.getValue(), Precision.DOUBLE);
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

    record Header(int magic, String fingerprint, List<EpochResult> epochs) {
    }

    private static Header header(DataInputStream in, String what) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC && magic != MAGIC_V2 && magic != MAGIC_V1) {
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

    /** Reads a checkpoint of any format from a stream; {@code what} names it in errors. */
    public static State read(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 20));
        Header h = header(in, what);
        if (h.magic() != MAGIC) {
            return LegacyCheckpoint.read(in, h); // the only place that may load ND4J
        }
        double[] parameters = readArray(in, what);
        int n = in.readInt();
        Map<String, double[]> extras = new LinkedHashMap<>();
        for (int k = 0; k < n; k++) {
            extras.put(in.readUTF(), readArray(in, what));
        }
        return new State(h.fingerprint(), h.epochs(), parameters, extras);
    }

    /** An array in the given precision (float values of a float vector are exact in double, so nothing is lost). */
    private static void writeArray(DataOutputStream out, double[] values, Precision precision) throws IOException {
        boolean single = precision == Precision.FLOAT;
        out.writeByte(single ? FLOAT32 : FLOAT64);
        out.writeInt(values.length);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * Double.BYTES);
        for (int from = 0; from < values.length; from += CHUNK) {
            int to = Math.min(values.length, from + CHUNK);
            buf.clear();
            for (int k = from; k < to; k++) {
                if (single) {
                    buf.putFloat((float) values[k]);
                } else {
                    buf.putDouble(values[k]);
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    private static double[] readArray(DataInputStream in, String what) throws IOException {
        byte type = in.readByte();
        if (type != FLOAT32 && type != FLOAT64) {
            throw new IOException("corrupt trial checkpoint (array type " + type + "): " + what);
        }
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("corrupt trial checkpoint (array length " + length + "): " + what);
        }
        int width = type == FLOAT32 ? Float.BYTES : Double.BYTES;
        double[] values = new double[length];
        byte[] bytes = new byte[Math.min(length, CHUNK) * width];
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        for (int from = 0; from < length; from += CHUNK) {
            int to = Math.min(length, from + CHUNK);
            in.readFully(bytes, 0, (to - from) * width);
            buf.clear();
            for (int k = from; k < to; k++) {
                values[k] = type == FLOAT32 ? buf.getFloat() : buf.getDouble();
            }
        }
        return values;
    }
}
