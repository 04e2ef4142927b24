package backpropamine.spark;

import java.io.IOException;
import java.net.URI;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The time of a file system (the HDFS NameNode, the object store, the NFS server, the local kernel): the modification
 * time it gives a file it has just created. Drivers on different hosts compare times of the same clock this way, so
 * a lease does not depend on their own clocks agreeing.
 */
public final class FileSystemClock {
    private final Path dir;
    private final Configuration conf;

    /** @param dir where probe files are created (and deleted at once); any Hadoop URI */
    public FileSystemClock(String dir, Configuration conf) {
        this.dir = new Path(URI.create(dir));
        this.conf = conf;
    }

    /** Milliseconds since the epoch, as the file system stamps a new file. */
    long now() throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        Path probe = new Path(dir, "_clock-" + UUID.randomUUID());
        fs.create(probe, false).close();
        try {
            return fs.getFileStatus(probe).getModificationTime();
        } finally {
            fs.delete(probe, false);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
