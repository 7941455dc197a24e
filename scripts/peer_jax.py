#!/usr/bin/env python3
"""The JAX peer of `make bench`: the same IWSM training step, Monte Carlo estimator call and
reverse-SDE step as iwsm/train's BenchmarkPaper* (and scripts/peer_torch.py), written as a JAX
user would write them: pure functions of parameter pytrees, jax.jit around each whole call,
jax.vmap(jax.value_and_grad(energy)) for the estimator's energy gradients, jax.value_and_grad
for the loss, optax.adam after optax.clip_by_global_norm, jax.random keys threaded through.

JAX compiles with XLA, the compiler our "xla:cpu" backend uses (through the PJRT CPU plugin), so
ours(xla:cpu)/JAX compares what each side hands the compiler, not two compilers.

The sizes come from the Go side (`iwsm config -target T -budget paper`, passed with --config),
so both sides time the same work: float32 throughout, the same batch, K, replay-buffer size,
noise levels per batch, network architecture and clipping.

    .venv-bench/bin/python scripts/peer_jax.py --config cfg.json --threads 2

prints one JSON object: milliseconds per call of step, estimator and sde_step, the jax, jaxlib
and optax versions, the platform (always "cpu"), the number of CPUs XLA may use and XLA_FLAGS.

Threads: XLA's CPU client sizes its thread pools by the CPUs the process may run on (its
affinity mask), so --threads N restricts the process to N CPUs (os.sched_setaffinity) before
jax is imported. No XLA flag is set by this script; XLA_FLAGS from the environment is passed
through and reported (e.g. --xla_dump_to=DIR --xla_dump_hlo_as_text to dump the HLO).
"""
import argparse
import json
import math
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def restrict_cpus(n):
    """Lets this process (and XLA's thread pools, sized from the affinity mask) use n CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if n < 1 or n > len(cpus):
        sys.exit(f"peer_jax: --threads {n}: this process may use {len(cpus)} CPUs")
    os.sched_setaffinity(0, cpus[:n])


def import_jax():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
    except ImportError as e:
        sys.exit(f"peer_jax: {e.name} is not installed: run `make bench-deps` (or `bash scripts/bench_deps.sh`), "
                 f"which makes .venv-bench with scripts/requirements-bench.txt")
    import jax
    jax.config.update("jax_enable_x64", False)
    if jax.default_backend() != "cpu":
        sys.exit(f"peer_jax: jax runs on {jax.default_backend()}, not the CPU (JAX_PLATFORMS={os.environ.get('JAX_PLATFORMS')})")
    return jax


# Set from main() once jax is imported (the CPU restriction must come first).
jax = jnp = optax = None


# ---------------------------------------------------------------- targets (energies of one point)
def gmm40_energy():
    import numpy as np
    mu = jnp.asarray(np.load(os.path.join(ROOT, "iwsm", "target", "data", "gmm40_means.npy")).astype(np.float32) / 50.0)
    std = math.log1p(math.e) / 50.0  # softplus(1) / 50: sampler coordinates x/50
    log_norm = -0.5 * 2 * math.log(2 * math.pi * std * std)
    logw = math.log(1.0 / mu.shape[0])

    def energy(x):  # [2] -> []
        sq = jnp.sum((x - mu) ** 2, -1)  # [40]
        return -(jax.nn.logsumexp(-0.5 * sq / (std * std) + logw) + log_norm)

    return energy


def pair_distances(x, n, s):
    p = x.reshape(n, s)
    diff = p[:, None, :] - p[None, :, :]
    sq = jnp.sum(diff ** 2, -1) + jnp.eye(n, dtype=x.dtype)  # diagonal shifted to 1: finite gradients
    return jnp.sqrt(sq), jnp.triu(jnp.ones((n, n), x.dtype), 1)


def dw_energy(n, s):
    def energy(x):
        d, upper = pair_distances(x, n, s)
        r = d - 4.0
        return jnp.sum((0.9 * r ** 4 - 4.0 * r ** 2) * upper)

    return energy


def lj_energy(n, s=3):
    def energy(x):
        d, upper = pair_distances(x, n, s)
        inv6 = d ** -6
        pairs = 2.0 * jnp.sum((inv6 ** 2 - 2.0 * inv6) * upper)
        p = x.reshape(n, s)
        return pairs + 0.5 * jnp.sum((p - p.mean(0)) ** 2)

    return energy


TARGETS = {  # name: (energy factory, particles, spatial dimension, dimension)
    "gmm40": (gmm40_energy, 0, 0, 2),
    "dw4": (lambda: dw_energy(4, 2), 4, 2, 8),
    "lj13": (lambda: lj_energy(13), 13, 3, 39),
    "lj55": (lambda: lj_energy(55), 55, 3, 165),
}


def remove_mean(v, n, s):
    if n == 0:
        return v
    p = v.reshape(*v.shape[:-1], n, s)
    return (p - p.mean(-2, keepdims=True)).reshape(v.shape)


# ---------------------------------------------------------------- networks (params: pytrees)
def linear_init(key, fan_in, fan_out, bias=True):
    """PyTorch's nn.Linear initialisation (uniform in ±1/sqrt(fan_in)), as peer_torch's."""
    kw, kb = jax.random.split(key)
    lim = 1.0 / math.sqrt(fan_in)
    p = {"w": jax.random.uniform(kw, (fan_in, fan_out), jnp.float32, -lim, lim)}
    if bias:
        p["b"] = jax.random.uniform(kb, (fan_out,), jnp.float32, -lim, lim)
    return p


def linear(p, x):
    y = x @ p["w"]
    return y + p["b"] if "b" in p else y


def mlp_init(key, inp, hidden, layers, out):
    keys = jax.random.split(key, layers + 1)
    widths = [inp] + [hidden] * layers
    return [linear_init(keys[i], widths[i], widths[i + 1]) for i in range(layers)] + [linear_init(keys[-1], widths[-1], out)]


def mlp(ps, x):
    for p in ps[:-1]:
        x = jax.nn.silu(linear(p, x))
    return linear(ps[-1], x)


def sinusoidal(v, size, scale):
    half = size // 2
    freqs = jnp.exp(-math.log(10000.0) * jnp.arange(half, dtype=jnp.float32) / half)
    arg = (scale * v)[..., None] * freqs  # [..., n, half]
    emb = jnp.concatenate([jnp.sin(arg), jnp.cos(arg)], -1)
    return emb.reshape(*v.shape[:-1], v.shape[-1] * size)


def score_mlp(c, d):
    """iDEM's MyMLP: sinusoidal embeddings of each coordinate and of t, then a SiLU MLP."""

    def init(key):
        return mlp_init(key, (d + 1) * c["EmbedSize"], c["Hidden"], c["Layers"], d)

    def apply(ps, x, t):
        return mlp(ps, jnp.concatenate([sinusoidal(x, c["EmbedSize"], c["CoordScale"]),
                                        sinusoidal(t[:, None], c["EmbedSize"], c["TimeScale"])], -1))

    return init, apply


def egnn(c):
    """The same E(n)-equivariant network as iwsm/net.EGNN and peer_torch.EGNN (iDEM's
    EGNN_dynamics with attention, tanh and sum aggregation), on a batch [B, n·s]."""
    n, s, H, L = c["particles"], c["spatial_dim"], c["hidden"], c["layers"]
    coord_range = (c.get("coords_range") or 15.0) / L
    mask = (1 - jnp.eye(n, dtype=jnp.float32)).reshape(1, n, n, 1)

    def init(key):
        keys = jax.random.split(key, 1 + 5 * L)
        layers = []
        for i in range(L):
            k = keys[1 + 5 * i: 6 + 5 * i]
            layers.append({
                "edge": mlp_init(k[0], 2 * H + 2, H, 1, H),
                "att": linear_init(k[1], H, 1),
                "coord": [linear_init(k[2], H, H), linear_init(k[3], H, 1, bias=False)],
                "node": mlp_init(k[4], 2 * H, H, 1, H),
            })
        return {"embed": linear_init(keys[0], 32, H), "layers": layers}

    def apply(ps, x, t):
        B = x.shape[0]
        pos0 = x.reshape(B, n, s)
        pos = pos0
        h = jnp.broadcast_to(linear(ps["embed"], sinusoidal(t[:, None], 32, 1.0))[:, None, :], (B, n, H))
        d02 = None
        for p in ps["layers"]:
            diff = pos[:, :, None, :] - pos[:, None, :, :]
            d2 = jnp.sum(diff ** 2, -1, keepdims=True)
            if d02 is None:
                d02 = d2
            hi = jnp.broadcast_to(h[:, :, None, :], (B, n, n, H))
            hj = jnp.broadcast_to(h[:, None, :, :], (B, n, n, H))
            m = jax.nn.silu(mlp(p["edge"], jnp.concatenate([hi, hj, d2, d02], -1)))
            m = m * jax.nn.sigmoid(linear(p["att"], m)) * mask
            direction = diff / (jnp.sqrt(d2 + 1e-8) + 1)
            cw = jnp.tanh(linear(p["coord"][1], jax.nn.silu(linear(p["coord"][0], m))))
            pos = pos + jnp.sum(direction * cw * coord_range * mask, 2)
            h = h + mlp(p["node"], jnp.concatenate([h, jnp.sum(m, 2)], -1))
        v = pos - pos0
        v = v - v.mean(1, keepdims=True)
        return v.reshape(B, n * s)

    return init, apply


# ---------------------------------------------------------------- IWSM pieces
def monte_carlo(energy, xt, sigma, z, max_norm, n, s):
    """K-sample estimates of the noised score and log-density (iDEM's estimator)."""
    K = z.shape[1]
    y = xt[:, None, :] + sigma[:, None, None] * z  # [B, K, d]
    e, grad_e = jax.vmap(jax.vmap(jax.value_and_grad(energy)))(y)
    finite = jnp.isfinite(e)
    logw = jnp.where(finite, -e, -jnp.inf)
    lse = jax.nn.logsumexp(logw, 1)
    grad_e = jnp.where(finite[..., None], jnp.nan_to_num(grad_e, nan=0.0, posinf=0.0, neginf=0.0), 0.0)
    resp = jnp.exp(logw - lse[:, None])
    score = remove_mean(-jnp.sum(resp[..., None] * grad_e, 1), n, s)
    if max_norm > 0:
        norm = jnp.linalg.norm(score, axis=-1, keepdims=True)
        score = score * jnp.minimum(max_norm / (norm + 1e-12), 1.0)
    return jax.lax.stop_gradient(score), jax.lax.stop_gradient(lse - math.log(K))


def buffer_log_density(xt, sigma, buf, d_eff):
    sq = jnp.sum(xt ** 2, -1, keepdims=True) - 2 * xt @ buf.T + jnp.sum(buf ** 2, -1)[None, :]
    sq = jnp.maximum(sq, 0)
    s2 = sigma ** 2
    lse = jax.nn.logsumexp(-sq / (2 * s2[:, None]), 1)
    return lse - math.log(buf.shape[0]) - 0.5 * d_eff * jnp.log(2 * math.pi * s2)


class Peer:
    """The jitted step, estimator and SDE step of one target at one configuration."""

    def __init__(self, name, cfg, seed=0):
        make, self.n, self.s, self.d = TARGETS[name]
        self.energy, self.cfg = make(), cfg
        init, self.apply = egnn(cfg["egnn"]) if self.n else score_mlp(cfg["net"], self.d)
        key = jax.random.PRNGKey(seed)
        self.key, kinit, kbuf = jax.random.split(key, 3)
        self.params = init(kinit)
        self.opt = optax.chain(optax.clip_by_global_norm(cfg["grad_clip"]), optax.adam(cfg["learning_rate"]))
        self.opt_state = self.opt.init(self.params)
        self.smin, self.smax = cfg["sigma_min"], cfg["sigma_max"]
        self.buffer = remove_mean(0.5 * self.smax * jax.random.normal(kbuf, (cfg["buffer_size"], self.d)), self.n, self.s)
        self.d_eff = self.d - self.s if self.n else self.d
        # A JAX user donates the parameters and optimiser state: updated in place.
        self.train_step = jax.jit(self._train_step, donate_argnums=(0, 1))
        self.estimator = jax.jit(self._estimator)
        self.sde_step = jax.jit(self._sde_step)

    def sigma(self, t):
        return self.smin * (self.smax / self.smin) ** t

    def normal(self, key, *shape):
        return remove_mean(jax.random.normal(key, shape, jnp.float32), self.n, self.s)

    def _train_step(self, params, opt_state, buffer, key):
        c, B, G = self.cfg, self.cfg["batch_size"], self.cfg["time_groups"]
        kidx, kt, kx, kz = jax.random.split(key, 4)
        x0 = buffer[jax.random.randint(kidx, (B,), 0, buffer.shape[0])]
        tg = (jnp.arange(G, dtype=jnp.float32) + jax.random.uniform(kt, (G,))) / G
        t = jnp.repeat(tg, B // G)
        sigma = self.sigma(t)
        xt = x0 + sigma[:, None] * self.normal(kx, B, self.d)
        target, logp = monte_carlo(self.energy, xt, sigma, self.normal(kz, B, c["k"], self.d), c["max_score_norm"], self.n, self.s)
        logw = logp - buffer_log_density(xt, sigma, buffer, self.d_eff)
        logw = jnp.where(jnp.isfinite(logw), logw, -jnp.inf).reshape(G, B // G)
        weights = jax.lax.stop_gradient((jax.nn.softmax(logw, 1) * (B // G)).reshape(B))

        def loss_fn(p):
            per_point = jnp.mean((self.apply(p, xt, t) - target) ** 2, -1)
            if c["lambda_h"]:
                per_point = per_point * (sigma ** 2 + 1e-3)
            return jnp.mean(weights * per_point)

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = self.opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def step(self):
        self.key, k = jax.random.split(self.key)
        self.params, self.opt_state, loss = self.train_step(self.params, self.opt_state, self.buffer, k)
        return float(loss)  # waits for the step, as peer_torch's loss.item() and our host copy

    def estimator_inputs(self):
        c, B = self.cfg, self.cfg["batch_size"]
        k1, k2 = jax.random.split(jax.random.PRNGKey(2))
        xt = remove_mean(0.5 * self.smax * jax.random.normal(k1, (B, self.d)), self.n, self.s)
        sigma = self.sigma(jnp.arange(1, B + 1, dtype=jnp.float32) / B)
        return xt, sigma, self.normal(k2, B, c["k"], self.d)

    def _estimator(self, xt, sigma, z):
        return monte_carlo(self.energy, xt, sigma, z, self.cfg["max_score_norm"], self.n, self.s)

    def _sde_step(self, params, x, key):
        c = self.cfg
        t, dt = 0.5, 1.0 / c["integration_steps"]
        sigma = self.sigma(jnp.float32(t))
        g2 = sigma ** 2 * 2 * math.log(self.smax / self.smin)
        tb = jnp.full((x.shape[0],), t, jnp.float32)
        x = x + self.apply(params, x, tb) * g2 * dt + self.normal(key, *x.shape) * jnp.sqrt(g2 * dt)
        return remove_mean(x, self.n, self.s)


def time_ms(fn, min_seconds=1.0, min_reps=1):
    """Mean wall time of fn() in ms, after one warm-up call (which also compiles), over at
    least min_reps calls and min_seconds seconds (as `go test -bench` times ours)."""
    fn()
    reps, start = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - start < min_seconds:
        fn()
        reps += 1
    return 1000 * (time.perf_counter() - start) / reps


def main():
    global jax, jnp, optax
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="JSON from `iwsm config -target T -budget paper`")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="CPUs XLA may use (default: all)")
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--energy", nargs=2, metavar=("IN.npy", "OUT.npy"),
                    help="instead of timing, write the peer's energies of IN's rows (sampler coordinates) to OUT")
    ap.add_argument("--hlo", metavar="DIR", help="instead of timing, write the optimised HLO of each jitted call to DIR/<target>.<call>.hlo.txt")
    args = ap.parse_args()
    restrict_cpus(args.threads)
    jax = import_jax()
    import jax.numpy as _jnp
    import optax as _optax
    import numpy as np
    jnp, optax = _jnp, _optax
    with open(args.config) as f:
        cfg = json.load(f)
    name = cfg["target"]
    if name not in TARGETS:
        sys.exit(f"peer_jax: target {name!r} has no JAX peer (have {', '.join(TARGETS)})")
    if args.energy:
        x = jnp.asarray(np.load(args.energy[0]).astype(np.float32))
        np.save(args.energy[1], np.asarray(jax.jit(jax.vmap(TARGETS[name][0]()))(x)).astype(np.float64))
        return
    peer = Peer(name, cfg)
    xt, sigma, z = peer.estimator_inputs()
    x = remove_mean(peer.smax * jax.random.normal(jax.random.PRNGKey(3), (cfg["samples_per_epoch"], peer.d)), peer.n, peer.s)
    ksde = jax.random.PRNGKey(4)
    if args.hlo:
        os.makedirs(args.hlo, exist_ok=True)
        calls = {
            "step": peer.train_step.lower(peer.params, peer.opt_state, peer.buffer, peer.key),
            "estimator": peer.estimator.lower(xt, sigma, z),
            "sde_step": peer.sde_step.lower(peer.params, x, ksde),
        }
        for call, lowered in calls.items():
            with open(os.path.join(args.hlo, f"{name}.{call}.hlo.txt"), "w") as f:
                f.write(lowered.compile().as_text())
        return
    out = {
        "target": name,
        "step_ms": time_ms(peer.step, args.min_seconds),
        "estimator_ms": time_ms(lambda: jax.block_until_ready(peer.estimator(xt, sigma, z)), args.min_seconds),
        "sde_step_ms": time_ms(lambda: peer.sde_step(peer.params, x, ksde).block_until_ready(), args.min_seconds),
        "jax": jax.__version__,
        "jaxlib": __import__("jaxlib").__version__,
        "optax": optax.__version__,
        "platform": jax.default_backend(),
        "threads": len(os.sched_getaffinity(0)),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
