"""Optimizer steps: lossfast against torch.optim (fused=True and foreach=True, 2 threads) and
a NumPy implementation (in-place ufuncs, one scratch array), for Adam and SGD with momentum
on 1e7 parameters and on 200 tensors of 5e4, float32 and float64.

    PYTHONPATH=src python -m pytest bench/bench_optim.py --benchmark-only
    PYTHONPATH=src python -m pytest bench/bench_optim.py --benchmark-only -k "adam and 1x1e7"

Each group (``adam-1x1e7-float32``, ...) holds one case for every implementation;
pytest-benchmark's table compares them.  ``test_bandwidth_fraction`` reports the share of
the machine's memory bandwidth an Adam step reaches: the bytes it must move (read p, g, m, v;
write p, m, v) over its time, relative to the bandwidth of a 2-thread memory copy measured
in the same run (``extra_info`` of that benchmark; also printed with ``-s``).
``PYTHONPATH=src python bench/bench_optim.py [--threads N]`` prints every ratio from
interleaved runs.  The target (docs/performance.md) is >= 1.0x PyTorch fused.
"""
import concurrent.futures
import math
import time

import numpy as np
import pytest

import lossfast as lf

torch = pytest.importorskip("torch")
torch.set_num_threads(2)

LAYOUTS = {"1x1e7": [10_000_000], "200x5e4": [50_000] * 200}
DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}
OPTIMIZERS = {"adam": ("Adam", {"lr": 1e-3}),
              "sgd_momentum": ("SGD", {"lr": 1e-3, "momentum": 0.9})}
IMPLS = ["lossfast", "torch_fused", "torch_foreach", "numpy"]
ROUNDS = {"numpy": 5, "torch_foreach": 10}


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


def make_step(impl, opt_name, layout, dtype_name):
    """A zero-argument function performing one optimizer step of `impl`."""
    np_dtype, torch_dtype = DTYPES[dtype_name]
    cls_name, hyper = OPTIMIZERS[opt_name]
    sizes = LAYOUTS[layout]
    params, grads = _arrays(sizes, np_dtype, 0), _arrays(sizes, np_dtype, 1)
    if impl == "lossfast":
        opt = getattr(lf.optim, cls_name)(params, **hyper)
        return lambda: opt.step(grads)
    if impl == "numpy":
        opt = (NumpyAdam if cls_name == "Adam" else NumpySGD)(params, **hyper)
        return lambda: opt.step(grads)
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
    benchmark.group = f"{opt_name}-{layout}-{dtype_name}"
    benchmark.extra_info["role"] = impl
    step = make_step(impl, opt_name, layout, dtype_name)
    step()  # first step (state initialisation) outside the timing
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


def summary(rounds=5, repeats=3):
    """Interleaved medians of every implementation for every case, as speed ratios
    (``python bench/bench_optim.py``): alternating the implementations round by round
    makes the ratios robust to load from other processes on a shared machine."""
    print(f"threads: lossfast {lf.get_num_threads()}, torch {torch.get_num_threads()}; "
          f"SIMD {lf._lossfast.simd_level()}")
    print(f"{'case':<28}" + "".join(f"{impl:>15}" for impl in IMPLS)
          + "   lossfast speed vs: fused  foreach  numpy")
    for opt_name in OPTIMIZERS:
        for layout in LAYOUTS:
            for dtype_name in DTYPES:
                steps = [make_step(impl, opt_name, layout, dtype_name) for impl in IMPLS]
                for s in steps:
                    s()
                per = [[] for _ in IMPLS]
                for _ in range(rounds):
                    for k, s in enumerate(steps):
                        per[k].append(median_time(s, 1 if IMPLS[k] == "numpy" else repeats))
                times = [float(np.median(p)) for p in per]
                del steps
                t = dict(zip(IMPLS, times))
                print(f"{opt_name + '-' + layout + '-' + dtype_name:<28}"
                      + "".join(f"{1e3 * x:>12.2f} ms" for x in times)
                      + f"   {t['torch_fused'] / t['lossfast']:>13.2f}x"
                      f" {t['torch_foreach'] / t['lossfast']:>7.2f}x"
                      f" {t['numpy'] / t['lossfast']:>6.1f}x", flush=True)
    for dtype_name in DTYPES:
        print(describe_bandwidth(dtype_name, bandwidth(dtype_name, rounds, repeats)), flush=True)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=summary.__doc__)
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for lossfast and torch (default 2)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with lf.num_threads(args.threads):
        summary(args.rounds, args.repeats)
