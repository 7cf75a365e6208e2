"""Optimizer steps: lossfast against torch.optim (fused=True where PyTorch has a fused CPU
kernel, foreach=True), optax (jax.jit, buffers donated) where installed, and a NumPy
implementation (in-place ufuncs) for Adam and SGD; every optimizer of lossfast.optim on 1e7
parameters and on 200 tensors of 5e4, float32 and float64, 2 threads.

    PYTHONPATH=src python -m pytest bench/bench_optim.py --benchmark-only
    PYTHONPATH=src python -m pytest bench/bench_optim.py --benchmark-only -k "adam- and 1x1e7"

Each group (``adam-1x1e7-float32``, ...) holds one case for every implementation that
exists for it; pytest-benchmark's table compares them.  ``test_bandwidth_fraction``
reports the share of the machine's memory bandwidth an Adam step reaches: the bytes it
must move (read p, g, m, v; write p, m, v) over its time, relative to the bandwidth of a
2-thread memory copy measured in the same run (``extra_info`` of that benchmark; also
printed with ``-s``).  ``PYTHONPATH=src python bench/bench_optim.py [--threads N]
[--only adam,sgd_momentum]`` prints every ratio from interleaved runs (run it with
``LOSSFAST_SIMD=avx2`` for the AVX2 path).  Targets: >= 1.1x PyTorch fused for Adam and
SGD-momentum on the AVX2 and AVX-512 paths, >= 1.1x torch (fused, else foreach) for the
other optimizers.  optax runs on XLA's own thread pool (all cores).
"""
import concurrent.futures
import math
import time

import numpy as np
import pytest

import lossfast as lf

torch = pytest.importorskip("torch")
torch.set_num_threads(2)
try:
    import jax
    import optax
    jax.config.update("jax_enable_x64", True)
except ImportError:  # optax is an optional peer
    jax = optax = None

LAYOUTS = {"1x1e7": [10_000_000], "200x5e4": [50_000] * 200}
DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}
# name -> (class, hyper-parameters, optax transformation or None)
OPTIMIZERS = {
    "adam": ("Adam", {"lr": 1e-3}, lambda: optax.adam(1e-3)),
    "sgd_momentum": ("SGD", {"lr": 1e-3, "momentum": 0.9}, lambda: optax.sgd(1e-3, 0.9)),
    "adamw": ("AdamW", {"lr": 1e-3}, lambda: optax.adamw(1e-3, weight_decay=1e-2)),
    "adagrad": ("Adagrad", {"lr": 1e-2}, lambda: optax.adagrad(1e-2, eps=1e-10)),
    "rmsprop": ("RMSprop", {"lr": 1e-2}, lambda: optax.rmsprop(1e-2, decay=0.99, eps=1e-8)),
    "nadam": ("NAdam", {"lr": 2e-3}, lambda: optax.nadam(2e-3)),
    "radam": ("RAdam", {"lr": 1e-3}, lambda: optax.radam(1e-3)),
    "adamax": ("Adamax", {"lr": 2e-3}, lambda: optax.adamax(2e-3)),
    "adadelta": ("Adadelta", {"lr": 1.0}, lambda: optax.adadelta(1.0, rho=0.9, eps=1e-6)),
    "rprop": ("Rprop", {"lr": 1e-2}, lambda: optax.rprop(1e-2)),
    "lion": ("Lion", {"lr": 1e-4}, lambda: optax.lion(1e-4, b1=0.9, b2=0.99)),
}
TORCH_FUSED = {"Adam", "AdamW", "SGD", "Adagrad"}  # torch.optim classes with a fused CPU kernel
IMPLS = ["lossfast", "torch_fused", "torch_foreach", "optax", "numpy"]
ROUNDS = {"numpy": 5, "torch_foreach": 10, "optax": 10}


def available(impl, opt_name):
    cls_name = OPTIMIZERS[opt_name][0]
    if impl == "torch_fused":
        return cls_name in TORCH_FUSED
    if impl == "torch_foreach":
        return cls_name != "Lion"
    if impl == "optax":
        return optax is not None
    if impl == "numpy":
        return cls_name in ("Adam", "SGD")
    return True


def _arrays(sizes, dtype, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n, dtype=np.float32).astype(dtype) for n in sizes]


class NumpyAdam:
    """Adam (PyTorch's formulas) with in-place ufuncs and one scratch array per parameter."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads):
        self.t += 1
        b1, b2 = self.betas
        bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            m *= b1
            np.multiply(g, 1 - b1, out=tmp)
            m += tmp
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp /= math.sqrt(bc2)
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= self.lr / bc1
            p -= tmp


class NumpySGD:
    """SGD with momentum (PyTorch's formulas) with in-place ufuncs."""

    def __init__(self, params, lr=1e-3, momentum=0.9):
        self.params, self.lr, self.mu, self.t = params, lr, momentum, 0
        self.buf = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads):
        self.t += 1
        for p, g, b, tmp in zip(self.params, grads, self.buf, self.tmp):
            if self.t == 1:
                b[...] = g
            else:
                b *= self.mu
                b += g
            np.multiply(b, self.lr, out=tmp)
            p -= tmp


class OptaxStep:
    """One optax update under jax.jit, parameters and state donated (updated in place by
    XLA where it can), gradients fixed; ``__call__`` blocks until the step is done."""

    def __init__(self, tx, params, grads):
        self.params = [jax.numpy.asarray(p) for p in params]
        self.grads = [jax.numpy.asarray(g) for g in grads]
        self.state = tx.init(self.params)

        def step(params, state, grads):
            updates, state = tx.update(grads, state, params)
            return optax.apply_updates(params, updates), state
        self.step = jax.jit(step, donate_argnums=(0, 1))

    def __call__(self):
        self.params, self.state = self.step(self.params, self.state, self.grads)
        jax.block_until_ready(self.params)


def make_step(impl, opt_name, layout, dtype_name):
    """A zero-argument function performing one optimizer step of `impl`."""
    np_dtype, torch_dtype = DTYPES[dtype_name]
    cls_name, hyper, optax_tx = OPTIMIZERS[opt_name]
    sizes = LAYOUTS[layout]
    params, grads = _arrays(sizes, np_dtype, 0), _arrays(sizes, np_dtype, 1)
    if impl == "lossfast":
        opt = getattr(lf.optim, cls_name)(params, **hyper)
        return lambda: opt.step(grads)
    if impl == "numpy":
        opt = (NumpyAdam if cls_name == "Adam" else NumpySGD)(params, **hyper)
        return lambda: opt.step(grads)
    if impl == "optax":
        return OptaxStep(optax_tx(), params, grads)
    tensors = [torch.from_numpy(p).requires_grad_() for p in params]
    for x, g in zip(tensors, grads):
        x.grad = torch.from_numpy(g)
    assert tensors[0].dtype == torch_dtype
    kind = {"torch_fused": {"fused": True}, "torch_foreach": {"foreach": True}}[impl]
    opt = getattr(torch.optim, cls_name)(tensors, **hyper, **kind)
    return opt.step


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype_name", list(DTYPES))
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_step(benchmark, opt_name, layout, dtype_name, impl):
    if not available(impl, opt_name):
        pytest.skip(f"{impl} has no {OPTIMIZERS[opt_name][0]}")
    benchmark.group = f"{opt_name}-{layout}-{dtype_name}"
    benchmark.extra_info["role"] = impl
    step = make_step(impl, opt_name, layout, dtype_name)
    step()  # first step (state initialisation, compilation) outside the timing
    benchmark.pedantic(step, rounds=ROUNDS.get(impl, 30), iterations=1, warmup_rounds=1)


# ---- bandwidth: the Adam step against a 2-thread memory copy ----

class TwoThreadCopy:
    """np.copyto of `src` into `dst` by two threads (NumPy releases the GIL), each half."""

    def __init__(self, n_elements, dtype):
        self.src = np.ones(n_elements, dtype)
        self.dst = np.zeros(n_elements, dtype)
        h = n_elements // 2
        self.halves = [(self.dst[:h], self.src[:h]), (self.dst[h:], self.src[h:])]
        self.pool = concurrent.futures.ThreadPoolExecutor(2)

    def __call__(self):
        list(self.pool.map(lambda ds: np.copyto(*ds), self.halves))


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def interleaved_medians(fns, rounds=7, repeats=5):
    """Median over rounds of each function's median time, the functions alternating within
    each round (so that load from other processes hits them alike)."""
    per = [[] for _ in fns]
    for f in fns:
        f()
    for _ in range(rounds):
        for k, f in enumerate(fns):
            per[k].append(median_time(f, repeats))
    return [float(np.median(p)) for p in per]


def bandwidth(dtype_name, rounds=7, repeats=5):
    """The Adam step on 1e7 parameters as a share of the machine's copy bandwidth.

    The step must move 7 N elements (read p, g, m, v; write p, m, v).  The reference is a
    2-thread np.copyto of 3.5e7 float64 (280 MB read + 280 MB written: the float64 step's
    bytes), measured in the same run: a copy that large streams its stores past the caches
    (glibc's memcpy switches to non-temporal stores above a size threshold; a smaller copy
    would also pay write-allocate reads and understate the bandwidth).  Returns a dict with
    the times, GB/s and fractions (bytes/time of the step over bytes/time of the copy)."""
    np_dtype = DTYPES[dtype_name][0]
    n = 10_000_000
    adam = make_step("lossfast", "adam", "1x1e7", dtype_name)
    fused = make_step("torch_fused", "adam", "1x1e7", dtype_name)
    copy = TwoThreadCopy(7 * n // 2, np.float64)
    t_adam, t_fused, t_copy = interleaved_medians([adam, fused, copy], rounds, repeats)
    nbytes = 7 * n * np.dtype(np_dtype).itemsize
    copy_bytes = 2 * copy.src.nbytes
    copy_rate = copy_bytes / t_copy
    return {"adam_bytes": nbytes, "adam_ms": 1e3 * t_adam, "torch_fused_ms": 1e3 * t_fused,
            "copy_bytes": copy_bytes, "copy_ms": 1e3 * t_copy,
            "adam_GBps": nbytes / t_adam / 1e9, "torch_fused_GBps": nbytes / t_fused / 1e9,
            "copy_GBps": copy_rate / 1e9, "fraction_of_copy": nbytes / t_adam / copy_rate,
            "torch_fused_fraction_of_copy": nbytes / t_fused / copy_rate,
            "speedup_vs_torch_fused": t_fused / t_adam}


def describe_bandwidth(dtype_name, info):
    return (f"bandwidth {dtype_name}: Adam 1e7 moves {info['adam_bytes'] / 1e6:.0f} MB in "
            f"{info['adam_ms']:.2f} ms = {info['adam_GBps']:.1f} GB/s; 2-thread copy "
            f"{info['copy_GBps']:.1f} GB/s; fraction of copy bandwidth "
            f"{info['fraction_of_copy']:.2f} "
            f"(torch fused {info['torch_fused_fraction_of_copy']:.2f})")


@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_bandwidth_fraction(benchmark, dtype_name):
    """See ``bandwidth``; the figures are in the benchmark's extra_info (and printed with -s)."""
    benchmark.group = f"bandwidth-{dtype_name}"
    info = bandwidth(dtype_name)
    benchmark.extra_info.update(info)
    print("\n" + describe_bandwidth(dtype_name, info))
    benchmark.pedantic(make_step("lossfast", "adam", "1x1e7", dtype_name), rounds=20,
                       iterations=1, warmup_rounds=1)


def summary(rounds=5, repeats=3, only=None, bandwidth_too=True):
    """Interleaved medians of every implementation for every case, as speed ratios
    (``python bench/bench_optim.py``): alternating the implementations round by round
    makes the ratios robust to load from other processes on a shared machine.  The ratio
    columns are the peer's time over lossfast's (> 1: lossfast is faster); "torch" is
    fused where PyTorch has it, else foreach."""
    print(f"threads: lossfast {lf.get_num_threads()}, torch {torch.get_num_threads()}; "
          f"SIMD {lf._lossfast.simd_level()}; optax {'yes' if optax else 'not installed'}")
    print(f"{'case':<26}" + "".join(f"{impl:>14}" for impl in IMPLS)
          + "   speed vs: torch  optax  numpy")
    for opt_name in OPTIMIZERS:
        if only and opt_name not in only:
            continue
        impls = [i for i in IMPLS if available(i, opt_name)]
        for layout in LAYOUTS:
            for dtype_name in DTYPES:
                steps = [make_step(impl, opt_name, layout, dtype_name) for impl in impls]
                for s in steps:
                    s()
                per = [[] for _ in impls]
                for _ in range(rounds):
                    for k, s in enumerate(steps):
                        per[k].append(median_time(s, 1 if impls[k] == "numpy" else repeats))
                t = {i: float(np.median(p)) for i, p in zip(impls, per)}
                del steps
                peer = t.get("torch_fused", t.get("torch_foreach"))

                def ratio(x):
                    return f"{x / t['lossfast']:>6.2f}x" if x is not None else "    n/a"
                print(f"{opt_name + '-' + layout + '-' + dtype_name:<26}"
                      + "".join(f"{1e3 * t[i]:>11.2f} ms" if i in t else f"{'n/a':>14}"
                                for i in IMPLS)
                      + f"   {ratio(peer)} {ratio(t.get('optax'))} {ratio(t.get('numpy'))}",
                      flush=True)
    if bandwidth_too:
        for dtype_name in DTYPES:
            print(describe_bandwidth(dtype_name, bandwidth(dtype_name, rounds, repeats)),
                  flush=True)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=summary.__doc__)
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for lossfast and torch (default 2)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated optimizer names")
    parser.add_argument("--no-bandwidth", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with lf.num_threads(args.threads):
        summary(args.rounds, args.repeats, [x for x in args.only.split(",") if x],
                not args.no_bandwidth)
