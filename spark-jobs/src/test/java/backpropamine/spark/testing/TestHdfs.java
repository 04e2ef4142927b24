package backpropamine.spark.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** An in-process HDFS (one name node, one data node) under a test's directory, for warehouses on hdfs://. */
public final class TestHdfs {
    private TestHdfs() {
    }

    /** Starts one with its blocks under {@code dir}/hdfs and waits until it serves. */
    public static MiniDFSCluster start(Path dir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        return hdfs;
    }

    /** {@code hdfs://localhost:port} of a running one. */
    public static String uri(MiniDFSCluster hdfs) {
        return "hdfs://localhost:" + hdfs.getNameNodePort();
    }
}
