"""A NumPy reference of scikit-learn's per-sample SGD (_plain_sgd) on the
true weights (no scale factor, no running norms): the oracle of the epoch
objective that feeds the stopping rule.

Per sample i, in scikit-learn's order: p = w . x_i + b; the learning rate;
the objective term loss(y_i, p) + alpha R(w) with R evaluated at the
current w (R = (1 - l1_ratio) / 2 ||w||^2 + l1_ratio ||w||_1); the L2
shrinkage w *= max(0, 1 - (1 - l1_ratio) eta alpha); w += update x_i and
b += update * intercept_decay with update = -eta dloss w_i; the truncated
L1 step (Tsuruoka et al. 2009) on the row's stored columns (every column
of a dense row)."""
import math

import numpy as np


def _loss(name, y, p):
    if name == "hinge":
        return max(0.0, 1.0 - y * p)
    if name == "log_loss":
        return float(np.logaddexp(0.0, p)) - y * p
    if name == "squared_error":
        return 0.5 * (p - y) ** 2
    raise ValueError(name)


def _dloss(name, y, p):
    if name == "hinge":
        return -y if y * p <= 1.0 else 0.0
    if name == "log_loss":
        return 1.0 / (1.0 + math.exp(-p)) - y
    if name == "squared_error":
        return p - y
    raise ValueError(name)


def _l1_ratio(penalty, l1_ratio):
    return {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]


def sgd_epoch(rows, y, w, b, *, loss, penalty, alpha, l1_ratio, eta, t, optimal_init=None,
              u=0.0, q=None, intercept_decay=1.0, fit_intercept=True):
    """One epoch over `rows`, a list of (columns, values) in visiting order,
    labels y in the same order; w (float64) is updated in place.  eta is the
    constant step or None for scikit-learn's "optimal" schedule.  Returns
    (b, t, u, objective_sum, sumloss)."""
    l1r = _l1_ratio(penalty, l1_ratio)
    q = np.zeros_like(w) if q is None else q
    objective = sumloss = 0.0
    for (cols, vals), yi in zip(rows, y):
        p = float(w[cols] @ vals) + b
        step = eta if eta is not None else 1.0 / (alpha * (optimal_init + t - 1))
        li = _loss(loss, yi, p)
        sumloss += li
        objective += li
        if penalty is not None:
            objective += alpha * ((1 - l1r) * 0.5 * float(w @ w)
                                  + l1r * float(np.abs(w).sum()))
        update = -step * _dloss(loss, yi, p)
        if penalty in ("l2", "elasticnet"):
            w *= max(0.0, 1.0 - (1.0 - l1r) * step * alpha)
        if update != 0.0:
            w[cols] += update * vals
            if fit_intercept:
                b += update * intercept_decay
        if penalty in ("l1", "elasticnet"):
            u += l1r * step * alpha
            for j in cols:
                z = w[j]
                if z > 0:
                    w[j] = max(0.0, z - (u + q[j]))
                elif z < 0:
                    w[j] = min(0.0, z + (u - q[j]))
                q[j] += w[j] - z
        t += 1
    return b, t, u, objective, sumloss


def sgd_fit(rows, y, d, *, tol, n_iter_no_change, max_iter, **kw):
    """Epochs in the given row order with scikit-learn's stopping rule on
    the mean epoch objective; returns (w, b, epochs)."""
    w, b, t, u, q = np.zeros(d), 0.0, 1.0, 0.0, np.zeros(d)
    best, bad = math.inf, 0
    for epoch in range(max_iter):
        b, t, u, objective, _ = sgd_epoch(rows, y, w, b, t=t, u=u, q=q, **kw)
        objective /= len(rows)
        bad = bad + 1 if objective > best - tol else 0
        best = min(best, objective)
        if bad >= n_iter_no_change:
            break
    return w, b, epoch + 1


def csr_rows(X):
    """(columns, values) of each row of a SciPy CSR matrix (stored entries)."""
    return [(X.indices[X.indptr[i]:X.indptr[i + 1]], X.data[X.indptr[i]:X.indptr[i + 1]])
            for i in range(X.shape[0])]


def dense_rows(X):
    cols = np.arange(X.shape[1])
    return [(cols, X[i]) for i in range(X.shape[0])]
