#!/usr/bin/env bash
# scripts/browser_test.sh: the browser test. Starts a real Jupyter notebook server on
# localhost with the go-iwsm kernel, opens a notebook (default notebooks/00_quickstart.ipynb,
# copied to a temporary folder) in headless Chromium, runs all cells as a user would, and
# checks that an inline plot is displayed and no cell failed. Screenshots go to
# results/browser/ (the CI artefact).
#
#   bash scripts/browser_test.sh [NOTEBOOK]          (part of `make test`, at IWSM_BUDGET=smoke)
#
# Installs what it needs when missing: Debian's chromium (apt-get, as root) and the npm package
# playwright-core (pinned in scripts/browser/package-lock.json; no browser download).
set -euo pipefail
# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"
NB="${1:-notebooks/00_quickstart.ipynb}"
OUT="$ROOT/results/browser"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$CHROMIUM" ]]; then
  if [[ $EUID == 0 ]] && command -v apt-get >/dev/null; then
    echo "browser_test: installing Debian's chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    iwsm_die "the browser test needs Chromium at $CHROMIUM: 'sudo apt-get install chromium' (or set CHROMIUM=/path)"
  fi
fi
command -v npm >/dev/null || iwsm_die "the browser test needs Node.js and npm (Debian: 'sudo apt-get install nodejs npm')"
if [[ ! -d scripts/browser/node_modules/playwright-core ]]; then
  (cd scripts/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null) ||
    iwsm_die "npm ci in scripts/browser failed (needs the npm registry once)"
fi
JUPYTER_CMD="$(iwsm_find_jupyter)" || iwsm_die "no Jupyter found: run 'make install'"
iwsm_check_kernel_registered "$JUPYTER_CMD" "$ROOT" || exit 1

WORK="$(mktemp -d)"
cp "$NB" "$WORK/"
name="$(basename "$NB")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
rm -rf "$OUT" && mkdir -p "$OUT"
IWSM_BUDGET="${IWSM_BUDGET:-smoke}" IWSM_RESULTS="$WORK/results" \
  "$JUPYTER_CMD" notebook --no-browser --ip=127.0.0.1 --port="$port" --notebook-dir="$WORK" \
  --NotebookApp.token="$token" --allow-root >"$OUT/jupyter.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null 2>&1 && break
  sleep 1
done
echo "browser_test: Jupyter on port $port, opening $name in headless Chromium"
CHROMIUM="$CHROMIUM" node scripts/browser/run_notebook.mjs \
  "http://127.0.0.1:$port/notebooks/$name?token=$token" "$OUT" "${IWSM_CELL_TIMEOUT:-600}"
