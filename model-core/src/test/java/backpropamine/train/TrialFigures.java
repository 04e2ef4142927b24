package backpropamine.train;

import java.util.ArrayList;
import java.util.List;

/** The perplexities a trial reports, in order (train and valid per epoch, then test), for comparing two runs. */
final class TrialFigures {
    private TrialFigures() {
    }

    static List<Double> of(TrialResult r) {
        List<Double> f = new ArrayList<>();
        for (EpochResult e : r.epochs()) {
            f.add(e.trainPerplexity());
            f.add(e.validPerplexity());
        }
        f.add(r.testPerplexity());
        return f;
    }
}
