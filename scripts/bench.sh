#!/usr/bin/env bash
# scripts/bench.sh: `make bench`. For each target, at its paper configuration, times one IWSM
# training step, one Monte Carlo estimator call and one reverse-SDE step with our code
# (go test -bench BenchmarkPaper<T>: one test binary, run with IWSM_BACKEND='xla:cpu!' and with
# IWSM_BACKEND='go!'), with the JAX peer (scripts/peer_jax.py: jax 0.12 on the CPU, the same
# compiler as our xla:cpu backend, from .venv-bench, which scripts/bench_deps.sh installs) and
# with the PyTorch peer (scripts/peer_torch.py, Debian's python3-torch, CPU), one after the
# other, then one cpu-budget epoch end to end on each backend (BenchmarkEpoch<T>IWSM, where it
# exists). Prints the tables of times and the ratios ours(xla:cpu)/JAX, ours(go)/PyTorch and
# ours(xla:cpu)/ours(go) (results/bench.md), and writes every time and ratio to
# results/bench.json (keys: scripts/bench_table.py); raw outputs in results/bench/. Before
# timing, both peers' energies are checked against ours on the same configurations, so all
# sides provably compute the same target. The load average before and after goes into both.
#
#   BENCH_TARGETS="gmm40 dw4"   targets to run (default: gmm40 dw4 lj13; add lj55 for LJ-55, which at
#                               its paper size takes over 10 minutes per side and ~18 GiB on 2 cores)
#   BENCH_THREADS=2             the peers' threads (PyTorch's set_num_threads, JAX's CPU affinity;
#                               default: the number of CPUs, as GoMLX and our XLA plugin use)
#   BENCH_MIN_SECONDS=1         minimum timing per measurement (Go's -benchtime as well)
#   BENCH_PLAIN=1               with the SIMD build on (kernel/goenv.sh, the default on x86-64), also
#                               time the plain build of our code on the Go backend (default 1; 0 skips)
#   BENCH_EPOCH=1               time one cpu-budget epoch per backend (default 1; 0 skips)
#   IWSM_SIMD=0                 time only the plain build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=kernel/goenv.sh
source kernel/goenv.sh
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
TORCH_PY=/usr/bin/python3
TARGETS="${BENCH_TARGETS:-gmm40 dw4 lj13}"
THREADS="${BENCH_THREADS:-$(nproc)}"
MIN_S="${BENCH_MIN_SECONDS:-1}"
OUT=results/bench
mkdir -p "$OUT"

if ! "$TORCH_PY" -c 'import torch, numpy' 2>/dev/null; then
  if [[ $EUID == 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing Debian's python3-torch (the PyTorch peer)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch python3-numpy >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch python3-numpy >/dev/null; }
  else
    echo "bench: the PyTorch peer needs Debian's python3-torch: run 'sudo apt-get install python3-torch' and try again" >&2
    exit 1
  fi
fi

# The JAX peer's environment (one line and exit 1 when it cannot be made).
JAX_PY="$(bash scripts/bench_deps.sh)"

"$GO" build -o "$OUT/iwsm" ./iwsm/cmd/iwsm
"$GO" test -c -o "$OUT/train.test" ./iwsm/train
rm -f "$OUT"/*.txt "$OUT"/*.json "$OUT"/*.npy
# Both backends, strictly (the "!": no fallback): ours(xla:cpu) needs the XLA CPU plugin of make install.
IWSM_BACKEND='go!' "$OUT/iwsm" backend | tee "$OUT/backend_go.txt"
IWSM_BACKEND='xla:cpu!' "$OUT/iwsm" backend >"$OUT/backend_xla.txt" ||
  { echo "bench: the xla:cpu backend does not load (above): run 'make install', which installs XLA's CPU plugin into .venv" >&2; exit 1; }
cat "$OUT/backend_xla.txt"
PLAIN=0
if [[ ",${GOEXPERIMENT:-}," == *,simd,* && "${BENCH_PLAIN:-1}" == 1 ]]; then
  # The same benchmarks built without GOEXPERIMENT=simd, for the SIMD-against-plain table.
  PLAIN=1
  plain_experiments="$(tr , '\n' <<<"$GOEXPERIMENT" | { grep -vx simd || true; } | paste -sd, -)"
  GOEXPERIMENT="$plain_experiments" "$GO" test -c -o "$OUT/train_plain.test" ./iwsm/train
fi
# go_bench BACKEND TEST_BINARY BENCHMARK BENCHTIME OUTPUT: one of our benchmarks on one backend.
go_bench() {
  (cd iwsm/train && IWSM_BACKEND="$1" "../../$2" -test.run '^$' -test.bench "^$3\$" -test.benchtime "$4") |
    tee "$5" | grep -E '^Benchmark' || true
}
echo "bench: $(nproc) CPUs, peers' threads $THREADS, ${MIN_S}s per measurement; load average $(cut -d' ' -f1-3 /proc/loadavg)"
cat /proc/loadavg >"$OUT/load_before.txt"
for t in $TARGETS; do
  T="$(tr a-z A-Z <<<"$t")"
  "$OUT/iwsm" config -target "$t" -budget paper >"$OUT/$t.config.json"
  # Same target: energies of the same configurations from all sides.
  "$TORCH_PY" - "$OUT/$t.config.json" "$OUT/$t.x.npy" <<'PY'
import json, sys, numpy as np
cfg = json.load(open(sys.argv[1]))
d = {"gmm40": 2, "dw4": 8, "lj13": 39, "lj55": 165}[cfg["target"]]
rng = np.random.default_rng(0)
np.save(sys.argv[2], rng.normal(scale=0.5 * cfg["sigma_max"], size=(64, d)) + (np.arange(d) % 5) * 0.3)
PY
  "$OUT/iwsm" energy -target "$t" -in "$OUT/$t.x.npy" -out "$OUT/$t.e_go.npy" -coords sampler >/dev/null
  "$TORCH_PY" scripts/peer_torch.py --config "$OUT/$t.config.json" --energy "$OUT/$t.x.npy" "$OUT/$t.e_torch.npy"
  "$JAX_PY" scripts/peer_jax.py --config "$OUT/$t.config.json" --energy "$OUT/$t.x.npy" "$OUT/$t.e_jax.npy"
  # Pairs with the same compiler or the same backend run next to each other, so load changes
  # between them stay small: ours(xla:cpu), JAX, ours(go), PyTorch.
  echo "--- $t: ours, xla:cpu"
  go_bench 'xla:cpu!' "$OUT/train.test" "BenchmarkPaper$T" "${MIN_S}s" "$OUT/$t.ours_xla.txt"
  echo "--- $t: JAX"
  "$JAX_PY" scripts/peer_jax.py --config "$OUT/$t.config.json" --threads "$THREADS" --min-seconds "$MIN_S" | tee "$OUT/$t.jax.json"
  echo "--- $t: ours, go"
  go_bench 'go!' "$OUT/train.test" "BenchmarkPaper$T" "${MIN_S}s" "$OUT/$t.ours_go.txt"
  echo "--- $t: PyTorch"
  "$TORCH_PY" scripts/peer_torch.py --config "$OUT/$t.config.json" --threads "$THREADS" --min-seconds "$MIN_S" | tee "$OUT/$t.torch.json"
  if ((PLAIN)); then
    echo "--- $t: ours, go, plain build (no GOEXPERIMENT=simd)"
    go_bench 'go!' "$OUT/train_plain.test" "BenchmarkPaper$T" "${MIN_S}s" "$OUT/$t.ours_go_plain.txt"
  fi
  # One cpu-budget epoch on each backend (after an untimed one that compiles and fills the buffer).
  if [[ "${BENCH_EPOCH:-1}" == 1 ]] && [[ -n "$("$OUT/train.test" -test.list "^BenchmarkEpoch${T}IWSM\$")" ]]; then
    for b in xla go; do
      backend='go!'; [[ $b == xla ]] && backend='xla:cpu!'
      echo "--- $t: ours, one cpu-budget epoch, $backend"
      go_bench "$backend" "$OUT/train.test" "BenchmarkEpoch${T}IWSM" 1x "$OUT/$t.epoch_$b.txt"
    done
  fi
done
cat /proc/loadavg >"$OUT/load_after.txt"
echo "bench: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
python3 scripts/bench_table.py "$OUT" results/bench.json $TARGETS | tee results/bench.md
