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
    from ._bench import GROUPS
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
                         help="multiply the problem sizes (default 1: the sizes of docs/performance.md)")
    p_bench.add_argument("--repeat", type=_positive_int, default=5,
                         help="timed runs per case (median)")
    p_bench.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS),
                         help="kernel groups to run")
    p_bench.add_argument("--dtype", nargs="+", choices=["float32", "float64"],
                         default=["float32", "float64"])
    p_bench.add_argument("--json", action="store_true", help="machine-readable output")
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
    results = run_bench(scale=args.scale, repeat=args.repeat, groups=args.only,
                        dtypes=args.dtype, progress=progress)
    print(json.dumps(results, indent=2) if args.json else format_table(results), file=out)
    return 0


def _cmd_demo(args, out, err):
    from ._demo import run_demo
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("error: --plot needs matplotlib: pip install 'lossfast[plot]'", file=err)
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
