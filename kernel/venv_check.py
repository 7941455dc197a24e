"""Find (and with --repair, forget) packages of a virtual environment whose files are incomplete.

    .venv/bin/python kernel/venv_check.py [--repair]

kernel/install.sh runs it with the venv's own Python before deciding whether pip has work to do.
An install that was interrupted (Ctrl-C, a killed job, a full disk) can leave a package whose
*.dist-info says it is installed while some of its files are missing or cut short; pip would
then report "Requirement already satisfied" and never fix it. For every *.dist-info directory
in the venv's site-packages this checks that METADATA and RECORD exist and that every file RECORD
lists with a size exists with that size. With --repair it removes the dist-info directory of
each broken package, so that the `pip install --require-hashes` that follows installs it again
(over whatever files it left).

Prints one line per broken package. Exit status: 0 nothing broken, 3 broken packages found
(and, with --repair, forgotten), 1 cannot read the environment. Standard library only.
"""

import csv
import os
import shutil
import sys
import sysconfig


def broken_packages(site):
    """Yields (dist-info dir, reason) for every incomplete package in site."""
    for entry in sorted(os.listdir(site)):
        if not entry.endswith(".dist-info"):
            continue
        info = os.path.join(site, entry)
        if not os.path.isfile(os.path.join(info, "METADATA")):
            yield info, "no METADATA"
            continue
        record = os.path.join(info, "RECORD")
        if not os.path.isfile(record):
            yield info, "no RECORD"
            continue
        try:
            with open(record, newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            yield info, "unreadable RECORD (%s)" % e
            continue
        for row in rows:
            if len(row) < 3 or not row[0] or not row[2]:
                continue  # RECORD itself, .pyc files: no size recorded
            path = os.path.normpath(os.path.join(site, row[0]))
            try:
                size = os.path.getsize(path)
            except OSError:
                yield info, "missing %s" % row[0]
                break
            if str(size) != row[2]:
                yield info, "%s has %d bytes, RECORD says %s" % (row[0], size, row[2])
                break


def main():
    repair = "--repair" in sys.argv[1:]
    if sys.prefix == sys.base_prefix:
        print("venv_check: %s is not a virtual environment's Python" % sys.executable)
        return 1
    paths = sysconfig.get_paths()
    sites = sorted({os.path.realpath(paths[k]) for k in ("purelib", "platlib")})
    if not all(os.path.isdir(s) for s in sites):
        print("venv_check: no site-packages at %s" % " ".join(sites))
        return 1
    found = 0
    for info, reason in (b for s in sites for b in broken_packages(s)):
        found += 1
        name = os.path.basename(info)[: -len(".dist-info")]
        if repair:
            shutil.rmtree(info, ignore_errors=True)
            print("    %s: incomplete (%s); pip will install it again" % (name, reason))
        else:
            print("    %s: incomplete (%s)" % (name, reason))
    return 3 if found else 0


if __name__ == "__main__":
    sys.exit(main())
