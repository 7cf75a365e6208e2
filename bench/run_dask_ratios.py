"""The Dask LogisticRegression ratios of SPEC 6.6, measured interleaved.

``bench_dask.py`` (pytest-benchmark) times each role in its own block of
rounds; on a shared, noisy machine the load changes between blocks, so this
script runs the roles in turn within each round and reports, per role, the
minimum and the median over the rounds, and the ratios of the minima:

* "dask (distributed)": lossfast on the Dask array, ``LocalCluster(n_workers=2,
  threads_per_worker=1)`` (X persisted on the workers before timing);
* "dask (threads)": lossfast on a Dask array of the same chunks held in this
  process, threaded scheduler;
* "in memory": lossfast on the NumPy array of the same rows, lossfast's
  default thread count (one per core), and "in memory (1 thread)" the same
  with ``lf.num_threads(1)`` (the Dask roles run one thread per worker);
* "dask-ml": ``dask_ml.linear_model.LogisticRegression(solver="lbfgs")`` on the
  distributed array (every ``--dask-ml-every`` rounds: it takes 10-40 s).

Same objective: every fit is ``fit_intercept=False`` (dask-ml penalises the
intercept; without one both minimise C sum_i loss_i + 0.5 ||coef||^2), and each
result's objective is checked against a tight in-memory Newton solve (1e-6
relative).  5e5 x 100 float64 in 10 row chunks.

    python bench/run_dask_ratios.py [--rounds 5]
"""
import argparse
import os
import time
import warnings

import numpy as np

N, D, CHUNKS, C = 500_000, 100, 10, 1.0


def _objective(w, X, y):
    z = X @ w
    return C * float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 * float(w @ w)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dask-ml-every", type=int, default=2)
    args = parser.parse_args()

    import dask
    import dask.array as da
    import distributed

    import lossfast as lf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
        client = distributed.Client(cluster)
    try:
        rng = np.random.default_rng(0)
        w = rng.standard_normal(D) / np.sqrt(D)
        X = da.random.default_rng(1).standard_normal((N, D), chunks=(N // CHUNKS, D))
        y = (da.random.default_rng(2).uniform(size=N, chunks=N // CHUNKS)
             < 1.0 / (1.0 + da.exp(-2.0 * (X @ w)))).astype(np.int64)
        X, y = client.persist([X, y])
        X_np, y_np = client.compute([X, y], sync=True)
        X_t = da.from_array(X_np, chunks=(N // CHUNKS, D))
        y_t = da.from_array(y_np, chunks=N // CHUNKS)
        ref = lf.LogisticRegression(C=C, fit_intercept=False, solver="newton", tol=1e-10,
                                    max_iter=100).fit(X_np, y_np)
        f_ref = _objective(ref.coef_.ravel(), X_np, y_np)

        def dask_ml_fit():
            import dask_ml.linear_model as dml
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = dml.LogisticRegression(C=C, fit_intercept=False, solver="lbfgs",
                                             max_iter=100, tol=1e-6).fit(X, y)
            return np.asarray(est.coef_).ravel()

        def threads_fit():
            with dask.config.set(scheduler="threads"):
                return lf.LogisticRegression(C=C, fit_intercept=False).fit(X_t, y_t).coef_.ravel()

        def in_memory_one_thread():
            with lf.num_threads(1):
                return lf.LogisticRegression(C=C, fit_intercept=False).fit(X_np,
                                                                          y_np).coef_.ravel()

        roles = {
            "dask (distributed)": lambda: lf.LogisticRegression(
                C=C, fit_intercept=False).fit(X, y).coef_.ravel(),
            "dask (threads)": threads_fit,
            "in memory": lambda: lf.LogisticRegression(
                C=C, fit_intercept=False).fit(X_np, y_np).coef_.ravel(),
            "in memory (1 thread)": in_memory_one_thread,
            "dask-ml": dask_ml_fit,
        }
        times = {r: [] for r in roles}
        loads = []
        for i in range(args.rounds):
            for role, fit in roles.items():
                if role == "dask-ml" and i % args.dask_ml_every:
                    continue
                t = time.perf_counter()
                coef = fit()
                times[role].append(time.perf_counter() - t)
                gap = (_objective(coef, X_np, y_np) - f_ref) / abs(f_ref)
                assert gap < 1e-6, f"{role}: objective {gap:.2e} above the optimum"
            loads.append(os.getloadavg()[0])
    finally:
        client.close()
        cluster.close()
    best = {r: min(t) for r, t in times.items()}
    print(f"Dask LogisticRegression {N:.0e} x {D} float64, {CHUNKS} chunks, LocalCluster 2 "
          f"workers x 1 thread; SIMD {lf._lossfast.simd_level()}; "
          f"load average during the rounds {min(loads):.1f}-{max(loads):.1f}")
    for role, t in times.items():
        print(f"  {role:22s} min {best[role]:7.3f} s  median {np.median(t):7.3f} s  "
              f"(runs: {', '.join(f'{v:.2f}' for v in t)})")
    base = best["dask (distributed)"]
    print(f"  dask-ml / dask (distributed)        {best['dask-ml'] / base:6.1f}x  (target >= 10)")
    print(f"  dask-ml / dask (threads)            {best['dask-ml'] / best['dask (threads)']:6.1f}x")
    print(f"  dask (distributed) / in memory      {base / best['in memory']:6.2f}x  (target <= 3)")
    print(f"  dask (threads) / in memory          "
          f"{best['dask (threads)'] / best['in memory']:6.2f}x")
    print(f"  dask (distributed) / in memory (1t) "
          f"{base / best['in memory (1 thread)']:6.2f}x")


if __name__ == "__main__":
    main()
