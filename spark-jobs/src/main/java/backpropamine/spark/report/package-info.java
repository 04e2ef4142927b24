/**
 * From a grid to the paper's answer: the replication stage (best configurations x seeds), the statistics of
 * Table 1 (means, t-intervals, pairwise tests) and the HTML report. May import {@code results}, {@code sweep} and
 * model-core's {@code train} and {@code model}; the driver package runs its sweeps.
 */
package backpropamine.spark.report;
