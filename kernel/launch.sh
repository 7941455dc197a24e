#!/usr/bin/env bash
# Jupyter starts this for the "Go (IWSM)" kernel: launch.sh {connection_file}
#
# kernel/install.sh copies it into the kernelspec directory next to kernel.json and bin/
# (gonb, goimports, gopls). kernel.json's "env" tells it where the checkout is:
#   IWSM_MODULE_ROOT  the directory with this project's go.mod
#   IWSM_GO_BIN       the directory holding the `go` used at install time
# It starts GoNB with --go_work=$IWSM_MODULE_ROOT: GoNB then writes, in its per-kernel temp
# directory, a go.work that `use`s the module (plus a `replace` in the temp go.mod), so a cell
# can `import "github.com/iwsm-go/iwsm/..."` with no set-up cell, wherever the notebook is.
# Extra arguments after the connection file go to gonb (e.g. --raw_error, --work).
set -euo pipefail

kdir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
conn="${1:?usage: launch.sh CONNECTION_FILE [gonb flags...]}"
shift

root="${IWSM_MODULE_ROOT:-}"
if [[ -z "$root" || ! -f "$root/go.mod" ]]; then
  echo "go-iwsm kernel: the IWSM module is not at '${root}' (checkout moved or deleted?)." >&2
  echo "Run kernel/install.sh (or 'make install') again from the checkout to re-register the kernel." >&2
  exit 1
fi

# GoNB's go.work lives in its temp directory and is found from there; a GOWORK (or
# GO111MODULE=off) inherited from the user's shell would override it.
unset GOWORK GO111MODULE

# Cells are built and run with the fast build of the Go backend (GOEXPERIMENT=simd and
# GODEBUG=asyncpreemptoff=1 on x86-64; IWSM_SIMD=0 in the environment Jupyter starts with turns it off).
# (A checkout older than goenv.sh keeps the plain build.)
if [[ -f "$root/kernel/goenv.sh" ]]; then
  # shellcheck source=kernel/goenv.sh
  source "$root/kernel/goenv.sh"
fi

# Cells' programs link without DWARF debug information (GOFLAGS=-ldflags=-w): GoNB builds a
# program for every cell it runs, and one that imports the notebook package links in about
# 2.6 s instead of 4.6 s this way (measured on 2 cores), while nothing a notebook does reads
# DWARF (a panic's stack trace comes from the symbol table, which stays). A GOFLAGS set in the
# environment Jupyter starts with is kept as it is (GOFLAGS= turns this off).
export GOFLAGS="${GOFLAGS--ldflags=-w}"

# GoNB runs `go`, `goimports` and (if present) `gopls` from PATH: put ours first.
export PATH="$kdir/bin${IWSM_GO_BIN:+:$IWSM_GO_BIN}:$PATH"

if [[ ! -x "$kdir/bin/gonb" ]]; then
  echo "go-iwsm kernel: $kdir/bin/gonb is missing; run kernel/install.sh again." >&2
  exit 1
fi

exec "$kdir/bin/gonb" --kernel "$conn" --go_work="$root" "$@"
