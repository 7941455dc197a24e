#!/usr/bin/env bash
# scripts/run_notebooks.sh: execute the notebooks headless and fail on any failed cell.
#
#   IWSM_BUDGET=smoke scripts/run_notebooks.sh                 # all of notebooks/*.ipynb
#   scripts/run_notebooks.sh notebooks/gmm40.ipynb             # just these
#
# First it checks that notebooks/*.ipynb are what scripts/make_notebooks.py makes from
# notebooks/src/ (they are generated; edit the sources). For each notebook N it runs .venv's
# `jupyter nbconvert --to notebook --execute` with the "go-iwsm" kernel (kernel/install.sh makes
# .venv and registers the kernel there), with, in the environment of every cell:
#   IWSM_BUDGET   smoke | cpu | paper   (default cpu; `make test` and CI use smoke)
#   IWSM_RESULTS  <repo>/results unless set (runs go to TARGET/BUDGET/METHOD-seedS/ under it;
#                 smoke runs there are deleted first, so that each test run trains afresh)
# The executed notebook goes to results/notebooks/N.ipynb and the kernel's log to
# results/notebooks/N.log. All cells run (--allow-errors) so the executed notebook shows every
# failure; then scripts/check_notebook.py fails the notebook on any error output or any output
# text with "panic:", "exit status N" or a goroutine dump (GoNB reports some run-time failures
# only as text), printing the notebook and cell. The executed copy is then signed with
# `jupyter trust` (in your Jupyter data directory's signature database), so that JupyterLab and
# Notebook 7 show its interactive Plotly views when you open it.
#
# Per-cell timeout: IWSM_CELL_TIMEOUT seconds, default by budget: smoke 900, cpu 7200,
# paper none. A cell that times out fails its notebook.
# Exit status: 0 when every notebook passed, 1 otherwise. Last line: "notebooks: N passed, M failed".
set -euo pipefail

# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"

BUDGET="${IWSM_BUDGET:-cpu}"
case "$BUDGET" in
  smoke) default_timeout=900 ;;
  cpu) default_timeout=7200 ;;
  paper) default_timeout=-1 ;;
  *) iwsm_die "IWSM_BUDGET='$BUDGET': use smoke, cpu or paper" ;;
esac
TIMEOUT="${IWSM_CELL_TIMEOUT:-$default_timeout}"

iwsm_use_venv  # JUPYTER_CMD, PY: the .venv's (kernel/install.sh makes it)

# The notebooks are generated from notebooks/src/: running stale ones would test old code.
"$PY" "$ROOT/scripts/make_notebooks.py" --check >/dev/null ||
  { "$PY" "$ROOT/scripts/make_notebooks.py" --check; iwsm_die "notebooks/*.ipynb are not what notebooks/src/ makes (above)"; }

if (($# > 0)); then
  notebooks=("$@")
else
  shopt -s nullglob
  # 07_results (every *_results notebook) last: it collects the runs of all the others.
  notebooks=()
  for nb in notebooks/*.ipynb; do [[ $nb == *_results.ipynb ]] || notebooks+=("$nb"); done
  for nb in notebooks/*_results.ipynb; do notebooks+=("$nb"); done
  shopt -u nullglob
fi
if ((${#notebooks[@]} == 0)); then
  echo "run_notebooks: no notebooks/*.ipynb to run"
  echo "notebooks: 0 passed, 0 failed"
  exit 0
fi

# One results folder for all notebooks, so that 07_results.ipynb finds the runs of the others.
IWSM_RESULTS="${IWSM_RESULTS:-$ROOT/results}"
if [[ "$BUDGET" == smoke ]]; then
  # Smoke runs are throw-away: start them afresh so that every run trains (a finished run in
  # the results folder would only be resumed).
  rm -rf "$IWSM_RESULTS"/*/smoke
fi
OUT="$ROOT/results/notebooks"
mkdir -p "$OUT"
echo "run_notebooks: ${#notebooks[@]} notebook(s), IWSM_BUDGET=$BUDGET, per-cell timeout ${TIMEOUT}s, kernel $IWSM_KERNEL_NAME"
passed=0
failed=()
for nb in "${notebooks[@]}"; do
  [[ -f "$nb" ]] || iwsm_die "no such notebook: $nb"
  name="$(basename "$nb" .ipynb)"
  export IWSM_BUDGET="$BUDGET"
  export IWSM_RESULTS
  rm -f "$OUT/$name.ipynb"
  log="$OUT/$name.log"
  echo "--- $nb"
  start=$SECONDS
  ok=1
  # The kernel's cwd is the notebook's directory (nbconvert's default), as in interactive use.
  if ! "$JUPYTER_CMD" nbconvert --to notebook --execute --allow-errors \
      --ExecutePreprocessor.kernel_name="$IWSM_KERNEL_NAME" \
      --ExecutePreprocessor.timeout="$TIMEOUT" \
      --ExecutePreprocessor.startup_timeout=120 \
      --output-dir "$OUT" --output "$name.ipynb" "$nb" >"$log" 2>&1; then
    ok=0
    echo "FAIL $nb: nbconvert failed (a cell timed out after ${TIMEOUT}s, or the kernel died); end of $log:"
    # nbconvert's own message: from its last "SomethingError:" line on (else the last lines),
    # leaving out GoNB's log lines (klog: "I1128 12:00:00.000000 ...").
    grep -v '^[IWEF][0-9]\{4\} ' "$log" | awk '
      { line[NR] = $0 } /^[A-Za-z_.]*(Error|Exception)[A-Za-z]*:/ { from = NR }
      END { if (!from || NR - from > 40) from = NR - 24; if (from < 1) from = 1
            for (i = from; i <= NR; i++) print "    " line[i] }'
  fi
  if [[ -f "$OUT/$name.ipynb" ]]; then
    "$PY" "$ROOT/scripts/check_notebook.py" "$OUT/$name.ipynb" --label "$nb" || ok=0
    # Trust the executed copy (its outputs are this run's): JupyterLab and Notebook 7 run the
    # interactive views' scripts only in a trusted notebook.
    "$JUPYTER_CMD" trust "$OUT/$name.ipynb" >/dev/null 2>&1 || echo "warning: '$JUPYTER_CMD trust $OUT/$name.ipynb' failed: its interactive views show only once it is trusted"
  fi
  if ((ok)); then
    passed=$((passed + 1))
    echo "ok   $nb ($((SECONDS - start)) s) -> results/notebooks/$name.ipynb"
  else
    failed+=("$nb")
    if [[ -f "$OUT/$name.ipynb" ]]; then copy="executed copy results/notebooks/$name.ipynb"; else copy="no executed copy"; fi
    echo "FAIL $nb ($((SECONDS - start)) s): $copy, log results/notebooks/$name.log"
  fi
done

echo
if ((${#failed[@]})); then
  echo "failed notebooks: ${failed[*]}"
fi
echo "notebooks: $passed passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
