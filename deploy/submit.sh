#!/usr/bin/env bash
# Submit a sweep to a Spark cluster with spark-submit.
#
#   deploy/submit.sh --master spark://host:7077 conf/sweeps/paper-basic.yaml [--sweep-id ID] [bpm sweep options]
#   deploy/submit.sh --master yarn --deploy-mode cluster conf/sweeps/paper-basic.yaml
#   deploy/submit.sh --master k8s://https://api:6443 --deploy-mode cluster --conf spark.kubernetes.container.image=... FILE
#   deploy/submit.sh --cluster-conf deploy/yarn.conf conf/sweeps/paper-basic.yaml
#
# --cluster-conf FILE adds a cluster's settings (deploy/standalone.conf, deploy/yarn.conf) on top of the defaults.
# BPM_COMMAND=nightly runs 'bpm nightly' instead of 'bpm sweep' (deploy/nightly.sh does).
#
# Reads conf/spark-defaults.conf (or $BPM_SPARK_CONF). Options before the sweep file go to spark-submit, the
# sweep file and what follows go to 'bpm sweep'. Needs spark-submit on the PATH (or $SPARK_HOME) and the
# application jar spark-jobs/target/spark-jobs-*-app.jar (built here if missing: mvn -DskipTests package).
# In cluster deploy mode the sweep file is shipped with --files and read from the driver's working directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUBMIT="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
command -v "$SUBMIT" >/dev/null 2>&1 || { echo "submit.sh: spark-submit not found; install Spark 3.5 or set SPARK_HOME" >&2; exit 1; }

spark_args=()
while [ $# -gt 0 ] && [[ "$1" == -* ]]; do
  case "$1" in
    --cluster-conf)
      [ -f "$2" ] || { echo "submit.sh: cluster conf $2 not found" >&2; exit 2; }
      while read -r key value; do
        [ -z "$key" ] || [[ "$key" == \#* ]] || spark_args+=(--conf "$key=$value")
      done < "$2"
      shift 2 ;;
    --master|--deploy-mode|--conf|--name|--queue|--num-executors|--executor-cores|--executor-memory|--driver-memory|--files|--jars|--properties-file)
      spark_args+=("$1" "$2"); shift 2 ;;
    *) spark_args+=("$1"); shift ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: deploy/submit.sh [spark-submit options] SWEEP_FILE [bpm sweep options]" >&2; exit 2; }
sweep="$1"; shift
[ -f "$sweep" ] || { echo "submit.sh: sweep file $sweep not found" >&2; exit 2; }

jar=$(ls "$ROOT"/spark-jobs/target/spark-jobs-*-app.jar 2>/dev/null | head -1 || true)
if [ -z "$jar" ]; then
  (cd "$ROOT" && mvn -q -B -ntp -DskipTests package)
  jar=$(ls "$ROOT"/spark-jobs/target/spark-jobs-*-app.jar | head -1)
fi

sweep_arg="$sweep"
deploy_mode=cluster
for ((i = 0; i < ${#spark_args[@]}; i++)); do
  [ "${spark_args[$i]}" = "--deploy-mode" ] && deploy_mode="${spark_args[$((i + 1))]}" && break
  [ $i -eq $((${#spark_args[@]} - 1)) ] && deploy_mode=client
done
[ ${#spark_args[@]} -eq 0 ] && deploy_mode=client
if [ "$deploy_mode" = cluster ]; then
  spark_args+=(--files "$sweep")
  sweep_arg="$(basename "$sweep")"
else
  # the driver runs here: the project's quiet logging, and the Vector API module (this flag replaces
  # spark.driver.extraJavaOptions, so it repeats it)
  spark_args+=(--driver-java-options "--add-modules=jdk.incubator.vector -Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties")
fi

exec "$SUBMIT" \
  --properties-file "${BPM_SPARK_CONF:-$ROOT/conf/spark-defaults.conf}" \
  --class backpropamine.spark.cli.BpmSpark \
  "${spark_args[@]}" \
  "$jar" "${BPM_COMMAND:-sweep}" "$sweep_arg" "$@"
