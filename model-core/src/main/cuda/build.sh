#!/usr/bin/env bash
# Builds the CUDA kernels from these sources, with Debian's clang and no NVIDIA toolkit:
#   OUT/classes/backpropamine/cuda/kernels.ptx   PTX for sm_70 (JIT-compiled by the driver for the GPU it finds)
#   OUT/emulator/libbpm_emulator.so              the same kernels for the host (tests on machines without a GPU)
# Called by Maven (model-core/pom.xml, generate-resources). Without clang it says what to install and builds
# nothing; the CUDA tests then skip (they fail under CI=true).
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:?usage: build.sh OUTPUT_DIR}"
CLANG="${BPM_CLANG:-$(command -v clang || command -v clang-14 || true)}"
if [ -z "$CLANG" ]; then
  echo "[cuda] clang not found: the CUDA kernels' PTX and their host emulation are not built (apt-get install clang)"
  exit 0
fi
mkdir -p "$OUT/classes/backpropamine/cuda" "$OUT/emulator"
# -ffp-contract=off: no a*b+c is fused unless the source says fmaf, so the GPU and the emulation round alike.
# sm_70 is the oldest GPU the PTX targets (Volta); the driver JIT-compiles it forward for newer ones.
"$CLANG" -x cuda --cuda-device-only --cuda-gpu-arch="${BPM_CUDA_ARCH:-sm_70}" -nocudainc -nocudalib -O3 -Wno-unknown-cuda-version \
  -ffp-contract=off -S "$SRC/kernels.cu" -o "$OUT/classes/backpropamine/cuda/kernels.ptx"
"$CLANG" -x c++ -std=c++17 -O3 -march=x86-64-v3 -fPIC -shared -ffp-contract=off -DBPM_EMULATION -pthread \
  "$SRC/kernels.cu" "$SRC/emulator.cpp" -o "$OUT/emulator/libbpm_emulator.so" -lm
echo "[cuda] built kernels.ptx ($(grep -c '^.visible .entry' "$OUT/classes/backpropamine/cuda/kernels.ptx") kernels) and libbpm_emulator.so with $("$CLANG" --version | head -1)"
