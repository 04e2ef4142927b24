package backpropamine.data;

import backpropamine.data.PtbFiles.Split;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The Penn Treebank language-modelling corpus as three token-id streams.
 *
 * <p>Every line is split on whitespace and {@code <eos>} is appended at its end; the vocabulary comes from the
 * training split (10,000 words including {@code <eos>}). A word in valid or test that train lacks is refused:
 * the Mikolov preprocessing guarantees there is none, so one would mean wrong data.
 *
 * <p>Serializable, so that a cluster's driver can ship the loaded corpus to its executors (about 4 MB of ids);
 * {@link #contentDigest()} lets the receiver check that what arrived is what was sent.
 */
public final class PtbCorpus implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Vocabulary vocabulary;
    private final Map<Split, int[]> tokens;
    private final String checksum;

    private PtbCorpus(Vocabulary vocabulary, Map<Split, int[]> tokens, String checksum) {
        this.vocabulary = vocabulary;
        this.tokens = tokens;
        this.checksum = checksum;
    }

    /** Loads and verifies the three splits from {@code dir}. */
    public static PtbCorpus load(Path dir) {
        if (!PtbFiles.present(dir)) {
            throw new DataException("Penn Treebank not found in " + dir.toAbsolutePath()
                    + ": expected ptb.train.txt, ptb.valid.txt and ptb.test.txt (or .txt.gz). Run 'bin/bpm data fetch'"
                    + " or point --data / $" + PtbFiles.DATA_ENV + " at a directory holding them.");
        }
        Vocabulary vocab = new Vocabulary();
        Map<Split, int[]> tokens = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            Path file = PtbFiles.find(dir, split);
            try {
                PtbFiles.verify(file, split);
                tokens.put(split, read(file, vocab, split == Split.TRAIN));
            } catch (IOException e) {
                throw new DataException("Cannot read Penn Treebank file " + file + ": " + e.getMessage(), e);
            }
        }
        // All three hashes are fixed, so the corpus checksum is too; it still goes into trial keys so that a
        // future change of preprocessing cannot be confused with this one.
        String checksum = Split.TRAIN.sha256.substring(0, 16);
        return new PtbCorpus(vocab, tokens, checksum);
    }

    private static int[] read(Path file, Vocabulary vocab, boolean grow) throws IOException {
        int[] ids = new int[1 << 20];
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(PtbFiles.open(file), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                for (String w : line.trim().split("\\s+")) {
                    if (w.isEmpty()) {
                        continue;
                    }
                    ids = ensure(ids, n);
                    ids[n++] = lookup(vocab, w, grow, file);
                }
                ids = ensure(ids, n);
                ids[n++] = lookup(vocab, Vocabulary.EOS, grow, file);
            }
        }
        return Arrays.copyOf(ids, n);
    }

    private static int lookup(Vocabulary vocab, String w, boolean grow, Path file) {
        int id = grow ? vocab.add(w) : vocab.id(w);
        if (id < 0) {
            throw new DataException("Word '" + w + "' in " + file + " is not in the training vocabulary: the file is not"
                    + " the Mikolov-preprocessed PTB. Replace it (bin/bpm data fetch).");
        }
        return id;
    }

    private static int[] ensure(int[] a, int n) {
        return n < a.length ? a : Arrays.copyOf(a, a.length * 2);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public int[] tokens(Split split) {
        return tokens.get(split);
    }

    /**
     * The first tokens of each split, with the full vocabulary: a small corpus for tests and dry runs whose splits
     * end where the caller chooses (for instance in a short last segment). Its checksum names the cut.
     */
    public PtbCorpus slice(int trainTokens, int validTokens, int testTokens) {
        Map<Split, int[]> cut = new EnumMap<>(Split.class);
        int[] lengths = {trainTokens, validTokens, testTokens};
        for (Split split : Split.values()) {
            int n = lengths[split.ordinal()];
            if (n < 2 || n > tokens.get(split).length) {
                throw new IllegalArgumentException(split + " slice of " + n + " tokens: must be in [2, "
                        + tokens.get(split).length + "]");
            }
            cut.put(split, Arrays.copyOf(tokens.get(split), n));
        }
        return new PtbCorpus(vocabulary, cut, checksum + "-slice-" + trainTokens + "-" + validTokens + "-" + testTokens);
    }

    /** sha256 of the token ids of the three splits and of the vocabulary's words, in order. */
    public String contentDigest() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Split split : Split.values()) {
            int[] ids = tokens.get(split);
            ByteBuffer buf = ByteBuffer.allocate(4 * (ids.length + 1));
            buf.putInt(ids.length);
            for (int id : ids) {
                buf.putInt(id);
            }
            md.update(buf.array());
        }
        for (String w : vocabulary.words()) {
            md.update(w.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Short identifier of the data, recorded in trial keys and results. */
    public String checksum() {
        return checksum;
    }
}
