"""SGDClassifier per epoch, lossfast against scikit-learn (issue #16: >= 3x per epoch).

    PYTHONPATH=src python bench/run_sgd_epochs.py [--simd avx2|avx512] [--rounds 5]

The data of ``bench_linear_classifiers.py`` (dense 1e5 x 100 float64; CSR 1e5 x 2e4 with
~50 nonzeros per row), hinge loss, L2, alpha=1e-4, the "optimal" schedule, tol=None.  Each
fit runs E1 = 1 and E2 = 9 epochs; the time per epoch is (t(E2) - t(E1)) / (E2 - E1), so the
fixed cost of a fit (validation, label encoding, copies) drops out and is reported apart.
One thread (lossfast.set_num_threads(1), threadpoolctl for scikit-learn), CPU time
(time.process_time), the roles interleaved in each round, the minimum of the rounds.

Each line also gives the epoch's floor: ``_lossfast.rows_probe`` reading what an epoch
reads per sample (the row of X -- for CSR its values, columns and indptr entry -- and its
label) in the epoch's order (the identity, or a permutation for shuffle=True), with the
epochs' prefetch; 'lf/probe' is lossfast's epoch over it, and 'max' the ratio to
scikit-learn an epoch at the floor would reach.
"""
import argparse
import time

import numpy as np

import lossfast as lf
from lossfast import _lossfast as core

E1, E2 = 1, 9


def data():
    import scipy.sparse as sp
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100_000, 100))
    y = (X @ rng.standard_normal(100) + rng.standard_normal(100_000) > 0).astype(np.int64)
    n, d, k = 100_000, 20_000, 50
    rows = np.repeat(np.arange(n), k)
    Xs = sp.csr_matrix((rng.standard_normal(n * k), (rows, rng.integers(0, d, n * k))),
                       shape=(n, d))
    Xs.sum_duplicates()
    ys = (Xs @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0).astype(np.int64)
    return {"dense": (X, y), "csr": (Xs, ys)}


def rows_probe_ms(X, shuffle, rounds):
    """The epoch's floor (see the module docstring), ms: minimum of `rounds` runs."""
    n = X.shape[0]
    order = (np.random.default_rng(0).permutation(n) if shuffle else np.arange(n)).astype(np.int64)
    y = np.zeros(n)
    rows = np.arange(n + 1, dtype=np.int64)
    if hasattr(X, "indptr"):
        ip = X.indptr.astype(np.int64)
        buffers = [X.data, X.indices, X.indptr, y]
        offsets = [ip * X.data.itemsize, ip * X.indices.itemsize,
                   rows * X.indptr.itemsize, rows * 8]
    else:
        buffers = [X, y]
        offsets = [rows * X.strides[0], rows * 8]
    times = []
    for _ in range(rounds):
        t0 = time.thread_time()
        core.rows_probe(buffers, offsets, order)
        times.append(time.thread_time() - t0)
    return min(times) * 1e3


def main():
    from sklearn import linear_model as sk
    from threadpoolctl import threadpool_limits
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simd", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.simd:
        core.set_simd_level(args.simd)
    lf.set_num_threads(1)
    est = {"lossfast": lf.SGDClassifier, "sklearn": sk.SGDClassifier}

    def cpu(f):
        t0 = time.process_time()
        f()
        return time.process_time() - t0

    print(f"SIMD {core.simd_level()}; one thread, CPU time, min of {args.rounds} rounds")
    with threadpool_limits(1):
        for kind, (X, y) in data().items():
            for shuffle in (False, True):
                times = {(who, e): [] for who in est for e in (E1, E2)}
                for _ in range(args.rounds):
                    for who, cls in est.items():
                        for e in (E1, E2):
                            m = cls(loss="hinge", alpha=1e-4, max_iter=e, tol=None,
                                    shuffle=shuffle, random_state=0)
                            times[who, e].append(cpu(lambda: m.fit(X, y)))
                per = {who: (min(times[who, E2]) - min(times[who, E1])) / (E2 - E1)
                       for who in est}
                fixed = {who: min(times[who, E1]) - per[who] for who in est}
                probe = rows_probe_ms(X, shuffle, args.rounds)
                print(f"{kind:5s} shuffle={shuffle!s:5s}  "
                      + "  ".join(f"{who} {per[who] * 1e3:6.2f} ms/epoch "
                                  f"(fixed {fixed[who] * 1e3:5.1f} ms)" for who in est)
                      + f"  per-epoch ratio {per['sklearn'] / per['lossfast']:.2f}x"
                      + f"  row probe {probe:5.2f} ms: lf/probe "
                        f"{per['lossfast'] * 1e3 / probe:.2f}, max {per['sklearn'] * 1e3 / probe:.2f}x",
                      flush=True)


if __name__ == "__main__":
    main()
