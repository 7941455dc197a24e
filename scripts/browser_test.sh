#!/usr/bin/env bash
# scripts/browser_test.sh: the browser test, in JupyterLab 4 and in Notebook 7. For each UI it
# starts a real server from .venv (`jupyter lab` / `jupyter notebook`, localhost, a random
# token) over a temporary folder holding a copy of the notebook (default
# notebooks/00_quickstart.ipynb), and drives headless Chromium with playwright-core
# (scripts/browser/run_notebook.mjs): open the notebook, Run All, wait, check that the inline
# figures, the interactive Plotly view and the training progress bar are displayed and no cell
# failed; save, reload the page, check the outputs again. Screenshots: results/browser/UI-*.png,
# the servers' logs results/browser/UI-server.log, the saved notebooks results/browser/UI-saved.ipynb.
#
#   bash scripts/browser_test.sh [NOTEBOOK]     (part of `make test`, at IWSM_BUDGET=smoke)
#   IWSM_BROWSER_UIS="lab"  bash scripts/browser_test.sh     only JupyterLab (default "lab notebook")
#
# Each server gets its own Jupyter config, data and runtime folders (so your settings,
# workspaces and notebook signatures are neither used nor touched); the kernel comes from
# .venv (kernel/install.sh). Installs what it needs when missing: Debian's chromium (apt-get, as
# root) and the npm package playwright-core (pinned in scripts/browser/package-lock.json; no
# browser download). Last line: "browser_test: ok" or "browser_test: FAIL ...".
set -euo pipefail
# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"
NB="${1:-notebooks/00_quickstart.ipynb}"
[[ -f "$NB" ]] || iwsm_die "no such notebook: $NB"
OUT="$ROOT/results/browser"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
UIS="${IWSM_BROWSER_UIS:-lab notebook}"

if [[ ! -x "$CHROMIUM" ]]; then
  if [[ $EUID == 0 ]] && command -v apt-get >/dev/null; then
    echo "browser_test: installing Debian's chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    iwsm_die "the browser test needs Chromium at $CHROMIUM: 'sudo apt-get install chromium' (or set CHROMIUM=/path)"
  fi
fi
command -v node >/dev/null && command -v npm >/dev/null ||
  iwsm_die "the browser test needs Node.js and npm (Debian: 'sudo apt-get install nodejs npm')"
if [[ ! -d scripts/browser/node_modules/playwright-core ]]; then
  (cd scripts/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null) ||
    iwsm_die "npm ci in scripts/browser failed (needs the npm registry once)"
fi
iwsm_use_venv  # JUPYTER_CMD, PY: the .venv's; its kernel first on JUPYTER_PATH

WORK="$(mktemp -d "${TMPDIR:-/tmp}/iwsm-browser.XXXXXX")"
server=""
stop_server() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT
rm -rf "$OUT" && mkdir -p "$OUT"
name="$(basename "$NB")"
failed=()
for ui in $UIS; do
  case "$ui" in
    lab) app=lab; page="lab/tree/$name" ;;
    notebook) app=notebook; page="notebooks/$name" ;;
    *) iwsm_die "IWSM_BROWSER_UIS: '$ui' is not lab or notebook" ;;
  esac
  dir="$WORK/$ui"
  mkdir -p "$dir/nb" "$dir/config" "$dir/data" "$dir/runtime"
  cp "$NB" "$dir/nb/$name"
  # No "Would you like to get notified about official Jupyter news?" toast over the screenshots
  # (and no request for the news feed): the user setting both UIs read.
  mkdir -p "$dir/config/lab/user-settings/@jupyterlab/apputils-extension"
  echo '{"fetchNews": "false"}' >"$dir/config/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
  port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  token="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
  start=$SECONDS
  JUPYTER_CONFIG_DIR="$dir/config" JUPYTER_DATA_DIR="$dir/data" JUPYTER_RUNTIME_DIR="$dir/runtime" \
    IWSM_BUDGET="${IWSM_BUDGET:-smoke}" IWSM_RESULTS="$dir/results" \
    "$JUPYTER_CMD" "$app" --no-browser --ip=127.0.0.1 --port="$port" --ServerApp.root_dir="$dir/nb" \
    --IdentityProvider.token="$token" --ServerApp.allow_root=True --expose-app-in-browser \
    >"$OUT/$ui-server.log" 2>&1 &
  server=$!
  up=0
  for _ in $(seq 120); do
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://127.0.0.1:$port/api/status?token=$token" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
  done
  if ((up == 0)); then
    tail -n 20 "$OUT/$ui-server.log" | sed 's/^/    /'
    failed+=("$ui: the server did not start (results/browser/$ui-server.log)")
    stop_server
    continue
  fi
  echo "browser_test: $("$JUPYTER_CMD" "$app" --version 2>/dev/null | tail -n1 | sed "s/^/$app /") on port $port ($((SECONDS - start)) s), opening $name in headless Chromium"
  if CHROMIUM="$CHROMIUM" IWSM_PY="$PY" JUPYTER_DATA_DIR="$dir/data" node scripts/browser/run_notebook.mjs "$ui" \
      "http://127.0.0.1:$port/$page?token=$token" "$dir/nb/$name" "$OUT" "${IWSM_CELL_TIMEOUT:-600}"; then
    echo "browser_test: $ui ok ($((SECONDS - start)) s)"
  else
    failed+=("$ui (see above; results/browser/$ui-*.png, $ui-server.log)")
  fi
  cp "$dir/nb/$name" "$OUT/$ui-saved.ipynb" 2>/dev/null || true  # the notebook as the UI saved it
  stop_server
done
if ((${#failed[@]})); then
  echo "browser_test: FAIL ${failed[*]}"
  exit 1
fi
echo "browser_test: ok ($UIS; screenshots in results/browser/)"
