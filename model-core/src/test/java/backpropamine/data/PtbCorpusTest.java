package backpropamine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.data.PtbFiles.Split;
import backpropamine.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtbCorpusTest {
    @Test
    void tokenCountsAndVocabularyMatchThePaper() {
        PtbCorpus c = TestData.corpus();
        assertEquals(10_000, c.vocabulary().size());
        assertEquals(929_589, c.tokens(Split.TRAIN).length);
        assertEquals(73_760, c.tokens(Split.VALID).length);
        assertEquals(82_430, c.tokens(Split.TEST).length);
        int eos = c.vocabulary().id(Vocabulary.EOS);
        int[] train = c.tokens(Split.TRAIN);
        assertEquals(eos, train[train.length - 1]);
        assertEquals(42_068, java.util.Arrays.stream(train).filter(t -> t == eos).count(), "one <eos> per line");
    }

    @Test
    void plainTextAndGzipAreBothAccepted(@TempDir Path dir) throws IOException {
        for (Split s : Split.values()) {
            Path src = PtbFiles.find(TestData.dir(), s);
            if (s == Split.VALID) {
                try (InputStream in = PtbFiles.open(src)) {
                    Files.copy(in, dir.resolve(s.fileName)); // uncompressed
                }
            } else {
                Files.copy(src, dir.resolve(src.getFileName()));
            }
        }
        assertEquals(73_760, PtbCorpus.load(dir).tokens(Split.VALID).length);
    }

    @Test
    void corruptFileIsRefusedNamingFileAndHashes(@TempDir Path dir) throws IOException {
        for (Split s : Split.values()) {
            Path src = PtbFiles.find(TestData.dir(), s);
            Files.copy(src, dir.resolve(src.getFileName()));
        }
        Path valid = dir.resolve("ptb.valid.txt.gz");
        byte[] text;
        try (InputStream in = PtbFiles.open(valid)) {
            text = in.readAllBytes();
        }
        text[100] = (byte) (text[100] == 'a' ? 'b' : 'a');
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(valid))) {
            out.write(text);
        }
        DataException e = assertThrows(DataException.class, () -> PtbCorpus.load(dir));
        assertTrue(e.getMessage().contains("ptb.valid.txt.gz"), e.getMessage());
        assertTrue(e.getMessage().contains(Split.VALID.sha256), e.getMessage());
        assertTrue(e.getMessage().contains("bin/bpm data fetch"), e.getMessage());
    }

    @Test
    void missingDataSaysWhereToPutIt(@TempDir Path dir) {
        DataException e = assertThrows(DataException.class, () -> PtbCorpus.load(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("ptb.train.txt") && e.getMessage().contains("BPM_DATA"), e.getMessage());
    }

    @Test
    void fetchFailsOfflineWithAClearMessage(@TempDir Path dir) {
        DataException e = assertThrows(DataException.class, () -> PtbFetcher.fetch(dir, "http://127.0.0.1:9/"));
        assertTrue(e.getMessage().contains("copy ptb.train.txt"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("ptb.train.txt.part")), "no partial file left behind");
    }
}
