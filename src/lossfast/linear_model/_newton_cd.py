"""Proximal Newton with coordinate descent on the quadratic model, for
L1 / elastic-net penalised smooth objectives (glmnet, glum's IRLS-CD,
scikit-learn's newton-cd; Lee, Sun & Saunders 2014; Tseng & Yun 2009).

    minimise  F(x) = f(x) + sum_i l1[i] |x[i]|

f is smooth (it includes any L2 term); l1 holds one weight per parameter
(0 for intercepts; a scaled parametrisation may give each coordinate its own
weight).  Each outer iteration:

1. builds the quadratic model of f at x from the gradient g and the dense
   Hessian H (p x p float64):  q(d) = g.d + 1/2 d^T H d + sum_i l1_i |x_i + d_i|;
2. minimises q approximately by cyclic coordinate descent in C
   (``_lossfast.cd_quad_l1``: every coordinate minimised exactly, a
   soft-threshold, with H d kept up to date; O(p) per changed coordinate),
   until the model's minimum-norm subgradient is below
   max(0.01 * the current violation of F, 0.1 * tol) -- inexact Newton, so
   early steps are cheap and late ones accurate (the inner sweeps cost
   O(p^2), little next to the Hessian; 0.01 saved one outer iteration of six
   over 0.1 on L1-logistic 1e5 x 200) -- or max_inner sweeps;
3. backtracks on the composite objective F (Armijo rule of Tseng & Yun:
   F(x + t d) <= F(x) + 1e-4 t Delta, Delta = g.d + sum_i l1_i (|x_i + d_i|
   - |x_i|) < 0; t halves, at most 40 times).

It stops when the minimum-norm subgradient of F,
    max_i |g_i + l1_i sign(x_i)|  (x_i != 0),   max_i max(|g_i| - l1_i, 0)  (x_i = 0),
is <= tol (converged), when an iteration decreases F by less than 64
machine epsilons relative to max(|F|, 1) (converged, as scikit-learn's
newton solvers), when the line search fails (not converged), or after
max_iter iterations.

A coordinate whose Hessian diagonal is 0 is left where it is.  H need only
be positive semi-definite (a flat direction of f, such as the common shift
of multinomial intercepts, is harmless: CD moves along coordinates).
"""
import math

import numpy as np

from .. import _lossfast as _core
from ._solvers import SolverResult, _report

_EPS = np.finfo(np.float64).eps


def min_norm_subgradient(x, g, l1):
    """Per-coordinate violation of 0 in the subdifferential of f + sum l1 |x|."""
    viol = np.abs(g + l1 * np.sign(x))
    zero = x == 0
    viol[zero] = np.maximum(np.abs(g[zero]) - l1[zero], 0.0)
    return viol


def newton_cd(fg_aux, hess, x0, l1, *, max_iter=100, tol=1e-4, verbose=0, name="newton-cd",
              max_inner=1000, ftol=64 * _EPS, hess_active=None):
    """Minimise f(x) + sum_i l1[i] |x[i]| by proximal Newton with CD on the
    quadratic model (see the module docstring).

    fg_aux(x) -> (f, g, aux): the smooth part, its gradient (p,) and whatever
    hess needs; hess(x, aux) -> H, the dense (p, p) Hessian of f (float64).
    l1: (p,) float64 weights >= 0.  Returns a SolverResult (x, f = F(x),
    n_iter, converged, curve = F after each iteration, message).

    hess_active(x, aux, idx) -> H[idx][:, idx] (optional): when given, each
    Newton step is restricted to the active set -- the coordinates that are
    non-zero, unpenalised (l1 = 0) or violate |g_i| <= l1_i at x (glmnet's
    and glum's active set) -- and only that block of the Hessian is built:
    the other coordinates satisfy their optimality condition and stay at 0
    for this step; the stopping rule still uses every coordinate, so a
    coordinate that starts to violate joins at the next iteration.
    """
    x = np.array(x0, dtype=np.float64)
    l1 = np.ascontiguousarray(l1, dtype=np.float64)
    p = x.shape[0]
    if l1.shape != (p,):
        raise ValueError(f"l1 must have shape {(p,)}, got {l1.shape}")
    if np.any(l1 < 0) or not np.all(np.isfinite(l1)):
        raise ValueError("l1 weights must be finite and >= 0")
    f, g, aux = fg_aux(x)
    F = float(f) + float(l1 @ np.abs(x))
    curve = []
    if not math.isfinite(F):
        return SolverResult(x, F, 0, False, curve, "objective is not finite at the start")
    viol = float(np.max(min_norm_subgradient(x, g, l1))) if p else 0.0
    if viol <= tol:
        return SolverResult(x, F, 0, True, curve, "subgradient below tol at the start")
    it = 0
    converged, message = False, "max_iter reached"
    while it < max_iter:
        g = np.ascontiguousarray(g, dtype=np.float64)
        dx = np.zeros(p)
        inner_tol = max(0.01 * viol, 0.1 * tol)
        if hess_active is None:
            H = np.ascontiguousarray(hess(x, aux), dtype=np.float64)
            _core.cd_quad_l1(H, g, x, l1, dx, np.zeros(p), max_inner, inner_tol)
        else:
            act = np.flatnonzero((x != 0) | (l1 == 0) | (np.abs(g) > l1))
            H = np.ascontiguousarray(hess_active(x, aux, act), dtype=np.float64)
            da = np.zeros(act.size)
            _core.cd_quad_l1(H, np.ascontiguousarray(g[act]), np.ascontiguousarray(x[act]),
                             np.ascontiguousarray(l1[act]), da, np.zeros(act.size), max_inner,
                             inner_tol)
            dx[act] = da
        delta = float(g @ dx) + float(l1 @ (np.abs(x + dx) - np.abs(x)))
        if not delta < 0:
            message = "no descent direction (the quadratic model is minimal at x)"
            converged = viol <= tol
            break
        t = 1.0
        accepted = False
        for _ in range(40):
            xt = x + t * dx
            f_new, g_new, aux_new = fg_aux(xt)
            F_new = float(f_new) + float(l1 @ np.abs(xt))
            if math.isfinite(F_new) and F_new <= F + 1e-4 * t * delta:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            message = "line search failed (the objective cannot be decreased further)"
            break
        x, g, aux = xt, g_new, aux_new
        F_old, F = F, F_new
        it += 1
        curve.append(F)
        viol = float(np.max(min_norm_subgradient(x, g, l1)))
        _report(verbose, name, it, F, None, f"  max|subgrad| {viol:.3e}  step {t:g}  "
                f"nnz {int(np.count_nonzero(x))}")
        if viol <= tol:
            converged, message = True, "minimum-norm subgradient <= tol"
            break
        if F_old - F <= ftol * max(abs(F_old), abs(F), 1.0):
            converged, message = True, "relative reduction of the objective <= ftol"
            break
    return SolverResult(x, F, it, converged, curve, message)


def logistic_problem(X, y_idx, n_classes, *, C=1.0, l1_ratio=1.0, sample_weight=None,
                     fit_intercept=True):
    """fg_aux, hess, x0, l1 and split for scikit-learn's (>= 1.8) penalised
    logistic regression, divided by C * sum(w) (as lossfast's
    LogisticRegression normalises it):

        sum_i w_i loss_i / sum(w) + (1 - l1_ratio) ||coef||^2 / (2 C sum(w))
            + l1_ratio ||coef||_1 / (C sum(w))

    binary (one logit, parameters [coef (d), intercept]) or multinomial
    (k = n_classes logits, parameters [coef (k, d) raveled, intercepts (k)]),
    in the original (unscaled) coordinates.  The smooth part and its gradient
    come from the fused loss/gradient kernel (``_lossfast.lm_loss_gradient``,
    one pass over X, decision values kept for the Hessian), the Hessian
    X^T D X from the weighted Gram kernel (k (k + 1) / 2 Grams for k
    classes).  X: C-contiguous float32 / float64 (n, d); y_idx: class
    indices 0..n_classes-1.

    Returns (fg_aux, hess, x0, l1, split); ``split(x)`` gives (coef (k, d),
    intercept (k,) or None), and ``hess.active(x, aux, idx)`` is the block
    H[idx][:, idx] for newton_cd's ``hess_active`` (binary: the weighted Gram
    block of the active columns, intercept included, straight from X in one
    pass, n |idx|^2 / 2 multiply-adds; multinomial: for each of the
    k (k + 1) / 2 class pairs the Gram of the active columns, the (k d)^2
    Hessian is never formed).  x0 is zero but for the intercepts: the log-odds (binary) or
    log class frequencies (multinomial) of the weighted labels, the optimum
    of the intercept-only model (glmnet's start).
    """
    from ._objective import LossSpec
    X = np.ascontiguousarray(X)
    n, d = X.shape
    if n_classes == 2:
        k = 1
        y_kernel = (np.asarray(y_idx) == 1).astype(X.dtype).reshape(n, 1)
        spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    else:
        k = n_classes
        y_kernel = np.ascontiguousarray(y_idx, dtype=np.int64)
        spec = LossSpec("softmax_xent_sparse")
    sw = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=X.dtype)
    fi = bool(fit_intercept)
    d1 = d + (1 if fi else 0)
    w_all = np.ones(n) if sw is None else sw.astype(np.float64)
    norm = float(w_all.sum())
    ridge = (1.0 - l1_ratio) / (C * norm)
    kd = k * d
    n_params = kd + (k if fi else 0)
    l1 = np.zeros(n_params)
    l1[:kd] = l1_ratio / (C * norm)

    def split(theta):
        theta = np.asarray(theta, dtype=np.float64)
        return theta[:kd].reshape(k, d), (theta[kd:] if fi else None)

    def fg_aux(theta):
        coef, b = split(theta)
        Z = np.empty((n, k), dtype=X.dtype)
        gc = np.empty((k, d))
        gb = np.empty(k) if fi else None
        val = _core.lm_loss_gradient(X, y_kernel, sw, np.ascontiguousarray(coef),
                                     None if b is None else np.ascontiguousarray(b),
                                     spec.kernel, spec.params, gc, gb, Z)
        w = theta[:kd]
        f = val / norm + 0.5 * ridge * float(w @ w)
        g = np.empty(n_params)
        g[:kd] = gc.reshape(-1) / norm + ridge * w
        if fi:
            g[kd:] = gb / norm
        return f, g, Z

    def hess(theta, Z):
        if k == 1:
            z = Z[:, 0].astype(np.float64)
            e = np.exp(-np.abs(z))
            D = (w_all * e / (1.0 + e) ** 2 / norm).astype(X.dtype).reshape(n, 1)
            G = np.empty((1, d1, d1))
            _core.lm_gram(X, None, np.ascontiguousarray(D), None, fi, G)
            H = G[0]
            H[np.arange(d), np.arange(d)] += ridge
            return H
        Zf = Z.astype(np.float64)
        Zf -= Zf.max(axis=1, keepdims=True)
        P = np.exp(Zf)
        P /= P.sum(axis=1, keepdims=True)
        pairs = [(a, b) for a in range(k) for b in range(a, k)]
        Wm = np.empty((n, len(pairs)), dtype=X.dtype)
        for m, (a, b) in enumerate(pairs):
            v = -P[:, a] * P[:, b]
            if a == b:
                v += P[:, a]
            Wm[:, m] = w_all * v / norm
        G = np.empty((len(pairs), d1, d1))
        _core.lm_gram(X, None, Wm, None, fi, G)
        H = np.zeros((n_params, n_params))
        for m, (a, b) in enumerate(pairs):
            Gm = G[m]
            H[a * d:(a + 1) * d, b * d:(b + 1) * d] = Gm[:d, :d]
            H[b * d:(b + 1) * d, a * d:(a + 1) * d] = Gm[:d, :d]
            if fi:
                H[a * d:(a + 1) * d, kd + b] = Gm[:d, d]
                H[b * d:(b + 1) * d, kd + a] = Gm[:d, d]
                H[kd + b, a * d:(a + 1) * d] = Gm[:d, d]
                H[kd + a, b * d:(b + 1) * d] = Gm[:d, d]
                H[kd + a, kd + b] = H[kd + b, kd + a] = Gm[d, d]
        idx = np.arange(kd)
        H[idx, idx] += ridge
        return H

    def hess_active_multinomial(theta, Z, idx):
        # only the active block: for each class pair (a, c), the Gram of the
        # active columns weighted by the pair's curvature (one pass over those
        # columns of X, no gather copy), never the (k d)^2 Hessian
        idx = np.asarray(idx, dtype=np.int64)
        cls = np.where(idx < kd, idx // d, idx - kd)
        feat = np.where(idx < kd, idx % d, d)          # d: the column of ones
        cols = np.unique(feat).astype(np.int64)
        loc = np.searchsorted(cols, feat)
        Zf = Z.astype(np.float64)
        Zf -= Zf.max(axis=1, keepdims=True)
        P = np.exp(Zf)
        P /= P.sum(axis=1, keepdims=True)
        H = np.zeros((idx.size, idx.size))
        G = np.empty((cols.size, cols.size))
        for a in range(k):
            ia = np.flatnonzero(cls == a)
            if ia.size == 0:
                continue
            for c in range(a, k):
                ic = np.flatnonzero(cls == c)
                if ic.size == 0:
                    continue
                v = -P[:, a] * P[:, c]
                if a == c:
                    v += P[:, a]
                wv = np.ascontiguousarray((w_all * v / norm).astype(X.dtype))
                _core.cd_gram_cols(X, wv, None, cols, cols, G)
                B = G[np.ix_(loc[ia], loc[ic])]
                H[np.ix_(ia, ic)] = B
                if a != c:
                    H[np.ix_(ic, ia)] = B.T
        coef = np.flatnonzero(idx < kd)
        H[coef, coef] += ridge
        return H

    def hess_active(theta, Z, idx):
        if k != 1:
            return hess_active_multinomial(theta, Z, idx)
        idx = np.asarray(idx, dtype=np.int64)
        feat = idx[idx < d]
        z = Z[:, 0].astype(np.float64)
        e = np.exp(-np.abs(z))
        D = (w_all * e / (1.0 + e) ** 2 / norm).astype(X.dtype).reshape(n, 1)
        m = feat.size
        cols = idx[idx <= d] if fi else feat       # index d: the intercept's column of ones
        H = np.empty((cols.size, cols.size))
        # the block of the active columns straight from X (no gather copy), one pass
        _core.cd_gram_cols(X, np.ascontiguousarray(D[:, 0]), None, cols, cols, H)
        H[np.arange(m), np.arange(m)] += ridge
        return H

    hess.active = hess_active
    x0 = np.zeros(n_params)
    if fi:
        freq = np.bincount(np.asarray(y_idx), weights=w_all, minlength=n_classes) / w_all.sum()
        freq = np.clip(freq, 1e-12, 1.0)
        if k == 1:
            x0[kd] = np.log(freq[1] / freq[0])
        else:
            lf = np.log(freq)
            x0[kd:] = lf - lf.mean()
    return fg_aux, hess, x0, l1, split
