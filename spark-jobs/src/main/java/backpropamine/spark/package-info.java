/**
 * The sweep service's driver and task: {@link backpropamine.spark.SweepRunner} schedules one Spark job per trial
 * and commits results, {@link backpropamine.spark.TrialTask} runs one trial through model-core's trainer. The
 * Spark session, the nightly lock. May import {@code sweep}, {@code results} and model-core; not {@code cli}.
 * All learning lives in model-core.
 */
package backpropamine.spark;
