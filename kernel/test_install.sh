#!/usr/bin/env bash
# kernel/test_install.sh: kernel/install.sh is idempotent, finishes a half-done install, and
# names what is missing when it cannot install something. Runs against a throw-away virtual
# environment (IWSM_VENV) and Jupyter data directory (JUPYTER_DATA_DIR), so the .venv and the
# kernel you use are never touched. The first install downloads the pinned Python packages
# (kernel/requirements*.txt) once; later ones come from pip's cache.
#
#   bash kernel/test_install.sh     (part of `make test`)
set -euo pipefail
# shellcheck source=kernel/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$(iwsm_root)"
cd "$ROOT"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export IWSM_VENV="$TMP/venv" JUPYTER_DATA_DIR="$TMP/jupyter" IWSM_GOPLS=0 IWSM_SKIP_PREWARM=1
unset JUPYTER_PATH
KDIR="$(iwsm_kernel_dir)"
USER_KDIR="$(iwsm_user_kernel_dir)"
SITE() { "$IWSM_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
fails=0
passed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
kernel_json_valid() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$KDIR/kernel.json" 2>/dev/null; }
# venv_works: the venv's Jupyter runs, resolves go-iwsm to KDIR, and nbclient imports.
venv_works() {
  "$IWSM_VENV/bin/jupyter" nbconvert --version >/dev/null 2>&1 &&
    "$IWSM_VENV/bin/python" -c 'import nbclient.client, nbconvert, jupyterlab, notebook' 2>/dev/null &&
    [[ "$("$IWSM_VENV/bin/jupyter" kernelspec list 2>/dev/null | awk -v n="$IWSM_KERNEL_NAME" '$1==n {print $2}')" == "$KDIR" ]]
}
timed() { local s=$SECONDS; "$@"; local rc=$?; echo "$((SECONDS - s))" >"$TMP/seconds"; return $rc; }
# A kernelspec an install from before .venv left in the user data directory, for checkout $1.
legacy_kernel() {
  mkdir -p "$USER_KDIR"
  printf '{"argv": ["bash", "launch.sh", "{connection_file}"], "display_name": "Go (IWSM)", "language": "go",\n "env": {"IWSM_MODULE_ROOT": "%s"},\n "metadata": {"installed_by": "kernel/install.sh"}}\n' "$1" >"$USER_KDIR/kernel.json"
}

# 1. A first install, over a half-made venv (as `python -m venv` leaves it when interrupted:
#    pyvenv.cfg and bin/python, no site-packages, no marker): makes the venv again, installs the
#    packages, registers the kernel in the venv, and removes this checkout's kernelspec an older
#    install left in the user data directory. (Case 5 makes a venv where there was none.)
legacy_kernel "$ROOT"
mkdir -p "$IWSM_VENV/bin" && echo "home = /usr/bin" >"$IWSM_VENV/pyvenv.cfg" && ln -s "$(command -v python3)" "$IWSM_VENV/bin/python"
if timed bash kernel/install.sh >"$TMP/first.log" 2>&1 && kernel_json_valid && [[ -x "$KDIR/bin/gonb" ]] && venv_works &&
  grep -q "venv: incomplete or broken" "$TMP/first.log" && grep -q "venv: creating" "$TMP/first.log" && [[ ! -e "$USER_KDIR" ]]; then
  ok "first install over a half-made venv makes it again and registers the kernel there ($(cat "$TMP/seconds") s)"
else
  fail "first install (log below)"; tail -20 "$TMP/first.log"
fi

# 2. Run again: nothing to do (pip skipped, tools present, same kernel.json); a kernelspec of
#    another checkout in the user data directory is left alone.
legacy_kernel /some/other/checkout
sum_before="$(md5sum "$KDIR/kernel.json" "$IWSM_VENV/.iwsm-requirements")"
if timed bash kernel/install.sh >"$TMP/second.log" 2>&1 && [[ "$(md5sum "$KDIR/kernel.json" "$IWSM_VENV/.iwsm-requirements")" == "$sum_before" ]] &&
  grep -q "packages of .*: present" "$TMP/second.log" && grep -q "gonb .*: present" "$TMP/second.log" &&
  ! grep -q "pip install" "$TMP/second.log" && [[ -f "$USER_KDIR/kernel.json" ]] && venv_works; then
  ok "second install changes nothing and installs nothing ($(cat "$TMP/seconds") s)"
else
  fail "second install (log below)"; tail -20 "$TMP/second.log"
fi
rm -rf "$USER_KDIR"

# 3. A half-finished earlier install, as a run killed half-way would leave it: a package pip
#    had not finished copying (a file cut short, one missing), pip itself gone, a truncated
#    gonb binary, a truncated kernel.json and a stray temporary launcher.
site="$(SITE)"
head -c 100 "$site/nbclient/client.py" >"$TMP/c.part" && mv "$TMP/c.part" "$site/nbclient/client.py"
rm -f "$site/nbconvert/__init__.py"
rm -rf "$site"/pip "$site"/pip-*.dist-info
head -c 1000 "$KDIR/bin/gonb" >"$TMP/gonb.part" && mv "$TMP/gonb.part" "$KDIR/bin/gonb" && chmod +x "$KDIR/bin/gonb"
head -c 40 "$KDIR/kernel.json" >"$TMP/k.part" && mv "$TMP/k.part" "$KDIR/kernel.json"
touch "$KDIR/launch.sh.tmp"
if timed bash kernel/install.sh >"$TMP/third.log" 2>&1 && kernel_json_valid && "$KDIR/bin/gonb" --help >/dev/null 2>&1 &&
  grep -q "gonb .*: building" "$TMP/third.log" && grep -q "nbclient-.*: incomplete" "$TMP/third.log" &&
  grep -q "nbconvert-.*: incomplete" "$TMP/third.log" && grep -q "pip: missing" "$TMP/third.log" &&
  "$IWSM_VENV/bin/python" -m pip --version >/dev/null 2>&1 && "$IWSM_VENV/bin/python" kernel/venv_check.py >/dev/null && venv_works; then
  ok "an install over a half-finished one repairs the packages, pip, the binary and the kernelspec ($(cat "$TMP/seconds") s)"
else
  fail "repairing a half-finished install (log below)"; tail -20 "$TMP/third.log"
fi

# 4. In the venv's place, a directory that is not a venv, and a venv install.sh did not make
#    (yours, with a file of yours in it): the first is left alone (one clear line, exit 1), the
#    second is installed into, not removed (offline here, so the pip step fails: exit 1).
mkdir -p "$TMP/notavenv" && echo "my notes" >"$TMP/notavenv/notes.txt"
python3 -m venv --without-pip "$TMP/uservenv" && echo "mine" >"$TMP/uservenv/mine.txt"
set +e
IWSM_VENV="$TMP/notavenv" bash kernel/install.sh >"$TMP/fourth.log" 2>&1
rc=$?
IWSM_VENV="$TMP/uservenv" PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_FIND_LINKS= PIP_RETRIES=0 PIP_TIMEOUT=2 \
  bash kernel/install.sh >"$TMP/fourth-user.log" 2>&1
rc_user=$?
set -e
if ((rc == 1)) && grep -q "^ERROR: $TMP/notavenv exists but is neither a working virtual environment" "$TMP/fourth.log" && [[ -f "$TMP/notavenv/notes.txt" ]] &&
  ((rc_user == 1)) && grep -q "was not made by kernel/install.sh" "$TMP/fourth-user.log" && grep -q "pip: missing" "$TMP/fourth-user.log" &&
  [[ -f "$TMP/uservenv/mine.txt" ]] && "$TMP/uservenv/bin/python" -m pip --version >/dev/null 2>&1; then
  ok "a directory that is not a venv is left alone; a venv of yours is installed into, not removed"
else
  fail "not-a-venv: exit $rc, your venv: exit $rc_user (logs below)"; tail -20 "$TMP/fourth.log" "$TMP/fourth-user.log"
fi

# 5. Something cannot be installed (no PyPI, no module proxy, empty module cache): exit 1 and
#    a MISSING line naming each missing piece and what to do.
set +e
IWSM_VENV="$TMP/venv-offline" PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_FIND_LINKS= PIP_RETRIES=0 PIP_TIMEOUT=2 \
  GOMODCACHE="$TMP/empty-modcache" GOPROXY=off GOFLAGS=-mod=mod bash kernel/install.sh >"$TMP/fifth.log" 2>&1
rc=$?
set -e
if ((rc == 1)) && grep -q "venv: creating" "$TMP/fifth.log" && grep -q "^MISSING: Python packages of kernel/requirements" "$TMP/fifth.log" &&
  grep -q "^MISSING: Go modules of go.mod" "$TMP/fifth.log" && grep -q "^MISSING: gonb" "$TMP/fifth.log" &&
  grep -q "NOT complete. Missing:" "$TMP/fifth.log"; then
  ok "an impossible install (a new venv, no PyPI, no module proxy) exits 1 and lists what is missing"
else
  fail "impossible install: exit $rc (log below)"; tail -20 "$TMP/fifth.log"
fi

echo "test_install: $passed passed, $fails failed"
((fails == 0))
