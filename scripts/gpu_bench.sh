#!/usr/bin/env bash
# scripts/gpu_bench.sh: the XLA/GPU check, for a machine with an NVIDIA GPU and JAX's CUDA
# PJRT plugin (pip install jax-cuda12-pjrt, or jax-cuda13-pjrt). It loads that plugin (strict:
# no fallback to the Go backend), then runs the paper-size benchmarks of every target and a
# short GMM-40 and LJ-13 training, and writes everything to results/gpu/.
#
#   bash scripts/gpu_bench.sh [/path/to/xla_cuda_plugin.so]
#
# Without an argument the plugin is looked up in PJRT_PLUGIN_LIBRARY_PATH and then in the
# jax_plugins package of `python3`. Nothing is downloaded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
OUT=results/gpu
mkdir -p "$OUT"

plugin="${1:-}"
if [[ -z "$plugin" && -n "${PJRT_PLUGIN_LIBRARY_PATH:-}" ]]; then
  plugin="$(find ${PJRT_PLUGIN_LIBRARY_PATH//:/ } -maxdepth 1 -name '*cuda*.so' 2>/dev/null | head -1 || true)"
fi
if [[ -z "$plugin" ]]; then
  plugin="$(python3 - <<'PY' 2>/dev/null || true
import glob, importlib, os
for name in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        m = importlib.import_module(name)
    except ImportError:
        continue
    hits = glob.glob(os.path.join(os.path.dirname(m.__file__), "*.so"))
    if hits:
        print(hits[0]); break
PY
)"
fi
[[ -n "$plugin" && -f "$plugin" ]] || { echo "gpu_bench: no CUDA PJRT plugin found (pass its path, or pip install jax-cuda12-pjrt)" >&2; exit 1; }
export IWSM_BACKEND="xla:$plugin!"
echo "gpu_bench: IWSM_BACKEND=$IWSM_BACKEND"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt" || true

"$GO" build -o "$OUT/iwsm" ./iwsm/cmd/iwsm
"$OUT/iwsm" backend | tee "$OUT/backend.txt"
"$GO" test -c -o "$OUT/train.test" ./iwsm/train
(cd iwsm/train && "../../$OUT/train.test" -test.run '^$' -test.bench '^BenchmarkPaper' -test.benchtime 3x) | tee "$OUT/bench.txt"
for spec in "gmm40 cpu" "lj13 smoke"; do
  set -- $spec
  /usr/bin/time -f "%e s wall" "$OUT/iwsm" train -target "$1" -method iwsm -budget "$2" -seed 1 -quiet -out "$OUT/$1-$2" 2>&1 | tee "$OUT/$1-$2.log"
done
echo "gpu_bench: done, see $OUT/"
