package backpropamine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A language model that is a stack of LSTM layers, each carrying its state (h, c, Hebb, E) per batch size from one
 * segment to the next: the model's state is its layers', and it keeps the phase timings. What the fused kernels
 * ({@code nn}), the ND4J-ops path ({@code ops}) and the CUDA kernels ({@code cuda}) share.
 *
 * @param <L> the implementation's layer
 */
public abstract class LayeredModel<L extends LayeredModel.StatefulLayer> implements LanguageModel {
    /** One layer's carried state, per batch size. */
    public interface StatefulLayer {
        /** The batch sizes this layer has carried state for. */
        Set<Integer> batchSizes();

        /** Zeroes h, c and the traces carried at one batch size. */
        void resetState(int batch);

        /** h, c and the traces carried into the next segment at this batch size, dense (see {@link LayerState}). */
        LayerState state(int batch);
    }

    /** Bottom first. */
    protected final List<L> layers = new ArrayList<>();
    /** Nanoseconds spent per {@link Phase}, added to by the segments. */
    protected final long[] phaseNanos = new long[Phase.values().length];

    @Override
    public long[] phaseNanos() {
        return phaseNanos.clone();
    }

    @Override
    public void resetState() {
        for (L l : layers) {
            for (int batch : List.copyOf(l.batchSizes())) {
                l.resetState(batch);
            }
        }
    }

    @Override
    public void resetState(int batch) {
        layers.forEach(l -> l.resetState(batch));
    }

    @Override
    public List<LayerState> state(int batch) {
        return layers.stream().map(l -> l.state(batch)).toList();
    }
}
