package backpropamine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import backpropamine.model.LanguageModel;
import backpropamine.nd4j.Nd4jVector;
import backpropamine.train.LanguageModels;
import backpropamine.model.ModelShape;
import backpropamine.model.ParameterLayout.Entry;
import backpropamine.model.Precision;
import backpropamine.model.Variant;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The LSTM variant's forward pass against an independent implementation: Deeplearning4j's LSTM layer with the
 * same weights, over two segments with state carried between them. DL4J orders its gate blocks [g, f, o, i]
 * (cell input first, input gate last); ours are [i, f, o, g].
 */
class Dl4jLstmComparisonTest {
    static final int V = 17;
    static final int N = 6;
    static final int B = 3;
    static final int T = 5;

    @Test
    void lossEqualsDl4jWithIdenticalWeights() {
        ModelShape shape = new ModelShape(Variant.LSTM, V, N, 2);
        LanguageModel ours = LanguageModels.create(shape, Precision.DOUBLE, 1.0, 11, 0.5);
        INDArray theta = Nd4jVector.array(ours.parameters());
        // non-zero biases so that their placement is checked too
        Random rnd = new Random(5);
        for (String layer : new String[] {"layer0.b", "layer1.b", "softmax.b"}) {
            Entry e = ours.layout().get(layer);
            for (long k = 0; k < e.length(); k++) {
                theta.putScalar(e.offset() + k, rnd.nextGaussian() * 0.3);
            }
        }

        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new LSTM.Builder().nIn(N).nOut(N).activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID).build())
                .layer(new LSTM.Builder().nIn(N).nOut(N).activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        for (int l = 0; l < 2; l++) {
            net.getLayer(l).setParam("W", dl4jGates(ours, "layer" + l + ".W_x"));
            net.getLayer(l).setParam("RW", dl4jGates(ours, "layer" + l + ".W_h"));
            net.getLayer(l).setParam("b", dl4jGates(ours, "layer" + l + ".b").reshape(1, 4 * N));
        }
        INDArray emb = slice(ours, "embedding");
        INDArray ws = slice(ours, "softmax.W");
        INDArray bs = slice(ours, "softmax.b");

        ours.resetState();
        net.rnnClearPreviousState();
        for (int segment = 0; segment < 2; segment++) {
            int[] in = new int[B * T];
            int[] out = new int[B * T];
            for (int k = 0; k < in.length; k++) {
                in[k] = rnd.nextInt(V);
                out[k] = rnd.nextInt(V);
            }
            double oursLoss = ours.evaluateSegment(in, out, B, T);

            INDArray x = Nd4j.create(DataType.DOUBLE, B, N, T);
            for (int t = 0; t < T; t++) {
                for (int b = 0; b < B; b++) {
                    x.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(t)).assign(emb.getRow(in[t * B + b]));
                }
            }
            INDArray h = net.rnnTimeStep(x); // [B, N, T], state kept for the next segment
            double dl4jLoss = 0;
            for (int t = 0; t < T; t++) {
                for (int b = 0; b < B; b++) {
                    INDArray z = h.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(t))
                            .reshape(1, N).mmul(ws).addRowVector(bs);
                    double max = z.maxNumber().doubleValue();
                    double lse = max + Math.log(Transforms.exp(z.sub(max), false).sumNumber().doubleValue());
                    dl4jLoss += lse - z.getDouble(out[t * B + b]);
                }
            }
            assertEquals(dl4jLoss, oursLoss, 1e-9 * Math.abs(dl4jLoss), "segment " + segment);
        }
    }

    private static INDArray slice(LanguageModel m, String name) {
        Entry e = m.layout().get(name);
        return Nd4jVector.array(m.parameters()).get(NDArrayIndex.interval(e.offset(), e.offset() + e.length())).dup().reshape(e.rows(), e.cols());
    }

    /** Our gate blocks [i, f, o, g] (columns of a [rows, 4N] matrix, or rows of the [4, N] bias) as DL4J's [g, f, o, i]. */
    private static INDArray dl4jGates(LanguageModel m, String name) {
        INDArray ours = slice(m, name);
        if (name.endsWith(".b")) {
            ours = ours.reshape(1, 4 * N);
        }
        INDArray d = Nd4j.create(DataType.DOUBLE, ours.rows(), 4 * N);
        int[] from = {3, 1, 2, 0}; // DL4J block k comes from our block from[k]
        for (int k = 0; k < 4; k++) {
            d.get(NDArrayIndex.all(), NDArrayIndex.interval(k * N, (k + 1) * N))
                    .assign(ours.get(NDArrayIndex.all(), NDArrayIndex.interval(from[k] * N, (from[k] + 1) * N)));
        }
        return d;
    }
}
