#!/usr/bin/env bash
# kernel/check.sh: does the registered "Go (IWSM)" kernel import the library with no set-up cell?
# Executes kernel/testdata/import_check.ipynb from a copy in a fresh temporary directory (so
# nothing depends on the notebook sitting inside the checkout) and checks its output. First,
# kernel/check_pins.py: environment.yml's pip pins agree with kernel/requirements.{in,txt}.
set -euo pipefail
# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$(iwsm_root)"
python3 "$ROOT/kernel/check_pins.py" "$ROOT" || iwsm_die "kernel check: environment.yml and kernel/requirements*.txt pin different packages (above)"
iwsm_use_venv  # JUPYTER_CMD, PY: the .venv's (kernel/install.sh makes it)

tmp="$(mktemp -d "${TMPDIR:-/tmp}/iwsm-kernel-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$ROOT/kernel/testdata/import_check.ipynb" "$tmp/"
start=$SECONDS
if ! (cd "$tmp" && "$JUPYTER_CMD" nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name="$IWSM_KERNEL_NAME" \
      --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.startup_timeout=120 \
      --output executed.ipynb import_check.ipynb >"$tmp/nbconvert.log" 2>&1); then
  grep -v '^[IWE][0-9]\{4\} ' "$tmp/nbconvert.log" | tail -n 30 >&2
  iwsm_die "kernel check: executing import_check.ipynb failed (nbconvert log above)"
fi
if ! "$PY" "$ROOT/scripts/check_notebook.py" "$tmp/executed.ipynb" \
    --label kernel/testdata/import_check.ipynb --expect "iwsm import check: ok"; then
  iwsm_die "kernel check: the library could not be imported from a notebook outside the checkout"
fi
"$PY" -c 'import json,sys; nb=json.load(open(sys.argv[1])); print("".join("".join(o.get("text","")) for c in nb["cells"] for o in c.get("outputs",[])), end="")' "$tmp/executed.ipynb" | sed 's/^/    /'
echo "kernel check: ok ($((SECONDS - start)) s, notebook run from $tmp)"
