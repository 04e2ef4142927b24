package backpropamine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.data.PtbCorpus;
import backpropamine.model.Kernels;
import backpropamine.model.LanguageModel;
import backpropamine.model.ModelKind;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterVector;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The checkpoint format: BPM3 round trips in the vectors' precision, and files of the older formats still resume. */
class CheckpointTest {
    private static final List<EpochResult> EPOCHS = List.of(new EpochResult(1, 1.0, 300.5, 250.25, 1234.0, 9.5),
            new EpochResult(2, 0.5, 200.5, 180.125, 1300.0, 9.25));

    private static LanguageModel model(Precision p) {
        return LanguageModels.create(new ModelShape(Variant.RETRO, 40, 7, 2), p, Kernels.FUSED, 1.0, 5, 0.3);
    }

    private static byte[] bytes(IoWriter w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(out);
        return out.toByteArray();
    }

    private interface IoWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Parameters and extra vectors keep their precision (4 bytes a value in float) and come back exactly. */
    @Test
    void bpm3KeepsEveryValueInItsPrecision() throws IOException {
        for (Precision p : Precision.values()) {
            LanguageModel m = model(p);
            ParameterVector average = m.parameters().copy();
            average.scale(0, average.length(), 1.0 / 3);
            Checkpoint.Extras extras = new Checkpoint.Extras(Map.of("average", average),
                    Map.of("average.steps", new double[] {17}, "best.valid", new double[] {Math.PI}));
            byte[] file = bytes(out -> Checkpoint.write(out, "fp", EPOCHS, m, extras));
            Checkpoint.State s = Checkpoint.read(new ByteArrayInputStream(file), "test");
            assertEquals("fp", s.fingerprint());
            assertEquals(EPOCHS, s.epochs());
            assertArrayEquals(m.parameters().toDoubleArray(), s.parameters(), p.name());
            assertArrayEquals(average.toDoubleArray(), s.extras().get("average"), p.name());
            assertArrayEquals(new double[] {17}, s.extras().get("average.steps"));
            assertArrayEquals(new double[] {Math.PI}, s.extras().get("best.valid"));
            assertEquals(3, s.extras().size());
            long values = 2 * m.parameters().length();
            int width = p == Precision.FLOAT ? Float.BYTES : Double.BYTES;
            assertTrue(file.length > width * values && file.length < width * values + 300, file.length + " bytes");
            assertEquals(EPOCHS, Checkpoint.readEpochs(new ByteArrayInputStream(file), "test"));

            LanguageModel other = model(p);
            other.parameters().scale(0, other.parameters().length(), 2);
            other.parameters().set(s.parameters());
            assertArrayEquals(m.parameters().toDoubleArray(), other.parameters().toDoubleArray());
        }
    }

    @Test
    void aTruncatedOrForeignFileIsRefused() throws IOException {
        LanguageModel m = model(Precision.FLOAT);
        byte[] file = bytes(out -> Checkpoint.write(out, "fp", EPOCHS, m, Checkpoint.Extras.NONE));
        byte[] cut = Arrays.copyOf(file, file.length - 5);
        assertThrows(IOException.class, () -> Checkpoint.read(new ByteArrayInputStream(cut), "cut"));
        byte[] foreign = "PK\u0003\u0004 not a checkpoint".getBytes();
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(new ByteArrayInputStream(foreign), "zip"));
        assertTrue(e.getMessage().contains("not a trial checkpoint"), e.getMessage());
    }

    /** Files written by the code before BPM3 (ND4J serialisation) read to the same values. */
    @Test
    void bpm1AndBpm2FilesOfTheOldWriterAreStillRead() throws IOException {
        LanguageModel m = model(Precision.FLOAT);
        INDArray theta = Nd4jVector.array(m.parameters());
        INDArray average = theta.mul(0.5);
        Map<String, INDArray> extras = new LinkedHashMap<>();
        extras.put("average", average);
        extras.put("average.steps", Nd4j.scalar(12.0));
        extras.put("best", theta.mul(0.25));
        extras.put("best.valid", Nd4j.scalar(123.5));
        byte[] v2 = bytes(out -> LegacyCheckpointWriter.writeBpm2(out, "fp2", EPOCHS, theta, extras));
        Checkpoint.State s = Checkpoint.read(new ByteArrayInputStream(v2), "v2");
        assertEquals("fp2", s.fingerprint());
        assertEquals(EPOCHS, s.epochs());
        assertArrayEquals(theta.toDoubleVector(), s.parameters());
        assertArrayEquals(average.toDoubleVector(), s.extras().get("average"));
        assertArrayEquals(new double[] {12.0}, s.extras().get("average.steps"));
        assertArrayEquals(theta.mul(0.25).toDoubleVector(), s.extras().get("best"));
        assertArrayEquals(new double[] {123.5}, s.extras().get("best.valid"));
        assertEquals(EPOCHS, Checkpoint.readEpochs(new ByteArrayInputStream(v2), "v2"));

        byte[] v1 = bytes(out -> LegacyCheckpointWriter.writeBpm1(out, "fp1", EPOCHS, theta));
        Checkpoint.State s1 = Checkpoint.read(new ByteArrayInputStream(v1), "v1");
        assertEquals("fp1", s1.fingerprint());
        assertArrayEquals(theta.toDoubleVector(), s1.parameters());
        assertEquals(Map.of(), s1.extras());
    }

    /**
     * A large trial (averaging under way, best model kept) interrupted after epoch 2 whose checkpoint is in the old
     * format BPM2, as the code before BPM3 wrote it, resumes to the uninterrupted trial's figures exactly.
     */
    @Test
    void aLargeTrialResumesFromABpm2Checkpoint(@TempDir Path tmp) throws IOException {
        PtbCorpus corpus = TestData.corpus().slice(2000, 400, 150);
        Trainer trainer = new Trainer(corpus, Kernels.FUSED);
        TrialConfig c = TrialConfig.builder(Variant.SIMPLE).model(ModelKind.LARGE).hidden(12).epochs(3).asgdStart(2)
                .batch(2).bptt(10).maxBatches(4).validBatch(2).testBatch(1).precision(Precision.FLOAT).seed(3).build();
        TrialResult straight = trainer.run(c, TrialListener.NONE, new Cancellation(), null);
        assertEquals(TrialStatus.COMPLETED, straight.status(), straight.message());

        Interruptions.stopAfterEpoch(trainer, c, 2, tmp);
        Checkpoint.State bpm3 = Checkpoint.load(tmp);
        assertTrue(bpm3.extras().keySet().containsAll(List.of("average", "average.steps", "best", "best.valid")),
                bpm3.extras().keySet().toString());
        Map<String, INDArray> extras = new LinkedHashMap<>();
        extras.put("average", floats(bpm3.extras().get("average")));
        extras.put("average.steps", Nd4j.scalar(bpm3.extras().get("average.steps")[0]));
        extras.put("best", floats(bpm3.extras().get("best")));
        extras.put("best.valid", Nd4j.scalar(bpm3.extras().get("best.valid")[0]));
        Path file = tmp.resolve(Checkpoint.FILE);
        try (OutputStream out = Files.newOutputStream(file)) {
            LegacyCheckpointWriter.writeBpm2(out, bpm3.fingerprint(), bpm3.epochs(), floats(bpm3.parameters()), extras);
        }
        byte[] head = Arrays.copyOf(Files.readAllBytes(file), 4);
        assertEquals("BPM2", new String(head, java.nio.charset.StandardCharsets.US_ASCII));

        TrialResult resumed = trainer.run(c, TrialListener.NONE, new Cancellation(), CheckpointStore.directory(tmp));
        assertEquals(2, resumed.resumedFromEpoch());
        assertEquals(TrialFigures.of(straight), TrialFigures.of(resumed));
    }

    private static INDArray floats(double[] values) {
        return Nd4j.createFromArray(values).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }
}
