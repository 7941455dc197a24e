# shellcheck shell=bash disable=SC2034
# Shared helpers for kernel/install.sh and scripts/run_notebooks.sh. Source it, don't run it.
#
# Everything here is read-only: it finds things and says what is missing.

# The Jupyter kernel name and display name. Notebooks name the kernel in their metadata
# ("kernelspec": {"name": "go-iwsm"}), so changing IWSM_KERNEL_NAME breaks them.
IWSM_KERNEL_NAME="${IWSM_KERNEL_NAME:-go-iwsm}"
IWSM_KERNEL_DISPLAY="${IWSM_KERNEL_DISPLAY:-Go (IWSM)}"

# Pinned Go tools (see kernel/README.md for why these versions).
GOIMPORTS_MODULE="golang.org/x/tools"
GOIMPORTS_PKG="golang.org/x/tools/cmd/goimports"
GOIMPORTS_VERSION="v0.52.0"  # newest x/tools that builds with Go 1.26 (2026-11)
GOPLS_MODULE="golang.org/x/tools/gopls"
GOPLS_VERSION="v0.23.0"      # v0.24.0 needs Go 1.27
GONB_MODULE="github.com/janpfeifer/gonb"  # version: go.mod's (tool directive)

# The Python that .venv is made from must be at least this version: kernel/requirements.txt is
# compiled (pip-compile) for Python 3.11, and older Pythons need back-ports it does not pin.
IWSM_PYTHON_MIN="3.11"

iwsm_log() { printf '%s\n' "$*" >&2; }
iwsm_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# iwsm_root prints the module root (the directory holding this repository's go.mod).
iwsm_root() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
  dirname "$here"
}

# iwsm_find_go prints the path of the go command: $GO, then PATH, then /usr/local/go/bin/go.
iwsm_find_go() {
  local g
  for g in "${GO:-}" "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
    if [[ -n "$g" && -x "$g" ]]; then
      printf '%s\n' "$g"
      return 0
    fi
  done
  return 1
}

# iwsm_venv prints the virtual environment kernel/install.sh makes and the scripts use:
# $IWSM_VENV if set (the install test uses a throw-away one), else <checkout>/.venv.
iwsm_venv() {
  local v="${IWSM_VENV:-$(iwsm_root)/.venv}"
  case "$v" in /*) ;; *) v="$PWD/$v" ;; esac
  printf '%s\n' "$v"
}

# iwsm_kernel_dir prints where install.sh registers the kernel: inside the venv (Jupyter's
# sys-prefix kernel directory, .venv/share/jupyter/kernels/go-iwsm).
iwsm_kernel_dir() {
  printf '%s/share/jupyter/kernels/%s\n' "$(iwsm_venv)" "$IWSM_KERNEL_NAME"
}

# iwsm_user_kernel_dir prints where the kernel of earlier installs (before .venv) was: Jupyter's
# user data directory. A kernelspec of the same name there shadows the venv's for a plain
# `.venv/bin/jupyter lab` (user kernels come before sys-prefix ones).
iwsm_user_kernel_dir() {
  local d="${JUPYTER_DATA_DIR:-}"
  if [[ -z "$d" ]]; then
    if [[ "$(uname -s)" == Darwin ]]; then d="$HOME/Library/Jupyter"; else d="${XDG_DATA_HOME:-$HOME/.local/share}/jupyter"; fi
  fi
  printf '%s/kernels/%s\n' "$d" "$IWSM_KERNEL_NAME"
}

# iwsm_jupyter_ok JUPYTER: whether that (venv's) jupyter has the commands the scripts run
# (nbconvert, lab, notebook, trust) and nbclient next to it. Cheap: nothing is imported
# (`jupyter nbconvert --version` takes seconds); install.sh checks the packages themselves.
iwsm_jupyter_ok() {
  local j="$1" d c
  [[ -n "$j" && -x "$j" ]] || return 1
  d="$(dirname "$j")"
  for c in jupyter-nbconvert jupyter-lab jupyter-notebook jupyter-trust jupyter-kernelspec; do
    [[ -x "$d/$c" ]] || return 1
  done
  "$d/python" -c 'import importlib.util as u, sys
sys.exit(0 if all(u.find_spec(m) for m in ("nbclient", "nbconvert", "jupyterlab", "notebook")) else 1)' >/dev/null 2>&1
}

# iwsm_use_venv: for the scripts that run notebooks. Sets JUPYTER_CMD (the venv's jupyter) and
# PY (the venv's python), puts the venv's kernel directory first on JUPYTER_PATH (so it wins over
# a user-level kernelspec of the same name, e.g. one an older install left in
# ~/.local/share/jupyter), and checks that the kernel is registered for this checkout.
# Exits with one line naming what is missing.
iwsm_use_venv() {
  local venv root
  venv="$(iwsm_venv)"
  root="$(iwsm_root)"
  JUPYTER_CMD="$venv/bin/jupyter"
  PY="$venv/bin/python"
  iwsm_jupyter_ok "$JUPYTER_CMD" || iwsm_die "no Jupyter in $venv (nbconvert/nbclient missing): run 'make install' (kernel/install.sh)"
  export JUPYTER_PATH="$venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
  iwsm_check_kernel_registered "$JUPYTER_CMD" "$root" || exit 1
}

# iwsm_check_kernel_registered JUPYTER ROOT: the go-iwsm kernelspec is in the venv, points at
# ROOT, and is the one JUPYTER resolves the name to (with the JUPYTER_PATH of this shell).
iwsm_check_kernel_registered() {
  local kdir found
  kdir="$(iwsm_kernel_dir)"
  if [[ ! -f "$kdir/kernel.json" ]]; then
    iwsm_log "kernel '$IWSM_KERNEL_NAME' is not registered ($kdir/kernel.json missing): run 'make install' (kernel/install.sh)"
    return 1
  fi
  if ! grep -qF "\"IWSM_MODULE_ROOT\": \"$2\"" "$kdir/kernel.json"; then
    iwsm_log "kernel '$IWSM_KERNEL_NAME' ($kdir) belongs to another checkout, not $2: run 'make install' here to re-register it"
    return 1
  fi
  found="$("$(dirname "$1")/python" -c 'import sys
from jupyter_client.kernelspec import KernelSpecManager
print(KernelSpecManager().get_kernel_spec(sys.argv[1]).resource_dir)' "$IWSM_KERNEL_NAME" 2>/dev/null)" || found=""
  if [[ "$(cd "$found" 2>/dev/null && pwd -P)" != "$(cd "$kdir" && pwd -P)" ]]; then
    iwsm_log "'$1' resolves kernel '$IWSM_KERNEL_NAME' to '${found:-nothing}', not $kdir (JUPYTER_PATH=${JUPYTER_PATH:-})"
    return 1
  fi
}
