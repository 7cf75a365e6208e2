"""The ``kernels`` group of ``python -m lossfast bench``: every transcendental
kernel (issue #15) against a probe that moves exactly its bytes, and, where
installed and asked for, PyTorch eager, ``torch.compile`` and
``jax.jit(jax.value_and_grad(...))``.

Each case names the arrays the kernel reads and writes; the probe
(``_lossfast.stream_probe``) reads and writes those same arrays once with the
kernels' threads and chunking.  Timings are interleaved (kernel, probe, peers,
kernel, ...) and the minimum of the repeats is kept, so a burst of load on the
shared machine hits all of them alike; the stored figures are ratios:

    copy_ratio = lossfast time / probe time   (1.0: at the memory wall)
    vs <peer>  = peer time / lossfast time    (> 1: lossfast is faster)
"""
import time

import numpy as np

PEERS = ("torch", "torch.compile", "jax")


class KernelCase:
    """One kernel: `run` calls lossfast; `reads` / `writes` are the arrays it
    moves (the probe moves the same); `peers` maps a peer name to a factory
    returning that peer's step function (built only when asked for)."""

    def __init__(self, name, dtype, run, reads, writes, peers=None):
        self.name, self.dtype, self.run = name, np.dtype(dtype).name, run
        self.reads, self.writes, self.peers = reads, writes, peers or {}


# ---------------------------------------------------------------- peers
def _torch():
    try:
        import torch
    except ImportError:
        return None
    from . import get_num_threads
    torch.set_num_threads(get_num_threads())
    return torch


def _jax():
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def _torch_step(loss_fn, y_true, y_pred, compile_=False):
    """loss_fn(pred, true) + backward, eager or under torch.compile."""
    torch = _torch()
    if torch is None:
        return None
    t_true = torch.from_numpy(np.ascontiguousarray(y_true))
    t_pred = torch.from_numpy(y_pred.copy()).requires_grad_(True)
    fn = loss_fn(torch)
    if compile_:
        try:
            fn = torch.compile(fn)
        except Exception:  # no compiler backend on this machine
            return None

    def step():
        t_pred.grad = None
        fn(t_pred, t_true).backward()

    return step


def _jax_step(loss_fn, y_true, y_pred):
    """jax.jit(jax.value_and_grad(loss)) with the arrays already on the device."""
    jax = _jax()
    if jax is None:
        return None
    import jax.numpy as jnp
    f = jax.jit(jax.value_and_grad(lambda p, t: loss_fn(jnp, jax)(p, t)))
    p, t = jnp.asarray(y_pred), jnp.asarray(y_true)

    def step():
        v, g = f(p, t)
        g.block_until_ready()

    return step


def _peer_set(torch_fn, jax_fn, y_true, y_pred):
    peers = {}
    if torch_fn is not None:
        peers["torch"] = lambda: _torch_step(torch_fn, y_true, y_pred)
        peers["torch.compile"] = lambda: _torch_step(torch_fn, y_true, y_pred, compile_=True)
    if jax_fn is not None:
        peers["jax"] = lambda: _jax_step(jax_fn, y_true, y_pred)
    return peers


# the peers' formulas (mean reduction, as lossfast's default)
def _t_bce_logits(torch):
    return torch.nn.functional.binary_cross_entropy_with_logits


def _j_bce_logits(jnp, jax):
    return lambda z, t: jnp.mean(jnp.maximum(z, 0) - z * t + jnp.log1p(jnp.exp(-jnp.abs(z))))


def _t_bce_prob(torch):
    return torch.nn.functional.binary_cross_entropy


def _j_bce_prob(jnp, jax):
    def f(p, t):
        p = jnp.clip(p, 1e-7, 1 - 1e-7)
        return -jnp.mean(t * jnp.log(p) + (1 - t) * jnp.log1p(-p))
    return f


def _t_cross_entropy(torch):
    return torch.nn.functional.cross_entropy


def _j_sparse_ce(jnp, jax):
    def f(z, y):
        lz = jax.nn.log_softmax(z, axis=-1)
        return -jnp.mean(jnp.take_along_axis(lz, y[:, None], axis=-1))
    return f


def _j_dense_ce(jnp, jax):
    return lambda z, t: -jnp.mean(jnp.sum(t * jax.nn.log_softmax(z, axis=-1), axis=-1))


def _t_log_cosh(torch):
    return lambda p, t: torch.mean(torch.log(torch.cosh(p - t)))


def _j_log_cosh(jnp, jax):
    return lambda p, t: jnp.mean(jnp.logaddexp(p - t, t - p) - jnp.log(2.0))


def _t_focal(torch):
    def f(z, t):
        p = torch.sigmoid(z)
        ce = torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="none")
        m = p * (1 - t) + (1 - p) * t
        return torch.mean(0.25 * ce * m * m)  # alpha 0.25 on both sides, gamma 2
    return f


# ---------------------------------------------------------------- cases
def kernel_cases(scale, dtypes):
    n = max(64, int(1e7 * scale))
    rows = max(16, int(1e6 * scale))
    for dt in dtypes:
        # one generator per dtype: its closures see that dtype's arrays even
        # when every case is built before any runs (bench/bench_kernels.py)
        yield from _dtype_cases(np.dtype(dt), n, rows, 10)


def _dtype_cases(dt, n, rows, C):
    from . import activations as act
    from . import losses
    if True:
        rng = np.random.default_rng(0)
        out = np.empty(n, dt)
        labels = (rng.random(n) < 0.5).astype(dt)
        logits = (4 * rng.standard_normal(n)).astype(dt)
        probs = rng.uniform(0.001, 0.999, n).astype(dt)
        y_true = rng.standard_normal(n).astype(dt)
        y_pred = rng.standard_normal(n).astype(dt)
        ew = [
            ("bce_logits", losses.BinaryCrossEntropy(from_logits=True), labels, logits,
             (_t_bce_logits, _j_bce_logits)),
            ("bce_prob", losses.BinaryCrossEntropy(), labels, probs, (_t_bce_prob, _j_bce_prob)),
            ("focal_logits", losses.BinaryFocal(from_logits=True, gamma=2.0, alpha=0.25),
             labels, logits, (_t_focal, None)),
            ("focal_prob", losses.BinaryFocal(gamma=2.0, alpha=0.25), labels, probs,
             (None, None)),
            ("log_cosh", losses.LogCosh(), y_true, y_pred, (_t_log_cosh, _j_log_cosh)),
            ("gaussian", losses.Gaussian(), y_true, y_pred, (None, None)),
        ]
        for name, loss, yt, yp, (tf, jf) in ew:
            yield KernelCase(f"{name} loss+grad N={n:.0e}", dt,
                             lambda loss=loss, yt=yt, yp=yp: loss.loss_gradient(yt, yp, out=out),
                             [yt, yp], [out], _peer_set(tf, jf, yt, yp))

        z = rng.standard_normal((rows, C)).astype(dt)
        y = rng.integers(0, C, rows)
        onehot = np.eye(C, dtype=dt)[y]
        soft = rng.random((rows, C)).astype(dt)
        soft /= soft.sum(axis=1, keepdims=True)
        g = np.empty_like(z)
        sce = losses.SparseCategoricalCrossEntropy(from_logits=True)
        cce = losses.CategoricalCrossEntropy(from_logits=True)
        mh = losses.MulticlassHinge()
        rw = [
            ("softmax CE sparse", sce, y, (_t_cross_entropy, _j_sparse_ce)),
            ("softmax CE one-hot", cce, onehot, (_t_cross_entropy, _j_dense_ce)),
            ("softmax CE soft", cce, soft, (_t_cross_entropy, _j_dense_ce)),
            ("multiclass hinge", mh, y, (None, None)),
        ]
        for name, loss, t, (tf, jf) in rw:
            yield KernelCase(f"{name} loss+grad {rows:.0e}x{C}", dt,
                             lambda loss=loss, t=t: loss.loss_gradient(t, z, out=g),
                             [t, z], [g], _peer_set(tf, jf, t, z))

        x = y_pred
        sig = act.sigmoid(x)
        th = act.tanh(x)
        up = y_true
        zs = act.softmax(z)
        lzs = act.log_softmax(z)
        gz = rng.standard_normal((rows, C)).astype(dt)
        acts = [
            ("sigmoid", lambda: act.sigmoid(x, out=out), [x], [out]),
            ("sigmoid_backward", lambda: act.sigmoid_backward(sig, up, out=out), [sig, up], [out]),
            ("tanh", lambda: act.tanh(x, out=out), [x], [out]),
            ("tanh_backward", lambda: act.tanh_backward(th, up, out=out), [th, up], [out]),
        ]
        for name, run, reads, writes in acts:
            yield KernelCase(f"{name} N={n:.0e}", dt, run, reads, writes)
        racts = [
            ("softmax", lambda: act.softmax(z, out=g), [z], [g]),
            ("softmax_backward", lambda: act.softmax_backward(zs, gz, out=g), [zs, gz], [g]),
            ("log_softmax", lambda: act.log_softmax(z, out=g), [z], [g]),
            ("log_softmax_backward", lambda: act.log_softmax_backward(lzs, gz, out=g),
             [lzs, gz], [g]),
        ]
        for name, run, reads, writes in racts:
            yield KernelCase(f"{name} {rows:.0e}x{C}", dt, run, reads, writes)


def _time_once(fn, clock=time.perf_counter):
    start = clock()
    fn()
    return clock() - start


# pause before each timed call of interleaved_min (s): a thread pool that
# spins after its work (libgomp's, torch's, XLA's) goes to sleep within it
SETTLE = 0.02


def interleaved_min(fns, repeat, warmup=1, clock_fn=time.perf_counter, settle=SETTLE):
    """The minimum time of each of `fns` (name -> callable) over `repeat`
    rounds that run them in turn (a, b, c, a, b, c, ...), after `warmup`
    calls of each: a burst of load hits every role alike instead of one
    role's block of repeats.  Each timed call starts `settle` seconds after
    the previous one ended, so a peer's thread team still spinning after
    its call does not take the cores of the next role's (on the 2-core
    machine it slowed lossfast's two-thread softmax CE float64 from 34.5
    to 59.6 ms)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    best = {k: float("inf") for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            if settle:
                time.sleep(settle)
            best[k] = min(best[k], _time_once(fn, clock_fn))
    return best


def measure(case, repeat, peers=(), warmup=1, clock="wall"):
    """Interleaved timings of the kernel, its probe and the asked-for peers;
    the minimum of `repeat` rounds of each.  Returns a result dict.

    clock="thread" times the CPU time of the calling thread
    (time.thread_time), for runs on one thread: time the OS gives to other
    processes is not counted, so the ratios hold on a loaded machine."""
    clock_fn = time.thread_time if clock == "thread" else time.perf_counter
    if clock == "thread":
        peers = ()  # the peers run on threads of their own, which thread_time misses
    from . import _lossfast
    reads = [np.ascontiguousarray(a) for a in case.reads]
    writes = case.writes

    def probe():
        _lossfast.stream_probe(reads, writes)

    fns = {"lossfast": case.run, "copy": probe}
    for p in peers:
        factory = case.peers.get(p)
        step = factory() if factory is not None else None
        if step is not None:
            fns[p] = step
    best = interleaved_min(fns, repeat, warmup, clock_fn)
    nbytes = sum(a.nbytes for a in reads) + sum(a.nbytes for a in writes)
    row = {"group": "kernels", "kernel": case.name, "dtype": case.dtype,
           "lossfast_ms": best["lossfast"] * 1e3, "copy_ms": best["copy"] * 1e3,
           "bytes": int(nbytes), "copy_ratio": best["lossfast"] / best["copy"],
           "clock": clock}
    for k, t in best.items():
        if k not in ("lossfast", "copy"):
            row[f"vs {k}"] = t / best["lossfast"]
    return row
