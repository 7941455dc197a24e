#!/usr/bin/env python3
"""Merge the benchmark outputs of scripts/bench.sh into the Markdown tables of `make bench` and
into one JSON file with every time and every ratio.

Per target: the time of one IWSM training step, one Monte Carlo estimator call and one
reverse-SDE step, ours on XLA's CPU plugin (xla:cpu) and on the Go backend (go test -bench,
the same test binary with IWSM_BACKEND='xla:cpu!' and 'go!'), next to the JAX peer
(scripts/peer_jax.py: the same compiler, XLA) and the PyTorch peer (scripts/peer_torch.py),
with the ratios ours(xla:cpu)/JAX, ours(go)/PyTorch and ours(xla:cpu)/ours(go) (< 1: the first
is faster); one cpu-budget epoch end to end on each backend (BenchmarkEpoch*); and, when
bench.sh also timed our plain build (without GOEXPERIMENT=simd), the SIMD build's speed-up.

    bench_table.py DIR JSON_OUT TARGET...   (prints the Markdown; writes JSON_OUT)
    bench_table.py --self-test              (checks the parsing, ratios, table and JSON)

Files read from DIR, each optional (a missing one leaves "–" in the table and no key in the
JSON): T.config.json, T.ours_go.txt, T.ours_xla.txt, T.ours_go_plain.txt (go test -bench
output), T.epoch_go.txt, T.epoch_xla.txt, T.jax.json, T.torch.json (the peers' output),
T.e_go.npy, T.e_jax.npy, T.e_torch.npy (energies of the same configurations), backend_go.txt,
backend_xla.txt, load_before.txt, load_after.txt (/proc/loadavg). Standard library only.

JSON layout: {"machine": {...}, "peers": {...}, "targets": {T: {"config": {...},
"energy_agreement": {"jax": rel_err, "torch": rel_err}, "times_ms": {measurement: {column: ms}},
"ratios": {"measurement.A_over_B": ratio}}}}, with measurement one of step, estimator,
sde_step, epoch and column one of ours_xla, ours_go, ours_go_plain, jax, torch.
"""
import ast
import json
import os
import re
import struct
import sys
import tempfile

MEASUREMENTS = ("step", "estimator", "sde_step")
# (ratio name, numerator column, denominator column), in the table's order.
RATIOS = (("ours_xla_over_jax", "ours_xla", "jax"),
          ("ours_go_over_torch", "ours_go", "torch"),
          ("ours_xla_over_ours_go", "ours_xla", "ours_go"))
LABELS = {"ours_xla": "ours xla:cpu", "ours_go": "ours go", "jax": "JAX", "torch": "PyTorch"}


def go_times(path):
    """ms per op of each sub-benchmark (or the benchmark itself) in go test -bench output."""
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path):
        m = re.match(r"^Benchmark\w+?(?:/(\w+))?-\d+\s+\d+\s+([\d.e+]+) ns/op", line)
        if m:
            out[m.group(1) or "total"] = float(m.group(2)) / 1e6
    return out


def read_npy(path):
    """The values of a little-endian float64 or float32 .npy file, as a flat list."""
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise ValueError(f"{path}: not a .npy file")
        major = f.read(2)[0]
        n = struct.unpack("<H" if major == 1 else "<I", f.read(2 if major == 1 else 4))[0]
        header = ast.literal_eval(f.read(n).decode("latin1"))
        fmt = {"<f8": "d", "<f4": "f"}.get(header["descr"])
        if fmt is None or header["fortran_order"]:
            raise ValueError(f"{path}: dtype {header['descr']} (want <f8 or <f4, C order)")
        count = 1
        for s in header["shape"]:
            count *= s
        return list(struct.unpack(f"<{count}{fmt}", f.read(count * struct.calcsize(fmt))))


def energy_agreement(d, t, peer):
    """Largest relative difference max|a-b|/max(1,|a|) of the finite energies of ours and a
    peer, and how many are non-finite on either side; None when a file is missing."""
    pa, pb = os.path.join(d, t + ".e_go.npy"), os.path.join(d, f"{t}.e_{peer}.npy")
    if not (os.path.exists(pa) and os.path.exists(pb)):
        return None
    a, b = read_npy(pa), read_npy(pb)
    if len(a) != len(b):
        raise ValueError(f"{t}: {len(a)} energies of ours against {len(b)} of {peer}")
    fin = [(x, y) for x, y in zip(a, b) if abs(x) != float("inf") and x == x and abs(y) != float("inf") and y == y]
    err = max((abs(x - y) / max(1.0, abs(x)) for x, y in fin), default=0.0)
    return {"max_rel_err": err, "nonfinite": len(a) - len(fin)}


def read_json(path):
    return json.load(open(path)) if os.path.exists(path) else {}


def read_text(path):
    return open(path).read().strip() if os.path.exists(path) else None


def collect(d, targets):
    """Everything bench.sh measured in d, as the JSON document described above."""
    doc = {"machine": {"cpus": os.cpu_count()}, "peers": {}, "targets": {}}
    for key, name in (("load_before", "load_before.txt"), ("load_after", "load_after.txt")):
        text = read_text(os.path.join(d, name))
        if text:
            doc["machine"][key] = [float(v) for v in text.split()[:3]]
    for col, name in (("ours_go", "backend_go.txt"), ("ours_xla", "backend_xla.txt")):
        text = read_text(os.path.join(d, name))
        if text:
            doc["machine"]["backend_" + col] = "; ".join(line.strip() for line in text.splitlines())
    for t in targets:
        cfg = read_json(os.path.join(d, t + ".config.json"))
        times = {m: {} for m in MEASUREMENTS + ("epoch",)}
        for col in ("ours_go", "ours_xla", "ours_go_plain"):
            for m, ms in go_times(os.path.join(d, f"{t}.{col}.txt")).items():
                if m in times:
                    times[m][col] = ms
        for col in ("ours_go", "ours_xla"):
            ep = go_times(os.path.join(d, f"{t}.epoch_{col[5:]}.txt")).get("total")
            if ep is not None:
                times["epoch"][col] = ep
        agreement = {}
        for peer in ("jax", "torch"):
            out = read_json(os.path.join(d, f"{t}.{peer}.json"))
            for m in MEASUREMENTS:
                if m + "_ms" in out:
                    times[m][peer] = out[m + "_ms"]
            if out:
                doc["peers"][peer] = {k: v for k, v in out.items() if k != "target" and not k.endswith("_ms")}
            a = energy_agreement(d, t, peer)
            if a is not None:
                agreement[peer] = a
        ratios = {}
        for m, cols in times.items():
            for name, num, den in RATIOS + (("ours_go_plain_over_ours_go", "ours_go_plain", "ours_go"),):
                if num in cols and den in cols and cols[den] > 0:
                    ratios[f"{m}.{name}"] = cols[num] / cols[den]
        doc["targets"][t] = {
            "config": {k: cfg[k] for k in ("batch_size", "k", "samples_per_epoch", "buffer_size") if k in cfg},
            "energy_agreement": agreement,
            "times_ms": {m: c for m, c in times.items() if c},
            "ratios": ratios,
        }
    return doc


def ms(v):
    if v is None:
        return "–"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def ratio(v):
    return "–" if v is None else f"**{v:.2f}**"


def markdown(doc):
    """The Markdown tables of doc (collect's result)."""
    lines, mach, peers = [], doc["machine"], doc["peers"]
    jax, torch = peers.get("jax", {}), peers.get("torch", {})
    load = lambda k: " ".join(f"{v:.2f}" for v in mach[k]) if k in mach else "?"
    lines.append(f"Ours, the same test binary: {mach.get('backend_ours_xla', 'xla:cpu ?')}. And {mach.get('backend_ours_go', 'go ?')}. "
                 f"JAX {jax.get('jax', '?')} (jaxlib {jax.get('jaxlib', '?')}, optax {jax.get('optax', '?')}, {jax.get('platform', '?')}, "
                 f"{jax.get('threads', '?')} CPUs, XLA_FLAGS={jax.get('xla_flags') or 'unset'}). "
                 f"PyTorch {torch.get('torch', '?')} (CPU, {torch.get('threads', '?')} threads). "
                 f"{mach.get('cpus')} CPUs; load average (1, 5, 15 min) before {load('load_before')}, after {load('load_after')}. "
                 "float32 everywhere, paper configuration of each target (iwsm config -budget paper). Times in ms unless marked s.")
    cols = ("ours_xla", "jax", "ours_go", "torch")
    for m in MEASUREMENTS:
        lines += ["", f"**{m}**", "",
                  "| target | batch × K | " + " | ".join(LABELS[c] for c in cols) + " | xla:cpu / JAX | go / PyTorch | xla:cpu / go |",
                  "|---|---|" + "---:|" * (len(cols) + len(RATIOS))]
        for t, r in doc["targets"].items():
            c, times = r["config"], r["times_ms"].get(m, {})
            size = f"{c.get('batch_size', '?')} × {c.get('k', '?')}" if m != "sde_step" else f"{c.get('samples_per_epoch', '?')} samples"
            cells = [t, size] + [ms(times.get(col)) for col in cols] + [ratio(r["ratios"].get(f"{m}.{n}")) for n, _, _ in RATIOS]
            lines.append("| " + " | ".join(cells) + " |")
    epochs = [(t, r) for t, r in doc["targets"].items() if "epoch" in r["times_ms"]]
    if epochs:
        lines += ["", "**one cpu-budget epoch** (BenchmarkEpoch*: 10 training steps and the buffer's new samples by the reverse SDE)", "",
                  "| target | ours xla:cpu | ours go | xla:cpu / go |", "|---|---:|---:|---:|"]
        for t, r in epochs:
            e = r["times_ms"]["epoch"]
            lines.append(f"| {t} | {ms(e.get('ours_xla'))} | {ms(e.get('ours_go'))} | {ratio(r['ratios'].get('epoch.ours_xla_over_ours_go'))} |")
    notes = []
    for t, r in doc["targets"].items():
        for peer, a in r["energy_agreement"].items():
            notes.append(f"{t}/{LABELS[peer]} {a['max_rel_err']:.1e}" + (f" ({a['nonfinite']} non-finite)" if a["nonfinite"] else ""))
    lines += ["", "Ratio below 1: the first is faster. Same work checked, energies of 64 configurations, largest relative "
              "difference from ours: " + ("; ".join(notes) or "not checked") + "."]
    plain = [(t, r) for t, r in doc["targets"].items() if any("ours_go_plain" in r["times_ms"].get(m, {}) for m in MEASUREMENTS)]
    if plain:
        lines += ["", "Our plain build (without GOEXPERIMENT=simd) on the Go backend, against the SIMD build above, same run:", "",
                  "| target | " + " | ".join(f"{m} plain / SIMD" for m in MEASUREMENTS) + " |", "|---|" + "---:|" * len(MEASUREMENTS)]
        for t, r in plain:
            cells = []
            for m in MEASUREMENTS:
                tm = r["times_ms"].get(m, {})
                cells.append(f"{ms(tm.get('ours_go_plain'))} / {ms(tm.get('ours_go'))} ({ratio(r['ratios'].get(m + '.ours_go_plain_over_ours_go'))})")
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_npy(path, values):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack(f"<{len(values)}d", *values))


def self_test():
    """Builds a stand-in DIR with known times, runs collect and markdown on it and checks every
    ratio against a hand computation, the keys, the missing-measurement cells and the JSON."""
    with tempfile.TemporaryDirectory() as d:
        w = lambda name, text: open(os.path.join(d, name), "w").write(text)
        w("gmm40.config.json", json.dumps({"target": "gmm40", "batch_size": 512, "k": 500, "samples_per_epoch": 1000, "buffer_size": 10000}))
        w("gmm40.ours_go.txt", "goos: linux\nBenchmarkPaperGMM40/step-2         \t       3\t 600000000 ns/op\n"
                               "BenchmarkPaperGMM40/estimator-2    \t       3\t 400000000 ns/op\n"
                               "BenchmarkPaperGMM40/sde_step-2     \t      50\t  24000000 ns/op\nPASS\n")
        w("gmm40.ours_xla.txt", "BenchmarkPaperGMM40/step-2 \t 4\t 300000000 ns/op\nBenchmarkPaperGMM40/estimator-2 \t 4\t 100000000 ns/op\n")
        w("gmm40.epoch_go.txt", "BenchmarkEpochGMM40IWSM-2   \t       1\t6000000000 ns/op\n")
        w("gmm40.epoch_xla.txt", "BenchmarkEpochGMM40IWSM-2   \t       1\t3000000000 ns/op\n")
        w("gmm40.jax.json", json.dumps({"target": "gmm40", "step_ms": 250.0, "estimator_ms": 200.0, "sde_step_ms": 5.0, "jax": "0.12.0.1", "threads": 2, "xla_flags": ""}))
        w("gmm40.torch.json", json.dumps({"target": "gmm40", "step_ms": 800.0, "estimator_ms": 500.0, "sde_step_ms": 48.0, "torch": "1.13.1", "threads": 2}))
        w("load_before.txt", "1.50 2.00 2.50 3/400 999\n")
        write_npy(os.path.join(d, "gmm40.e_go.npy"), [1.0, -200.0, float("inf")])
        write_npy(os.path.join(d, "gmm40.e_jax.npy"), [1.0, -200.002, float("inf")])
        write_npy(os.path.join(d, "gmm40.e_torch.npy"), [1.5, -200.0, 3.0])
        doc = collect(d, ["gmm40", "dw4"])
        g = doc["targets"]["gmm40"]
        want = {"step.ours_xla_over_jax": 300 / 250, "step.ours_go_over_torch": 600 / 800, "step.ours_xla_over_ours_go": 0.5,
                "estimator.ours_xla_over_jax": 0.5, "estimator.ours_go_over_torch": 0.8, "estimator.ours_xla_over_ours_go": 0.25,
                "sde_step.ours_go_over_torch": 0.5, "epoch.ours_xla_over_ours_go": 0.5}
        problems = []
        if set(g["ratios"]) != set(want):
            problems.append(f"ratio keys {sorted(g['ratios'])}, want {sorted(want)}")
        for k, v in want.items():
            if abs(g["ratios"].get(k, -1) - v) > 1e-12:
                problems.append(f"{k} = {g['ratios'].get(k)}, want {v}")
        if g["times_ms"]["step"] != {"ours_go": 600.0, "ours_xla": 300.0, "jax": 250.0, "torch": 800.0}:
            problems.append(f"step times {g['times_ms']['step']}")
        if g["times_ms"]["epoch"] != {"ours_go": 6000.0, "ours_xla": 3000.0}:
            problems.append(f"epoch times {g['times_ms']['epoch']}")
        if abs(g["energy_agreement"]["jax"]["max_rel_err"] - 1e-5) > 1e-9 or g["energy_agreement"]["jax"]["nonfinite"] != 1:
            problems.append(f"jax agreement {g['energy_agreement']['jax']}")
        if abs(g["energy_agreement"]["torch"]["max_rel_err"] - 0.5) > 1e-12:
            problems.append(f"torch agreement {g['energy_agreement']['torch']}")
        if doc["targets"]["dw4"]["ratios"] or doc["targets"]["dw4"]["times_ms"]:
            problems.append("dw4 has no files but got times or ratios")
        if doc["machine"].get("load_before") != [1.5, 2.0, 2.5] or "load_after" in doc["machine"]:
            problems.append(f"load {doc['machine']}")
        md = markdown(doc)
        for want_text in ("| gmm40 | 512 × 500 | 300.0 | 250.0 | 600.0 | 800.0 | **1.20** | **0.75** | **0.50** |",
                          "| gmm40 | 1000 samples | – | 5.00 | 24.0 | 48.0 | – | **0.50** | – |",
                          "| gmm40 | 3.00 s | 6.00 s | **0.50** |", "| dw4 | ? × ? | – | – | – | – | – | – | – |",
                          "before 1.50 2.00 2.50, after ?", "gmm40/JAX 1.0e-05 (1 non-finite)"):
            if want_text not in md:
                problems.append(f"table lacks {want_text!r}")
        if json.loads(json.dumps(doc)) != doc:
            problems.append("the document does not survive a JSON round trip")
    if problems:
        print("bench_table self-test: FAIL\n  " + "\n  ".join(problems))
        return 1
    print("bench_table self-test: ok")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    if len(sys.argv) < 4:
        sys.exit(__doc__.split("\n\n")[2])
    d, json_out, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    doc = collect(d, targets)
    with open(json_out + ".tmp", "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(json_out + ".tmp", json_out)
    print(markdown(doc))


if __name__ == "__main__":
    main()
