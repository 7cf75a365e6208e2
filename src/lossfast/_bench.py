"""``python -m lossfast bench``: lossfast's main kernels and fits against NumPy
and, where installed, PyTorch and scikit-learn, as ratios measured in one run,
plus, for the memory-bound kernels, their share of the machine's memory
bandwidth measured in the same run: the bytes a kernel must move per second
divided by the bytes per second of the faster of two copies with lossfast's
threads, one of the kernel's own bytes (cache speed when they fit in the
caches) and one of at least 256 MiB (large enough to leave the caches and for
glibc's memcpy to use non-temporal stores: the streaming limit of memory).

Sizes are those of the README's benchmark table, times ``scale``
(``--scale``), except the linear-model fits, which default to 2e5 x 100 and
1e5 x 100 (the README's are 1e6 x 100 and 5e5 x 100) so the table takes about
a minute; each row says its size.
"""
import time
import warnings

import numpy as np

GROUPS = ("losses", "optim", "linear", "kernels")
DEFAULT_GROUPS = ("losses", "optim", "linear")


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


def _optax():
    try:
        import jax
        import optax
    except ImportError:
        return None, None
    jax.config.update("jax_enable_x64", True)
    return jax, optax


def _optax_step(jax, optax, tx, params, grads):
    """One jax.jit'd optax update, parameters and state donated (updated in place by XLA
    where it can); the returned function blocks until the step is done."""
    box = {"p": [jax.numpy.asarray(p) for p in params]}
    box["s"] = tx.init(box["p"])
    g = [jax.numpy.asarray(x) for x in grads]

    def update(params, state, grads):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state
    update = jax.jit(update, donate_argnums=(0, 1))

    def step():
        box["p"], box["s"] = update(box["p"], box["s"], g)
        jax.block_until_ready(box["p"])
    return step


def _optim_probe(core, params, grads, state):
    """The copy probe of a step: reads p, g and the state arrays, writes p and the state
    (lossfast's threads and chunking).  One tensor: the step's own arrays; several (the
    probe takes at most 8 arrays each way): one buffer per stream of the same total bytes."""
    slots = [[s[name] for s in state] for name in state[0]]
    streams = [params, grads] + slots
    if len(params) > 1:
        streams = [[np.ones(sum(a.size for a in arrays), arrays[0].dtype)] for arrays in streams]
    src = [a[0] for a in streams]
    dst = [src[0]] + src[2:]
    return lambda: core.stream_probe(src, dst)


def optim_cases(scale, dtypes):
    """Adam and SGD-momentum steps on one tensor of N = 1e7 x scale parameters and on 200
    tensors of N / 200, against torch.optim fused and optax (jax.jit) where installed; the
    copy probe reads and writes exactly the step's arrays (read p, g and the state, write
    p and the state)."""
    from . import _lossfast, optim
    torch = _torch()
    jax, optax = _optax()
    n = max(16, int(1e7 * scale))
    for dt in dtypes:
        rng = np.random.default_rng(1)
        for label, make_lf, make_torch, make_optax, n_arrays in [
            ("Adam step", lambda p: optim.Adam(p, lr=1e-3),
             lambda p: torch.optim.Adam(p, lr=1e-3, fused=True),
             lambda: optax.adam(1e-3), 7),
            ("SGD-momentum step", lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
             lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, fused=True),
             lambda: optax.sgd(1e-3, 0.9), 5),
        ]:
            for n_tensors in (1, 200):
                size = max(1, n // n_tensors)
                params = [rng.standard_normal(size).astype(dt) for _ in range(n_tensors)]
                grads = [(1e-3 * rng.standard_normal(size)).astype(dt)
                         for _ in range(n_tensors)]
                opt = make_lf(params)
                peers = {}
                if torch is not None:
                    tp = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params]
                    for x, g in zip(tp, grads):
                        x.grad = torch.from_numpy(g.copy())
                    peers["torch fused"] = make_torch(tp).step
                if optax is not None:
                    peers["optax"] = _optax_step(jax, optax, make_optax(),
                                                 [p.copy() for p in params], grads)
                probe = _optim_probe(_lossfast, params, grads, opt.state)
                what = f"N={n:.0e}" if n_tensors == 1 else f"{n_tensors}x{size:.0e}"
                case = Case("optim", f"{label} {what}", dt,
                            lambda opt=opt, grads=grads: opt.step(grads), peers,
                            nbytes=n_arrays * n_tensors * params[0].nbytes)
                case.probe = probe
                yield case


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
    yield Case("linear", f"LinearRegression normal {n_lin:.0e}x{d} (README: 1e6x100)",
               "float64", lambda: LinearRegression(solver="normal").fit(X, y), peers)

    Xc = rng.standard_normal((n_log, d))
    w = rng.standard_normal(d) / np.sqrt(d)
    yc = (Xc @ w + 0.5 * rng.standard_normal(n_log) > 0).astype(np.int64)
    peers = {}
    if sk is not None:
        peers["sklearn lbfgs"] = lambda: sk.LogisticRegression(C=1.0, tol=1e-4).fit(Xc, yc)
    yield Case("linear", f"LogisticRegression binary {n_log:.0e}x{d} (README: 5e5x100)",
               "float64",
               lambda: LogisticRegression(C=1.0, tol=1e-4).fit(Xc, yc), peers,
               note="both lbfgs, same tol")


# the smallest copy the bandwidth probe makes (bytes copied; twice that moved)
COPY_MIN_BYTES = 256 << 20


def copy_bandwidth(nbytes, repeat):
    """Bytes per second moved (read + written) by the faster of two copies
    with lossfast's threads: one of the kernel's own bytes (as fast as the
    caches when they hold them) and one of at least 256 MiB (the streaming
    limit of memory: glibc's memcpy uses non-temporal stores at that size)."""
    from . import _lossfast
    best = 0.0
    for size in {max(nbytes // 2, 1), max(nbytes // 2, COPY_MIN_BYTES)}:
        src = np.ones(size, np.uint8)
        dst = np.empty_like(src)
        best = max(best, 2 * size / median_time(lambda: _lossfast.copy_probe(src, dst), repeat))
    return best


def run_bench(scale=1.0, repeat=5, groups=DEFAULT_GROUPS, dtypes=("float32", "float64"),
              progress=None, simd=None, peers=(), clock="wall"):
    """Measure every case of `groups`; returns a list of result dicts.

    The ``kernels`` group (``_bench_kernels``) runs once per SIMD level of
    `simd` (default: the level in use) and times the asked-for `peers`."""
    makers = {"losses": loss_cases, "optim": optim_cases, "linear": linear_cases}
    results = []
    for group in groups:
        if group == "kernels":
            results += run_kernels(scale, repeat, dtypes, progress, simd, peers, clock)
            continue
        for case in makers[group](scale, [np.dtype(d) for d in dtypes]):
            if progress:
                progress(f"{case.name} {np.dtype(case.dtype).name}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # peers' convergence chatter
                probe = getattr(case, "probe", None)  # the optim group's copy of its bytes
                if probe is not None:
                    # steps of a few ms: the minimum of interleaved rounds (lossfast,
                    # probe, peers, lossfast, ...), as the kernels group; timed in
                    # blocks, a peer's OpenMP team spinning after its block slowed
                    # the next case's lossfast block (rows moved 2x between runs)
                    from . import _lossfast
                    from ._bench_kernels import interleaved_min
                    peer_times = interleaved_min({"lossfast": case.run, "copy": probe,
                                                  **case.peers}, repeat)
                    t_lf = peer_times.pop("lossfast")
                    t_copy = peer_times.pop("copy")
                else:
                    t_lf = median_time(case.run, repeat)
                    peer_repeat = repeat if group != "linear" else max(1, repeat // 2)
                    peer_times = {peer: median_time(fn, peer_repeat)
                                  for peer, fn in case.peers.items()}
                row = {"group": group, "kernel": case.name, "dtype": np.dtype(case.dtype).name,
                       "lossfast_ms": t_lf * 1e3}
                if case.nbytes:
                    copy_bw = copy_bandwidth(case.nbytes, repeat)
                    row["bandwidth_GBps"] = copy_bw / 1e9
                    row["bandwidth_fraction"] = case.nbytes / t_lf / copy_bw
                if probe is not None:
                    row.update(copy_ms=t_copy * 1e3, copy_ratio=t_lf / t_copy,
                               simd=_lossfast.simd_level())
                for peer, t in peer_times.items():
                    row[f"vs {peer}"] = t / t_lf
            if case.note:
                row["note"] = case.note
            results.append(row)
    return results


def run_kernels(scale, repeat, dtypes, progress=None, simd=None, peers=(), clock="wall"):
    """The ``kernels`` group on each SIMD level of `simd` (names; default the
    level in use), each row tagged with its level and the CPU's best level.
    clock="thread": one lossfast thread, CPU time of the calling thread."""
    from . import _lossfast, get_num_threads, set_num_threads
    from ._bench_kernels import kernel_cases, measure
    start_level = _lossfast.simd_level()
    start_threads = get_num_threads()
    levels = list(simd) if simd else [start_level]
    results = []
    machine = machine_name()
    if clock == "thread":
        set_num_threads(1)
    try:
        for level in levels:
            _lossfast.set_simd_level(level)
            for case in kernel_cases(scale, [np.dtype(d) for d in dtypes]):
                if progress:
                    progress(f"{case.name} {case.dtype} [{level}]")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    row = measure(case, repeat, peers, clock=clock)
                row["simd"] = level
                row["cpu"] = _lossfast.simd_level_supported()
                row["machine"] = machine
                row["scale"] = scale
                results.append(row)
    finally:
        _lossfast.set_simd_level(start_level)
        set_num_threads(start_threads)
    return results


def rerun_kernels(results, keys, scale, repeat, peers=(), clock="wall"):
    """`results` with the kernels rows of `keys` timed again, each keeping
    the better of its two copy ratios (and peer ratios)."""
    from . import _lossfast, get_num_threads, set_num_threads
    from ._bench_kernels import kernel_cases, measure
    start_level = _lossfast.simd_level()
    start_threads = get_num_threads()
    if clock == "thread":
        set_num_threads(1)
    redo = {}
    try:
        for level in sorted({k[2] for k in keys}):
            _lossfast.set_simd_level(level)
            dtypes = sorted({k[1] for k in keys if k[2] == level})
            for case in kernel_cases(scale, dtypes):
                key = (case.name, case.dtype, level)
                if key in keys:
                    row = measure(case, repeat, peers, clock=clock)
                    row["simd"] = level
                    redo[key] = row
    finally:
        _lossfast.set_simd_level(start_level)
        set_num_threads(start_threads)
    out = []
    for r in results:
        new = redo.get(_key(r))
        if new is not None:
            r = dict(r)
            if new["copy_ratio"] < r["copy_ratio"]:
                r.update(lossfast_ms=new["lossfast_ms"], copy_ms=new["copy_ms"],
                         copy_ratio=new["copy_ratio"])
            for k, v in new.items():
                if k.startswith("vs ") and v > r.get(k, 0):
                    r[k] = v
        out.append(r)
    return out


def _key(row):
    return (row["kernel"], row["dtype"], row.get("simd", ""))


def machine_name():
    """The CPU's model name (/proc/cpuinfo, else platform.processor()) and
    its best SIMD level: which machine a baseline row was measured on."""
    import platform
    from . import _lossfast
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model or platform.processor() or platform.machine()} " \
           f"({_lossfast.simd_level_supported()})"


def _copy_factor(r, b):
    # a kernel cannot beat a probe of its own bytes: a baseline ratio below 1
    # was noise (a descheduled thread in the probe's run)
    return r["copy_ratio"] / max(b["copy_ratio"], 1.0)


def _compare_rows(results, base, fail_ratio, same_machine):
    """compare()'s rule against one machine's rows `base` (key -> row):
    (the common-factor lines, [(key or None, text, worst factor)] per result
    row; worst is None for a row not in `base`)."""
    by_simd = {}
    for r in results:
        b = base.get(_key(r))
        if b is not None and "copy_ratio" in r and "copy_ratio" in b:
            by_simd.setdefault(r.get("simd", ""), []).append(_copy_factor(r, b))
    common = {simd: float(np.median(f)) if len(f) >= 5 else 1.0 for simd, f in by_simd.items()}
    head, rows = [], []
    for simd, c in sorted(common.items()):
        if c != 1.0:
            rule = (f"fails beyond x{1.5 * fail_ratio:g}" if same_machine else
                    "the baseline is from another machine: not a failure by itself")
            head.append(f"[{simd or '-'}] common factor of the copy ratios x{c:.2f} ({rule})")
    for r in results:
        b = base.get(_key(r))
        if b is None:
            rows.append((_key(r), f"{r['kernel']} {r['dtype']} [{r.get('simd', '-')}]: "
                                  "not in the baseline", None))
            continue
        parts, worst = [], 0.0
        if "copy_ratio" in r and "copy_ratio" in b:
            f = _copy_factor(r, b)
            c = common.get(r.get("simd", ""), 1.0)
            rel = f / max(c, 1.0)
            worst = max(worst, rel)
            if same_machine and c > 1.5 * fail_ratio:
                worst = max(worst, f)
            parts.append(f"vs copy {r['copy_ratio']:.2f} (baseline {b['copy_ratio']:.2f}, "
                         f"x{f:.2f}" + (f", x{rel:.2f} of the common factor)" if c > 1.0
                                        else ")"))
        for k in r:
            if k.startswith("vs ") and k in b and r[k] > 0:
                f = b[k] / r[k]
                worst = max(worst, f)
                parts.append(f"{k} {r[k]:.2f}x (baseline {b[k]:.2f}x, x{f:.2f})")
        if parts:
            rows.append((_key(r), f"{r['kernel']} {r['dtype']} [{r.get('simd', '-')}]: "
                                  + ", ".join(parts), worst))
    return head, rows


def compare(results, baseline, fail_ratio=2.0):
    """Each row's ratios against the baseline's row of the same kernel, dtype
    and SIMD level.  The regression factor of a row is the worst of its copy
    factor (copy_ratio / baseline copy_ratio, the latter at least 1) and, per
    peer, baseline vs / new vs (> 1: slower relative to the reference than in
    the baseline).

    Load on a shared machine moves every row alike: a busy sibling hardware
    thread slows the compute-bound kernels and not the memory-bound probe,
    and unchanged kernels were seen at x1.4 to x2.1 of their baseline
    together.  So, per SIMD level with at least 5 rows, the median copy
    factor is that common factor: a row's copy factor counts divided by it
    (a kernel slower than its neighbours), and the common factor itself
    fails every row beyond 1.5 x fail_ratio (all kernels slower, e.g. a lost
    SIMD path) -- but only when the baseline rows were measured on the same
    machine (``machine``: CPU model and best SIMD level).

    The baseline may hold the rows of several machines.  When one of them is
    this machine, only its rows count.  Otherwise the kernels and the probe
    move by different amounts for reasons that are not regressions (cache
    sizes: the quick sizes sit in Zen 4's caches; the instruction mix: on a
    Zen 4 the unchanged focal loss sat at x1.94-x2.19 of the common factor
    of the rows measured on an Intel Xeon, while the memory-bound backward
    passes sat at x0.4), so each row is checked against the common factor of
    every machine's rows and fails only when it fails against all of them: a
    real regression is slower than on every CPU seen; a regression of every
    kernel alike is then caught only on a machine like a baseline's.
    Returns (lines of text, the keys of rows whose factor exceeds
    fail_ratio)."""
    machines = {}
    for b in baseline:
        machines.setdefault(b.get("machine"), {})[_key(b)] = b
    here = {r.get("machine") for r in results}
    if len(here) == 1 and None not in here and here <= set(machines):
        (name,) = here
        head, rows = _compare_rows(results, machines[name], fail_ratio, True)
        failed = [k for k, _, w in rows if w is not None and w > fail_ratio]
    else:
        runs = {name: _compare_rows(results, base, fail_ratio, False)
                for name, base in machines.items()}
        bad = {name: {k for k, _, w in rows if w is not None and w > fail_ratio}
               for name, (_, rows) in runs.items()}
        failed_set = set.intersection(*bad.values()) if bad else set()
        # report against the machine whose rows fit best: fewest failures,
        # then the smallest worst factor
        name = min(runs, key=lambda n: (len(bad[n]), max(
            [w for _, _, w in runs[n][1] if w is not None] or [0.0]))) if runs else None
        head, rows = runs[name] if runs else ([], [])
        if len(runs) > 1:
            head = [f"this machine is not in the baseline: the rows of {name or 'an unnamed machine'}"
                    f" (of {len(runs)} machines) are shown; a row fails only beyond "
                    f"x{fail_ratio:g} against every machine"] + head
        failed = [k for k, _, w in rows if k in failed_set]
    lines = head + [("REGRESSION " if k in failed else "") + text for k, text, _ in rows]
    return lines, failed


def format_kernels(results):
    """The kernels group as text: time, probe time, ratio to the probe, peers."""
    peers = []
    for r in results:
        peers += [k for k in r if k.startswith("vs ") and k not in peers]
    head = ["kernel", "dtype", "simd", "lossfast ms", "copy ms", "lf/copy"] + peers
    rows = [[r["kernel"], r["dtype"], r.get("simd", "-"), f"{r['lossfast_ms']:.2f}",
             f"{r['copy_ms']:.2f}", f"{r['copy_ratio']:.2f}"]
            + [f"{r[p]:.2f}x" if p in r else "-" for p in peers] for r in results]
    widths = [max(len(str(row[i])) for row in [head] + rows) for i in range(len(head))]

    def fmt(cells):
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    lines = [fmt(head), "-" * len(fmt(head))] + [fmt(row) for row in rows]
    cpu = results[0].get("cpu", "?") if results else "?"
    lines.append(f"lf/copy = lossfast's time / the time of a probe reading and writing the same "
                 f"arrays (target <= 1.5 float32, <= 2 float64); 'vs X' = X's time / lossfast's "
                 f"(> 1: lossfast faster); minimum of interleaved repeats; CPU's best SIMD "
                 f"level: {cpu}")
    return "\n".join(lines)


def format_table(results):
    """The results as a text table (ratios: peer time / lossfast time), the
    columns two spaces apart and as wide as their widest entry."""
    kern = [r for r in results if r.get("group") == "kernels"]
    results = [r for r in results if r.get("group") != "kernels"]
    if kern and not results:
        return format_kernels(kern)
    if kern:
        return format_table(results) + "\n\n" + format_kernels(kern)
    peers = []
    for r in results:
        peers += [k for k in r if k.startswith("vs ") and k not in peers]
    head = ["kernel", "dtype", "lossfast ms", "bandwidth"] + peers
    rows = []
    for r in results:
        # rows timed against an interleaved probe of their bytes (the optimizer
        # steps): the probe's time / the row's, a share that a memory-bound row
        # cannot exceed by more than the probe's noise (the block-timed copy of
        # other rows gave 156-240 % on these few-ms steps)
        bw = (f"{1.0 / r['copy_ratio']:.0%}" if "copy_ratio" in r else
              f"{r['bandwidth_fraction']:.0%}" if "bandwidth_fraction" in r else "-")
        rows.append([r["kernel"], r["dtype"], f"{r['lossfast_ms']:.2f}", bw]
                    + [f"{r[p]:.2f}x" if p in r else "-" for p in peers])
    widths = [max(len(str(row[i])) for row in [head] + rows) for i in range(len(head))]

    def fmt(cells):
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    lines = [fmt(head), "-" * len(fmt(head))] + [fmt(row) for row in rows]
    bws = [r["bandwidth_GBps"] for r in results if "bandwidth_GBps" in r]
    lines.append("'vs X' = X's time / lossfast's time (> 1: lossfast is faster); bandwidth = "
                 "the bytes the kernel must move per second as a share of the faster of a copy "
                 "of the same bytes and a >= 256 MiB copy, with lossfast's threads"
                 + (f" ({np.median(bws):.1f} GB/s in this run)" if bws else "")
                 + "; for the optimizer steps the time of a probe moving the step's bytes, "
                 "timed interleaved with it, / the step's time")
    return "\n".join(lines)
