#!/usr/bin/env bash
# scripts/bench_scaling.sh: `make bench-scaling`. How the cost of IWSM grows with the Monte
# Carlo sample count K, the batch size and the number of particles (BenchmarkScaling in
# iwsm/train, on the backend IWSM_BACKEND selects). Prints a Markdown table with each time
# and its ratio to the smallest size of its series, also written to results/bench_scaling.md.
#
#   BENCH_COUNT=2   timed calls per size (go test -benchtime Nx; default 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The same build as make bench and the notebooks (GOEXPERIMENT=simd on x86-64; IWSM_SIMD=0: plain).
# shellcheck source=kernel/goenv.sh
source kernel/goenv.sh
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
mkdir -p results
raw=results/bench_scaling.txt
"$GO" test -run '^$' -bench 'BenchmarkScaling' -benchtime "${BENCH_COUNT:-2}x" ./iwsm/train | tee "$raw"
awk '
  /^BenchmarkScaling\// {
    name = $1; sub(/^BenchmarkScaling\//, "", name); sub(/-[0-9]+$/, "", name)
    split(name, p, "/"); series = p[1] " " p[2]; split(p[3], kv, "=")
    ms = $3 / 1e6
    if (!(series in base)) { base[series] = ms; order[++n] = series }
    rows[series] = rows[series] sprintf("| %s | %s = %s | %.0f ms | %.2f |\n", series, kv[1], kv[2], ms, ms / base[series])
  }
  END {
    print "| what | size | time per call | × smallest |"
    print "| --- | --- | ---: | ---: |"
    for (i = 1; i <= n; i++) printf "%s", rows[order[i]]
  }' "$raw" | tee results/bench_scaling.md
