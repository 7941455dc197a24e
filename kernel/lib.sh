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

# Debian packages that bring Jupyter with /usr/bin/python3. jupyter-client adds the
# `jupyter kernelspec` command (list/remove kernels); the rest are what the notebooks need.
DEBIAN_JUPYTER_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client)

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

# iwsm_jupyter_ok JUPYTER: whether that jupyter can run `nbconvert --execute` (nbconvert >= 6
# depends on nbclient, so a working nbconvert implies nbclient).
iwsm_jupyter_ok() {
  local j="$1"
  [[ -n "$j" && -x "$j" ]] || return 1
  "$j" nbconvert --version >/dev/null 2>&1 || return 1
  # nbclient must import in the same Python as this jupyter. Beware: the python3 first on PATH
  # may be another one (pyenv), so use the interpreter named in jupyter's own #! line.
  local py
  py="$(head -n1 "$j" 2>/dev/null | sed -n 's/^#![[:space:]]*//p')"
  if [[ -n "$py" ]]; then
    # shellcheck disable=SC2086  # "/usr/bin/env python3" must split into words
    $py -c 'import nbclient' >/dev/null 2>&1 || return 1
  fi
  return 0
}

# iwsm_find_jupyter prints the jupyter command to use: $JUPYTER, then `jupyter` on PATH
# (a conda environment), then Debian's /usr/bin/jupyter.
iwsm_find_jupyter() {
  local j
  for j in "${JUPYTER:-}" "$(command -v jupyter 2>/dev/null || true)" /usr/bin/jupyter; do
    if iwsm_jupyter_ok "$j"; then
      printf '%s\n' "$j"
      return 0
    fi
  done
  return 1
}

# iwsm_kernel_dir JUPYTER prints where the kernelspec lives (user data dir, honours JUPYTER_DATA_DIR).
iwsm_kernel_dir() {
  local d
  d="$("$1" --data-dir 2>/dev/null)" || return 1
  [[ -n "$d" ]] || return 1
  printf '%s/kernels/%s\n' "$d" "$IWSM_KERNEL_NAME"
}

# iwsm_jupyter_python JUPYTER prints the Python interpreter that runs that jupyter (from its #!
# line), falling back to /usr/bin/python3 then python3. Not simply `python3`: on this kind of
# machine another python3 (pyenv) may come first on PATH without Jupyter's modules.
iwsm_jupyter_python() {
  local py
  py="$(head -n1 "$1" 2>/dev/null | sed -n 's/^#![[:space:]]*//p')"
  if [[ -n "$py" ]]; then printf '%s\n' "$py"; return 0; fi
  if [[ -x /usr/bin/python3 ]]; then echo /usr/bin/python3; else echo python3; fi
}

# iwsm_check_kernel_registered JUPYTER ROOT: the go-iwsm kernelspec exists and points at ROOT.
iwsm_check_kernel_registered() {
  local kdir
  kdir="$(iwsm_kernel_dir "$1")" || { iwsm_log "cannot ask '$1 --data-dir' where kernels live"; return 1; }
  if [[ ! -f "$kdir/kernel.json" ]]; then
    iwsm_log "kernel '$IWSM_KERNEL_NAME' is not registered ($kdir/kernel.json missing): run 'make install' (kernel/install.sh)"
    return 1
  fi
  if ! grep -qF "\"IWSM_MODULE_ROOT\": \"$2\"" "$kdir/kernel.json"; then
    iwsm_log "kernel '$IWSM_KERNEL_NAME' ($kdir) belongs to another checkout, not $2: run 'make install' here to re-register it"
    return 1
  fi
}
