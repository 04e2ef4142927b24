package backpropamine.spark;

import backpropamine.spark.results.TrialOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The sweep driver's durable record of finished trials not yet committed: each outcome is written here
 * ({@code <root>/<sweep id>/_journal/<trial key>.outcome}, through Hadoop's FileSystem API) as it arrives, and
 * deleted once its row is in the table. A run that finds entries commits them before scheduling anything, so a
 * result is never lost to commits that failed for a while or to a driver that died before committing.
 */
final class Journal {
    /**
     * What an entry may hold: the outcome, its settings and epochs, and plain Java values. Anyone who can write the
     * checkpoint directory can write an entry; without this filter, deserialising it could run code as the sweep's
     * user (a gadget chain of some class on the class path).
     */
    static final ObjectInputFilter OUTCOMES_ONLY = ObjectInputFilter.Config.createFilter(
            "maxdepth=20;maxrefs=100000;maxbytes=10000000;maxarray=100000;"
                    + "backpropamine.spark.results.TrialOutcome;backpropamine.spark.results.TrialOutcome$Attempt;"
                    + "backpropamine.train.*;backpropamine.model.*;java.lang.*;java.util.*;java.sql.Timestamp;!*");

    private final Path dir;
    private final Configuration conf;

    /** @param conf the Hadoop configuration Spark built (spark.hadoop.* settings included) */
    Journal(String root, String sweepId, Configuration conf) {
        this.dir = new Path(new Path(new Path(URI.create(root)), sweepId), "_journal");
        this.conf = conf;
    }

    private FileSystem fs() throws IOException {
        return dir.getFileSystem(conf);
    }

    /**
     * Records an outcome, never as a half entry: on a file system written to a temporary name, then renamed; on an
     * object store (no atomic rename there: a rename is a copy) written in place, since an object appears whole
     * when its upload completes.
     */
    void write(TrialOutcome o) throws IOException {
        FileSystem fs = fs();
        fs.mkdirs(dir);
        if (backpropamine.spark.results.ResultsLocation.onObjectStore(dir.toUri().toString())) {
            try (OutputStream raw = fs.create(new Path(dir, o.trialKey() + ".outcome"), true);
                 ObjectOutputStream out = new ObjectOutputStream(raw)) {
                out.writeObject(o);
            }
            return;
        }
        Path tmp = new Path(dir, "_" + o.trialKey() + "." + java.util.UUID.randomUUID());
        try (OutputStream raw = fs.create(tmp, false); ObjectOutputStream out = new ObjectOutputStream(raw)) {
            out.writeObject(o);
        }
        Path target = new Path(dir, o.trialKey() + ".outcome");
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    /** The outcomes recorded and not yet committed (unreadable entries are skipped and left for inspection). */
    List<TrialOutcome> read() throws IOException {
        FileSystem fs = fs();
        List<TrialOutcome> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus f : fs.listStatus(dir)) {
            if (!f.getPath().getName().endsWith(".outcome")) {
                continue;
            }
            try (InputStream raw = fs.open(f.getPath()); ObjectInputStream in = new ObjectInputStream(raw)) {
                in.setObjectInputFilter(OUTCOMES_ONLY);
                out.add((TrialOutcome) in.readObject());
            } catch (IOException | ClassNotFoundException | ClassCastException e) {
                // written by another version of the code, or refused by the filter: its trial simply runs again
            }
        }
        return out;
    }

    /** Forgets committed outcomes. */
    void remove(List<TrialOutcome> committed) throws IOException {
        FileSystem fs = fs();
        for (TrialOutcome o : committed) {
            fs.delete(new Path(dir, o.trialKey() + ".outcome"), false);
        }
    }
}
