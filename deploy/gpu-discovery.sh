#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs of this machine in the JSON form Spark's resource scheduling reads,
#   {"name": "gpu", "addresses": ["0", "1", ...]}
# Point spark.worker.resource.gpu.discoveryScript (standalone) or spark.executor.resource.gpu.discoveryScript
# (YARN, Kubernetes) at it. It needs nvidia-smi on the machine.
#
# For tests and for machines without GPUs, BPM_FAKE_GPUS="0,1" makes it report those addresses instead.
set -euo pipefail
if [ -n "${BPM_FAKE_GPUS:-}" ]; then
  addrs="$BPM_FAKE_GPUS"
else
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "gpu-discovery.sh: nvidia-smi not found; is the NVIDIA driver installed on this node?" >&2
    exit 1
  fi
  addrs=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, -)
fi
json=$(echo "$addrs" | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\"", (i > 1 ? "," : ""), $i }')
echo "{\"name\": \"gpu\", \"addresses\": [$json]}"
