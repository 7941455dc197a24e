#!/usr/bin/env bash
# kernel/install.sh: install what the "Go (IWSM)" Jupyter kernel needs, and register it.
#
#   bash kernel/install.sh        (also run by `make install`, `make run`, `make test`)
#
# Idempotent: every step checks first and only does what is missing, so a second run takes
# seconds and a run that stopped half-way is finished by the next one. What it does:
#   1. checks Go (>= the go line of go.mod);
#   2. Jupyter: on Debian installs jupyter-notebook jupyter-nbconvert python3-nbclient
#      python3-ipykernel jupyter-client with apt-get when missing (apt-get update only when the
#      package lists lack them); elsewhere uses the `jupyter` on PATH (e.g. conda, see
#      environment.yml);
#   3. `go mod download` for this module;
#   4. builds gonb (version from go.mod's tool directive), goimports (pinned) and, optionally,
#      gopls (pinned) into the kernelspec's own bin/ (never over your ~/go/bin tools);
#   5. registers the kernel "go-iwsm" ("Go (IWSM)") in Jupyter's user data directory: kernel.json
#      runs launch.sh, which starts gonb with --go_work=<this checkout> (see kernel/README.md);
#   6. pre-warms the Go build cache (`go build ./...`) so the first notebook cell is fast.
# When something cannot be installed it says exactly what and how, and exits 1.
#
# Environment knobs:
#   IWSM_SKIP_APT=1     never call apt-get (just report missing Debian packages)
#   IWSM_GOPLS=0|1      build gopls (autocompletion in interactive notebooks); default 1,
#                       and 0 when CI=true (headless runs don't use it)
#   IWSM_SKIP_PREWARM=1 skip step 6
#   JUPYTER=/path/to/jupyter, GO=/path/to/go   use these instead of searching
#   JUPYTER_DATA_DIR    where Jupyter keeps user kernelspecs (Jupyter's own variable)
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
deb_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }
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

# ---------------------------------------------------------------- 2. Jupyter
step "Jupyter"
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  apt_missing=()
  for p in "${DEBIAN_JUPYTER_PACKAGES[@]}"; do
    deb_installed "$p" || apt_missing+=("$p")
  done
  if ((${#apt_missing[@]} == 0)); then
    echo "    Debian packages present: ${DEBIAN_JUPYTER_PACKAGES[*]}"
  else
    echo "    Debian packages missing: ${apt_missing[*]}"
    APT_CMD="apt-get install -y --no-install-recommends ${apt_missing[*]}"
    SUDO=()
    can_apt=1
    if [[ "${IWSM_SKIP_APT:-0}" == 1 ]]; then
      can_apt=0
    elif ((EUID != 0)); then
      if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else can_apt=0; fi
    fi
    if ((can_apt == 0)); then
      if iwsm_find_jupyter >/dev/null; then
        warn "not installing Debian packages ${apt_missing[*]} (no root/sudo, or IWSM_SKIP_APT=1); using $(iwsm_find_jupyter)"
      else
        missing "Jupyter (Debian packages ${apt_missing[*]}): run 'sudo $APT_CMD' (or use conda: environment.yml), then run this again"
      fi
    else
      export DEBIAN_FRONTEND=noninteractive
      apt_get=("${SUDO[@]}" apt-get -q -o DPkg::Lock::Timeout=600)
      # An earlier run interrupted inside dpkg leaves half-configured packages: finish them.
      if [[ -n "$("${SUDO[@]}" dpkg --audit 2>/dev/null)" ]]; then
        echo "    finishing an interrupted dpkg run (dpkg --configure -a)"
        "${SUDO[@]}" dpkg --configure -a || true
      fi
      # apt-get update only when the package lists don't know a package we need.
      need_update=0
      for p in "${apt_missing[@]}"; do
        grep -q 'Candidate: [^(]' <<<"$(apt-cache policy "$p" 2>/dev/null)" || need_update=1
      done
      if ((need_update)); then "${apt_get[@]}" update || true; fi
      if ! "${apt_get[@]}" install -y --no-install-recommends "${apt_missing[@]}"; then
        if ((need_update == 0)); then  # stale lists (404s): refresh once and retry
          "${apt_get[@]}" update || true
          "${apt_get[@]}" install -y --no-install-recommends "${apt_missing[@]}" || true
        fi
      fi
      still=()
      for p in "${apt_missing[@]}"; do
        deb_installed "$p" || still+=("$p")
      done
      if ((${#still[@]})); then
        msg="Debian packages ${still[*]} did not install (see apt-get's messages above); try 'sudo apt-get update && sudo apt-get install -y --no-install-recommends ${still[*]}'"
        if iwsm_find_jupyter >/dev/null; then warn "$msg; using $(iwsm_find_jupyter) meanwhile"; else missing "$msg"; fi
      fi
    fi
  fi
fi
JUPYTER_CMD=""
if JUPYTER_CMD="$(iwsm_find_jupyter)"; then
  echo "    jupyter: $JUPYTER_CMD (nbconvert $("$JUPYTER_CMD" nbconvert --version 2>/dev/null))"
else
  JUPYTER_CMD=""
  if ((${#MISSING[@]} == 0)); then
    missing "a Jupyter with nbconvert and nbclient: none found (tried \$JUPYTER, 'jupyter' on PATH, /usr/bin/jupyter). On Debian: 'sudo apt-get install ${DEBIAN_JUPYTER_PACKAGES[*]}'; elsewhere: 'conda env create -f environment.yml' or 'pip install notebook nbconvert nbclient'"
  fi
fi

# Where the kernelspec goes: Jupyter's user data dir (what `jupyter --data-dir` prints).
if [[ -n "$JUPYTER_CMD" ]] && KDIR="$(iwsm_kernel_dir "$JUPYTER_CMD")"; then
  :
elif [[ -n "${JUPYTER_DATA_DIR:-}" ]]; then
  KDIR="$JUPYTER_DATA_DIR/kernels/$IWSM_KERNEL_NAME"
elif [[ "$(uname -s)" == Darwin ]]; then
  KDIR="$HOME/Library/Jupyter/kernels/$IWSM_KERNEL_NAME"
else
  KDIR="${XDG_DATA_HOME:-$HOME/.local/share}/jupyter/kernels/$IWSM_KERNEL_NAME"
fi
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
  printf '    "IWSM_PLOTLY_JS": %s\n' "$(json_str "$PLOTLY_JS")"
  printf '  },\n'
  printf '  "metadata": {"installed_by": "kernel/install.sh", "gonb": %s}\n' "$(json_str "${GONB_VERSION:-unknown}")"
  printf '}\n'
} >"$KDIR/kernel.json.tmp"
mv -f "$KDIR/kernel.json.tmp" "$KDIR/kernel.json"
echo "    kernel.json -> gonb --go_work=$ROOT"
if [[ -n "$JUPYTER_CMD" ]] && "$JUPYTER_CMD" kernelspec list >/dev/null 2>&1; then
  if ! grep -q "^ *$IWSM_KERNEL_NAME " <<<"$("$JUPYTER_CMD" kernelspec list 2>/dev/null)"; then
    warn "'$JUPYTER_CMD kernelspec list' does not show $IWSM_KERNEL_NAME (is JUPYTER_DATA_DIR or JUPYTER_PATH set differently for Jupyter?)"
  fi
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
echo "  open notebooks with: $JUPYTER_CMD notebook notebooks/"
