/**
 * {@code bin/bpm}'s commands of the sweep service: sweep, nightly, sql, status, on top of model-core's. The top
 * layer: it may import everything; nothing imports it. SQL on results goes through {@code results}.
 */
package backpropamine.spark.cli;
