"""Write notebooks/*.ipynb from their sources in notebooks/src/, or check that they are current.

    python3 scripts/make_notebooks.py            # (re)write every notebook
    python3 scripts/make_notebooks.py --check    # exit 1 if a committed notebook differs
    python3 scripts/make_notebooks.py --out DIR  # write into DIR instead of notebooks/

Notebooks that share their code are generated from one template, so a fix to the shared code
is made once: 01_gmm40 and 02_gmm120 come from src/mixture.tmpl, 03_dw4, 04_lj13 and 05_lj55
from src/particles.tmpl. What differs per notebook (title, the experiment's prose, the target's
name) is in src/NAME.vars. Notebooks with no twin (00, 06, 07) are written from
src/NAME.tmpl directly, so that every notebook has exactly one source and one check.

Sources (see notebooks/src/README.md):

  src/NAME.tmpl  (NAME starts with a digit) a notebook on its own;
  src/NAME.vars  a notebook made from a shared template: a line "@template T" (src/T.tmpl),
                 then blocks "@@ key" whose following lines (up to the next "@@", trimmed of
                 blank lines at both ends) are the value of {{key}} in the template.

A template is a sequence of cells, each started by a line "=== markdown" or "=== code";
a cell's source is the lines up to the next such line, trimmed of blank lines at both ends.
{{key}} is replaced by the value of key; a key that a template uses but the .vars file does
not give, or that the .vars file gives but the template does not use, is an error (so a typo
cannot silently drop prose). Cell ids are derived from the notebook's name and the cell's
position, so the output is the same on every run.

--check regenerates into memory and compares byte for byte with notebooks/*.ipynb; it also
fails on a notebook with no source. It prints one line per difference and the command that
fixes it. The output is what Jupyter writes (nbformat 4.5, one-space indent, keys sorted,
no outputs), so opening and saving a clean notebook in Jupyter leaves it unchanged.
Standard library only.
"""

import argparse
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
SRC = os.path.join(NOTEBOOKS, "src")
CELL = re.compile(r"^=== (markdown|code)\s*$")
KEY = re.compile(r"\{\{([a-z_][a-z0-9_]*)\}\}")
METADATA = {
    "kernelspec": {"display_name": "Go (IWSM)", "language": "go", "name": "go-iwsm"},
    "language_info": {"name": "go"},
}


class SourceError(Exception):
    pass


def trim_blank(lines):
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def parse_vars(path):
    """The template name and the {key: value} of a .vars file."""
    template, values, key, block = None, {}, None, []

    def close():
        if key is not None:
            if key in values:
                raise SourceError("%s: key %r given twice" % (path, key))
            values[key] = "\n".join(trim_blank(block))

    for n, line in enumerate(read_lines(path), 1):
        if line.startswith("@@ "):
            close()
            key, block = line[3:].strip(), []
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
                raise SourceError("%s:%d: bad key %r (lower case, digits, _)" % (path, n, key))
        elif line.startswith("@template "):
            if template is not None or key is not None:
                raise SourceError("%s:%d: @template must come once, before the first @@" % (path, n))
            template = line[len("@template "):].strip()
        elif key is None:
            if line.strip():
                raise SourceError("%s:%d: text before the first '@@ key' line" % (path, n))
        else:
            block.append(line)
    close()
    if template is None:
        raise SourceError("%s: no '@template NAME' line" % path)
    return template, values


def parse_cells(path, values):
    """The cells [(type, source)] of a template with values substituted."""
    used = set()

    def substitute(m):
        k = m.group(1)
        if k not in values:
            raise SourceError("%s: {{%s}} is not given by the .vars file" % (path, k))
        used.add(k)
        return values[k]

    cells, kind, block = [], None, []
    for n, line in enumerate(read_lines(path), 1):
        m = CELL.match(line)
        if m:
            if kind is not None:
                cells.append((kind, block))
            kind, block = m.group(1), []
        elif kind is None:
            if line.strip():
                raise SourceError("%s:%d: text before the first '=== markdown|code' line" % (path, n))
        else:
            block.append(line)
    if kind is not None:
        cells.append((kind, block))
    out = []
    for kind, block in cells:
        text = KEY.sub(substitute, "\n".join(block))
        lines = trim_blank(text.split("\n"))
        if not lines:
            raise SourceError("%s: empty %s cell" % (path, kind))
        out.append((kind, "\n".join(lines)))
    unused = set(values) - used
    if unused:
        raise SourceError("%s: keys given but not used by the template: %s" % (path, ", ".join(sorted(unused))))
    return out


def notebook_json(name, cells):
    """The .ipynb text, as Jupyter writes it."""
    nb_cells = []
    for i, (kind, text) in enumerate(cells):
        lines = text.split("\n")
        source = [l + "\n" for l in lines[:-1]] + [lines[-1]]
        cell = {
            "cell_type": kind,
            "id": hashlib.sha1(("%s/%d" % (name, i)).encode()).hexdigest()[:8],
            "metadata": {},
            "source": source,
        }
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        nb_cells.append(cell)
    nb = {"cells": nb_cells, "metadata": METADATA, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def sources():
    """{notebook name: (source files, cells)} for every notebook in notebooks/src."""
    out = {}
    for f in sorted(os.listdir(SRC)):
        path = os.path.join(SRC, f)
        name, ext = os.path.splitext(f)
        if ext == ".vars":
            template, values = parse_vars(path)
            tpath = os.path.join(SRC, template + ".tmpl")
            if not os.path.isfile(tpath):
                raise SourceError("%s: no template %s" % (path, tpath))
            cells = parse_cells(tpath, values)
            files = [path, tpath]
        elif ext == ".tmpl" and name[:1].isdigit():
            cells, files = parse_cells(path, {}), [path]
        else:
            continue
        if name in out:
            raise SourceError("notebook %s has two sources: %s" % (name, ", ".join(out[name][0] + files)))
        out[name] = (files, cells)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if notebooks/*.ipynb differ from their sources")
    ap.add_argument("--out", default=NOTEBOOKS, help="write the notebooks here (default notebooks/)")
    args = ap.parse_args()
    try:
        srcs = sources()
    except SourceError as e:
        print("make_notebooks: %s" % e, file=sys.stderr)
        return 1
    texts = {name: notebook_json(name, cells) for name, (_, cells) in srcs.items()}
    rel = lambda p: os.path.relpath(p, ROOT)
    if args.check:
        problems = []
        for name, text in sorted(texts.items()):
            path = os.path.join(NOTEBOOKS, name + ".ipynb")
            try:
                with open(path, encoding="utf-8") as f:
                    have = f.read()
            except FileNotFoundError:
                problems.append("%s: missing (source %s)" % (rel(path), ", ".join(map(rel, srcs[name][0]))))
                continue
            if have != text:
                problems.append("%s: differs from what %s makes" % (rel(path), ", ".join(map(rel, srcs[name][0]))))
        for f in sorted(os.listdir(NOTEBOOKS)):
            if f.endswith(".ipynb") and f[:-len(".ipynb")] not in texts:
                problems.append("notebooks/%s: has no source in notebooks/src/" % f)
        for p in problems:
            print("make_notebooks --check: %s" % p)
        if problems:
            print("make_notebooks --check: edit notebooks/src/ (not the .ipynb files), then run "
                  "python3 scripts/make_notebooks.py and commit both")
            return 1
        print("make_notebooks --check: %d notebooks match their sources" % len(texts))
        return 0
    os.makedirs(args.out, exist_ok=True)
    for name, text in sorted(texts.items()):
        path = os.path.join(args.out, name + ".ipynb")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        print("wrote %s" % (rel(path) if path.startswith(ROOT) else path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
