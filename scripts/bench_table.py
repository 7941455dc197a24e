#!/usr/bin/env python3
"""Merge the benchmark outputs of scripts/bench.sh into one Markdown table: per target, the
time of one IWSM training step, one Monte Carlo estimator call and one reverse-SDE step,
ours (go test -bench) next to the PyTorch peer, with the ratio ours/PyTorch (< 1: ours is
faster); and, when bench.sh also timed our plain build (without GOEXPERIMENT=simd), a second
table with the SIMD build's speed-up over it. Usage: bench_table.py DIR TARGET..."""
import json
import os
import re
import sys

import numpy as np


def go_times(path):
    out = {}
    for line in open(path):
        m = re.match(r"^BenchmarkPaper\w+/(\w+)-\d+\s+\d+\s+([\d.]+) ns/op", line)
        if m:
            out[m.group(1)] = float(m.group(2)) / 1e6
    return out


def energy_agreement(d, t):
    a, b = np.load(os.path.join(d, t + ".e_go.npy")).ravel(), np.load(os.path.join(d, t + ".e_torch.npy")).ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(a[ok])))), int((~ok).sum())


def main():
    d, targets = sys.argv[1], sys.argv[2:]
    rows, notes, info = [], [], {}
    for t in targets:
        cfg = json.load(open(os.path.join(d, t + ".config.json")))
        ours = go_times(os.path.join(d, t + ".go.txt"))
        peer = json.load(open(os.path.join(d, t + ".torch.json")))
        info = peer
        err, nonfinite = energy_agreement(d, t)
        notes.append(f"{t}: energies of 64 configurations agree to {err:.1e} (relative){'' if not nonfinite else f', {nonfinite} non-finite on both sides'}")
        cells = [t, f"{cfg['batch_size']} × {cfg['k']}", str(cfg["samples_per_epoch"])]
        for key in ("step", "estimator", "sde_step"):
            o, p = ours.get(key), peer.get(key + "_ms")
            if o is None or p is None:
                cells += ["–", "–", "–"]
            else:
                cells += [f"{o:.1f}", f"{p:.1f}", f"**{o / p:.2f}**"]
        rows.append(cells)
    backend = open(os.path.join(d, "backend.txt")).read().strip() if os.path.exists(os.path.join(d, "backend.txt")) else "?"
    print(f"Ours: {backend}. PyTorch {info.get('torch')} (Debian python3-torch, CPU), {info.get('threads')} threads. "
          f"{os.cpu_count()} CPUs. float32 on both sides, paper configuration of each target (iwsm config -budget paper).")
    print()
    print("| target | batch × K | SDE batch | step ours ms | step PyTorch ms | ratio | estimator ours ms | estimator PyTorch ms | ratio | SDE step ours ms | SDE step PyTorch ms | ratio |")
    print("|---|---|---|" + "---:|" * 9)
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print("Ratio = ours / PyTorch (below 1: ours is faster). Same work checked: " + "; ".join(notes) + ".")
    plain_rows = []
    for t in targets:
        path = os.path.join(d, t + ".go_plain.txt")
        if not os.path.exists(path):
            continue
        simd, plain = go_times(os.path.join(d, t + ".go.txt")), go_times(path)
        cells = [t]
        for key in ("step", "estimator", "sde_step"):
            s, p = simd.get(key), plain.get(key)
            cells += ["–", "–", "–"] if s is None or p is None else [f"{p:.1f}", f"{s:.1f}", f"**{p / s:.2f}**"]
        plain_rows.append(cells)
    if plain_rows:
        print()
        print("Our plain build (without GOEXPERIMENT=simd) against the SIMD build above, same run:")
        print()
        print("| target | step plain ms | step SIMD ms | speed-up | estimator plain ms | estimator SIMD ms | speed-up | SDE step plain ms | SDE step SIMD ms | speed-up |")
        print("|---|" + "---:|" * 9)
        for r in plain_rows:
            print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
