package backpropamine.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import backpropamine.model.Variant;
import backpropamine.spark.results.TrialOutcome;
import backpropamine.train.EpochResult;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialResult;
import backpropamine.train.TrialStatus;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal reads back what the runner wrote, and nothing else: entries are deserialised through a filter. */
class JournalTest {
    /** A class an attacker might plant: deserialising it runs its readObject. */
    static final class Planted implements Serializable {
        static volatile boolean ran;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            ran = true;
        }
    }

    @TempDir
    Path tmp;

    @Test
    void outcomesRoundTripAndForeignObjectsAreNeverDeserialised() throws Exception {
        Journal journal = new Journal(tmp.toUri().toString(), "s", new org.apache.hadoop.conf.Configuration());
        TrialConfig config = TrialConfig.builder(Variant.RETRO).epochs(2).build();
        List<EpochResult> epochs = List.of(new EpochResult(1, 1, 300, 250, 1000, 1), new EpochResult(2, 1, 200, 150, 1000, 1));
        TrialResult r = new TrialResult(config, TrialStatus.COMPLETED, "ok", 200, 123, epochs, 150, 150, 160, 1000, 2, 0);
        Timestamp t = new Timestamp(1_700_000_000_000L);
        TrialOutcome o = TrialOutcome.trained("s", "k1", r, new TrialOutcome.Attempt("h", null, t, t, 1), "v");
        journal.write(o);

        Path planted = tmp.resolve("s/_journal/k2.outcome");
        try (OutputStream raw = Files.newOutputStream(planted); ObjectOutputStream out = new ObjectOutputStream(raw)) {
            out.writeObject(new Planted());
        }
        Path nested = tmp.resolve("s/_journal/k3.outcome"); // an allowed container around a foreign object
        try (OutputStream raw = Files.newOutputStream(nested); ObjectOutputStream out = new ObjectOutputStream(raw)) {
            out.writeObject(new java.util.ArrayList<>(List.of(new Planted())));
        }

        List<TrialOutcome> read = journal.read();
        assertEquals(List.of(o), read, "the outcome with its settings, epochs and times comes back whole");
        assertFalse(Planted.ran, "a planted object is refused before any of its code runs");
    }
}
