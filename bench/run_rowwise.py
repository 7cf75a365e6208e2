"""The row-wise (softmax family) rows of the ``kernels`` group only, on one
thread with the thread clock, on each SIMD level asked for: the copy_ratio
of each (issue 15: <= 1.5 float32, <= 2 float64).  Optionally (--jax) the
sparse softmax CE row against jax.jit(value_and_grad) on the wall clock,
both on one thread (XLA's intra-op pool pinned by XLA_FLAGS).

    PYTHONPATH=src python bench/run_rowwise.py --simd avx2 avx512 [--scale 1] [--jax]
"""
import argparse
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--simd", nargs="+", default=["avx2", "avx512"])
ap.add_argument("--scale", type=float, default=1.0)
ap.add_argument("--repeat", type=int, default=7)
ap.add_argument("--dtype", nargs="+", default=["float32", "float64"])
ap.add_argument("--only", default="", help="substring filter on the kernel name")
ap.add_argument("--jax", action="store_true")
ap.add_argument("--threads", type=int, default=1)
args = ap.parse_args()
if args.jax:
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                          "intra_op_parallelism_threads=1")

import lossfast  # noqa: E402
from lossfast import _bench_kernels as bk, _lossfast  # noqa: E402

ROWWISE = ("softmax", "log_softmax", "multiclass hinge")
lossfast.set_num_threads(args.threads)
clock = "thread" if args.threads == 1 and not args.jax else "wall"
print(f"load {os.getloadavg()}, threads {args.threads}, clock {clock}", flush=True)
start = _lossfast.simd_level()
for level in args.simd:
    _lossfast.set_simd_level(level)
    cases = [c for c in bk.kernel_cases(args.scale, args.dtype)
             if any(c.name.startswith(p) for p in ROWWISE) and args.only in c.name]
    for c in cases:
        peers = ("jax",) if args.jax and "CE sparse" in c.name else ()
        if args.jax and not peers:
            continue
        r = bk.measure(c, args.repeat, peers=peers, clock=clock)
        extra = "".join(f"  {k} {v:.2f}" for k, v in r.items() if k.startswith("vs "))
        print(f"[{level}] {r['kernel']:<40} {r['dtype']:<8} lf {r['lossfast_ms']:7.2f} ms"
              f"  copy {r['copy_ms']:6.2f} ms  ratio {r['copy_ratio']:.2f}{extra}", flush=True)
_lossfast.set_simd_level(start)
print(f"load {os.getloadavg()}", flush=True)
