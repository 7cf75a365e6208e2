"""The command line: ``python -m lossfast [demo|bench|info] [options]``.

demo (default)  fit LinearRegression and LogisticRegression with every solver on
                datasets shipped in the package; a table of objective, accuracy,
                iterations and time (``--plot FILE.png`` draws the loss curves)
bench           lossfast vs NumPy / PyTorch / scikit-learn as ratios, plus the
                fraction of the memory bandwidth (``--json`` for machines)
info            version, build configuration, SIMD level, threads

Exit codes: 0 success, 1 a run failed (e.g. --plot without matplotlib), 2 bad arguments.
"""
import argparse
import json
import sys


def _positive_int(text):
    try:
        value = int(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser():
    from ._bench import DEFAULT_GROUPS, GROUPS
    from ._bench_kernels import PEERS
    parser = argparse.ArgumentParser(
        prog="python -m lossfast", description="lossfast: losses, optimizers and linear "
        "models on SIMD + OpenMP kernels.", epilog="Run 'python -m lossfast COMMAND -h' for "
        "the options of a command.")
    sub = parser.add_subparsers(dest="command", metavar="{demo,bench,info}")
    p_demo = sub.add_parser("demo", help="fit the estimators with every solver (default)")
    p_demo.add_argument("--plot", metavar="FILE.png",
                        help="draw the solvers' loss curves (needs matplotlib)")
    p_demo.add_argument("--max-iter", type=_positive_int, default=200,
                        help="iteration / epoch limit of the iterative solvers (default 200)")
    p_demo.add_argument("--quiet", action="store_true", help="no progress bar")
    p_bench = sub.add_parser("bench", help="lossfast vs NumPy / PyTorch / scikit-learn")
    p_bench.add_argument("--scale", type=_positive_float, default=1.0,
                         help="multiply the problem sizes (default 1: the README table's sizes)")
    p_bench.add_argument("--repeat", type=_positive_int, default=5,
                         help="timed runs per case (median; the kernels and optim groups: "
                              "minimum of interleaved rounds)")
    p_bench.add_argument("--only", nargs="+", choices=GROUPS, default=list(DEFAULT_GROUPS),
                         help="kernel groups to run (default: all but 'kernels', the "
                         "transcendental kernels against a copy probe of their bytes)")
    p_bench.add_argument("--dtype", nargs="+", choices=["float32", "float64"],
                         default=["float32", "float64"])
    p_bench.add_argument("--json", action="store_true", help="machine-readable output")
    p_bench.add_argument("--simd", nargs="+", choices=["baseline", "avx2", "avx512"],
                         help="SIMD levels to run the 'kernels' group on (default: the one in use)")
    p_bench.add_argument("--peers", nargs="*", choices=list(PEERS), default=[],
                         help="peers of the 'kernels' group to time when installed "
                         "(torch.compile and jax compile first: slow)")
    p_bench.add_argument("--clock", choices=["wall", "thread"], default="wall",
                         help="'kernels' group: wall time (default) or, on one thread, the "
                         "calling thread's CPU time (robust on a loaded machine)")
    p_bench.add_argument("--save", metavar="FILE", help="write the results (JSON) to FILE")
    p_bench.add_argument("--compare", metavar="FILE",
                         help="compare each row's ratios with a saved FILE (same kernel, dtype, "
                         "SIMD level); exit 1 on a regression beyond --fail-ratio")
    p_bench.add_argument("--fail-ratio", type=_positive_float, default=2.0,
                         help="regression factor of a ratio that fails --compare (default 2)")
    p_info = sub.add_parser("info", help="version, build configuration, SIMD level, threads")
    p_info.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _cmd_info(args, out, err):
    from ._config import build_info
    info = build_info()
    if args.json:
        print(json.dumps(info, indent=2), file=out)
    else:
        for key, value in info.items():
            print(f"{key:>20}: {value}", file=out)
    return 0


def _cmd_bench(args, out, err):
    from ._bench import format_table, run_bench
    progress = None if args.json else (lambda label: print(f"  timing {label}", file=err))
    baseline = None
    if args.compare:
        try:
            with open(args.compare) as f:
                baseline = json.load(f)
        except (OSError, ValueError) as exc:
            print(f"error: cannot read the baseline {args.compare!r}: {exc}", file=err)
            return 2
    results = run_bench(scale=args.scale, repeat=args.repeat, groups=args.only,
                        dtypes=args.dtype, progress=progress, simd=args.simd,
                        peers=args.peers, clock=args.clock)
    print(json.dumps(results, indent=2) if args.json else format_table(results), file=out)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
    if baseline is not None:
        from ._bench import compare
        lines, failed = compare(results, baseline, args.fail_ratio)
        if failed and "kernels" in args.only:
            # a burst of load on a shared machine can hit one row: re-time the
            # rows that failed (twice the repeats) and keep the better ratios
            from ._bench import rerun_kernels
            results = rerun_kernels(results, failed, args.scale, 2 * args.repeat, args.peers,
                                    args.clock)
            lines, failed = compare(results, baseline, args.fail_ratio)
        print(f"\nratios against {args.compare} (x = regression factor; fails above "
              f"x{args.fail_ratio:g}):", file=out)
        for line in lines:
            print("  " + line, file=out)
        if failed:
            print(f"{len(failed)} regression(s) beyond x{args.fail_ratio:g}", file=out)
            return 1
    return 0


def _unwritable(path):
    """Why `path` cannot be written (checked before the fits start), or None."""
    import os
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        return "it is a directory"
    if not os.path.isdir(folder):
        return f"no directory {folder!r}"
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return "permission denied"
    return None


def _cmd_demo(args, out, err):
    from ._demo import run_demo
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("error: --plot needs matplotlib: pip install 'lossfast[plot]'", file=err)
            return 1
        problem = _unwritable(args.plot)
        if problem:
            print(f"error: cannot write the plot to {args.plot!r}: {problem}", file=err)
            return 1
    run_demo(plot=args.plot, max_iter=args.max_iter, file=out,
             progress_file=None if args.quiet else err)
    return 0


def main(argv=None, out=None, err=None):
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("demo", "bench", "info", "-h", "--help"):
        argv.insert(0, "demo")  # demo is the default command, with its options
    args = build_parser().parse_args(argv)
    return {"demo": _cmd_demo, "bench": _cmd_bench, "info": _cmd_info}[args.command](args, out, err)
