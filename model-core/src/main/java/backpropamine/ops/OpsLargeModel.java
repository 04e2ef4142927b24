package backpropamine.ops;

import backpropamine.model.DropoutMasks;
import backpropamine.model.LargeLayout;
import backpropamine.model.LargeShape;
import backpropamine.model.Phase;
import backpropamine.model.Precision;
import backpropamine.model.Regularization;
import backpropamine.model.Variant;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The large model of appendix A.3 in ND4J tensor ops only (any backend, CUDA included): the same equations,
 * parameter layout, initialisation and dropout masks as {@code backpropamine.nn.LargeLstmModel}, which it matches to
 * rounding (OpsLargeModelTest). Every step's traces are kept (no recomputation: a GPU holds the 3 GB per layer that
 * a segment of 80 steps needs, and this path is for GPUs).
 *
 * <pre>
 *   x = E[token] * word mask * input mask ;  layers with masks between them ;  y = top output * output mask
 *   z = y E^T + b ;  objective = mean CE over the segment's tokens + AR(y) + TAR(top output)
 * </pre>
 */
public final class OpsLargeModel extends OpsStack {
    private final LargeShape shape;
    private final Regularization reg;
    private final INDArray embedding;
    private final INDArray dEmbedding;
    private final INDArray decoderBias;
    private final INDArray dDecoderBias;
    private SplittableRandom rng;
    private boolean masksFrozen;
    // the masks of the current segment: per word, then per sequence [B, width]
    private double[] wordMask;
    private double[] inputMask;
    private final double[][] hiddenMasks = new double[LargeShape.LAYERS - 1][];
    private double[] outputMask;

    public OpsLargeModel(LargeShape shape, Regularization reg, Precision precision, double clip, long seed,
                         double initScale) {
        this(shape, LargeLayout.of(shape), reg, precision, clip, seed, initScale);
    }

    private OpsLargeModel(LargeShape shape, LargeLayout layout, Regularization reg, Precision precision, double clip,
                          long seed, double initScale) {
        super(layout.params, precision, layout.initialValues(seed, initScale), shape.vocab());
        this.shape = shape;
        this.reg = reg;
        embedding = params.value(layout.embedding);
        dEmbedding = params.gradient(layout.embedding);
        decoderBias = params.value(layout.decoderBias);
        dDecoderBias = params.gradient(layout.decoderBias);
        for (LargeLayout.Layer l : layout.layers) {
            OpsHebbianTrace trace = l.alpha() == null ? null : new OpsHebbianTrace(Variant.SIMPLE, params, l.alpha(),
                    l.u(), l.fanBias(), l.modulatorV(), l.modulatorB(), null, clip);
            layers.add(new OpsLstmLayer(params, l.wx(), l.wh(), l.biasIh(), l.biasHh(), trace));
        }
        rng = new SplittableRandom(seed);
    }

    @Override
    public void reseed(long seed) {
        rng = new SplittableRandom(seed);
    }

    /** Draws one set of masks and keeps it for every later training segment (gradient checks). */
    public void freezeMasks(int batch) {
        drawMasks(batch);
        masksFrozen = true;
    }

    /** In the order of {@code nn.LargeLstmModel}, so both draw the same masks from the same seed. */
    private void drawMasks(int batch) {
        wordMask = DropoutMasks.words(rng, shape.vocab(), reg.embedding());
        inputMask = DropoutMasks.sequences(rng, batch, shape.embedding(), reg.input());
        for (int l = 0; l < hiddenMasks.length; l++) {
            hiddenMasks[l] = DropoutMasks.sequences(rng, batch, shape.width(l), reg.hidden());
        }
        outputMask = DropoutMasks.sequences(rng, batch, shape.embedding(), reg.output());
    }

    /**
     * The segment's masks repeated over its T steps ([T*B, width], time-major), made once per segment and used by
     * the forward and the backward pass.
     */
    private record StepMasks(INDArray words, INDArray input, INDArray[] hidden, INDArray output) {
    }

    private StepMasks stepMasks(int[] inputs, int batch, int steps) {
        INDArray[] hidden = new INDArray[hiddenMasks.length];
        for (int l = 0; l < hidden.length; l++) {
            hidden[l] = overSteps(hiddenMasks[l], batch, steps);
        }
        return new StepMasks(wordScale(inputs), overSteps(inputMask, batch, steps), hidden,
                overSteps(outputMask, batch, steps));
    }

    /** A [B, width] mask repeated over the T steps: [T*B, width], time-major. */
    private INDArray overSteps(double[] mask, int batch, int steps) {
        INDArray m = Nd4j.createFromArray(mask).castTo(params.dtype).reshape(batch, mask.length / batch);
        return Nd4j.tile(m, steps, 1);
    }

    /** The word mask's value of each input token, [T*B, 1]. */
    private INDArray wordScale(int[] inputs) {
        double[] s = new double[inputs.length];
        for (int r = 0; r < s.length; r++) {
            s[r] = wordMask[inputs[r]];
        }
        return Nd4j.createFromArray(s).castTo(params.dtype).reshape(s.length, 1);
    }

    /**
     * The forward pass of a segment, under {@code masks} when training (null: evaluation, no dropout). Returns
     * {inputs of each layer, raw top output, y}.
     */
    private INDArray[] forward(int[] inputs, int batch, int steps, StepMasks masks) {
        INDArray[] out = new INDArray[LargeShape.LAYERS + 2];
        INDArray x = Nd4j.pullRows(embedding, 1, inputs);
        if (masks != null) {
            x.muliColumnVector(masks.words()).muli(masks.input());
        }
        for (int l = 0; l < LargeShape.LAYERS; l++) {
            out[l] = x;
            INDArray raw = layers.get(l).forward(x, batch, steps);
            if (l + 1 < LargeShape.LAYERS) {
                x = masks != null ? raw.mul(masks.hidden()[l]) : raw;
            } else {
                out[LargeShape.LAYERS] = raw;
                out[LargeShape.LAYERS + 1] = masks != null ? raw.mul(masks.output()) : raw;
            }
        }
        return out;
    }

    @Override
    public double trainSegment(int[] inputsBuffer, int[] targetsBuffer, int batch, int steps) {
        int[] inputs = segment(inputsBuffer, batch, steps);
        int[] targets = segment(targetsBuffer, batch, steps);
        if (!masksFrozen) {
            drawMasks(batch);
        }
        long t0 = System.nanoTime();
        StepMasks masks = stepMasks(inputs, batch, steps);
        INDArray[] f = forward(inputs, batch, steps, masks);
        INDArray raw = f[LargeShape.LAYERS];
        INDArray y = f[LargeShape.LAYERS + 1];
        long t1 = System.nanoTime();
        params.grad.assign(0);
        INDArray[] logits = logits(y, embedding, true, decoderBias);
        INDArray oneHot = oneHot(targets);
        double loss = crossEntropy(logits, oneHot);
        int rows = batch * steps;
        INDArray dz = logits[1].diviColumnVector(logits[2]).subi(oneHot).muli(1.0 / rows); // mean CE
        Nd4j.gemm(dz, y, dEmbedding, true, false, 1.0, 1.0); // tied: the softmax's weight is the embedding
        dDecoderBias.addi(dz.sum(true, 0));
        INDArray dy = Nd4j.gemm(dz, embedding, false, false);
        closeAll(logits[0], logits[1], oneHot, dz);
        dy.addi(y.mul(2 * reg.ar() / ((double) rows * shape.embedding()))); // AR
        INDArray d = dy.muli(masks.output());
        if (steps > 1) { // TAR on the raw top output
            long b = batch;
            INDArray diff = raw.get(NDArrayIndex.interval(b, rows), NDArrayIndex.all())
                    .sub(raw.get(NDArrayIndex.interval(0, rows - b), NDArrayIndex.all()))
                    .muli(2 * reg.tar() / ((double) (steps - 1) * batch * shape.embedding()));
            d.get(NDArrayIndex.interval(b, rows), NDArrayIndex.all()).addi(diff);
            d.get(NDArrayIndex.interval(0, rows - b), NDArrayIndex.all()).subi(diff);
        }
        long t2 = System.nanoTime();
        for (int l = LargeShape.LAYERS - 1; l >= 0; l--) {
            d = layers.get(l).backward(f[l], d);
            d.muli(l > 0 ? masks.hidden()[l - 1] : masks.input());
        }
        d.muliColumnVector(masks.words());
        try (INDArray inputsOneHot = oneHot(inputs)) {
            Nd4j.gemm(inputsOneHot, d, dEmbedding, true, false, 1.0, 1.0);
        }
        long t3 = System.nanoTime();
        phaseNanos[Phase.FORWARD.ordinal()] += t1 - t0;
        phaseNanos[Phase.SOFTMAX.ordinal()] += t2 - t1;
        phaseNanos[Phase.BACKWARD.ordinal()] += t3 - t2;
        return loss;
    }

    /** The training objective under the current (frozen) masks, forward only (gradient checks and comparisons). */
    public double objective(int[] inputsBuffer, int[] targetsBuffer, int batch, int steps) {
        int[] inputs = segment(inputsBuffer, batch, steps);
        int[] targets = segment(targetsBuffer, batch, steps);
        INDArray[] f = forward(inputs, batch, steps, stepMasks(inputs, batch, steps));
        INDArray raw = f[LargeShape.LAYERS];
        INDArray y = f[LargeShape.LAYERS + 1];
        INDArray[] logits = logits(y, embedding, true, decoderBias);
        INDArray oneHot = oneHot(targets);
        double ce = crossEntropy(logits, oneHot) / (batch * steps);
        closeAll(logits[0], logits[1], oneHot);
        double ar = reg.ar() * y.mul(y).meanNumber().doubleValue();
        double tar = 0;
        if (steps > 1) {
            long rows = (long) batch * steps;
            INDArray diff = raw.get(NDArrayIndex.interval(batch, rows), NDArrayIndex.all())
                    .sub(raw.get(NDArrayIndex.interval(0, rows - batch), NDArrayIndex.all()));
            tar = reg.tar() * diff.muli(diff).meanNumber().doubleValue();
        }
        return ce + ar + tar;
    }

    @Override
    public double evaluateSegment(int[] inputsBuffer, int[] targetsBuffer, int batch, int steps) {
        int[] inputs = segment(inputsBuffer, batch, steps);
        int[] targets = segment(targetsBuffer, batch, steps);
        INDArray[] logits = logits(forward(inputs, batch, steps, null)[LargeShape.LAYERS + 1], embedding, true, decoderBias);
        INDArray oneHot = oneHot(targets);
        double loss = crossEntropy(logits, oneHot);
        closeAll(logits[0], logits[1], oneHot);
        return loss;
    }

    @Override
    public LargeShape shape() {
        return shape;
    }
}
