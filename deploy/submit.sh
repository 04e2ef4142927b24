#!/usr/bin/env bash
# Submit a sweep to a Spark cluster with spark-submit.
#
#   deploy/submit.sh --master spark://host:7077 conf/sweeps/paper-basic.yaml [--sweep-id ID] [bpm sweep options]
#   deploy/submit.sh --cluster-conf deploy/yarn.conf conf/sweeps/paper-basic.yaml
#   deploy/submit.sh --master k8s://https://api:6443 --deploy-mode cluster --conf spark.kubernetes.container.image=... FILE
#   deploy/submit.sh --dry-run --cluster-conf deploy/standalone.conf conf/sweeps/paper-basic.yaml   (print, do not run)
#
# The project's settings (conf/spark-defaults.conf, or $BPM_SPARK_CONF) and a cluster's (--cluster-conf FILE:
# deploy/standalone.conf, deploy/yarn.conf) are passed as --conf key=value, so the site's own spark-defaults.conf
# stays in force for everything they do not set; later files and options win over earlier ones. The deploy mode
# comes from --deploy-mode, else from spark.submit.deployMode in those files, else client. In cluster mode the
# sweep file is shipped with --files and read from the driver's working directory; on YARN the Penn Treebank of this
# host ($BPM_DATA, else data/ptb) is shipped the same way, so no node needs a copy (the driver sends the corpus
# to its executors; elsewhere the driver reads its own BPM_DATA, see the Kubernetes manifests). Every other spark-submit option
# before the sweep file (--principal P, --keytab K, --driver-cores N, --proxy-user U, ...) is passed on with its
# value; the sweep file and what follows go to 'bpm sweep' (BPM_COMMAND=nightly runs 'bpm nightly').
#
# Needs spark-submit on the PATH (or $SPARK_HOME) and the application jar ($BPM_APP_JAR, else
# spark-jobs/target/spark-jobs-*-app.jar, built here if missing: mvn -DskipTests package), except with --dry-run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUBMIT="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"

dry_run=0
deploy_mode=""
master=""
conf_files=("${BPM_SPARK_CONF:-$ROOT/conf/spark-defaults.conf}")
spark_args=()
# spark-submit options that take no value; every other option takes one
flags=" --verbose -v --supervise --help -h --version --usage-error "
while [ $# -gt 0 ] && [[ "$1" == -* ]]; do
  case "$1" in
    --dry-run) dry_run=1; shift ;;
    --cluster-conf)
      [ $# -ge 2 ] && [ -f "$2" ] || { echo "submit.sh: cluster conf ${2:-(missing)} not found" >&2; exit 2; }
      conf_files+=("$2"); shift 2 ;;
    --deploy-mode) deploy_mode="$2"; shift 2 ;;
    --deploy-mode=*) deploy_mode="${1#*=}"; shift ;;
    --master) [ $# -ge 2 ] || { echo "submit.sh: option $1 needs a value" >&2; exit 2; }
      master="$2"; spark_args+=("$1" "$2"); shift 2 ;;
    --master=*) master="${1#*=}"; spark_args+=("$1"); shift ;;
    --properties-file)
      echo "submit.sh: --properties-file would replace the site's spark-defaults.conf; use --cluster-conf FILE" >&2
      exit 2 ;;
    --*=*) spark_args+=("$1"); shift ;;
    *)
      if [[ "$flags" == *" $1 "* ]]; then
        spark_args+=("$1"); shift
      else
        [ $# -ge 2 ] || { echo "submit.sh: option $1 needs a value" >&2; exit 2; }
        spark_args+=("$1" "$2"); shift 2
      fi ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: deploy/submit.sh [--dry-run] [--cluster-conf FILE] [spark-submit options] SWEEP_FILE [bpm options]" >&2; exit 2; }
sweep="$1"; shift
[ -f "$sweep" ] || { echo "submit.sh: sweep file $sweep not found" >&2; exit 2; }

# the project's and the cluster's settings as --conf, in order (later wins); the deploy mode from them too
conf_args=()
file_mode=""
file_master=""
for f in "${conf_files[@]}"; do
  [ -f "$f" ] || { echo "submit.sh: settings file $f not found" >&2; exit 2; }
  while read -r key value; do
    [ -z "$key" ] || [[ "$key" == \#* ]] || {
      conf_args+=(--conf "$key=$value")
      [ "$key" = spark.submit.deployMode ] && file_mode="$value"
      [ "$key" = spark.master ] && file_master="$value"
    }
  done < "$f"
done
deploy_mode="${deploy_mode:-${file_mode:-client}}"
master="${master:-$file_master}"
case "$deploy_mode" in client|cluster) ;; *) echo "submit.sh: deploy mode must be client or cluster, was $deploy_mode" >&2; exit 2 ;; esac

jar="${BPM_APP_JAR:-$(ls "$ROOT"/spark-jobs/target/spark-jobs-*-app.jar 2>/dev/null | head -1 || true)}"
if [ -z "$jar" ]; then
  if [ "$dry_run" = 1 ]; then
    jar="$ROOT/spark-jobs/target/spark-jobs-VERSION-app.jar"
  else
    (cd "$ROOT" && mvn -q -B -ntp -DskipTests package)
    jar=$(ls "$ROOT"/spark-jobs/target/spark-jobs-*-app.jar | head -1)
  fi
fi

sweep_arg="$sweep"
mode_args=(--deploy-mode "$deploy_mode")
if [ "$deploy_mode" = cluster ]; then
  files="$sweep"
  if [[ "$master" == yarn* ]]; then
    # the driver's container gets the data in its working directory, beside the sweep file
    data="${BPM_DATA:-$ROOT/data/ptb}"
    shipped=0
    for split in train valid test; do
      for f in "$data/ptb.$split.txt" "$data/ptb.$split.txt.gz"; do
        if [ -f "$f" ]; then files+=",$f"; shipped=$((shipped + 1)); break; fi
      done
    done
    if [ "$shipped" = 3 ]; then
      mode_args+=(--conf spark.yarn.appMasterEnv.BPM_DATA=.)
    else
      echo "submit.sh: no Penn Treebank in $data (bin/bpm data fetch); the driver must find it itself (data: in the sweep file)" >&2
    fi
  fi
  mode_args+=(--files "$files")
  sweep_arg="$(basename "$sweep")"
else
  # the driver runs here: the project's quiet logging, and the Vector API module (this flag replaces
  # spark.driver.extraJavaOptions, so it repeats it)
  mode_args+=(--driver-java-options "--add-modules=jdk.incubator.vector -Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties")
fi

cmd=("$SUBMIT" --class backpropamine.spark.cli.BpmSpark "${conf_args[@]}" "${mode_args[@]}"
     ${spark_args[@]+"${spark_args[@]}"} "$jar" "${BPM_COMMAND:-sweep}" "$sweep_arg" "$@")
if [ "$dry_run" = 1 ]; then
  printf '%q ' "${cmd[@]}"; echo
  exit 0
fi
command -v "$SUBMIT" >/dev/null 2>&1 || { echo "submit.sh: spark-submit not found; install Spark 3.5 or set SPARK_HOME" >&2; exit 1; }
exec "${cmd[@]}"
