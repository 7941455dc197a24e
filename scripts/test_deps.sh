#!/usr/bin/env bash
# scripts/test_deps.sh: Debian packages `make test` needs beyond `make install`, installed when
# missing (as root with apt-get; otherwise one line says what the tests will skip):
#   poppler-utils              pdftoppm, with which iwsm/paper's test renders the exported PDF;
#   texlive-latex-recommended  pdflatex and booktabs, with which it compiles the LaTeX table
#                              (~48 MB; without it the table's structure is checked instead).
# (The browser test installs chromium itself.)
set -euo pipefail
need=()
command -v pdftoppm >/dev/null || need+=(poppler-utils)
{ command -v pdflatex >/dev/null && kpsewhich booktabs.sty >/dev/null 2>&1; } || need+=(texlive-latex-recommended)
((${#need[@]} == 0)) && exit 0
if [[ $EUID == 0 ]] && command -v apt-get >/dev/null; then
  echo "test_deps: installing Debian's ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
else
  echo "test_deps: ${need[*]} missing and not root: iwsm/paper's PDF render check or LaTeX compile will be skipped ('sudo apt-get install ${need[*]}')"
fi
