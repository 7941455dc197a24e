"""Fail on any sign of a failed cell in an executed notebook.

    python3 scripts/check_notebook.py EXECUTED.ipynb [--label NAME] [--expect TEXT]...

GoNB reports compile errors and non-zero exits as error outputs, but a program's own report of a
failure (a panic in a goroutine that was recovered and printed, a sub-process's "exit status 1",
a goroutine dump) may only be text on stdout/stderr. So a notebook passes only when no code cell
has an error output and no text output (stream, text/plain, text/html, ...) contains:

    panic:    exit status N    goroutine N [...   (a Go stack dump)

--expect TEXT additionally requires TEXT somewhere in the outputs (used by the kernel check).
Prints one line per problem, naming the notebook and the cell; exits 1 if there is any.
Standard library only: it runs with the Python that runs Jupyter.
"""

import argparse
import json
import re
import sys

PATTERNS = [
    ("panic", re.compile(r"panic:")),
    ("exit status", re.compile(r"exit status \d+")),
    ("goroutine dump", re.compile(r"(?m)^goroutine \d+ \[")),
]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def as_text(value):
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def output_texts(output):
    """The text an output shows: stream text, and every text-like mime type of data outputs."""
    kind = output.get("output_type")
    if kind == "stream":
        yield output.get("name", "stream"), as_text(output.get("text"))
    elif kind in ("display_data", "execute_result", "update_display_data"):
        for mime, value in (output.get("data") or {}).items():
            if mime.startswith("text/"):
                yield mime, as_text(value)
    elif kind == "error":
        yield "error", "\n".join(as_text(output.get("traceback")).splitlines())


def first_line(source):
    for line in as_text(source).splitlines():
        if line.strip() and line.strip() != "%%":
            return line.strip()[:70]
    return ""


def check(path, label, expects):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    problems = []
    all_text = []
    code_index = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        code_index += 1
        count = cell.get("execution_count")
        where = "%s: code cell %d (In [%s]) `%s`" % (
            label, code_index, count if count is not None else " ", first_line(cell.get("source")))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                msg = "%s: %s" % (output.get("ename", "error"), ANSI.sub("", str(output.get("evalue", ""))))
                problems.append("%s: error output: %s" % (where, msg.strip()[:300]))
            for stream, text in output_texts(output):
                text = ANSI.sub("", text)
                all_text.append(text)
                if output.get("output_type") == "error":
                    continue  # already reported
                for name, pattern in PATTERNS:
                    m = pattern.search(text)
                    if m:
                        line_start = text.rfind("\n", 0, m.start()) + 1
                        line_end = text.find("\n", m.end())
                        line = text[line_start:line_end if line_end >= 0 else len(text)].strip()
                        problems.append("%s: %s in %s output: %s" % (where, name, stream, line[:300]))
    joined = "\n".join(all_text)
    for want in expects:
        if want not in joined:
            problems.append("%s: expected output %r not found" % (label, want))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebook")
    ap.add_argument("--label", help="name to print for the notebook (default: its path)")
    ap.add_argument("--expect", action="append", default=[], help="text that must appear in the outputs")
    args = ap.parse_args()
    try:
        problems = check(args.notebook, args.label or args.notebook, args.expect)
    except (OSError, ValueError) as e:
        print("%s: cannot read executed notebook: %s" % (args.label or args.notebook, e))
        return 1
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
