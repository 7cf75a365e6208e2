"""LinearSVC (C=1e-3, tol=1e-4) against liblinear over several row orders (issue #16: >= 3x).

    PYTHONPATH=src python bench/run_linear_svc_orders.py [--simd avx2|avx512] [--seeds 7]
        [--cases hinge:dense,hinge:csr:noint,...]

The data of ``bench_linear_classifiers.py`` (via ``run_sgd_epochs.data``).  A case is
``loss:kind`` with an intercept or ``loss:kind:noint`` without; lossfast runs its default
(``dual="auto"``).  Both sides take the same ``random_state`` per seed (the dual's row order:
the hinge with an intercept on dense rows depends on it).  liblinear runs with
intercept_scaling=100 (its intercept's penalty below 1e-6 of the objective), the dual for
hinge and the primal for squared hinge (its faster solver on these data: 0.23 s against 6.8 s
on CSR with an intercept).  One thread, CPU time; per case the median over median and the
minimum over minimum of the seeds, and each seed's objective of lossfast relative to
liblinear's (negative: lossfast lower).
"""
import argparse
import time
import warnings

import numpy as np

import lossfast as lf
from lossfast import _lossfast as core
from run_sgd_epochs import data

C = 1e-3
CASES = ("hinge:dense,hinge:csr,squared_hinge:dense,squared_hinge:csr,hinge:dense:noint,"
         "hinge:csr:noint,squared_hinge:dense:noint,squared_hinge:csr:noint")


def objective(coef, b, X, y, loss):
    t = np.where(y == 1, 1.0, -1.0)
    m = np.maximum(1 - t * (X @ coef.ravel() + b), 0)
    lsum = float(m @ m) if loss == "squared_hinge" else float(m.sum())
    return C * lsum + 0.5 * float(coef.ravel() @ coef.ravel())


def timed(est, X, y):
    t = time.process_time()
    est.fit(X, y)
    return time.process_time() - t, est


def main():
    from sklearn import svm
    from threadpoolctl import threadpool_limits
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simd", default=None)
    parser.add_argument("--seeds", type=int, default=7)
    parser.add_argument("--cases", default=CASES)
    args = parser.parse_args()
    if args.simd:
        core.set_simd_level(args.simd)
    lf.set_num_threads(1)
    warnings.filterwarnings("ignore", module="sklearn")
    sets = data()
    print(f"SIMD {core.simd_level()}; one thread, CPU time, seeds 0-{args.seeds - 1}")
    with threadpool_limits(1):
        for case in args.cases.split(","):
            loss, kind, *rest = case.split(":")
            fi = rest != ["noint"]
            X, y = sets[kind]
            ours, theirs = [], []
            for s in range(args.seeds):
                a, e1 = timed(lf.LinearSVC(C=C, loss=loss, fit_intercept=fi, tol=1e-4,
                                           random_state=s, max_iter=5000), X, y)
                b, e2 = timed(svm.LinearSVC(C=C, loss=loss, fit_intercept=fi, tol=1e-4,
                                            dual=loss == "hinge", intercept_scaling=100.0,
                                            random_state=s, max_iter=5000), X, y)
                o1 = objective(e1.coef_, e1.intercept_[0] if fi else 0.0, X, y, loss)
                o2 = objective(e2.coef_, e2.intercept_[0] if fi else 0.0, X, y, loss)
                ours.append(a)
                theirs.append(b)
                print(f"  {case} seed {s}: lossfast {a:.3f} s, liblinear {b:.3f} s, "
                      f"{b / a:.2f}x, objective {(o1 - o2) / o2:+.1e} rel.", flush=True)
            ours, theirs = np.array(ours), np.array(theirs)
            print(f"{case} [{core.simd_level()}]: median/median "
                  f"{np.median(theirs) / np.median(ours):.2f}x, min/min "
                  f"{theirs.min() / ours.min():.2f}x", flush=True)


if __name__ == "__main__":
    main()
