#!/usr/bin/env bash
# scripts/bench.sh: `make bench`. For each target, at its paper configuration, times one IWSM
# training step, one Monte Carlo estimator call and one reverse-SDE step with our code
# (go test -bench BenchmarkPaper<T>, on the backend IWSM_BACKEND selects) and, right after,
# the same three with the PyTorch peer (scripts/peer_torch.py, Debian's python3-torch, CPU),
# then prints the table of times and ratios ours/PyTorch (results/bench.md, raw numbers in
# results/bench/). Before timing, the peer's energies are checked against ours on the same
# configurations, so both sides provably compute the same target.
#
#   BENCH_TARGETS="gmm40 dw4"   targets to run (default: gmm40 dw4 lj13; add lj55 for LJ-55, which at
#                               its paper size takes over 10 minutes per side and ~18 GiB on 2 cores)
#   BENCH_THREADS=2             PyTorch threads (default: the number of CPUs, as GoMLX uses)
#   BENCH_MIN_SECONDS=1         minimum timing per measurement (Go's -benchtime as well)
#   BENCH_PLAIN=1               with the SIMD build on (kernel/goenv.sh, the default on x86-64), also
#                               time the plain build of our code in the same run (default 1; 0 skips)
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

"$GO" build -o "$OUT/iwsm" ./iwsm/cmd/iwsm
"$GO" test -c -o "$OUT/train.test" ./iwsm/train
rm -f "$OUT"/*.go_plain.txt
PLAIN=0
if [[ ",${GOEXPERIMENT:-}," == *,simd,* && "${BENCH_PLAIN:-1}" == 1 ]]; then
  # The same benchmarks built without GOEXPERIMENT=simd, for the SIMD-against-plain table.
  PLAIN=1
  plain_experiments="$(tr , '\n' <<<"$GOEXPERIMENT" | { grep -vx simd || true; } | paste -sd, -)"
  GOEXPERIMENT="$plain_experiments" "$GO" test -c -o "$OUT/train_plain.test" ./iwsm/train
fi
# go_bench TEST_BINARY TARGET OUTPUT: our BenchmarkPaper<TARGET> with one test binary.
go_bench() {
  (cd iwsm/train && "../../$1" -test.run '^$' -test.bench "^BenchmarkPaper$(echo "$2" | tr a-z A-Z)\$" \
    -test.benchtime "${MIN_S}s") | tee "$3" | grep -E '^Benchmark' || true
}
"$OUT/iwsm" backend | tee "$OUT/backend.txt"
echo "bench: $(nproc) CPUs, PyTorch threads $THREADS, ${MIN_S}s per measurement"
for t in $TARGETS; do
  "$OUT/iwsm" config -target "$t" -budget paper >"$OUT/$t.config.json"
  # Same target: energies of the same configurations from both sides.
  "$TORCH_PY" - "$OUT/$t.config.json" "$OUT/$t.x.npy" <<'PY'
import json, sys, numpy as np
cfg = json.load(open(sys.argv[1]))
d = {"gmm40": 2, "dw4": 8, "lj13": 39, "lj55": 165}[cfg["target"]]
rng = np.random.default_rng(0)
np.save(sys.argv[2], rng.normal(scale=0.5 * cfg["sigma_max"], size=(64, d)) + (np.arange(d) % 5) * 0.3)
PY
  "$OUT/iwsm" energy -target "$t" -in "$OUT/$t.x.npy" -out "$OUT/$t.e_go.npy" -coords sampler >/dev/null
  "$TORCH_PY" scripts/peer_torch.py --config "$OUT/$t.config.json" --energy "$OUT/$t.x.npy" "$OUT/$t.e_torch.npy"
  echo "--- $t: ours"
  go_bench "$OUT/train.test" "$t" "$OUT/$t.go.txt"
  if ((PLAIN)); then
    echo "--- $t: ours, plain build (no GOEXPERIMENT=simd)"
    go_bench "$OUT/train_plain.test" "$t" "$OUT/$t.go_plain.txt"
  fi
  echo "--- $t: PyTorch"
  "$TORCH_PY" scripts/peer_torch.py --config "$OUT/$t.config.json" --threads "$THREADS" --min-seconds "$MIN_S" | tee "$OUT/$t.torch.json"
done
"$TORCH_PY" scripts/bench_table.py "$OUT" $TARGETS | tee results/bench.md
