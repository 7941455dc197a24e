#!/usr/bin/env bash
# kernel/test_install.sh: kernel/install.sh is idempotent, finishes a half-done install, and
# names what is missing when it cannot install something. Runs against a throw-away Jupyter
# data directory (JUPYTER_DATA_DIR), so the kernel you use is never touched.
#
#   bash kernel/test_install.sh     (part of `make test`)
set -euo pipefail
# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export JUPYTER_DATA_DIR="$TMP/jupyter" IWSM_GOPLS=0 IWSM_SKIP_PREWARM=1 IWSM_SKIP_APT=1
KDIR="$JUPYTER_DATA_DIR/kernels/$IWSM_KERNEL_NAME"
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
kernel_json_valid() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$KDIR/kernel.json" 2>/dev/null; }

# 1. A first install into an empty data directory.
if bash kernel/install.sh >"$TMP/first.log" 2>&1 && kernel_json_valid && [[ -x "$KDIR/bin/gonb" ]]; then
  ok "first install registers the kernel"
else
  fail "first install (log below)"; tail -20 "$TMP/first.log"
fi

# 2. Run again: nothing to do, same kernel.json, tools reported present.
sum_before="$(md5sum "$KDIR/kernel.json")"
if bash kernel/install.sh >"$TMP/second.log" 2>&1 && [[ "$(md5sum "$KDIR/kernel.json")" == "$sum_before" ]] &&
  grep -q "gonb .*: present" "$TMP/second.log"; then
  ok "second install changes nothing and rebuilds nothing"
else
  fail "second install (log below)"; tail -20 "$TMP/second.log"
fi

# 3. A half-finished earlier install: a truncated gonb binary, a truncated kernel.json and a
#    stray temporary launcher, as a run killed half-way would leave them.
head -c 1000 "$KDIR/bin/gonb" >"$TMP/gonb.part" && mv "$TMP/gonb.part" "$KDIR/bin/gonb" && chmod +x "$KDIR/bin/gonb"
head -c 40 "$KDIR/kernel.json" >"$TMP/k.part" && mv "$TMP/k.part" "$KDIR/kernel.json"
touch "$KDIR/launch.sh.tmp"
if bash kernel/install.sh >"$TMP/third.log" 2>&1 && kernel_json_valid && "$KDIR/bin/gonb" --help >/dev/null 2>&1 &&
  grep -q "gonb .*: building" "$TMP/third.log"; then
  ok "an install over a half-finished one repairs the binary and the kernelspec"
else
  fail "repairing a half-finished install (log below)"; tail -20 "$TMP/third.log"
fi

# 4. Something cannot be installed (no module proxy, empty module cache): exit 1 and a
#    MISSING line naming each missing piece and what to do.
rm -f "$KDIR/bin/gonb"
set +e
GOMODCACHE="$TMP/empty-modcache" GOPROXY=off GOFLAGS=-mod=mod bash kernel/install.sh >"$TMP/fourth.log" 2>&1
rc=$?
set -e
if ((rc == 1)) && grep -q "^MISSING: Go modules of go.mod" "$TMP/fourth.log" && grep -q "^MISSING: gonb" "$TMP/fourth.log" &&
  grep -q "NOT complete. Missing:" "$TMP/fourth.log"; then
  ok "an impossible install exits 1 and lists what is missing"
else
  fail "impossible install: exit $rc (log below)"; tail -20 "$TMP/fourth.log"
fi

echo "test_install: $((4 - fails)) passed, $fails failed"
((fails == 0))
