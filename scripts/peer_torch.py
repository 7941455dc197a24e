#!/usr/bin/env python3
"""The PyTorch peer of `make bench`: the same IWSM training step, Monte Carlo estimator call
and reverse-SDE step as iwsm/train's BenchmarkPaper*, written as a PyTorch user would write
them (vectorised tensors, autograd, torch.optim.Adam, clip_grad_norm_), at the same sizes.

The sizes come from the Go side (`iwsm config -target T -budget paper`, passed in with
--config), so both sides always time the same work: float32 throughout, the same batch,
K, replay-buffer size, noise levels per batch, network architecture and clipping.

    python3 scripts/peer_torch.py --config cfg.json --threads 2

prints one JSON object: milliseconds per call of step, estimator and sde_step, the torch
version and the number of threads.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------- targets (energies)
def gmm40_energy():
    means = np.load(os.path.join(ROOT, "iwsm", "target", "data", "gmm40_means.npy")).astype(np.float32) / 50.0
    mu = torch.from_numpy(means)  # [40, 2], sampler coordinates x/50
    std = math.log1p(math.e) / 50.0  # softplus(1) / 50
    log_norm = -0.5 * 2 * math.log(2 * math.pi * std * std)
    logw = math.log(1.0 / len(means))

    def energy(x):  # [..., 2] -> [...]
        sq = ((x.unsqueeze(-2) - mu) ** 2).sum(-1)  # [..., 40]
        return -(torch.logsumexp(-0.5 * sq / (std * std) + logw, -1) + log_norm)

    return energy


def pair_distances(x, n, s):
    p = x.reshape(*x.shape[:-1], n, s)
    diff = p.unsqueeze(-2) - p.unsqueeze(-3)
    sq = (diff ** 2).sum(-1) + torch.eye(n)  # diagonal shifted to 1: finite gradients
    return torch.sqrt(sq), torch.triu(torch.ones(n, n), diagonal=1)


def dw_energy(n, s):
    def energy(x):
        d, upper = pair_distances(x, n, s)
        r = d - 4.0
        return ((0.9 * r ** 4 - 4.0 * r ** 2) * upper).sum((-1, -2))

    return energy


def lj_energy(n, s=3):
    def energy(x):
        d, upper = pair_distances(x, n, s)
        inv6 = d ** -6
        pairs = 2.0 * ((inv6 ** 2 - 2.0 * inv6) * upper).sum((-1, -2))
        p = x.reshape(*x.shape[:-1], n, s)
        harmonic = 0.5 * ((p - p.mean(-2, keepdim=True)) ** 2).sum((-1, -2))
        return pairs + harmonic

    return energy


TARGETS = {
    "gmm40": (gmm40_energy, 0, 0, 2),
    "dw4": (lambda: dw_energy(4, 2), 4, 2, 8),
    "lj13": (lambda: lj_energy(13), 13, 3, 39),
    "lj55": (lambda: lj_energy(55), 55, 3, 165),
}


def remove_mean(v, n, s):
    if n == 0:
        return v
    p = v.reshape(*v.shape[:-1], n, s)
    return (p - p.mean(-2, keepdim=True)).reshape(v.shape)


# ---------------------------------------------------------------- networks
def sinusoidal(v, size, scale):
    half = size // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    arg = (scale * v).unsqueeze(-1) * freqs  # [..., n, half]
    emb = torch.cat([torch.sin(arg), torch.cos(arg)], -1)
    return emb.reshape(*v.shape[:-1], v.shape[-1] * size)


def mlp(inp, hidden, layers, out):
    mods, width = [], inp
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.SiLU()]
        width = hidden
    return nn.Sequential(*mods, nn.Linear(width, out))


class ScoreMLP(nn.Module):
    """iDEM's MyMLP: sinusoidal embeddings of each coordinate and of t, then a SiLU MLP."""

    def __init__(self, d, c):
        super().__init__()
        self.c = c
        self.net = mlp((d + 1) * c["EmbedSize"], c["Hidden"], c["Layers"], d)

    def forward(self, x, t):
        c = self.c
        return self.net(torch.cat([sinusoidal(x, c["EmbedSize"], c["CoordScale"]),
                                   sinusoidal(t.unsqueeze(-1), c["EmbedSize"], c["TimeScale"])], -1))


class EGNN(nn.Module):
    """The same E(n)-equivariant network as iwsm/net.EGNN, i.e. iDEM's EGNN_dynamics with
    attention, tanh and sum aggregation (edge features concatenated per edge, as there)."""

    def __init__(self, c):
        super().__init__()
        self.n, self.s, H, L = c["particles"], c["spatial_dim"], c["hidden"], c["layers"]
        self.range = (c.get("coords_range") or 15.0) / L
        self.embed = nn.Linear(32, H)
        self.edge = nn.ModuleList(nn.Sequential(mlp(2 * H + 2, H, 1, H), nn.SiLU()) for _ in range(L))
        self.att = nn.ModuleList(nn.Sequential(nn.Linear(H, 1), nn.Sigmoid()) for _ in range(L))
        self.coord = nn.ModuleList(nn.Sequential(nn.Linear(H, H), nn.SiLU(), nn.Linear(H, 1, bias=False), nn.Tanh())
                                   for _ in range(L))
        self.node = nn.ModuleList(mlp(2 * H, H, 1, H) for _ in range(L))
        self.register_buffer("mask", (1 - torch.eye(self.n)).reshape(1, self.n, self.n, 1))

    def forward(self, x, t):
        B, n, s = x.shape[0], self.n, self.s
        pos0 = x.reshape(B, n, s)
        pos = pos0
        h = self.embed(sinusoidal(t.unsqueeze(-1), 32, 1.0)).unsqueeze(1).expand(B, n, -1)
        d02 = None
        for edge, att, coord, node in zip(self.edge, self.att, self.coord, self.node):
            diff = pos.unsqueeze(2) - pos.unsqueeze(1)
            d2 = (diff ** 2).sum(-1, keepdim=True)
            if d02 is None:
                d02 = d2
            hi = h.unsqueeze(2).expand(B, n, n, h.shape[-1])
            hj = h.unsqueeze(1).expand(B, n, n, h.shape[-1])
            m = edge(torch.cat([hi, hj, d2, d02], -1))
            m = m * att(m) * self.mask
            direction = diff / (torch.sqrt(d2 + 1e-8) + 1)
            pos = pos + (direction * coord(m) * self.range * self.mask).sum(2)
            h = h + node(torch.cat([h, m.sum(2)], -1))
        v = pos - pos0
        v = v - v.mean(1, keepdim=True)
        return v.reshape(B, n * s)


# ---------------------------------------------------------------- IWSM pieces
def monte_carlo(energy, xt, sigma, z, max_norm, n, s):
    """K-sample estimates of the noised score and log-density (iDEM's estimator)."""
    K = z.shape[1]
    y = (xt.detach().unsqueeze(1) + sigma.detach().reshape(-1, 1, 1) * z).requires_grad_(True)
    e = energy(y)
    finite = torch.isfinite(e)
    logw = torch.where(finite, -e, torch.full_like(e, -math.inf))
    lse = torch.logsumexp(logw, 1)
    grad_e, = torch.autograd.grad(torch.where(finite, e, torch.zeros_like(e)).sum(), y)
    grad_e = torch.nan_to_num(grad_e, nan=0.0, posinf=0.0, neginf=0.0)
    resp = torch.exp(logw - lse.unsqueeze(1))
    score = -(resp.unsqueeze(-1) * grad_e).sum(1)
    score = remove_mean(score, n, s)
    if max_norm > 0:
        norm = score.norm(dim=-1, keepdim=True)
        score = score * torch.clamp(max_norm / (norm + 1e-12), max=1.0)
    return score.detach(), (lse - math.log(K)).detach()


def buffer_log_density(xt, sigma, buf, d_eff):
    sq = (xt ** 2).sum(-1, keepdim=True) - 2 * xt @ buf.T + (buf ** 2).sum(-1).unsqueeze(0)
    sq = sq.clamp(min=0)
    s2 = (sigma ** 2).unsqueeze(-1)
    lse = torch.logsumexp(-sq / (2 * s2), 1)
    return lse - math.log(buf.shape[0]) - 0.5 * d_eff * torch.log(2 * math.pi * s2.squeeze(-1))


class Peer:
    def __init__(self, name, cfg):
        make, self.n, self.s, self.d = TARGETS[name]
        self.energy, self.cfg = make(), cfg
        if self.n:
            self.net = EGNN(cfg["egnn"])
        else:
            self.net = ScoreMLP(self.d, cfg["net"])
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg["learning_rate"])
        self.smin, self.smax = cfg["sigma_min"], cfg["sigma_max"]
        g = torch.Generator().manual_seed(1)
        self.buffer = remove_mean(0.5 * self.smax * torch.randn(cfg["buffer_size"], self.d, generator=g), self.n, self.s)
        self.d_eff = self.d - self.s if self.n else self.d

    def sigma(self, t):
        return self.smin * (self.smax / self.smin) ** t

    def normal(self, *shape):
        return remove_mean(torch.randn(*shape), self.n, self.s)

    def step(self):
        c, B, G = self.cfg, self.cfg["batch_size"], self.cfg["time_groups"]
        x0 = self.buffer[torch.randint(0, self.buffer.shape[0], (B,))]
        tg = (torch.arange(G, dtype=torch.float32) + torch.rand(G)) / G
        t = tg.repeat_interleave(B // G)
        sigma = self.sigma(t)
        xt = x0 + sigma.unsqueeze(-1) * self.normal(B, self.d)
        target, logp = monte_carlo(self.energy, xt, sigma, self.normal(B, c["k"], self.d), c["max_score_norm"], self.n, self.s)
        logw = logp - buffer_log_density(xt, sigma, self.buffer, self.d_eff)
        logw = torch.where(torch.isfinite(logw), logw, torch.full_like(logw, -math.inf)).reshape(G, B // G)
        weights = (torch.softmax(logw, 1) * (B // G)).reshape(B).detach()
        per_point = ((self.net(xt, t) - target) ** 2).mean(-1)
        if c["lambda_h"]:
            per_point = per_point * (sigma ** 2 + 1e-3)
        loss = (weights * per_point).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), c["grad_clip"])
        self.opt.step()
        return loss.item()

    def estimator_inputs(self):
        c, B = self.cfg, self.cfg["batch_size"]
        xt = remove_mean(0.5 * self.smax * torch.randn(B, self.d), self.n, self.s)
        sigma = self.sigma(torch.arange(1, B + 1, dtype=torch.float32) / B)
        return xt, sigma, self.normal(B, c["k"], self.d)

    def estimator(self, xt, sigma, z):
        return monte_carlo(self.energy, xt, sigma, z, self.cfg["max_score_norm"], self.n, self.s)

    @torch.no_grad()
    def sde_step(self, x):
        c = self.cfg
        t, dt = 0.5, 1.0 / c["integration_steps"]
        sigma = self.sigma(torch.tensor(t))
        g2 = sigma ** 2 * 2 * math.log(self.smax / self.smin)
        tb = torch.full((x.shape[0],), t)
        x = x + self.net(x, tb) * g2 * dt + self.normal(*x.shape) * torch.sqrt(g2 * dt)
        return remove_mean(x, self.n, self.s)


def time_ms(fn, min_seconds=1.0, min_reps=1):
    """Mean wall time of fn() in ms, after one warm-up call, over at least min_reps calls
    and min_seconds seconds (as `go test -bench` times ours: one warm-up call, then calls
    until -benchtime has passed)."""
    fn()
    reps, start = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - start < min_seconds:
        fn()
        reps += 1
    return 1000 * (time.perf_counter() - start) / reps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="JSON from `iwsm config -target T -budget paper`")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--energy", nargs=2, metavar=("IN.npy", "OUT.npy"),
                    help="instead of timing, write the peer's energies of IN's rows (sampler coordinates) to OUT")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.energy:
        with open(args.config) as f:
            name = json.load(f)["target"]
        x = torch.from_numpy(np.load(args.energy[0]).astype(np.float32))
        np.save(args.energy[1], TARGETS[name][0]()(x).double().numpy())
        return
    torch.manual_seed(0)
    with open(args.config) as f:
        cfg = json.load(f)
    peer = Peer(cfg["target"], cfg)
    xt, sigma, z = peer.estimator_inputs()
    x = remove_mean(peer.smax * torch.randn(cfg["samples_per_epoch"], peer.d), peer.n, peer.s)
    out = {
        "target": cfg["target"],
        "step_ms": time_ms(peer.step, args.min_seconds),
        "estimator_ms": time_ms(lambda: peer.estimator(xt, sigma, z), args.min_seconds),
        "sde_step_ms": time_ms(lambda: peer.sde_step(x), args.min_seconds),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
