/**
 * Sweep files and their grids: parsing and checking, expansion into trial configurations, trial keys. May import
 * model-core's {@code model} and {@code train}, and {@code results} (where a sweep's results go).
 */
package backpropamine.spark.sweep;
