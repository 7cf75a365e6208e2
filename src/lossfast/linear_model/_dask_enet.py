"""Lasso / ElasticNet on a Dask array: coordinate descent on the Gram.

The Gram variant of ``_coordinate_descent`` needs of X only the weighted,
centred Gram of [X, y] (X_c^T W' X_c, X_c^T W' y_c, ||y_c||^2_W') and the
weighted means: on the Dask kind that is ONE pass over X (the per-chunk
Grams of the normal equation, ``DaskMatrix.gram`` with y and the ones
column, summed in the fixed order of the chunked kind, centred by the
rank-one correction of ``_linear.centre_gram``).  Coordinate descent then
runs in the client on the full d x d Gram (``cd_enet_gram``, the kernel of
the in-memory Gram variant, with every feature in the working set), and
the duality gap comes from the Gram too (X_c^T W' r = q - G w), so no
further pass over X is made.  The objective, the scaling (weights summing
to n), the stopping rule (scikit-learn's gap <= tol ||y_c||^2_W') and the
attributes are those of ``ElasticNet.fit``: the coefficients equal the
in-memory fit's to the accuracy of the tolerance (the in-memory fit grows a
working set; both stop at the same gap tolerance of the same problem).

``precompute=False`` (the residual-update variant, which copies X) is not
available on a Dask array (NotImplementedError).
"""
import numbers
import warnings

import numpy as np

from .. import _lossfast as _core
from ._base import ConvergenceWarning, check_random_state, sk_compatible
from ._coordinate_descent import store_enet_result


def fit_enet(est, X, y, sample_weight, *, alpha, l1_ratio, tol, max_iter):
    """``ElasticNet.fit`` (and Lasso's) for a Dask array X (parameters
    already checked by the caller); returns est."""
    from ._linear import centred_moments, regression_targets
    from ._matrix import design_matrix

    if est.precompute is False:
        raise NotImplementedError("precompute=False (residual updates on a copy of X) is not "
                                  "implemented for Dask arrays: the Gram variant "
                                  "(precompute='auto' or True) makes one pass over X")
    Xm = design_matrix(est, X, reset=True, finite=False)
    n, d = Xm.shape
    if isinstance(sample_weight, numbers.Number):
        sample_weight = None
    y_info, Y, sw = regression_targets(est, Xm, y, sample_weight)
    k = Y.shape[1]
    fit_intercept = bool(est.fit_intercept)
    # one pass over X: the Gram of [X - s, Y - s_Y, 1], centred exactly
    Gc, x_mean, y_mean = centred_moments(Xm, Y, sw, fit_intercept)
    sumw = float(n) if sw is None else float(sw.sum())
    G, Q, yy_all = scaled_gram(Gc, d, n, sumw)
    W0 = np.zeros((k, d))
    if est.warm_start and hasattr(est, "coef_") and np.size(est.coef_) == k * d:
        W0[:] = np.asarray(est.coef_, dtype=np.float64).reshape(-1, d)
    coefs, gaps, iters = cd_gram(G, Q, yy_all, W0, alpha * l1_ratio * n,
                                 alpha * (1.0 - l1_ratio) * n, est, max_iter=max_iter, tol=tol)
    return enet_result(est, coefs, gaps, iters, yy_all, x_mean, y_mean, n, Xm.dtype,
                       fit_intercept, y_info.ndim, tol)


def scaled_gram(Gc, d, n, sumw):
    """(G (d, d), Q (d, k), yy (k,)) of the coordinate descent's scaled
    problem (weights rescaled to sum to n, as scikit-learn) from the centred
    Gram Gc of [X, Y] of total weight sumw."""
    scale = n / sumw
    G = np.ascontiguousarray(Gc[:d, :d] * scale)
    Q = Gc[:d, d:] * scale
    yy_all = np.maximum(np.diag(Gc)[d:], 0.0) * scale
    if not (np.all(np.isfinite(G)) and np.all(np.isfinite(Q))):
        raise ValueError("Input contains values too large for coordinate descent "
                         "(the moments of X overflow).")
    return G, Q, yy_all


def cd_gram(G, Q, yy_all, W0, a, b, est, *, max_iter, tol):
    """Coordinate descent of P(w) = 1/2 ||y_c - X_c w||^2_W' + a ||w||_1 +
    b/2 ||w||^2 for each target c from W0[c] on the Gram (G, Q[:, c],
    yy_all[c]), every feature in the working set, stopped at the duality gap
    tol ||y_c||^2_W' (est gives positive, selection, random_state); returns
    (coefs (k, d), gaps (k,), epochs per target)."""
    from ._coordinate_descent import _gap
    d, k = Q.shape
    positive = bool(est.positive)
    W0 = np.maximum(W0, 0.0) if positive else W0
    random = est.selection == "random"
    rs = check_random_state(est.random_state)
    seed = int(rs.integers(1, 2**62) if isinstance(rs, np.random.Generator)
               else rs.randint(1, 2**31 - 1))
    rng = np.array([seed], dtype=np.uint64)
    every = np.arange(d, dtype=np.int64)

    coefs, gaps, iters = np.zeros((k, d)), np.zeros(k), []
    for c in range(k):
        q = np.ascontiguousarray(Q[:, c])
        yy = float(yy_all[c])
        tol_abs = tol * yy
        w = np.array(W0[c], dtype=np.float64)
        Qw = G @ w
        epochs = 0
        while True:
            xtr = q - Qw
            qw = float(q @ w)
            gap = _gap(a, b, positive, w, xtr, yy - 2.0 * qw + float(w @ Qw), yy - qw)
            if gap <= tol_abs or epochs >= max_iter:
                break
            ep, _ = _core.cd_enet_gram(G, every, q, yy, w, Qw, every, a, b, positive, random,
                                       rng, max_iter - epochs, tol_abs, tol)
            epochs += int(ep)
            if ep == 0:
                xtr = q - Qw
                qw = float(q @ w)
                gap = _gap(a, b, positive, w, xtr, yy - 2.0 * qw + float(w @ Qw), yy - qw)
                break
        coefs[c] = w
        gaps[c] = gap
        iters.append(epochs)

    return coefs, gaps, iters


def enet_result(est, coefs, gaps, iters, yy_all, x_mean, y_mean, n, dtype, fit_intercept,
                y_ndim, tol):
    """ElasticNet's attributes from the coordinate descent's result (a
    ConvergenceWarning when a gap is above its tolerance); returns est."""
    tol_abs = tol * yy_all
    bad = np.flatnonzero(~(gaps <= tol_abs))
    if bad.size:
        c = bad[0]
        warnings.warn("Objective did not converge. You might want to increase the number of "
                      "iterations, check the scale of the features or consider increasing "
                      f"regularisation. Duality gap: {gaps[c]:.6e}, tolerance: "
                      f"{tol_abs[c]:.3e}", sk_compatible(ConvergenceWarning), stacklevel=4)
    intercept = y_mean - coefs @ x_mean if fit_intercept else np.zeros(len(yy_all))
    return store_enet_result(est, coefs, intercept, gaps, iters, n, dtype, fit_intercept,
                             y_ndim)


def predict_enet(est, X):
    """``ElasticNet.predict`` for a Dask array X: a lazy Dask array (n,) or
    (n, n_targets), X's features checked."""
    from ._matrix import design_matrix
    Xm = design_matrix(est, X, reset=False)
    coef = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    intercept = np.broadcast_to(np.asarray(est.intercept_, dtype=np.float64),
                                (coef.shape[0],))
    Z = Xm.matvec(coef, intercept)
    return Z[:, 0] if np.ndim(est.coef_) == 1 else Z
