#!/usr/bin/env bash
# kernel/install.sh: install what the "Go (IWSM)" Jupyter kernel needs, and register it.
#
#   bash kernel/install.sh        (also run by `make install`, `make run`, `make test`)
#
# Idempotent: every step checks first and only does what is missing, so a second run takes
# seconds and a run that stopped half-way is finished by the next one. What it does:
#   1. checks Go (>= the go line of go.mod);
#   2. Python: a virtual environment at .venv/ in the checkout (git-ignored), made with python3
#      (>= 3.11), with JupyterLab 4, Notebook 7, nbconvert 7 and nbclient from PyPI, installed
#      with `pip install --require-hashes -r kernel/requirements.txt` plus every other
#      kernel/requirements-*.txt (e.g. requirements-xla.txt). pip runs only when those files
#      changed since the last install that finished (.venv/.iwsm-requirements holds their hash)
#      or when kernel/venv_check.py finds a package an interrupted pip left half-installed;
#      a half-made .venv is made again, a missing pip restored with ensurepip; a working venv
#      that install.sh did not make (yours) is installed into, never removed;
#   3. `go mod download` for this module;
#   4. builds gonb (version from go.mod's tool directive), goimports (pinned) and, optionally,
#      gopls (pinned) into the kernelspec's own bin/ (never over your ~/go/bin tools);
#   5. registers the kernel "go-iwsm" ("Go (IWSM)") in the venv,
#      .venv/share/jupyter/kernels/go-iwsm/: kernel.json runs launch.sh, which starts gonb with
#      --go_work=<this checkout> (see kernel/README.md); `.venv/bin/jupyter lab` lists it;
#   6. pre-warms the Go build cache (`go build ./...`) so the first notebook cell is fast.
# When something cannot be installed it says exactly what and how, and exits 1.
#
# Environment knobs:
#   IWSM_VENV=/path     the virtual environment to make and use (default <checkout>/.venv)
#   IWSM_PYTHON=/path   the Python to make it with (default python3 on PATH, then /usr/bin/python3)
#   IWSM_GOPLS=0|1      build gopls (autocompletion in interactive notebooks); default 1,
#                       and 0 when CI=true (headless runs don't use it)
#   IWSM_SKIP_PREWARM=1 skip step 6
#   GO=/path/to/go      use this go instead of searching
#   PIP_INDEX_URL       a PyPI mirror (pip's own variable)
set -euo pipefail

# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"

MISSING=()   # what could not be installed, each with how to get it
WARNINGS=()
step() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; WARNINGS+=("$*"); }
missing() { printf 'MISSING: %s\n' "$*" >&2; MISSING+=("$*"); }
version_lt() { [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | sed -n 1p)" == "$1" ]]; }
# (grep reads captured output, never a pipe: with pipefail, `cmd | grep -q` fails on SIGPIPE.)
json_str() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

# ---------------------------------------------------------------- 1. Go
step "Go"
GO_CMD="$(iwsm_find_go)" || iwsm_die "the go command was not found (looked at \$GO, PATH and /usr/local/go/bin/go).
Install Go >= $(awk '$1=="go"{print $2; exit}' go.mod) (https://go.dev/dl/, or 'conda env create -f environment.yml') and run this again."
GO_BIN_DIR="$(cd "$(dirname "$GO_CMD")" && pwd -P)"
export PATH="$GO_BIN_DIR:$PATH"
GO_REQ="$(awk '$1=="go"{print $2; exit}' go.mod)"
GO_HAVE="$("$GO_CMD" env GOVERSION)"; GO_HAVE="${GO_HAVE#go}"; GO_HAVE="${GO_HAVE%% *}"
echo "    $GO_CMD: go$GO_HAVE (go.mod wants >= $GO_REQ)"
if version_lt "$GO_HAVE" "$GO_REQ"; then
  if [[ "$("$GO_CMD" env GOTOOLCHAIN)" == local* ]]; then
    iwsm_die "Go $GO_HAVE is older than go.mod's 'go $GO_REQ' and GOTOOLCHAIN=local forbids fetching a newer one.
Install Go >= $GO_REQ, or unset GOTOOLCHAIN so that the go command fetches go$GO_REQ from the module proxy."
  fi
  warn "Go $GO_HAVE < $GO_REQ: the go command will fetch toolchain go$GO_REQ from the module proxy"
fi
# The tools below are built for this module, not for a workspace the caller may have set.
export GOWORK=off

# ---------------------------------------------------------------- 2. Python: .venv with Jupyter
VENV="$(iwsm_venv)"
step "Python environment $VENV (JupyterLab, Notebook, nbconvert from kernel/requirements*.txt)"
shopt -s nullglob
REQ_FILES=("$ROOT"/kernel/requirements.txt "$ROOT"/kernel/requirements-*.txt)
shopt -u nullglob
VENV_MARK="$VENV/.iwsm-venv"          # written once the venv is known to work (made here, or found)
VENV_STAMP="$VENV/.iwsm-requirements" # the hash of the requirement files pip last installed
VENV_OK=0
# find_python: $IWSM_PYTHON, else python3 on PATH, else /usr/bin/python3; >= IWSM_PYTHON_MIN,
# with the venv and ensurepip modules (Debian: package python3-venv).
find_python() {
  local p v
  for p in "${IWSM_PYTHON:-}" "$(command -v python3 2>/dev/null || true)" /usr/bin/python3; do
    [[ -n "$p" && -x "$p" ]] || continue
    v="$("$p" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || continue
    version_lt "$v" "$IWSM_PYTHON_MIN" && continue
    "$p" -c 'import venv, ensurepip' 2>/dev/null || continue
    printf '%s\n' "$p"
    return 0
  done
  return 1
}
# venv_layout_only DIR: DIR holds nothing but what `python -m venv` makes (maybe half of it), so
# removing it loses nothing of yours.
venv_layout_only() {
  local e
  for e in "$1"/* "$1"/.[!.]*; do
    [[ -e "$e" ]] || continue
    case "$(basename "$e")" in bin | include | lib | lib64 | share | pyvenv.cfg | .iwsm-*) ;; *) return 1 ;; esac
  done
  return 0
}
# venv_usable DIR: a virtual environment whose python runs and has its site-packages.
venv_usable() {
  [[ -f "$1/pyvenv.cfg" ]] && "$1/bin/python" -c 'import os, sys, sysconfig
sys.exit(0 if sys.prefix != sys.base_prefix and os.path.isdir(sysconfig.get_paths()["purelib"]) else 1)' 2>/dev/null
}
if ((${#REQ_FILES[@]} == 0)) || [[ ! -f "$ROOT/kernel/requirements.txt" ]]; then
  missing "kernel/requirements.txt: not in this checkout (it pins the Python packages of .venv)"
elif ! PYTHON_CMD="$(find_python)"; then
  missing "Python >= $IWSM_PYTHON_MIN with the venv module (tried \$IWSM_PYTHON, python3 on PATH, /usr/bin/python3): on Debian 'sudo apt-get install python3 python3-venv', or set IWSM_PYTHON=/path/to/python3.11"
else
  # 2a. The venv itself: made when absent; one made elsewhere (yours) is used as it is; a
  #     half-made or broken one (no site-packages, python gone) is made again.
  if [[ -f "$VENV_MARK" ]] && "$VENV/bin/python" -c '' 2>/dev/null; then
    echo "    venv: present ($("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])'))"
  elif [[ -e "$VENV" ]] && venv_usable "$VENV"; then
    echo "    venv: $VENV was not made by kernel/install.sh (or its making was interrupted): installing into it"
    "$VENV/bin/python" -c 'import sys; print(sys.version)' >"$VENV_MARK"
  else
    if [[ -e "$VENV" ]]; then
      if ! venv_layout_only "$VENV"; then
        iwsm_die "$VENV exists but is neither a working virtual environment nor a half-made one: move it away (or set IWSM_VENV=/another/path) and run this again"
      fi
      echo "    venv: incomplete or broken (an interrupted install?): making it again"
      rm -rf "$VENV"
    fi
    echo "    venv: creating with $PYTHON_CMD ($("$PYTHON_CMD" -c 'import sys; print(sys.version.split()[0])'))"
    if "$PYTHON_CMD" -m venv "$VENV" && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
      "$VENV/bin/python" -c 'import sys; print(sys.version)' >"$VENV_MARK"
    else
      missing "a virtual environment at $VENV: '$PYTHON_CMD -m venv $VENV' failed (see above; Debian: 'sudo apt-get install python3-venv')"
    fi
  fi
  if [[ -f "$VENV_MARK" ]]; then
    # 2b. Packages an interrupted pip left half-installed: forget them, so pip installs them again.
    set +e
    "$VENV/bin/python" "$ROOT/kernel/venv_check.py" --repair
    vc=$?
    set -e
    # 2c. pip itself (removed by 2b when its files were incomplete): the venv's bundled copy.
    if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
      echo "    pip: missing or broken in the venv: reinstalling it (python -m ensurepip, offline)"
      "$VENV/bin/python" -m ensurepip --upgrade --default-pip >/dev/null || true
    fi
    # 2d. The packages: pip only when the requirement files changed since the last install that
    #     finished, or when 2b found something to repair.
    want_stamp="$("$VENV/bin/python" -c 'import hashlib, os, sys
h = hashlib.sha256(sys.version.encode())
for f in sys.argv[1:]:
    h.update(os.path.basename(f).encode() + b"\0" + open(f, "rb").read())
print(h.hexdigest())' "${REQ_FILES[@]}")"
    req_names="$(for f in "${REQ_FILES[@]}"; do printf '%s ' "kernel/$(basename "$f")"; done)"
    if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
      missing "pip in $VENV: ensurepip could not restore it; remove $VENV and run this again"
    elif ((vc == 0)) && [[ "$(cat "$VENV_STAMP" 2>/dev/null)" == "$want_stamp" ]]; then
      echo "    packages of ${req_names% }: present"
      VENV_OK=1
    else
      echo "    packages: pip install --require-hashes -r ${req_names% }"
      rm -f "$VENV_STAMP"
      pip_args=()
      for f in "${REQ_FILES[@]}"; do pip_args+=(-r "$f"); done
      if PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --require-hashes --no-input \
          --progress-bar off -q "${pip_args[@]}" && "$VENV/bin/python" "$ROOT/kernel/venv_check.py" &&
          "$VENV/bin/python" -m pip check >/dev/null; then
        echo "$want_stamp" >"$VENV_STAMP"
        VENV_OK=1
      else
        missing "Python packages of ${req_names% }: pip install into $VENV failed (see above; PyPI must be reachable once, or PIP_INDEX_URL set to a mirror)"
      fi
    fi
  fi
fi
JUPYTER_CMD=""
if ((VENV_OK)) && iwsm_jupyter_ok "$VENV/bin/jupyter"; then
  JUPYTER_CMD="$VENV/bin/jupyter"
  echo "    $("$VENV/bin/python" -c 'import importlib.metadata as m; print(", ".join("%s %s" % (p, m.version(p)) for p in ("jupyterlab", "notebook", "nbconvert", "nbclient")))')"
elif ((VENV_OK)); then
  missing "jupyter nbconvert in $VENV: installed but does not run ('$VENV/bin/jupyter nbconvert --version')"
fi

KDIR="$(iwsm_kernel_dir)"
BIN="$KDIR/bin"
mkdir -p "$BIN"

# ---------------------------------------------------------------- 3. modules
step "Go modules (go mod download)"
if ! "$GO_CMD" mod download; then
  missing "Go modules of go.mod: 'go mod download' failed (see above; the Go module proxy must be reachable, or GOPROXY/GOFLAGS=-mod=mod set right)"
fi

# ---------------------------------------------------------------- 4. Go tools
# installed_version BINARY MODULE: the version of MODULE that BINARY was built from ("" if none).
installed_version() {
  [[ -x "$1" ]] || return 0
  "$GO_CMD" version -m "$1" 2>/dev/null | awk -v m="$2" '($1=="mod"||$1=="dep") && $2==m {print $3}'
}
# go_install NAME MODULE VERSION PACKAGE_ARG...: builds into $BIN unless already at VERSION.
go_install() {
  local name="$1" module="$2" version="$3"; shift 3
  local have
  have="$(installed_version "$BIN/$name" "$module")"
  if [[ "$have" == "$version" ]]; then
    echo "    $name $version: present"
    return 0
  fi
  echo "    $name $version: building (${have:+was $have, }go install $*)"
  rm -f "$BIN/$name"  # a half-written binary from an interrupted run
  GOBIN="$BIN" "$GO_CMD" install "$@" && [[ "$(installed_version "$BIN/$name" "$module")" == "$version" ]]
}

step "Go tools into $BIN"
GONB_VERSION="$("$GO_CMD" list -m -f '{{.Version}}' "$GONB_MODULE" 2>/dev/null || true)"
if [[ -z "$GONB_VERSION" ]]; then
  missing "gonb: $GONB_MODULE is not in go.mod (it should be: 'tool $GONB_MODULE')"
elif ! go_install gonb "$GONB_MODULE" "$GONB_VERSION" "$GONB_MODULE"; then
  missing "gonb $GONB_VERSION: 'go install $GONB_MODULE' in $ROOT failed (see above)"
fi
# goimports and gopls come from the module proxy at pinned versions ('go install pkg@version'
# ignores go.mod). Run them from / so no go.mod or go.work around them is consulted.
if ! (cd / && go_install goimports "$GOIMPORTS_MODULE" "$GOIMPORTS_VERSION" "$GOIMPORTS_PKG@$GOIMPORTS_VERSION"); then
  missing "goimports: 'go install $GOIMPORTS_PKG@$GOIMPORTS_VERSION' failed (see above; needs the Go module proxy)"
fi
want_gopls="${IWSM_GOPLS:-}"
if [[ -z "$want_gopls" ]]; then
  if [[ "${CI:-}" == true ]]; then want_gopls=0; else want_gopls=1; fi
fi
if [[ "$want_gopls" == 1 ]]; then
  if ! (cd / && go_install gopls "$GOPLS_MODULE" "$GOPLS_VERSION" "$GOPLS_MODULE@$GOPLS_VERSION"); then
    warn "gopls $GOPLS_VERSION did not build (optional: only autocompletion/inspection in interactive notebooks need it)"
  fi
else
  echo "    gopls: skipped (IWSM_GOPLS=0 or CI=true; optional, for autocompletion only)"
fi

# ---------------------------------------------------------------- 5. kernelspec
step "Jupyter kernel $IWSM_KERNEL_NAME in $KDIR"
# plotly.js (the basic bundle, pinned in kernel/plotly/package-lock.json) for the notebooks'
# interactive views (plot.ShowInteractive embeds it in the cell output, so nothing is fetched
# when a notebook runs). Optional: without npm the static figures are unaffected.
PLOTLY_JS="$KDIR/plotly-basic.min.js"
PLOTLY_VERSION="$(sed -n 's/.*"plotly.js-basic-dist-min": "\(.*\)".*/\1/p' "$ROOT/kernel/plotly/package.json")"
if [[ -s "$PLOTLY_JS" && "$(cat "$KDIR/plotly.version" 2>/dev/null)" == "$PLOTLY_VERSION" ]]; then
  echo "    plotly.js $PLOTLY_VERSION: present"
elif ! command -v npm >/dev/null 2>&1; then
  warn "npm not found: the notebooks' interactive Plotly views are disabled (static figures are unaffected); 'sudo apt-get install npm', then run this again"
elif (cd "$ROOT/kernel/plotly" && npm ci --no-audit --no-fund >/dev/null 2>&1) &&
  cp "$ROOT/kernel/plotly/node_modules/plotly.js-basic-dist-min/plotly-basic.min.js" "$PLOTLY_JS.tmp" &&
  mv -f "$PLOTLY_JS.tmp" "$PLOTLY_JS" && echo "$PLOTLY_VERSION" >"$KDIR/plotly.version"; then
  echo "    plotly.js $PLOTLY_VERSION: installed (npm ci in kernel/plotly)"
else
  rm -f "$PLOTLY_JS.tmp"
  warn "plotly.js $PLOTLY_VERSION did not install ('npm ci' in kernel/plotly needs the npm registry once): interactive views are disabled, static figures are unaffected"
fi
cp "$ROOT/kernel/launch.sh" "$KDIR/launch.sh.tmp" && chmod 0755 "$KDIR/launch.sh.tmp" && mv -f "$KDIR/launch.sh.tmp" "$KDIR/launch.sh"
GONB_DIR="$("$GO_CMD" list -m -f '{{.Dir}}' "$GONB_MODULE" 2>/dev/null || true)"
if [[ -n "$GONB_DIR" && -f "$GONB_DIR/internal/kernel/Go_gopher_favicon.svg" ]]; then
  cp -f "$GONB_DIR/internal/kernel/Go_gopher_favicon.svg" "$KDIR/logo-svg.svg" && chmod 0644 "$KDIR/logo-svg.svg"
fi
BASH_CMD="$(command -v bash)"
{
  printf '{\n'
  printf '  "argv": [%s, %s, "{connection_file}"],\n' "$(json_str "$BASH_CMD")" "$(json_str "$KDIR/launch.sh")"
  printf '  "display_name": %s,\n' "$(json_str "$IWSM_KERNEL_DISPLAY")"
  printf '  "language": "go",\n'
  printf '  "interrupt_mode": "message",\n'
  printf '  "env": {\n'
  printf '    "IWSM_MODULE_ROOT": %s,\n' "$(json_str "$ROOT")"
  printf '    "IWSM_GO_BIN": %s,\n' "$(json_str "$GO_BIN_DIR")"
  printf '    "IWSM_VENV": %s,\n' "$(json_str "$VENV")"
  printf '    "IWSM_PLOTLY_JS": %s\n' "$(json_str "$PLOTLY_JS")"
  printf '  },\n'
  printf '  "metadata": {"installed_by": "kernel/install.sh", "gonb": %s}\n' "$(json_str "${GONB_VERSION:-unknown}")"
  printf '}\n'
} >"$KDIR/kernel.json.tmp"
mv -f "$KDIR/kernel.json.tmp" "$KDIR/kernel.json"
echo "    kernel.json -> gonb --go_work=$ROOT"
# An install from before .venv registered the kernel in Jupyter's user data directory
# (~/.local/share/jupyter/kernels/go-iwsm). If that one is this checkout's, it is superseded by
# the venv's: remove it. One of another checkout is left alone (its checkout may still use it).
USER_KDIR="$(iwsm_user_kernel_dir)"
if [[ -f "$USER_KDIR/kernel.json" && "$USER_KDIR" != "$KDIR" ]] &&
  grep -qF '"installed_by": "kernel/install.sh"' "$USER_KDIR/kernel.json" &&
  grep -qF "\"IWSM_MODULE_ROOT\": $(json_str "$ROOT")" "$USER_KDIR/kernel.json"; then
  rm -rf "$USER_KDIR"
  echo "    removed $USER_KDIR (an earlier install's kernelspec for this checkout; the kernel now lives in $VENV)"
fi
# Which kernelspec a plain `.venv/bin/jupyter lab` picks for the name. (The scripts put the
# venv's kernel directory first on JUPYTER_PATH, so they get this one in any case.)
if [[ -n "$JUPYTER_CMD" ]] && ! (unset JUPYTER_PATH; iwsm_check_kernel_registered "$JUPYTER_CMD" "$ROOT" 2>/dev/null); then
  warn "'$JUPYTER_CMD lab' would start another '$IWSM_KERNEL_NAME' kernel than $KDIR ($(unset JUPYTER_PATH; iwsm_check_kernel_registered "$JUPYTER_CMD" "$ROOT" 2>&1 | tail -n1)); remove that one ('jupyter kernelspec remove $IWSM_KERNEL_NAME' with the Jupyter that installed it) or start Jupyter with JUPYTER_PATH=$VENV/share/jupyter"
fi

# ---------------------------------------------------------------- 6. pre-warm
if [[ "${IWSM_SKIP_PREWARM:-0}" != 1 ]]; then
  step "Pre-warming the Go build cache (go build ./...)"
  # GoNB builds each cell with `go build` in its temp module; the library packages and their
  # dependencies (GoMLX, ...) then come from the build cache. gonbui is what cells use to display.
  # The same build settings as the kernel's cells (kernel/goenv.sh), or the cache would not match.
  # shellcheck source=kernel/goenv.sh
  source "$ROOT/kernel/goenv.sh"
  if ! "$GO_CMD" build ./...; then
    warn "the library does not build yet ('go build ./...' failed above): notebooks importing it will fail"
  fi
  "$GO_CMD" build "$GONB_MODULE/gonbui/..." 2>/dev/null || true
fi

# ---------------------------------------------------------------- summary
echo
if ((${#WARNINGS[@]})); then
  for w in "${WARNINGS[@]}"; do echo "warning: $w"; done
fi
if ((${#MISSING[@]})); then
  echo "kernel/install.sh: NOT complete. Missing:"
  for m in "${MISSING[@]}"; do echo "  - $m"; done
  exit 1
fi
echo "kernel/install.sh: OK. Kernel '$IWSM_KERNEL_NAME' (\"$IWSM_KERNEL_DISPLAY\") uses $ROOT"
rel_venv="${VENV#"$ROOT"/}"
echo "  open the notebooks with: $rel_venv/bin/jupyter lab notebooks/   (or: $rel_venv/bin/jupyter notebook notebooks/)"
