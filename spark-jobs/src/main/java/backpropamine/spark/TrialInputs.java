package backpropamine.spark;

import backpropamine.data.DataException;
import backpropamine.data.PtbCorpus;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;

/**
 * What every trial task needs besides its grid point, sent once per sweep run as Spark broadcasts: the corpus the
 * driver loaded (so executors need no copy of the data, nor its path) and the driver's Hadoop configuration (so
 * checkpoints on executors see the same {@code spark.hadoop.*} settings as the driver).
 */
final class TrialInputs implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Corpora that passed the digest check in this JVM, by broadcast id: an executor runs many trials on one. */
    private static final Map<Long, PtbCorpus> VERIFIED = new ConcurrentHashMap<>();

    private final Broadcast<PtbCorpus> corpus;
    private final String corpusDigest;
    private final Broadcast<SerializableConfiguration> hadoop;

    private TrialInputs(Broadcast<PtbCorpus> corpus, String corpusDigest, Broadcast<SerializableConfiguration> hadoop) {
        this.corpus = corpus;
        this.corpusDigest = corpusDigest;
        this.hadoop = hadoop;
    }

    static TrialInputs broadcast(SparkContext sc, PtbCorpus corpus, Configuration hadoop) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        return new TrialInputs(jsc.broadcast(corpus), corpus.contentDigest(),
                jsc.broadcast(new SerializableConfiguration(hadoop)));
    }

    /**
     * The corpus, checked once per JVM against the digest the driver computed.
     *
     * @throws DataException if what arrived differs (an error of the node: the task fails and is retried elsewhere)
     */
    PtbCorpus corpus() {
        return VERIFIED.computeIfAbsent(corpus.id(), id -> {
            PtbCorpus c = corpus.value();
            String digest = c.contentDigest();
            if (!digest.equals(corpusDigest)) {
                throw new DataException("the corpus received from the driver is damaged: sha256 of its tokens "
                        + digest + ", the driver sent " + corpusDigest);
            }
            return c;
        });
    }

    Configuration hadoop() {
        return hadoop.value().value();
    }

    /** Frees the broadcasts on the executors once the sweep run is over. */
    void destroy() {
        VERIFIED.remove(corpus.id());
        corpus.destroy();
        hadoop.destroy();
    }
}
