#!/usr/bin/env bash
# gpu-check.sh - the project's CUDA path on a GPU machine that has the NVIDIA driver and CUDA libraries but no JDK,
# no Maven and no network.
#
#   deploy/gpu-check.sh --prepare [DIR]   here (JDK + Maven): builds DIR (default target/gpu-check, < 60 MiB):
#                                         a jlink'd Java runtime, model-core's jar and its runtime jars without
#                                         ND4J/JavaCPP/OpenBLAS, the golden fixtures, PTB gzipped, this script
#   ./gpu-check.sh                        in DIR on the GPU machine: prints the GPU, glibc and cuBLAS found, the
#                                         binding's probe and checks, then runs each STEP below under its own time
#                                         budget; the whole check stops within TOTAL_BUDGET seconds (9 minutes)
#
# Logs go to $OUT (the device tool brings that folder back) or else DIR/logs; a summary ends the output.
set -uo pipefail

# ---------------------------------------------------------------------------------------------------------------
# The steps: NAME, BUDGET (seconds), then the arguments after `java <flags> -cp <jars>`. Adjust here, nowhere else.
# $FIX is the fixtures folder, $DATA the PTB folder (both inside DIR).
TOTAL_BUDGET=${TOTAL_BUDGET:-540}
steps() {
  cat <<EOF
probe     20  backpropamine.cuda.CudaProbe
check     40  backpropamine.cuda.CudaProbe --check
golden    45  backpropamine.cli.Bpm golden $FIX/plastic-lstm-golden.json --kernels cuda --precision float
golden2   30  backpropamine.cli.Bpm golden $FIX/other-sizes.json.gz --kernels cuda --precision float
epoch     60  backpropamine.cli.Bpm train --kernels cuda --variant RETRO --data $DATA $EPOCH_ARGS --out $LOGS/epoch-RETRO.json
bench     45  backpropamine.cli.Bpm bench --kernels cuda --segments 50 --warmup 5
bench4    45  backpropamine.cli.Bpm bench --kernels cuda --segments 50 --warmup 5 --concurrent 4
large-L   45  backpropamine.cli.Bpm train --kernels cuda --model large --variant LSTM --data $DATA $LARGE_ARGS --out $LOGS/large-LSTM.json
large-S   60  backpropamine.cli.Bpm train --kernels cuda --model large --variant SIMPLE --data $DATA $LARGE_ARGS --out $LOGS/large-SIMPLE.json
benchL    60  backpropamine.cli.Bpm bench --kernels cuda --model large --segments 20 --warmup 5 --json $LOGS/bench-large.json
benchL4   60  backpropamine.cli.Bpm bench --kernels cuda --model large --segments 10 --warmup 3 --concurrent 4 --json $LOGS/bench-large4.json
torch     50  python3 $HERE/torch_baseline.py --segments 10
LSTM      40  backpropamine.cli.Bpm train --kernels cuda --variant LSTM --data $DATA --epochs 13 --out $LOGS/train-LSTM.json
PLASTIC   45  backpropamine.cli.Bpm train --kernels cuda --variant PLASTIC --data $DATA --epochs 13 --out $LOGS/train-PLASTIC.json
SIMPLE    45  backpropamine.cli.Bpm train --kernels cuda --variant SIMPLE --data $DATA --epochs 13 --out $LOGS/train-SIMPLE.json
RETRO     50  backpropamine.cli.Bpm train --kernels cuda --variant RETRO --data $DATA --epochs 13 --out $LOGS/train-RETRO.json
EOF
}
# The short real epoch, run on the CPU (fused kernels) by --prepare and on the GPU by the check: the perplexities
# of both are compared at the end (1e-4 relative: both float, only summation orders differ).
EPOCH_ARGS="--epochs 1 --max-batches 2 --seed 11"
# The large models' 200 batches on PTB (paper settings: batch 7, variable BPTT around 70, dropout, lr 30); the check
# passes when validation perplexity fell from the uniform 10,000 to under 2,000 (the fused kernels: 673 and 620).
LARGE_ARGS="--epochs 1 --max-batches 200 --seed 1"
# Modules the runtime gets beside what jdeps finds in model-core's own classes: the Vector API, Unsafe (JNA), and
# what log4j-core loads (java.logging, java.management for JMX, java.naming for lookups, java.xml for its
# configuration factories, java.desktop for java.beans: log4j 2.20's LoggerContext fires a PropertyChangeEvent at
# start-up, NoClassDefFoundError without it). java.desktop's native AWT/2D libraries are left out (8 MB; java.beans
# needs none), and the runtime's native libraries are stripped of their symbol tables (libjvm 24 -> 20 MB).
BASE_MODULES="java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management,java.naming,java.xml,java.desktop"
# Runtime jars that must not travel: ND4J and its native stack (hundreds of MB, and no ND4J on this path). The
# classpath is taken with the ND4J backend profile (cpu) off, which drops ND4J's whole dependency tree; this
# pattern removes what model-core declares itself (JavaCPP) and anything of that family that slips through.
EXCLUDE_JARS='/(org/nd4j|org/bytedeco|org/deeplearning4j)/|/(nd4j|javacpp|openblas|deeplearning4j|flatbuffers|protobuf)[^/]*\.jar$'
MAX_MIB=60
# ---------------------------------------------------------------------------------------------------------------

die() { echo "gpu-check: $*" >&2; exit 1; }

prepare() {
  local root dir jdk cp jar mods size
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  dir="${1:-$root/target/gpu-check}"
  jdk="${BPM_JLINK_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
  [ -x "$jdk/bin/jlink" ] || die "no jlink in $jdk (set BPM_JLINK_JDK to a JDK)"
  local cpfile="$root/model-core/target/gpu-check-classpath.txt"
  echo "gpu-check: building model-core (skipping tests) and its runtime classpath without the ND4J profile"
  (cd "$root" && mvn -B -ntp -q -pl model-core -DskipTests package \
     && mvn -B -ntp -q -pl model-core -P '!cpu' dependency:build-classpath \
          -DincludeScope=runtime -Dmdep.outputFile="$cpfile") \
    || die "the build of model-core failed"
  jar="$(ls "$root"/model-core/target/model-core-*.jar | grep -v -- '-sources\|-tests' | head -1)"
  [ -f "$jar" ] && [ -f "$cpfile" ] || die "no model-core jar or $cpfile"

  rm -rf "$dir" && mkdir -p "$dir/lib" "$dir/fixtures" "$dir/data/ptb" "$dir/conf" || die "cannot create $dir"
  cp "$jar" "$dir/lib/"
  tr ':' '\n' < "$cpfile" | grep -Ev "$EXCLUDE_JARS" | grep '\.jar$' | while read -r j; do cp "$j" "$dir/lib/"; done
  echo "gpu-check: jars: $(cd "$dir/lib" && ls | paste -sd' ' -)"
  echo "gpu-check: left out: $(tr ':' '\n' < "$cpfile" | grep -E "$EXCLUDE_JARS" | xargs -rn1 basename | paste -sd' ' -)"

  # the modules model-core's classes use (jdeps), plus BASE_MODULES
  cp="$(ls "$dir"/lib/*.jar | tr '\n' ':')"
  mods="$("$jdk/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps --no-recursive \
          -cp "$cp" "$dir/lib/$(basename "$jar")" 2>/dev/null | tail -1)"
  mods="$(echo "$BASE_MODULES,$mods" | tr ',' '\n' | grep -v '^$' | sort -u | paste -sd, -)"
  echo "gpu-check: jlink from $jdk, modules $mods"
  "$jdk/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --exclude-files='glob:/java.desktop/lib/**' --output "$dir/runtime" 2>&1 | grep -v 'compress.*deprecated' || true
  [ -x "$dir/runtime/bin/java" ] || die "jlink failed"
  if command -v strip >/dev/null; then
    find "$dir/runtime/lib" -name '*.so' -exec chmod u+w {} + -exec strip --strip-unneeded {} +
  fi
  "$dir/runtime/bin/java" -cp "$dir/lib/*" backpropamine.cuda.CudaProbe > /dev/null 2>&1 \
    || die "the runtime cannot run CudaProbe here (a module missing?)"

  cp /work/shared/fixtures/plastic-lstm-golden.json "$dir/fixtures/" 2>/dev/null \
    || cp "$root/../shared/fixtures/plastic-lstm-golden.json" "$dir/fixtures/" || die "no golden fixture"
  cp "$root"/model-core/src/test/resources/golden/* "$dir/fixtures/" 2>/dev/null || true
  local ptb
  for ptb in /work/shared/data/ptb "$root/../shared/data/ptb"; do [ -d "$ptb" ] && break; done
  for f in ptb.train.txt ptb.valid.txt ptb.test.txt; do
    if [ -f "$ptb/$f.gz" ]; then cp "$ptb/$f.gz" "$dir/data/ptb/"; elif [ -f "$ptb/$f" ]; then gzip -9c "$ptb/$f" > "$dir/data/ptb/$f.gz"
    else die "no $f in $ptb"; fi
  done
  cp "$root/conf/log4j2.properties" "$dir/conf/" 2>/dev/null || true
  echo "gpu-check: the short real epoch on this machine's CPU (fused kernels): $EPOCH_ARGS"
  (cd "$root" && BPM_DATA="$ptb" bin/bpm train --kernels fused --variant RETRO $EPOCH_ARGS \
      --out "$dir/cpu-figures.json" > "$dir/cpu-epoch.log" 2>&1) || die "the CPU epoch failed: $dir/cpu-epoch.log"
  cp "${BASH_SOURCE[0]}" "$dir/gpu-check.sh" && chmod +x "$dir/gpu-check.sh"
  cp "$root/deploy/torch_baseline.py" "$dir/"

  size="$(du -sm "$dir" | cut -f1)"
  du -sh "$dir"/* | sed 's/^/  /'
  echo "gpu-check: $dir is $(du -sh "$dir" | cut -f1) ($size MiB; limit $MAX_MIB MiB)"
  [ "$size" -le "$MAX_MIB" ] || die "$dir is over $MAX_MIB MiB"
}

run_check() {
  HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  FIX="$HERE/fixtures"
  DATA="$HERE/data/ptb"
  LOGS="${BPM_GPU_LOGS:-${OUT:-$HERE/logs}}"
  mkdir -p "$LOGS"
  local deadline=$((SECONDS + TOTAL_BUDGET))
  local java="$HERE/runtime/bin/java"
  [ -x "$java" ] || die "no Java runtime in $HERE/runtime: run deploy/gpu-check.sh --prepare on the build machine"

  echo "== machine"
  nvidia-smi --query-gpu=index,name,uuid,driver_version,compute_cap,memory.total --format=csv,noheader 2>&1 \
    || echo "nvidia-smi: not found or failed"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  echo "java:  $("$java" -version 2>&1 | head -1)"

  echo "== cuBLAS"
  local lib
  lib="$(ldconfig -p 2>/dev/null | awk '/libcublas\.so\.13 /{print $NF; exit}')"
  if [ -z "$lib" ] && command -v python3 >/dev/null; then
    lib="$(python3 -c 'import nvidia.cublas, os; print(os.path.dirname(nvidia.cublas.__file__))' 2>/dev/null)/lib/libcublas.so.13"
    [ -f "$lib" ] || lib="$(python3 - <<'PY' 2>/dev/null
import os, nvidia
for base in nvidia.__path__:
    for d, _, files in os.walk(base):
        if "libcublas.so.13" in files:
            print(os.path.join(d, "libcublas.so.13")); raise SystemExit
PY
)"
  fi
  if [ -n "$lib" ] && [ -f "$lib" ]; then
    echo "found $lib"
    export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export BPM_CUBLAS="$lib"
  else
    echo "no libcublas.so.13 from ldconfig or python3 nvidia.cublas: the loader tries LD_LIBRARY_PATH, else the project's GEMM kernel is used"
  fi

  local flags=(--add-modules=jdk.incubator.vector -XX:+IgnoreUnrecognizedVMOptions
               "-Dlog4j2.configurationFile=$HERE/conf/log4j2.properties" -cp "$HERE/lib/*")
  local -a names=() results=() times=()
  local name budget args left t0 rc status
  while read -r name budget args; do
    [ -n "$name" ] || continue
    left=$((deadline - SECONDS))
    if [ "$left" -lt 10 ]; then
      names+=("$name"); results+=("skipped (the check's budget is spent)"); times+=(0); continue
    fi
    [ "$budget" -le "$left" ] || budget=$left
    echo "== $name (budget ${budget}s): java ${flags[*]} $args"
    t0=$SECONDS
    # shellcheck disable=SC2086 # args are split on purpose: one word per argument
    if [[ $args == python3* ]]; then cmd=(); else cmd=("$java" "${flags[@]}"); fi
    # shellcheck disable=SC2086
    timeout -k 5 "$budget" "${cmd[@]}" $args < /dev/null > "$LOGS/$name.log" 2>&1
    rc=$?
    case $rc in
      0) status="ok" ;;
      124|137) status="TIMEOUT after ${budget}s" ;;
      *) status="FAIL (exit $rc)" ;;
    esac
    tail -n 15 "$LOGS/$name.log" | sed 's/^/  | /'
    echo "   -> $status in $((SECONDS - t0))s (log: $LOGS/$name.log)"
    names+=("$name"); results+=("$status"); times+=($((SECONDS - t0)))
  done < <(steps)

  echo "== the short real epoch: GPU against CPU ($HERE/cpu-figures.json)"
  if command -v python3 >/dev/null && [ -f "$LOGS/epoch-RETRO.json" ]; then
    python3 - "$HERE/cpu-figures.json" "$LOGS/epoch-RETRO.json" <<'PY' || { names+=("epoch-cmp"); results+=("FAIL: figures differ"); times+=(0); }
import json, sys
def figures(path):
    r = json.load(open(path))
    out = []
    for e in r["epochs"]:
        out += [("train", e["trainPerplexity"]), ("valid", e["validPerplexity"])]
    return out + [("test", r["testPerplexity"])]
cpu, gpu = figures(sys.argv[1]), figures(sys.argv[2])
worst = max(abs(g - c) / c for (_, c), (_, g) in zip(cpu, gpu))
for (n, c), (_, g) in zip(cpu, gpu):
    print(f"  {n:6s} cpu {c:10.4f}  gpu {g:10.4f}  rel {abs(g - c) / c:.1e}")
print(f"  worst relative difference {worst:.1e} (tolerance 1e-4): {'ok' if worst <= 1e-4 else 'FAIL'}")
sys.exit(0 if worst <= 1e-4 else 1)
PY
  fi

  echo "== the large models: validation perplexity after 200 batches (uniform: 10,000; pass: under 2,000)"
  local v
  for v in LSTM SIMPLE; do
    if command -v python3 >/dev/null && [ -f "$LOGS/large-$v.json" ]; then
      python3 - "$LOGS/large-$v.json" "$v" <<'PY' || { names+=("large-$v-ppl"); results+=("FAIL: perplexity did not fall"); times+=(0); }
import json, sys
r = json.load(open(sys.argv[1]))
e = r["epochs"][-1]
ok = e["validPerplexity"] < 2000
print(f"  {sys.argv[2]:6s} train {e['trainPerplexity']:9.1f}  valid {e['validPerplexity']:9.1f}  test {r['testPerplexity']:9.1f}: {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
    fi
  done

  echo "== summary ($SECONDS s of $TOTAL_BUDGET s)"
  local i
  for i in "${!names[@]}"; do printf '  %-8s %5ss  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"; done
}

case "${1:-}" in
  --prepare) shift; prepare "$@" ;;
  ""|--run) run_check ;;
  -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" ;;
  *) die "unknown option '$1' (use --prepare [DIR], or no option to run the check)" ;;
esac
