#!/usr/bin/env bash
# scripts/run_plan.sh: print a plan with the expected time, execute notebooks with an overall
# progress line, then write results/index.html (make run, make reproduce).
#
#   scripts/run_plan.sh notebooks/00_quickstart.ipynb notebooks/01_gmm40.ipynb   # make run
#   scripts/run_plan.sh --resume                                                 # make reproduce
#   scripts/run_plan.sh --plan-only [NOTEBOOK...]                                # just the plan
#
# IWSM_BUDGET (smoke | cpu | paper, default cpu) and IWSM_RESULTS are passed on to
# scripts/run_notebooks.sh, which executes the notebooks (one call for all of them, so that
# its results folder holds every run). The expected times come from scripts/notebook_costs.tsv;
# the time left is the table's cost of what remains, scaled by how fast the finished
# notebooks ran against the table. Every minute a line says where the run is.
#
# --resume skips a notebook whose executed copy (results/notebooks/N.ipynb) passed at the same
# budget after the notebook was last changed (the stamp results/notebooks/N.done) and whose
# target has no unfinished run (a run folder with a checkpoint but no metrics.json); training
# resumes from checkpoints anyway. Smoke runs are never skipped: run_notebooks.sh deletes them.
# Each executed notebook's wall time is appended to results/notebooks/times.tsv.
# For scripts/test_run_plan.sh: IWSM_COSTS replaces the cost table, IWSM_RUN_NOTEBOOKS the
# runner, IWSM_NOTEBOOK_OUT results/notebooks (the page goes next to it), IWSM_TICK the 60 s.
# Exit status: run_notebooks.sh's (0 when every notebook passed), 1 when the page failed.
set -euo pipefail

# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"

resume=0 plan_only=0
args=()
for a in "$@"; do
  case "$a" in
    --resume) resume=1 ;;
    --plan-only) plan_only=1 ;;
    -*) iwsm_die "run_plan: unknown option $a (use --resume, --plan-only)" ;;
    *) args+=("$a") ;;
  esac
done
BUDGET="${IWSM_BUDGET:-cpu}"
case "$BUDGET" in smoke) col=2 ;; cpu) col=3 ;; paper) col=4 ;; *) iwsm_die "IWSM_BUDGET='$BUDGET': use smoke, cpu or paper" ;; esac
RESULTS="${IWSM_RESULTS:-$ROOT/results}"
OUT="${IWSM_NOTEBOOK_OUT:-$ROOT/results/notebooks}" # where run_notebooks.sh puts executed copies
INDEX="$(dirname "$OUT")/index.html"
TICK="${IWSM_TICK:-60}"
COSTS="${IWSM_COSTS:-$ROOT/scripts/notebook_costs.tsv}"
# The notebook runner; scripts/test_run_plan.sh puts a stand-in here.
RUNNER="${IWSM_RUN_NOTEBOOKS:-$ROOT/scripts/run_notebooks.sh}"
[[ -f "$COSTS" ]] || iwsm_die "run_plan: $COSTS is missing"
if ((${#args[@]} == 0)); then
  shopt -s nullglob
  # 07_results (every *_results notebook) last: it collects the runs of all the others.
  for nb in notebooks/*.ipynb; do [[ $nb == *_results.ipynb ]] || args+=("$nb"); done
  for nb in notebooks/*_results.ipynb; do args+=("$nb"); done
  shopt -u nullglob
fi
((${#args[@]} > 0)) || iwsm_die "run_plan: no notebooks to run"

# cost NAME: the table's seconds for the notebook at the budget ("-" when unknown).
cost() { awk -F'\t' -v n="$1" -v c="$col" '!/^#/ && $1 == n { print $c; found = 1 } END { if (!found) print "-" }' "$COSTS"; }
targets_of() { awk -F'\t' -v n="$1" '!/^#/ && $1 == n { print $5 }' "$COSTS"; }
# minutes SECONDS: "~24 min", "~3.6 h" or "<1 min".
minutes() { awk -v s="$1" 'BEGIN { m = s / 60; if (m < 1) print "<1 min"; else if (m < 100) printf "~%.0f min\n", m; else printf "~%.1f h\n", m / 60 }'; }

# finished NAME: the notebook passed at this budget since it was last changed, and its
# target has no unfinished run.
finished() {
  local name="$1" nb="$2" t d
  [[ "$BUDGET" != smoke ]] || return 1
  [[ -f "$OUT/$name.done" && -f "$OUT/$name.ipynb" && "$OUT/$name.done" -nt "$nb" ]] || return 1
  [[ "$(cat "$OUT/$name.done")" == "budget=$BUDGET" ]] || return 1
  t="$(targets_of "$name")"
  if [[ -n "$t" && "$t" != - ]]; then
    for d in "$RESULTS/$t/$BUDGET"/*/; do
      [[ -d "$d/checkpoint" && ! -f "$d/metrics.json" ]] && return 1
    done
  fi
  return 0
}

todo=() skipped=() total=0 unknown=0
for nb in "${args[@]}"; do
  [[ -f "$nb" ]] || iwsm_die "run_plan: no such notebook: $nb"
  name="$(basename "$nb" .ipynb)"
  if ((resume)) && finished "$name" "$nb"; then
    skipped+=("$name")
    continue
  fi
  todo+=("$nb")
  c="$(cost "$name")"
  if [[ "$c" == - ]]; then unknown=$((unknown + 1)); else total=$((total + c)); fi
done

cores="$(nproc 2>/dev/null || echo '?')"
load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
echo "plan: ${#todo[@]} notebook(s) at IWSM_BUDGET=$BUDGET on $cores cores (load average now $load), results in $RESULTS"
i=0
for nb in "${todo[@]}"; do
  i=$((i + 1))
  name="$(basename "$nb" .ipynb)"
  c="$(cost "$name")"
  if [[ "$c" == - ]]; then est="unknown (not measured)"; else est="$(minutes "$c")"; fi
  printf '  %d. %-16s %s\n' "$i" "$name" "$est"
done
for name in "${skipped[@]}"; do printf '     %-16s skipped: finished at %s (results/notebooks/%s.ipynb)\n' "$name" "$BUDGET" "$name"; done
if ((unknown == ${#todo[@]} && unknown > 0)); then
  msg="expected total unknown: no measured cost at $BUDGET"
else
  msg="expected total $(minutes "$total")"
  ((unknown == 0)) || msg+=" plus $unknown notebook(s) of unknown cost"
fi
echo "  $msg (scripts/notebook_costs.tsv: measured on an idle 2-core machine where it says so, else on shared cores)"
if [[ "$load" != '?' && "$cores" != '?' ]] && awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
  echo "  the load average ($load) exceeds the $cores cores: other work shares them, so expect longer"
fi
echo "  then: results/index.html (figures and tables of every finished run)"
((plan_only)) && exit 0

mkdir -p "$OUT"
state="$(mktemp)"
trap 'rm -f "$state"' EXIT
start=$SECONDS
# left NOW_INDEX RUNNING_FOR: the estimated seconds left, the table's cost of the notebooks
# not finished scaled by the speed of those finished (done_actual / done_table).
left() {
  local k="$1" running="$2" s=0 n c
  for ((n = k; n <= ${#todo[@]}; n++)); do
    c="$(cost "$(basename "${todo[n - 1]}" .ipynb)")"
    [[ "$c" == - ]] && continue
    if ((n == k)); then s=$((s + (c > running ? c - running : 0))); else s=$((s + c)); fi
  done
  awk -v s="$s" -v a="${done_actual:-0}" -v t="${done_table:-0}" 'BEGIN { r = (t > 0) ? a / t : 1; if (r < 0.3) r = 0.3; if (r > 5) r = 5; printf "%d\n", s * r }'
}
progress() { # K NAME RUNNING_FOR
  local l
  l="$(left "$1" "$3")"
  printf 'progress: notebook %d of %d (%s), elapsed %s, estimated %s left\n' "$1" "${#todo[@]}" "$2" \
    "$(minutes $((SECONDS - start)) | tr -d '~')" "$(minutes "$l" | tr -d '~')"
}

# The ticker prints the progress line every minute from the state the reader writes.
(
  while sleep "$TICK"; do
    read -r k name since done_actual done_table <"$state" 2>/dev/null || continue
    [[ -n "${k:-}" && "${name:-}" != - ]] || continue
    progress "$k" "$name" $((SECONDS - since))
  done
) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true; rm -f "$state"' EXIT

status=0
if ((${#todo[@]})); then
  export IWSM_BUDGET="$BUDGET" IWSM_RESULTS="$RESULTS"
  k=0 done_actual=0 done_table=0 since=$SECONDS name=""
  # run_notebooks.sh prints "--- NOTEBOOK" when it starts one and "ok   NOTEBOOK (N s) ..." when
  # it passed; everything it prints is passed on.
  while IFS= read -r line; do
    if [[ "$line" == "run_plan-status "* ]]; then
      status="${line#run_plan-status }"
      continue
    fi
    echo "$line"
    case "$line" in
      "--- "*)
        k=$((k + 1)) since=$SECONDS name="$(basename "${line#--- }" .ipynb)"
        rm -f "$OUT/$name.done" # an interrupted run leaves no stamp
        echo "$k $name $since $done_actual $done_table" >"$state"
        progress "$k" "$name" 0
        ;;
      "ok   "* | "FAIL "*" s): "*)
        [[ -n "$name" ]] || continue
        took=$((SECONDS - since))
        c="$(cost "$name")"
        if [[ "$c" != - ]]; then done_actual=$((done_actual + took)) done_table=$((done_table + c)); fi
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$BUDGET" "$took" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/times.tsv"
        if [[ "$line" == "ok   "* ]]; then echo "budget=$BUDGET" >"$OUT/$name.done"; else rm -f "$OUT/$name.done"; fi
        echo "$((k + 1)) - $SECONDS $done_actual $done_table" >"$state"
        name=""
        ;;
    esac
  done < <(
    rc=0
    bash "$RUNNER" "${todo[@]}" 2>&1 || rc=$?
    echo "run_plan-status $rc"
  )
fi
kill "$ticker" 2>/dev/null || true
echo "run_plan: ${#todo[@]} notebook(s) run, ${#skipped[@]} skipped, $(minutes $((SECONDS - start)) | tr -d '~') in all"

# The results page, whatever passed (it shows every finished run).
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if compgen -G "$RESULTS/*/*/*/metrics.json" >/dev/null; then
  "$GO" run ./iwsm/cmd/iwsm index -out "$INDEX" "$RESULTS" || status=1
else
  echo "run_plan: no finished run under $RESULTS, no $INDEX"
fi
exit "$status"
