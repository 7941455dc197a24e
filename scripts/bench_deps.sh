#!/usr/bin/env bash
# scripts/bench_deps.sh: `make bench-deps` (make bench runs it first). Installs the JAX peer's
# packages (scripts/peer_jax.py: jax, jaxlib and optax from PyPI, CPU), pinned with hashes in
# scripts/requirements-bench.txt, into their own virtual environment .venv-bench/ (git-ignored;
# make uninstall removes it). Not part of make install, so CI's install stays small.
#
# Why not .venv: jax 0.12 requires Python >= 3.12, and .venv may be made with 3.11 (the
# project's minimum). .venv-bench is made with the first Python >= 3.12 of: $IWSM_BENCH_PYTHON,
# python3.13, python3.12, python3 on PATH, pyenv's versions, /usr/bin/python3.1[2-9].
#
# Idempotent: pip runs only when the requirements file or the Python changed since the last
# install that finished (.venv-bench/.iwsm-requirements holds their hash) or jax does not
# import. Prints the venv's python on its last line. When something is missing it says so in
# one line and exits 1.
#
#   IWSM_BENCH_VENV=/path     the environment to use (default <checkout>/.venv-bench)
#   IWSM_BENCH_PYTHON=/path   the Python to make it with
#   PIP_INDEX_URL             a PyPI mirror (pip's own variable)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd -P)"
VENV="${IWSM_BENCH_VENV:-$ROOT/.venv-bench}"
REQ="$ROOT/scripts/requirements-bench.txt"
die() { echo "bench-deps: $*" >&2; exit 1; }

py_ok() { # py_ok PYTHON: Python >= 3.12 with venv and ensurepip
  [[ -n "$1" && -x "$1" ]] && "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' 2>/dev/null
}
find_python() {
  local p
  for p in "${IWSM_BENCH_PYTHON:-}" "$(command -v python3.13 || true)" "$(command -v python3.12 || true)" \
    "$(command -v python3 || true)" "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/bin/python3.1[2-9]; do
    if py_ok "$p"; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  return 1
}

[[ -f "$REQ" ]] || die "$REQ is missing from this checkout"
if [[ -n "${IWSM_BENCH_PYTHON:-}" ]] && ! py_ok "$IWSM_BENCH_PYTHON"; then
  die "IWSM_BENCH_PYTHON=$IWSM_BENCH_PYTHON is not a Python >= 3.12 with the venv module"
fi
if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
  PY="$(find_python)" || die "the JAX peer needs Python >= 3.12 with the venv module (jax 0.12 requires it) and none was found: install python3.12 (Debian: apt-get install python3.13 python3.13-venv) or set IWSM_BENCH_PYTHON=/path/to/python3.12"
  [[ ! -e "$VENV" || -f "$VENV/pyvenv.cfg" ]] || die "$VENV exists and is not a virtual environment: move it away or set IWSM_BENCH_VENV"
  rm -rf "$VENV"
  echo "bench-deps: making $VENV with $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))" >&2
  "$PY" -m venv "$VENV" >&2 || die "'$PY -m venv $VENV' failed (see above)"
fi
want="$("$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(sys.version.encode() + open(sys.argv[1], "rb").read()).hexdigest())' "$REQ")"
if [[ "$(cat "$VENV/.iwsm-requirements" 2>/dev/null)" == "$want" ]] && "$VENV/bin/python" -c 'import jax, jaxlib, optax' 2>/dev/null; then
  echo "bench-deps: jax, jaxlib and optax of scripts/requirements-bench.txt: present in $VENV" >&2
else
  echo "bench-deps: pip install --require-hashes -r scripts/requirements-bench.txt into $VENV" >&2
  rm -f "$VENV/.iwsm-requirements"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --require-hashes --only-binary=:all: --no-input \
    --progress-bar off -q -r "$REQ" >&2 ||
    die "pip could not install scripts/requirements-bench.txt into $VENV (see above; PyPI must be reachable once, or PIP_INDEX_URL set to a mirror; wheels exist for Linux x86-64 and Python 3.12/3.13)"
  "$VENV/bin/python" -c 'import jax, optax' || die "jax does not import in $VENV after the install (see above)"
  echo "$want" >"$VENV/.iwsm-requirements"
fi
echo "$VENV/bin/python"
