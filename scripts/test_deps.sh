#!/usr/bin/env bash
# scripts/test_deps.sh: Debian packages `make test` needs beyond `make install`, installed when
# missing (as root with apt-get; otherwise one line says what the tests will skip):
#   poppler-utils  pdftoppm, with which iwsm/paper's test renders the exported PDF figure.
# (The browser test installs chromium itself; TeX is optional: without pdflatex the LaTeX
# table's structure is checked instead of compiling it.)
set -euo pipefail
need=()
command -v pdftoppm >/dev/null || need+=(poppler-utils)
((${#need[@]} == 0)) && exit 0
if [[ $EUID == 0 ]] && command -v apt-get >/dev/null; then
  echo "test_deps: installing Debian's ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
else
  echo "test_deps: ${need[*]} missing and not root: the PDF render check of iwsm/paper will be skipped ('sudo apt-get install ${need[*]}')"
fi
