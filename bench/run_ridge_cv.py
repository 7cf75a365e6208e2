"""RidgeCV(cv=None) against one Ridge fit and scikit-learn, with where the time goes.

SPEC 6.6: RidgeCV over 50 alphas on 1e6 x 100 float64 in <= 2x one ``Ridge``
fit and >= 30x scikit-learn's RidgeCV.  One-thread CPU time
(``time.process_time``, ``lf.set_num_threads(1)``, threadpoolctl at 1 for
scikit-learn), the roles interleaved in every round, minima over the rounds;
with ``--threads 2`` wall time instead (``time.perf_counter``).  Besides the
fits, the parts of RidgeCV's leave-one-out path are timed on their own: the
Gram pass (``centred_moments``, the same pass as Ridge's), the
eigendecomposition with the factors of 1 / (lam + alpha), and the C kernel's
leave-one-out pass.

    python bench/run_ridge_cv.py [--n 1000000] [--n-sklearn 200000] [--rounds 5]
"""
import argparse
import time

import numpy as np

ALPHAS = np.logspace(-3, 3, 50)


def regression(n, d=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + rng.uniform(-2, 2, d)
    y = X @ rng.standard_normal(d) + 3.0 * rng.standard_normal(n)
    return X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--n-sklearn", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import lossfast as lf
    from lossfast import _lossfast
    from lossfast.linear_model import _ridge_cv as rc
    from lossfast.linear_model._linear import centred_moments
    from lossfast.linear_model._matrix import design_matrix
    from sklearn.linear_model import RidgeCV as SkRidgeCV
    from threadpoolctl import threadpool_limits

    lf.set_num_threads(args.threads)
    clock = time.process_time if args.threads == 1 else time.perf_counter
    X, y = regression(args.n)
    Xs, ys = regression(args.n_sklearn, seed=1)
    n, d = X.shape

    def parts():
        est = lf.RidgeCV(alphas=ALPHAS)
        out = {}
        t0 = clock()
        Xm = design_matrix(est, X, reset=True, finite=False)
        Gc, xm, ym = centred_moments(Xm, y.reshape(n, 1), None, True)
        out["gram pass"] = clock() - t0
        t0 = clock()
        lam, V = rc._eigh(Gc[:d, :d])
        lam = np.maximum(lam, 0.0)
        c = V.T @ Gc[:d, d:]
        R, C = rc._inverse_factors(lam, ALPHAS)
        out["eigh + factors"] = clock() - t0
        sq = np.empty((1, len(ALPHAS)))
        t0 = clock()
        _lossfast.ridge_loo(X, y.reshape(n, 1), None, xm, ym, np.ascontiguousarray(V),
                            np.ascontiguousarray(c), R, C, 1.0 / n, sq, None)
        out["loo pass"] = clock() - t0
        return out

    roles = {
        "RidgeCV": lambda: lf.RidgeCV(alphas=ALPHAS).fit(X, y),
        "Ridge": lambda: lf.Ridge(alpha=1.0).fit(X, y),
        "RidgeCV small": lambda: lf.RidgeCV(alphas=ALPHAS).fit(Xs, ys),
        "sklearn small": lambda: SkRidgeCV(alphas=ALPHAS).fit(Xs, ys),
    }
    best, last = {}, {}
    with threadpool_limits(args.threads):
        for _ in range(args.rounds):
            for role, fn in roles.items():
                t0 = clock()
                last[role] = fn()
                best[role] = min(best.get(role, np.inf), clock() - t0)
            for part, t in parts().items():
                best[part] = min(best.get(part, np.inf), t)
    ours, theirs = last["RidgeCV small"], last["sklearn small"]
    assert ours.alpha_ == theirs.alpha_
    rel = abs(ours.best_score_ / theirs.best_score_ - 1)
    print(f"simd={_lossfast.simd_level()} threads={args.threads} "
          f"loadavg={open('/proc/loadavg').read().split()[:3]}")
    for role, t in best.items():
        print(f"  {role:16s} {t:.3f} s")
    print(f"RidgeCV / Ridge ({n:.0e} x {d}): {best['RidgeCV'] / best['Ridge']:.2f}x (target <= 2)")
    print(f"sklearn / RidgeCV ({len(ys):.0e} x {d}): "
          f"{best['sklearn small'] / best['RidgeCV small']:.1f}x (target >= 30); "
          f"same alpha_, best_score_ rel. diff {rel:.1e}")


if __name__ == "__main__":
    main()
