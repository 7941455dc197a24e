#!/usr/bin/env bash
# scripts/test_run_plan.sh: scripts/run_plan.sh (make run, make reproduce) with a stand-in for
# run_notebooks.sh that prints its lines without Jupyter: the plan's total from the cost
# table, the progress lines, the stamps and times of passed notebooks, --resume skipping what
# finished and re-running what changed or failed, the exit status, and results/index.html.
# About 30 s (one `go run` of the index). Prints "test_run_plan: ok" or the first failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/nb" "$tmp/results"
echo '{}' >"$tmp/nb/a.ipynb"
echo '{}' >"$tmp/nb/b.ipynb"
printf '# test costs\na\t1\t120\t-\tgmm40\nb\t1\t240\t-\t-\n' >"$tmp/costs.tsv"
# The stand-in: "--- NB", a run folder, "ok   NB (1 s) ..." (or FAIL for names in $FAIL_NB).
cat >"$tmp/runner.sh" <<'EOF'
#!/usr/bin/env bash
for nb in "$@"; do
  name="$(basename "$nb" .ipynb)"
  echo "$name" >>"$CALLS"
  echo "--- $nb"
  sleep 2
  mkdir -p "$IWSM_RESULTS/gmm40/$IWSM_BUDGET/$name-seed1"
  echo "{\"target\":\"gmm40\",\"method\":\"iwsm\",\"budget\":\"$IWSM_BUDGET\",\"seed\":1,\"metrics\":{\"x_w2\":1}}" \
    >"$IWSM_RESULTS/gmm40/$IWSM_BUDGET/$name-seed1/metrics.json"
  mkdir -p "$IWSM_NOTEBOOK_OUT" && echo '{}' >"$IWSM_NOTEBOOK_OUT/$name.ipynb"
  if [[ " ${FAIL_NB:-} " == *" $name "* ]]; then echo "FAIL $nb (2 s): executed copy"; failed=1; else echo "ok   $nb (2 s) -> copy"; fi
done
exit "${failed:-0}"
EOF
export IWSM_COSTS="$tmp/costs.tsv" IWSM_RUN_NOTEBOOKS="$tmp/runner.sh" IWSM_NOTEBOOK_OUT="$tmp/results/notebooks"
export IWSM_RESULTS="$tmp/results" IWSM_BUDGET=cpu IWSM_TICK=1 CALLS="$tmp/calls"
fail() { echo "test_run_plan: FAIL: $*"; echo "--- output:"; cat "$tmp/out"; exit 1; }
has() { grep -qF -- "$1" "$tmp/out" || fail "output lacks '$1'"; }
run() { : >"$CALLS"; set +e; bash "$ROOT/scripts/run_plan.sh" "$@" >"$tmp/out" 2>&1; rc=$?; set -e; }

run "$tmp/nb/a.ipynb" "$tmp/nb/b.ipynb"
((rc == 0)) || fail "exit status $rc, want 0"
has "plan: 2 notebook(s) at IWSM_BUDGET=cpu"
has "1. a                ~2 min"
has "expected total ~6 min"
has "progress: notebook 1 of 2 (a), elapsed <1 min, estimated 6 min left"
# After a (2 s against 120 s in the table) the estimate scales by at least 0.3: 240 × 0.3 = 72 s.
has "progress: notebook 2 of 2 (b), elapsed <1 min, estimated 1 min left"
grep -q "^progress: notebook 2 of 2 (b), elapsed <1 min, estimated" "$tmp/out" || fail "no ticker line"
[[ "$(cat "$IWSM_NOTEBOOK_OUT/a.done")" == budget=cpu && -f "$IWSM_NOTEBOOK_OUT/b.done" ]] || fail "stamps missing"
(($(wc -l <"$IWSM_NOTEBOOK_OUT/times.tsv") == 2)) || fail "times.tsv should have 2 lines"
[[ -s "$tmp/results/index.html" ]] || fail "no index.html"
grep -q '<section id="gmm40">' "$tmp/results/index.html" || fail "index.html has no gmm40 section"

# --resume: nothing to do; then a changed notebook runs again, and a failed one stays to do.
run --resume "$tmp/nb/a.ipynb" "$tmp/nb/b.ipynb"
has "plan: 0 notebook(s)"
has "skipped: finished at cpu"
[[ ! -s "$CALLS" ]] || fail "--resume ran $(cat "$CALLS")"
sleep 1 && touch "$tmp/nb/b.ipynb"
FAIL_NB=b run --resume "$tmp/nb/a.ipynb" "$tmp/nb/b.ipynb"
((rc == 1)) || fail "exit status $rc after a failed notebook, want 1"
[[ "$(cat "$CALLS")" == b ]] || fail "--resume after touching b ran '$(cat "$CALLS")', want b"
[[ ! -f "$IWSM_NOTEBOOK_OUT/b.done" ]] || fail "a failed notebook kept its stamp"
run --resume "$tmp/nb/a.ipynb" "$tmp/nb/b.ipynb"
[[ "$(cat "$CALLS")" == b ]] || fail "--resume after b failed ran '$(cat "$CALLS")', want b"
# An unfinished run of a's target (a checkpoint without metrics.json) makes a run again.
mkdir -p "$tmp/results/gmm40/cpu/idem-seed1/checkpoint"
run --resume "$tmp/nb/a.ipynb" "$tmp/nb/b.ipynb"
[[ "$(cat "$CALLS")" == a ]] || fail "--resume with an unfinished gmm40 run ran '$(cat "$CALLS")', want a"
IWSM_BUDGET=huge run --plan-only
((rc == 1)) && has "IWSM_BUDGET='huge'" || fail "a bad budget was accepted"
echo "test_run_plan: ok"
