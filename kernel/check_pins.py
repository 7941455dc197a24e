"""Check that environment.yml's pip section pins the same packages as kernel/requirements*.

    python3 kernel/check_pins.py [ROOT]        (kernel/check.sh runs it; ROOT: the checkout)

kernel/requirements.in names the top-level Python packages of .venv at exact versions,
kernel/requirements.txt locks them and all their dependencies with hashes (pip-compile), and
environment.yml's `pip:` section lists the top-level pins again for conda users. This fails,
with one line per disagreement, when
  - a pin of environment.yml's pip section is not `name==version`, or requirements.txt has
    that package at another version (or not at all);
  - a package of requirements.in is missing from environment.yml's pip section, or the other
    way round;
  - a pin of requirements.in disagrees with requirements.txt (requirements.txt was not
    compiled again after requirements.in changed).
Last line: "check_pins: ok (N pins agree)" or "check_pins: FAIL (M problems)". Standard library
only (no YAML parser: the pip section is read as the indented `- ` items under `- pip:`).
"""

import os
import re
import sys

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;\\#]+)")


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins(path):
    """name -> version for the `name==version` lines of a requirements file (.in or .txt)."""
    pins = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            m = PIN.match(line)
            if m:
                pins[norm(m.group(1))] = m.group(2)
            else:
                pins[norm(re.split(r"[<>=!~ \[;]", line, 1)[0])] = None  # not an exact pin
    return pins


def environment_pip_items(path):
    """The items of the `- pip:` list in environment.yml, as written."""
    items, indent = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split(" #", 1)[0].rstrip()
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            depth = len(line) - len(line.lstrip())
            if indent is None:
                if re.match(r"^\s*-\s*pip\s*:\s*$", line):
                    indent = depth
                continue
            if depth <= indent:
                break
            m = re.match(r"^\s*-\s*(.+)$", line)
            if m:
                items.append(m.group(1).strip().strip("'\""))
    return items


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env_path = os.path.join(root, "environment.yml")
    in_path = os.path.join(root, "kernel", "requirements.in")
    txt_path = os.path.join(root, "kernel", "requirements.txt")
    problems = []
    try:
        top = requirement_pins(in_path)
        locked = requirement_pins(txt_path)
        items = environment_pip_items(env_path)
    except OSError as e:
        print("check_pins: FAIL cannot read %s" % e)
        return 1
    if not items:
        problems.append("environment.yml has no `- pip:` section with pins")
    env = {}
    for item in items:
        m = PIN.match(item)
        if not m:
            problems.append("environment.yml pip: %r is not an exact pin (name==version)" % item)
            continue
        name, version = norm(m.group(1)), m.group(2)
        env[name] = version
        if name not in locked:
            problems.append("environment.yml pip: %s==%s is not in kernel/requirements.txt" % (name, version))
        elif locked[name] != version:
            problems.append("environment.yml pip: %s==%s, but kernel/requirements.txt has %s==%s" % (name, version, name, locked[name]))
    for name, version in sorted(top.items()):
        if version is None:
            problems.append("kernel/requirements.in: %s is not pinned exactly (name==version)" % name)
            continue
        if name not in env:
            problems.append("kernel/requirements.in pins %s==%s; environment.yml's pip section does not list it" % (name, version))
        if locked.get(name) != version:
            problems.append("kernel/requirements.in pins %s==%s, kernel/requirements.txt has %s (compile it again: see its header)" % (name, version, locked.get(name)))
    for name in sorted(set(env) - set(top)):
        problems.append("environment.yml pip: %s is not in kernel/requirements.in (add it there and compile requirements.txt again)" % name)
    for p in problems:
        print("check_pins: " + p)
    if problems:
        print("check_pins: FAIL (%d problem%s)" % (len(problems), "" if len(problems) == 1 else "s"))
        return 1
    print("check_pins: ok (%d pins agree: environment.yml, kernel/requirements.in, kernel/requirements.txt)" % len(env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
