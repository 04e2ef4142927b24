#!/usr/bin/env bash
# Nightly sweep: runs tonight's sweep (id <name>-<yyyy-mm-dd>, UTC), resuming it if it already started tonight,
# and appends the run's output to logs/nightly-<date>.log. Called by the cron entry and the systemd timer.
#
#   deploy/nightly.sh SWEEP_FILE
#
# Environment:
#   BPM_MASTER        Spark master for spark-submit (spark://..., yarn, k8s://...); unset: local mode via bin/bpm
#   BPM_CLUSTER_CONF  optional cluster settings for submit.sh (deploy/standalone.conf, deploy/yarn.conf)
#   BPM_LOG_DIR       log directory (default: logs/ in the checkout)
# Exit status: 0 all trials done, 1 trials failed or not run (the last log line says which), 2 bad usage,
# 3 another driver holds the night (this start did nothing), 4 the lease was taken over mid-run (this driver stopped).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
sweep="${1:-}"
[ -n "$sweep" ] && [ -f "$sweep" ] || { echo "usage: deploy/nightly.sh SWEEP_FILE (file '$sweep' not found)" >&2; exit 2; }
logdir="${BPM_LOG_DIR:-$ROOT/logs}"
mkdir -p "$logdir"
log="$logdir/nightly-$(date -u +%F).log"
echo "=== $(date -u +%FT%TZ) nightly start: $sweep (pid $$)" >> "$log"
if [ -n "${BPM_MASTER:-}" ]; then
  # client deploy mode: the driver runs here (the lease itself lives with the results, so any host is fine)
  BPM_COMMAND=nightly "$ROOT/deploy/submit.sh" ${BPM_CLUSTER_CONF:+--cluster-conf "$BPM_CLUSTER_CONF"} \
    --master "$BPM_MASTER" --deploy-mode client "$sweep" >> "$log" 2>&1
else
  "$ROOT/bin/bpm" nightly "$sweep" >> "$log" 2>&1
fi
status=$?
grep -E '^nightly ' "$log" | tail -1
exit $status
