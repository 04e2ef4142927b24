#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs this executor was given in the JSON form Spark's resource scheduling
# reads,
#   {"name": "gpu", "addresses": ["0", "1", ...]}
# Point spark.worker.resource.gpu.discoveryScript (standalone) or spark.executor.resource.gpu.discoveryScript
# (YARN, Kubernetes) at it. It needs nvidia-smi on the machine.
#
# The devices a container was given win over the devices of the node:
#   - CUDA_VISIBLE_DEVICES set: exactly its entries (indices or GPU UUIDs; empty: none). CUDA numbers them from 0
#     in that order, and the executor maps an address to its position there (GpuBinding).
#   - NVIDIA_VISIBLE_DEVICES set (YARN's and Kubernetes' NVIDIA runtime; not all/none/void): its entries as
#     nvidia-smi indices; where the runtime already hides the others (nvidia-smi lists only as many), all it lists.
#   - neither: every GPU nvidia-smi lists.
# nvidia-smi numbers GPUs in PCI bus order; set CUDA_DEVICE_ORDER=PCI_BUS_ID on executors (deploy/*.conf do) so
# that CUDA's device numbers are the same.
#
# For tests and for machines without GPUs, BPM_FAKE_GPUS="0,1" makes it report those addresses instead.
set -euo pipefail

smi() {
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "gpu-discovery.sh: nvidia-smi not found; is the NVIDIA driver installed on this node?" >&2
    exit 1
  fi
  nvidia-smi --query-gpu=index,uuid --format=csv,noheader | tr -d ' '
}

if [ -n "${BPM_FAKE_GPUS:-}" ]; then
  addrs="$BPM_FAKE_GPUS"
elif [ -n "${CUDA_VISIBLE_DEVICES+set}" ]; then
  addrs=$(echo "$CUDA_VISIBLE_DEVICES" | tr -d ' ')
  [ -n "$addrs" ] || echo "gpu-discovery.sh: CUDA_VISIBLE_DEVICES is empty: this container was given no GPU" >&2
elif [ -n "${NVIDIA_VISIBLE_DEVICES:-}" ] && [[ ! "$NVIDIA_VISIBLE_DEVICES" =~ ^(all|none|void)$ ]]; then
  gpus=$(smi)
  wanted=$(echo "$NVIDIA_VISIBLE_DEVICES" | tr -d ' ' | tr ',' '\n')
  if [ "$(echo "$gpus" | grep -c .)" = "$(echo "$wanted" | grep -c .)" ]; then
    addrs=$(echo "$gpus" | cut -d, -f1 | paste -sd, -) # isolated already, numbered from 0 in the container
  else
    addrs=$(for w in $wanted; do
      echo "$gpus" | awk -F, -v w="$w" '$1 == w || $2 == w { print $1; found = 1 } END { if (!found) exit 1 }' \
        || { echo "gpu-discovery.sh: NVIDIA_VISIBLE_DEVICES names $w, which nvidia-smi does not list" >&2; exit 1; }
    done | paste -sd, -)
  fi
else
  addrs=$(smi | cut -d, -f1 | paste -sd, -)
fi
json=$(echo "$addrs" | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\"", (i > 1 ? "," : ""), $i }')
echo "{\"name\": \"gpu\", \"addresses\": [$json]}"
