"""``python -m lossfast bench``: lossfast's main kernels and fits against NumPy
and, where installed, PyTorch and scikit-learn, as ratios measured in one run,
plus the fraction of the memory bandwidth (a copy of the same bytes with
lossfast's threads, measured in the same run) for the memory-bound kernels.

Sizes are those of docs/performance.md, times ``scale`` (``--scale``); the linear-model fits use
smaller defaults (2e5 x 100 and 1e5 x 100) so the table takes about a minute.
"""
import time
import warnings

import numpy as np

GROUPS = ("losses", "optim", "linear")


def median_time(fn, repeat):
    """Median wall time of fn() over `repeat` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


class Case:
    """One row of the table: lossfast's function, the peers' and the bytes a
    memory-bound kernel must move (None for compute-bound work)."""

    def __init__(self, group, name, dtype, run, peers, nbytes=None, note=""):
        self.group, self.name, self.dtype = group, name, dtype
        self.run, self.peers, self.nbytes, self.note = run, peers, nbytes, note


def _torch():
    try:
        import torch
    except ImportError:
        return None
    from . import get_num_threads
    torch.set_num_threads(get_num_threads())
    return torch


def _sklearn_linear_model():
    try:
        import sklearn.linear_model as sk
    except ImportError:
        return None
    return sk


def loss_cases(scale, dtypes):
    from . import losses
    torch = _torch()
    n = max(16, int(1e7 * scale))
    rows = max(4, int(1e6 * scale))
    for dt in dtypes:
        rng = np.random.default_rng(0)
        y_true = rng.standard_normal(n).astype(dt)
        y_pred = rng.standard_normal(n).astype(dt)
        out = np.empty_like(y_pred)
        numpy_impl = {
            "mse": lambda r: (np.mean(r * r), (2.0 / r.size) * r),
            "mae": lambda r: (np.mean(np.abs(r)), np.sign(r) / r.size),
            "huber": lambda r: (np.mean(np.where(np.abs(r) <= 1, 0.5 * r * r, np.abs(r) - 0.5)),
                                np.clip(r, -1, 1) / r.size),
        }
        for name, ref in numpy_impl.items():
            loss = losses.get(name)
            peers = {"numpy": lambda ref=ref: ref(y_pred - y_true)}
            if torch is not None:
                fn = {"mse": torch.nn.functional.mse_loss, "mae": torch.nn.functional.l1_loss,
                      "huber": torch.nn.functional.huber_loss}[name]
                peers["torch"] = _torch_loss_step(torch, fn, y_true, y_pred)
            yield Case("losses", f"{name} loss+grad N={n:.0e}", dt,
                       lambda loss=loss: loss.loss_gradient(y_true, y_pred, out=out), peers,
                       nbytes=3 * y_pred.nbytes)

        labels = (rng.random(n) < 0.5).astype(dt)
        logits = (4 * rng.standard_normal(n)).astype(dt)
        bce = losses.BinaryCrossEntropy(from_logits=True)

        def numpy_bce():
            e = np.exp(-np.abs(logits))
            value = np.mean(np.maximum(logits, 0) - labels * logits + np.log1p(e))
            sig = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            return value, (sig - labels) / logits.size

        peers = {"numpy": numpy_bce}
        if torch is not None:
            peers["torch"] = _torch_loss_step(
                torch, torch.nn.functional.binary_cross_entropy_with_logits, labels, logits)
        yield Case("losses", f"bce from logits loss+grad N={n:.0e}", dt,
                   lambda: bce.loss_gradient(labels, logits, out=out), peers)

        C = 10
        z = rng.standard_normal((rows, C)).astype(dt)
        y = rng.integers(0, C, rows)
        g = np.empty_like(z)
        sce = losses.SparseCategoricalCrossEntropy(from_logits=True)

        def numpy_sce():
            m = z.max(axis=1, keepdims=True)
            e = np.exp(z - m)
            s = e.sum(axis=1, keepdims=True)
            value = np.mean(np.log(s[:, 0]) + m[:, 0] - z[np.arange(rows), y])
            p = e / s
            p[np.arange(rows), y] -= 1
            return value, p / rows

        peers = {"numpy": numpy_sce}
        if torch is not None:
            peers["torch"] = _torch_loss_step(torch, torch.nn.functional.cross_entropy,
                                              y.astype(np.int64), z, target_first=True)
        yield Case("losses", f"softmax CE (int labels) {rows:.0e}x{C}", dt,
                   lambda: sce.loss_gradient(y, z, out=g), peers)


def _torch_loss_step(torch, fn, y_true, y_pred, target_first=False):
    t_true = torch.from_numpy(np.ascontiguousarray(y_true))
    t_pred = torch.from_numpy(y_pred.copy()).requires_grad_(True)

    def step():
        t_pred.grad = None
        fn(t_pred, t_true).backward()

    return step


def optim_cases(scale, dtypes):
    from . import optim
    torch = _torch()
    n = max(16, int(1e7 * scale))
    for dt in dtypes:
        rng = np.random.default_rng(1)
        for label, make_lf, make_torch, n_arrays in [
            ("Adam step", lambda p: optim.Adam(p, lr=1e-3),
             lambda p: torch.optim.Adam(p, lr=1e-3, fused=True), 7),
            ("SGD-momentum step", lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
             lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, fused=True), 5),
        ]:
            param = rng.standard_normal(n).astype(dt)
            grad = (1e-3 * rng.standard_normal(n)).astype(dt)
            opt = make_lf([param])
            peers = {}
            if torch is not None:
                tp = torch.from_numpy(param.copy()).requires_grad_(True)
                tp.grad = torch.from_numpy(grad.copy())
                topt = make_torch([tp])
                peers["torch fused"] = topt.step
            yield Case("optim", f"{label} N={n:.0e}", dt,
                       lambda opt=opt, grad=grad: opt.step([grad]), peers,
                       nbytes=n_arrays * param.nbytes)


def linear_cases(scale, dtypes):
    from . import LinearRegression, LogisticRegression
    sk = _sklearn_linear_model()
    n_lin = max(200, int(2e5 * scale))
    n_log = max(200, int(1e5 * scale))
    d = 100
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n_lin, d))
    y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n_lin)
    peers = {"X.T @ X alone": lambda: X.T @ X}
    if sk is not None:
        peers["sklearn"] = lambda: sk.LinearRegression().fit(X, y)
    yield Case("linear", f"LinearRegression normal {n_lin:.0e}x{d}", "float64",
               lambda: LinearRegression(solver="normal").fit(X, y), peers)

    Xc = rng.standard_normal((n_log, d))
    w = rng.standard_normal(d) / np.sqrt(d)
    yc = (Xc @ w + 0.5 * rng.standard_normal(n_log) > 0).astype(np.int64)
    peers = {}
    if sk is not None:
        peers["sklearn lbfgs"] = lambda: sk.LogisticRegression(C=1.0, tol=1e-4).fit(Xc, yc)
    yield Case("linear", f"LogisticRegression binary {n_log:.0e}x{d}", "float64",
               lambda: LogisticRegression(C=1.0, tol=1e-4).fit(Xc, yc), peers,
               note="both lbfgs, same tol")


def run_bench(scale=1.0, repeat=5, groups=GROUPS, dtypes=("float32", "float64"), progress=None):
    """Measure every case of `groups`; returns a list of result dicts."""
    from . import _lossfast
    makers = {"losses": loss_cases, "optim": optim_cases, "linear": linear_cases}
    results = []
    for group in groups:
        for case in makers[group](scale, [np.dtype(d) for d in dtypes]):
            if progress:
                progress(f"{case.name} {np.dtype(case.dtype).name}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # peers' convergence chatter
                t_lf = median_time(case.run, repeat)
                row = {"group": group, "kernel": case.name, "dtype": np.dtype(case.dtype).name,
                       "lossfast_ms": t_lf * 1e3}
                if case.nbytes:
                    src = np.ones(case.nbytes // 2, np.uint8)
                    dst = np.empty_like(src)
                    t_copy = median_time(lambda: _lossfast.copy_probe(src, dst), repeat)
                    row["bandwidth_GBps"] = case.nbytes / t_copy / 1e9
                    row["bandwidth_fraction"] = t_copy / t_lf
                for peer, fn in case.peers.items():
                    peer_repeat = repeat if group != "linear" else max(1, repeat // 2)
                    row[f"vs {peer}"] = median_time(fn, peer_repeat) / t_lf
            if case.note:
                row["note"] = case.note
            results.append(row)
    return results


def format_table(results):
    """The results as a text table (ratios: peer time / lossfast time)."""
    peers = []
    for r in results:
        peers += [k for k in r if k.startswith("vs ") and k not in peers]
    head = (f"{'kernel':<40}{'dtype':<9}{'lossfast ms':>12}{'bandwidth':>11}"
            + "".join(f"{p:>16}" for p in peers))
    lines = [head, "-" * len(head)]
    for r in results:
        bw = f"{r['bandwidth_fraction']:.0%}" if "bandwidth_fraction" in r else "-"
        line = f"{r['kernel']:<40}{r['dtype']:<9}{r['lossfast_ms']:>12.2f}{bw:>11}"
        for p in peers:
            line += f"{(f'{r[p]:.2f}x' if p in r else '-'):>16}"
        lines.append(line)
    bws = [r["bandwidth_GBps"] for r in results if "bandwidth_GBps" in r]
    lines.append("'vs X' = X's time / lossfast's time (> 1: lossfast is faster); bandwidth = "
                 "lossfast's share of a memory copy of the same bytes"
                 + (f" (copy: {np.median(bws):.1f} GB/s in this run)" if bws else ""))
    return "\n".join(lines)
