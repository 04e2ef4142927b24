package backpropamine.spark;

import backpropamine.model.LanguageModel;
import backpropamine.train.Checkpoint;
import backpropamine.train.CheckpointStore;
import backpropamine.train.EpochResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A trial's per-epoch checkpoints through Hadoop's FileSystem API, so a checkpoint root on {@code hdfs://} works as
 * well as a local one: {@code <root>/<sweep id>/<trial key>/epoch-0003.ckpt}. Each epoch is written to a temporary
 * file and renamed to a new name (atomic on HDFS and local disk, never over an existing file); the previous epoch's
 * file is kept until the next one is complete, so a crash at any point leaves a readable checkpoint.
 */
final class HadoopCheckpoints implements CheckpointStore {
    private static final String PREFIX = "epoch-";
    private static final String SUFFIX = ".ckpt";
    /** A temp file untouched this long belongs to an attempt that died (a live one writes it within seconds). */
    static final long ABANDONED_TMP_MILLIS = 10 * 60 * 1000L;

    private final Path dir;
    private final Configuration conf;

    /** @param conf the Hadoop configuration Spark built (spark.hadoop.* settings: HA name services, credentials) */
    HadoopCheckpoints(String root, String sweepId, String trialKey, Configuration conf) {
        this.dir = dir(root, sweepId, trialKey);
        this.conf = conf;
    }

    static Path dir(String root, String sweepId, String trialKey) {
        return new Path(new Path(new Path(URI.create(root)), sweepId), trialKey);
    }

    private FileSystem fs() throws IOException {
        return dir.getFileSystem(conf);
    }

    /** Complete checkpoint files, newest first. */
    private List<FileStatus> complete(FileSystem fs) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus f : fs.listStatus(dir)) {
            String n = f.getPath().getName();
            if (n.startsWith(PREFIX) && n.endsWith(SUFFIX)) {
                out.add(f);
            }
        }
        out.sort(Comparator.comparing((FileStatus f) -> f.getPath().getName()).reversed());
        return out;
    }

    @Override
    public Checkpoint.State load() throws IOException {
        FileSystem fs = fs();
        IOException last = null;
        for (FileStatus f : complete(fs)) {
            try (InputStream in = fs.open(f.getPath())) {
                return Checkpoint.read(in, f.getPath().toString());
            } catch (IOException e) {
                last = e; // unreadable: fall back to the previous epoch's file
            }
        }
        if (last != null) {
            throw last;
        }
        return null;
    }

    @Override
    public void save(String fingerprint, List<EpochResult> epochs, LanguageModel model, Checkpoint.Extras extras)
            throws IOException {
        FileSystem fs = fs();
        fs.mkdirs(dir);
        String name = String.format("%s%04d%s", PREFIX, epochs.size(), SUFFIX);
        // a name of this attempt's own: a writer that died mid-file may still hold an HDFS lease on its temp file
        Path tmp = new Path(dir, "_" + name + "." + java.util.UUID.randomUUID() + ".tmp");
        try (OutputStream out = fs.create(tmp, false)) {
            Checkpoint.write(out, fingerprint, epochs, model, extras);
        }
        Path target = new Path(dir, name);
        fs.delete(target, false); // a retried attempt rewrites the epoch it redid
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
        List<FileStatus> files = complete(fs);
        for (int k = 2; k < files.size(); k++) { // keep this epoch's and the previous one
            fs.delete(files.get(k).getPath(), false);
        }
        // temp files of attempts that died while writing: only old ones, by the file system's own times (the
        // stamp of this attempt's file), since a young one may be another live attempt's (a second driver's)
        long now = fs.getFileStatus(target).getModificationTime();
        for (FileStatus f : fs.listStatus(dir)) {
            if (f.getPath().getName().startsWith("_") && now - f.getModificationTime() > ABANDONED_TMP_MILLIS) {
                fs.delete(f.getPath(), false);
            }
        }
    }

    /** The epochs of the newest complete checkpoint (its header only), or none. */
    List<EpochResult> epochs() throws IOException {
        FileSystem fs = fs();
        for (FileStatus f : complete(fs)) {
            try (InputStream in = fs.open(f.getPath())) {
                return Checkpoint.readEpochs(in, f.getPath().toString());
            } catch (IOException e) {
                // being replaced, or unreadable: try the previous one
            }
        }
        return List.of();
    }

    /** Deletes the trial's checkpoints. */
    void delete() throws IOException {
        fs().delete(dir, true);
    }

    /** Bytes of the newest checkpoint, or 0. */
    long size() throws IOException {
        List<FileStatus> files = complete(fs());
        return files.isEmpty() ? 0 : files.get(0).getLen();
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
