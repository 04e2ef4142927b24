/**
 * The results tables (Iceberg): where they are ({@link backpropamine.spark.results.ResultsLocation}), their
 * schema, writes ({@link backpropamine.spark.results.ResultsStore}) and every read
 * ({@link backpropamine.spark.results.ResultsQueries}). May import model-core's {@code train} and {@code model};
 * nothing else of spark-jobs.
 */
package backpropamine.spark.results;
