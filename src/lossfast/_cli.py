"""The command line: ``python -m lossfast [info|bench] [options]``.

``info`` prints the version, build configuration, SIMD level and threads.
``bench`` times lossfast's kernels against NumPy (and PyTorch when it is
installed) on built-in random data and prints ratios plus the fraction of
the memory bandwidth measured in the same run (``--json`` for machines).
Without a subcommand: ``info`` then ``bench``.
"""
import argparse
import json
import sys
import time

import numpy as np


def _median_time(fn, repeat):
    fn()  # warm-up: page faults, thread team start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _loss_cases(n, dtype):
    """(name, bytes moved, lossfast fn, {peer: fn}) for the regression losses."""
    from . import _lossfast, losses
    rng = np.random.default_rng(0)
    y_true = rng.standard_normal(n).astype(dtype)
    y_pred = rng.standard_normal(n).astype(dtype)
    out = np.empty_like(y_pred)
    try:
        import torch
        torch.set_num_threads(_lossfast.get_num_threads())
    except ImportError:
        torch = None
    numpy_impl = {
        "mse": lambda r: (np.mean(r * r), (2.0 / r.size) * r),
        "mae": lambda r: (np.mean(np.abs(r)), np.sign(r) / r.size),
        "huber": lambda r: (np.mean(np.where(np.abs(r) <= 1, 0.5 * r * r, np.abs(r) - 0.5)),
                            np.clip(r, -1, 1) / r.size),
    }
    cases = []
    for name, ref in numpy_impl.items():
        loss = losses.get(name)
        peers = {"numpy": lambda ref=ref: ref(y_pred - y_true)}
        if torch is not None:
            fn = {"mse": torch.nn.functional.mse_loss, "mae": torch.nn.functional.l1_loss,
                  "huber": torch.nn.functional.huber_loss}[name]
            t_true = torch.from_numpy(y_true)
            t_pred = torch.from_numpy(y_pred.copy()).requires_grad_(True)

            def torch_step(fn=fn, t_pred=t_pred, t_true=t_true):
                t_pred.grad = None
                fn(t_pred, t_true).backward()

            peers["torch"] = torch_step
        cases.append((f"{name} loss+grad", 3 * y_pred.nbytes,
                      lambda loss=loss: loss.loss_gradient(y_true, y_pred, out=out), peers))
    return cases


def bench(size=10_000_000, repeat=7, dtypes=("float32", "float64")):
    """Measure every case; returns a list of result dicts."""
    from . import _lossfast
    results = []
    for dtype in dtypes:
        for name, nbytes, fn, peers in _loss_cases(size, np.dtype(dtype)):
            src = np.ones(nbytes // 2, np.uint8)
            dst = np.empty_like(src)
            t_copy = _median_time(lambda: _lossfast.copy_probe(src, dst), repeat)
            t_lf = _median_time(fn, repeat)
            row = {"kernel": name, "dtype": dtype, "n": size, "lossfast_ms": t_lf * 1e3,
                   "bandwidth_GBps": nbytes / t_copy / 1e9,
                   "bandwidth_fraction": t_copy / t_lf}
            for peer, peer_fn in peers.items():
                row[f"speedup_vs_{peer}"] = _median_time(peer_fn, max(3, repeat // 2)) / t_lf
            results.append(row)
    return results


def _print_bench(results, file):
    peers = sorted({k[len("speedup_vs_"):] for r in results for k in r if k.startswith("speedup_vs_")})
    head = f"{'kernel':<22}{'dtype':<9}{'lossfast ms':>12}{'of bandwidth':>14}" + "".join(
        f"{'vs ' + p:>12}" for p in peers)
    print(head, file=file)
    print("-" * len(head), file=file)
    for r in results:
        line = (f"{r['kernel']:<22}{r['dtype']:<9}{r['lossfast_ms']:>12.2f}"
                f"{r['bandwidth_fraction']:>13.0%} ")
        for p in peers:
            v = r.get(f"speedup_vs_{p}")
            line += f"{(f'{v:.1f}x' if v is not None else '-'):>12}"
        print(line, file=file)
    if results:
        print(f"(copy bandwidth measured in this run: {results[0]['bandwidth_GBps']:.1f} GB/s; "
              "'vs X' = X's time / lossfast's time)", file=file)


def _cmd_info(args, file):
    from ._config import build_info
    info = build_info()
    if args.json:
        print(json.dumps(info, indent=2), file=file)
    else:
        for key, value in info.items():
            print(f"{key:>20}: {value}", file=file)
    return 0


def _cmd_bench(args, file):
    results = bench(size=args.size, repeat=args.repeat, dtypes=args.dtype)
    if args.json:
        print(json.dumps(results, indent=2), file=file)
    else:
        _print_bench(results, file)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m lossfast", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    p_info = sub.add_parser("info", help="version, build configuration, SIMD level, threads")
    p_info.add_argument("--json", action="store_true", help="machine-readable output")
    p_bench = sub.add_parser("bench", help="lossfast vs NumPy / PyTorch, as ratios")
    p_bench.add_argument("--size", type=_positive_int, default=10_000_000,
                         help="elements per array (default 1e7)")
    p_bench.add_argument("--repeat", type=_positive_int, default=7, help="timed runs per case")
    p_bench.add_argument("--dtype", nargs="+", choices=["float32", "float64"],
                         default=["float32", "float64"])
    p_bench.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _positive_int(text):
    try:
        value = int(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def main(argv=None, file=None):
    file = sys.stdout if file is None else file
    args = build_parser().parse_args(argv)
    if args.command == "info":
        return _cmd_info(args, file)
    if args.command == "bench":
        return _cmd_bench(args, file)
    args.json = False
    _cmd_info(args, file)
    print(file=file)
    args.size, args.repeat, args.dtype = 10_000_000, 5, ["float32", "float64"]
    return _cmd_bench(args, file)
