"""Lasso and ElasticNet by coordinate descent (C kernels in
csrc/coordinate_descent.c), and non-negative least squares on a Gram matrix.

The objective is scikit-learn's

    1/(2 n_w) ||sqrt(W) (y - X w - b)||^2 + alpha l1_ratio ||w||_1
        + 0.5 alpha (1 - l1_ratio) ||w||^2                    (w >= 0 if positive)

with W the sample weights and n_w their sum; the intercept b is not
penalised (it is eliminated by centring X and y by their weighted means).
Internally the problem is scaled as scikit-learn's coordinate descent
scales it -- weights rescaled to sum to n_samples, the objective multiplied
by n_samples:

    P(w) = 1/2 ||y_c - X_c w||^2_W' + a ||w||_1 + b/2 ||w||^2,
    W' = W n / n_w,  a = alpha l1_ratio n,  b = alpha (1 - l1_ratio) n,

and stopped, as scikit-learn, when the duality gap G(w) of P (formulation
A: dual point r min(1, a / ||X_c^T W' r - b w||_inf), r the weighted
residual) is <= tol ||y_c||^2_W'; ``dual_gap_`` is G / n_samples (the gap
of the objective above).  Coefficients therefore agree with scikit-learn's
to the accuracy of the tolerance.

Two variants (``precompute``):

* Gram with working sets: used when n_samples > n_features ("auto") or
  precompute=True.  One pass over X gives the weighted means, the centred
  column norms and X_c^T W' y_c (shifted by a row sample's mean, then
  corrected exactly, so nothing cancels and X is never copied or centred).
  CD then runs on a working set S (celer / skglm / glmnet style): S starts
  with the (at most 64, or twice the warm start's support) features that
  most violate the optimality condition |X_j^T W' r| <= a at the start
  point, plus the warm start's support; the Gram block
  X_c^T W' X_c[S, S] is computed in one blocked pass over X (n |S|^2 / 2
  multiply-adds), and CD epochs on it cost O(|S|^2).  Then one fused pass
  over X (the squared-error loss/gradient kernel) gives X_c^T W' r for all
  features and the full-problem duality gap; while it is above tol, the
  largest violators join S (at least doubling it; only the new rows of the
  Gram block are computed).  When S covers more than half of the features
  it becomes all of them and the full Gram is computed once (lossfast's
  blocked Gram kernel); the gap then needs no pass over X.  A sparse
  solution thus costs a few passes over X plus n |S|^2 / 2, not n d^2.
  Within S, CD stops as scikit-learn's: the gap is computed when an epoch's
  largest coefficient change is <= tol max|w|, and must then be <= the gap
  tolerance.
* residual updates: n_samples <= n_features ("auto") or precompute=False.
  X_c sqrt(W') is copied once into column-major order in X's dtype (as
  scikit-learn copies X to Fortran order); CD updates the residual, with
  scikit-learn's gap-safe screening and its rule for when to compute the gap
  (max |dw| <= tol max |w|).

* sparse X (any SciPy sparse matrix or array, duck-typed): residual-update
  CD over the CSC columns (``CSCData``), always (``precompute`` does not
  apply: a Gram of a wide sparse X is dense).  The input is converted to
  CSC once -- the only copy of X's arrays (none when X is already canonical
  CSC of a float type; a non-canonical CSC is copied once to sum its
  duplicates; non-float data become float64) -- and never densified: the
  centring for the intercept is implicit, as in scikit-learn's
  sparse_enet_coordinate_descent with X_mean, but without its O(n) update
  per coordinate: the kernel keeps Rt = y_c - X w on the non-zeros and the
  scalar s = mean(X).w (the residual is Rt + s), so a coordinate costs
  O(nnz of its column).  Sample weights are read per non-zero (not folded
  into a copy of X).  Column norms are sum W' x^2 - n mean^2 (as
  scikit-learn's; a norm below 4 eps sum W' x^2 is rounding and taken as 0:
  a constant column).  The same gap-safe screening and gap rule as the
  dense residual variant.

``n_iter_`` counts CD epochs (over the working set or the screened active
set).  float32 X stays float32 (coef_, intercept_, dual_gap_ in X's dtype);
the Gram, the moments and CD run in float64.  Multi-output y is fitted as
independent problems, one per column (scikit-learn's ElasticNet does the
same), sharing the Gram columns.
"""
import numbers
import warnings

import numpy as np

from .. import _lossfast as _core
from ._base import (ConvergenceWarning, _as_float_array, _Estimator, check_consistent_length,
                    check_finite, check_finite_after, check_is_fitted, check_random_state, check_y_present,
                    record_features, sk_compatible, validate_sample_weight, validate_X)
from ._matrix import shift_estimate
from ._solvers import SolverResult, cholesky_solve
from ._dask import is_dask_array

_MIN_WS = 16          # the working set grows by at least this many features
_FIRST_WS = 64        # features in the first working set (at most)
_MAX_EPOCHS_CHUNK = 10_000_000


def _check_real(value, name, lo=None, hi=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"The '{name}' parameter must be a finite real number, got {value!r}.")
    value = float(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"[{lo}, {'inf' if hi is None else hi}]"
        raise ValueError(f"The '{name}' parameter must be in the range {rng}, got {value!r}.")
    return value


def _gap(a, b, positive, w, xtr, rr, ry):
    """scikit-learn's duality gap of P from X_c^T W' r (xtr), r^T W' r (rr) and
    r^T W' y_c (ry), r the residual at w: formulation A for a > 0, B for
    a = 0 < b, ||X^T r||^2 for a = b = 0."""
    l2sq = float(w @ w)
    if a == 0.0:
        s = float(xtr @ xtr)
        if b == 0.0:
            return s
        return rr + 0.5 * b * l2sq - ry + s / (2.0 * b)
    v = xtr - b * w
    dn = float(np.max(v)) if positive else float(np.max(np.abs(v)))
    primal = 0.5 * (rr + b * l2sq) + a * float(np.abs(w).sum())
    scale = a / dn if dn > a else 1.0
    dual = -0.5 * scale * scale * (rr + b * l2sq) + scale * ry
    return primal - dual


class _Gram:
    """Blocks of the centred, weighted (weights summing to n) Gram
    X_c^T W' X_c: a block is one pass over X (cd_gram_cols, shifted by a row
    sample's mean, then the exact rank-one centring correction); the full
    matrix is computed at most once (lm_gram) when a working set covers more
    than half of the features."""

    def __init__(self, X, sw, mom):
        d = X.shape[1]
        self.X, self.sw, self.d = X, sw, d
        self.shift = None if mom["shift"] is None else np.ascontiguousarray(mom["shift"][:d])
        self.delta = None if mom["delta"] is None else mom["delta"][:d]
        self.sumw, self.scale = mom["sumw"], mom["scale"]
        self.G = None

    def _correct(self, out, cols, rows):
        if self.delta is not None:
            out -= self.sumw * np.outer(self.delta[cols], self.delta[rows])
        out *= self.scale
        return out

    def full(self):
        if self.G is None:
            d = self.d
            G = np.empty((1, d, d))
            _core.lm_gram(self.X, None, None if self.sw is None else self.sw.reshape(-1, 1),
                          self.shift, False, G)
            all_ = np.arange(d)
            self.G = self._correct(G[0], all_, all_)
        return self.G

    def block(self, cols, rows):
        if self.G is not None:
            return self.G[np.ix_(cols, rows)]
        out = np.empty((cols.size, rows.size))
        _core.cd_gram_cols(self.X, self.sw, self.shift, cols, rows, out)
        return self._correct(out, cols, rows)

    def grow(self, G_old, old, new_ws):
        """The Gram of new_ws (a sorted superset of the sorted `old`), reusing
        G_old = Gram of `old`: only the rows of the added features are computed."""
        if new_ws.size == self.d and (self.G is not None or new_ws.size > old.size):
            if self.G is None:
                self.full()
            return self.G
        added = np.setdiff1d(new_ws, old, assume_unique=True)
        if added.size == 0:
            return G_old
        Gn = np.empty((new_ws.size, new_ws.size))
        io = np.searchsorted(new_ws, old)
        ia = np.searchsorted(new_ws, added)
        if old.size:
            Gn[np.ix_(io, io)] = G_old
        B = self.block(added, new_ws)
        Gn[ia, :] = B
        Gn[:, ia] = B.T
        return Gn


_MSE = None


def _residual_pass(X, y_col, sw, w, mom, c):
    """(X_c^T W' r, r^T W' r, r^T W' y_c) at w, r = y_c - X_c w: one fused pass
    over X (the squared-error loss/gradient kernel at the intercept
    b = mean(y) - mean(X) w, whose weighted residuals sum to zero), then the
    centring correction X_c^T W' r = X^T W' r - mean(X) sum(W' r)."""
    global _MSE
    if _MSE is None:
        from ._objective import LossSpec
        _MSE = LossSpec("mse")
    d = X.shape[1]
    x_mean = mom["x_mean"]
    b0 = np.array([mom["y_mean"][c] - float(x_mean @ w)])
    gc = np.empty((1, d))
    gb = np.empty(1)
    s = _MSE
    loss = _core.lm_loss_gradient(X, y_col, sw, np.ascontiguousarray(w.reshape(1, d)), b0,
                                  s.kernel, s.params, gc, gb, None)
    scale = mom["scale"]
    xtr = -0.5 * scale * (gc[0] - x_mean * gb[0])
    rr = scale * loss
    return xtr, rr, rr + float(w @ xtr)


def _fit_gram(X, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol, gram=None):
    """Gram variant with working sets (see the module docstring); returns
    coef (k, d), gaps (k,), epochs per target.  CSCData goes to _fit_sparse
    (no Gram for sparse X).

    ``gram``: a _Gram of X whose full matrix is computed (a path passes the
    same one to every alpha): blocks come from it and so do the residual
    quantities X_c^T W' r, r^T W' r, r^T W' y_c (q - G w, yy - 2 q.w + w.G w,
    yy - q.w, as for a full working set), so a fit makes no pass over X."""
    if isinstance(X, CSCData):
        return _fit_sparse(X, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol)
    d = X.shape[1]
    k = Y.shape[1]
    from_full = gram is not None and gram.G is not None
    gram = _Gram(X, sw, mom) if gram is None else gram
    rng = np.array([seed], dtype=np.uint64)
    norms = mom["norms"]
    coefs, gaps, iters = np.zeros((k, d)), np.zeros(k), []
    for c in range(k):
        q = np.ascontiguousarray(mom["q"][:, c])
        yy = float(mom["yy"][c])
        tol_abs = tol * yy
        y_col = np.ascontiguousarray(Y[:, c:c + 1])
        w = np.array(W0[c], dtype=np.float64)
        ws = np.flatnonzero(w).astype(np.int64)
        G_ws = gram.grow(np.empty((0, 0)), np.empty(0, np.int64), ws)
        if w.any() and from_full:
            Gw = gram.G @ w
            qw = float(q @ w)
            xtr, rr, ry = q - Gw, yy - 2.0 * qw + float(w @ Gw), yy - qw
        elif w.any():
            xtr, rr, ry = _residual_pass(X, y_col, sw, w, mom, c)
        else:
            xtr, rr, ry = q.copy(), yy, yy
        epochs = 0
        first = True
        while True:
            gap = _gap(a, b, positive, w, xtr, rr, ry)
            if gap <= tol_abs or epochs >= max_iter:
                break
            v = xtr - b * w
            score = v if positive else np.abs(v)
            viol = (score > a) & (norms > 0)
            viol[ws] = False
            outside = np.flatnonzero(viol)
            if outside.size:
                # the first batch: the _FIRST_WS largest violators (or twice the
                # warm start's support); later batches at least double S
                n_new = (max(_FIRST_WS, 2 * ws.size) if first
                         else max(_MIN_WS, ws.size))
                new = outside[np.argsort(-score[outside], kind="stable")[:n_new]]
                new_ws = np.union1d(ws, new).astype(np.int64)
            elif ws.size == 0:
                break       # w = 0 is optimal up to rounding: no violator
            else:
                new_ws = ws
            first = False
            if new_ws.size > d // 2:
                new_ws = np.arange(d, dtype=np.int64)
            G_ws = gram.grow(G_ws, ws, new_ws)
            ws = new_ws
            m = ws.size
            wS = np.ascontiguousarray(w[ws])
            QwS = G_ws @ wS
            qS = np.ascontiguousarray(q[ws])
            local = np.arange(m, dtype=np.int64)
            ep, _ = _core.cd_enet_gram(np.ascontiguousarray(G_ws), local, qS, yy, wS, QwS,
                                       local, a, b, positive, random, rng, max_iter - epochs,
                                       tol_abs, tol)
            w[ws] = wS
            epochs += int(ep)
            if m == d:
                xtr = q - QwS
                qw = float(q @ w)
                rr, ry = yy - 2.0 * qw + float(w @ QwS), yy - qw
            elif from_full:
                Gw = gram.G[:, ws] @ wS
                qw = float(q @ w)
                xtr, rr, ry = q - Gw, yy - 2.0 * qw + float(w[ws] @ Gw[ws]), yy - qw
            else:
                xtr, rr, ry = _residual_pass(X, y_col, sw, w, mom, c)
            if ep == 0 and not outside.size:
                # the restricted problem is solved but the full gap is above tol
                # (rounding): nothing more CD can do
                gap = _gap(a, b, positive, w, xtr, rr, ry)
                break
        coefs[c] = w
        gaps[c] = gap
        iters.append(epochs)
    return coefs, gaps, iters


def _moments(X, Y, sw, fit_intercept):
    """Weighted means and the centred, rescaled (weights summing to n)
    column norms, X_c^T W' Y_c and ||Y_c||^2_W', from one pass over X
    (CSCData: _moments_sparse)."""
    if isinstance(X, CSCData):
        return _moments_sparse(X, Y, sw, fit_intercept)
    n, d = X.shape
    k = Y.shape[1]
    shift = (np.ascontiguousarray(np.concatenate([shift_estimate(X, sw), shift_estimate(Y, sw)]))
             if fit_intercept else None)
    s1 = np.empty(d + k)
    s2 = np.empty(d + k)
    xy = np.empty((d, k))
    sumw = _core.cd_moments(X, Y, sw, shift, s1, s2, xy)
    scale = n / sumw
    if fit_intercept:
        delta = s1 / sumw
        means = shift + delta
        sq = s2 - sumw * delta * delta
        xy = xy - sumw * np.outer(delta[:d], delta[d:])
    else:
        delta = None
        means = np.zeros(d + k)
        sq = s2
    return dict(x_mean=means[:d], y_mean=means[d:], norms=np.maximum(sq[:d], 0.0) * scale,
                yy=np.maximum(sq[d:], 0.0) * scale, q=xy * scale, shift=shift, delta=delta,
                sumw=sumw, scale=scale)


def _fit_resid(X, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol):
    """Residual-update variant (see the module docstring); CSCData goes to
    _fit_sparse."""
    if isinstance(X, CSCData):
        return _fit_sparse(X, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol)
    n, d = X.shape
    k = Y.shape[1]
    Xc = X - mom["x_mean"].astype(X.dtype)
    root = None
    if sw is not None:
        root = np.sqrt(sw.astype(np.float64) * mom["scale"])
        Xc *= root.astype(X.dtype)[:, None]
    Xt = np.ascontiguousarray(Xc.T)
    del Xc
    norms = np.einsum("ij,ij->i", Xt, Xt, dtype=np.float64)
    rng = np.array([seed], dtype=np.uint64)
    coefs, gaps, iters = np.zeros((k, d)), np.zeros(k), []
    for c in range(k):
        yv = Y[:, c].astype(np.float64) - mom["y_mean"][c]
        if root is not None:
            yv *= root
        w = np.array(W0[c], dtype=np.float64)
        R = yv - Xt.T.astype(np.float64) @ w if np.any(w) else yv.copy()
        tol_abs = tol * float(yv @ yv)
        it, gap = _core.cd_enet_resid(Xt, yv, R, norms, w, a, b, positive, random, True, rng,
                                      max_iter, tol_abs, tol)
        coefs[c] = w
        gaps[c] = gap
        iters.append(int(it))
    return coefs, gaps, iters


class CSCData:
    """Sparse X in CSC form for coordinate descent (see the module
    docstring): canonical (no duplicate entries), float32 / float64 data,
    int32 / int64 indices, row indices checked to lie in [0, n).  Build it
    with ``as_csc(X)`` or ``validate_cd_X(est, X, reset=...)``."""

    kind = "csc"

    def __init__(self, data, indices, indptr, shape):
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (int(shape[0]), int(shape[1]))
        self.dtype = data.dtype

    @property
    def nnz(self):
        return int(self.indptr[-1])

    def __len__(self):
        return self.shape[0]

    def _columns(self):
        return np.repeat(np.arange(self.shape[1]), np.diff(self.indptr))

    def take_rows(self, idx):
        """The rows idx (unique; kept in the order given) as a CSCData: one
        O(nnz) pass (for the folds of a cross-validated path)."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        n, d = self.shape
        pos = np.full(n, -1, dtype=np.int64)
        pos[idx] = np.arange(idx.size)
        new_rows = pos[self.indices]
        keep = new_rows >= 0
        kept = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        indptr = kept[self.indptr.astype(np.int64)].astype(self.indptr.dtype)
        return CSCData(self.data[keep], new_rows[keep].astype(self.indices.dtype), indptr,
                       (idx.size, d))

    def matvec(self, coef, intercept=None):
        """X coef^T + intercept, (n, k) float64 for coef (k, d) (or (d,): (n,))."""
        coef = np.asarray(coef, dtype=np.float64)
        one = coef.ndim == 1
        C = coef.reshape(-1, self.shape[1])
        cols = self._columns()
        vals = self.data.astype(np.float64)
        Z = np.empty((self.shape[0], C.shape[0]))
        for c in range(C.shape[0]):
            Z[:, c] = np.bincount(self.indices, weights=vals * C[c][cols],
                                  minlength=self.shape[0])
        if intercept is not None:
            Z += np.asarray(intercept, dtype=np.float64).reshape(-1)
        return Z[:, 0] if one else Z


def as_csc(X):
    """The CSCData of a SciPy sparse matrix / array (duck-typed: ``format``,
    ``tocsc``; SciPy is not imported).  The one copy of X's arrays: a
    canonical float CSR by lossfast's parallel transpose (``_csr_to_csc``),
    other CSR, COO and the other formats with X's own ``tocsc``; a canonical
    float CSC is used as is; duplicates are summed on that copy (on a copy of
    a non-canonical CSC); non-float data become float64."""
    fmt = getattr(X, "format", None)
    if (fmt == "csr" and X.dtype in (np.float32, np.float64) and X.has_canonical_format
            and len(X.shape) == 2):
        return _csr_to_csc(X)
    C = X if fmt == "csc" else X.tocsc()
    copied = C is not X
    if C.dtype not in (np.float32, np.float64):
        kind = np.dtype(C.dtype).kind
        if kind == "c":
            raise ValueError("Complex data not supported")
        if kind not in "biuf":
            raise TypeError(f"sparse X must hold numbers, got dtype {C.dtype}")
        C = C.astype(np.float64)
        copied = True
    if not C.has_canonical_format:
        if not copied:
            C = C.copy()
        C.sum_duplicates()          # in place, on our copy
    data = np.ascontiguousarray(C.data)
    indices = np.ascontiguousarray(C.indices)
    indptr = np.ascontiguousarray(C.indptr)
    itype = np.int64 if (indices.dtype.itemsize == 8 or indptr.dtype.itemsize == 8) else np.int32
    indices = indices.astype(itype, copy=False)
    indptr = indptr.astype(itype, copy=False)
    n = int(C.shape[0])
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n):
        raise ValueError("sparse X has row indices out of range")
    return CSCData(data, indices, indptr, C.shape)


def _csr_to_csc(X):
    """CSCData of a canonical float CSR X by lossfast's parallel counting sort
    (csrc/coordinate_descent.c: csr_to_csc; SciPy's tocsc is the same
    algorithm on one thread): the one copy of X's arrays."""
    n, d = (int(v) for v in X.shape)
    data = np.ascontiguousarray(X.data)
    indices = np.ascontiguousarray(X.indices)
    indptr = np.ascontiguousarray(X.indptr)
    itype = np.int64 if (indices.dtype.itemsize == 8 or indptr.dtype.itemsize == 8
                         or data.size >= 2**31) else np.int32
    indices = indices.astype(itype, copy=False)
    indptr = indptr.astype(itype, copy=False)
    if indptr.shape[0] != n + 1 or int(indptr[-1]) != data.size or indices.size != data.size:
        raise ValueError("sparse X has inconsistent CSR arrays")
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= d):
        raise ValueError("sparse X has column indices out of range")
    out_data = np.empty_like(data)
    out_indices = np.empty(data.size, dtype=itype)
    out_indptr = np.empty(d + 1, dtype=itype)
    _core.cd_csr_to_csc(data, indices, indptr, d, out_data, out_indices, out_indptr)
    return CSCData(out_data, out_indices, out_indptr, (n, d))


def validate_cd_X(est, X, *, reset, finite=True):
    """X for the coordinate-descent core: a CSCData for SciPy sparse input
    (``as_csc``; 2-D, scikit-learn's shape messages, finite data -- always
    checked, one C pass over the non-zeros; a CSCData is taken as it is),
    else the validated dense array of ``validate_X`` (``finite=False``
    defers its check, see there)."""
    from ._sparse import is_sparse
    if isinstance(X, CSCData):          # already converted (e.g. a path's refit)
        record_features(est, X.shape, None, reset=reset)
        return X
    if is_sparse(X):
        if len(X.shape) != 2:
            raise ValueError(f"Expected 2D array, got a sparse array of shape {X.shape} "
                             "instead.")
        Xs = as_csc(X)
        record_features(est, Xs.shape, None, reset=reset)
        check_finite(Xs.data, "X")
        return Xs
    return validate_X(est, X, reset=reset, finite=finite)


def _moments_sparse(Xs, Y, sw, fit_intercept):
    """_moments for CSCData: the same dict (weights rescaled to sum to n),
    from one pass over the non-zeros; plus the rescaled weights ``W`` and the
    centred targets ``Yt`` (k, n) float64 that the sparse CD reads."""
    n, d = Xs.shape
    Yd = np.asarray(Y, dtype=np.float64)
    if sw is None:
        sumw, Wp = float(n), None
    else:
        sumw = float(np.sum(sw, dtype=np.float64))
        Wp = np.ascontiguousarray(sw, dtype=np.float64) * (n / sumw)
    scale = n / sumw
    if fit_intercept:
        y_mean = Yd.mean(axis=0) if Wp is None else (Wp @ Yd) / n
    else:
        y_mean = np.zeros(Yd.shape[1])
    Yt = np.ascontiguousarray((Yd - y_mean).T)
    s1, s2, xy = np.empty(d), np.empty(d), np.empty((d, Yt.shape[0]))
    _core.cd_csc_moments(Xs.data, Xs.indices, Xs.indptr, n, Wp, Yt, s1, s2, xy)
    if fit_intercept:
        x_mean = s1 / n
        norms = s2 - n * x_mean * x_mean
        norms[norms <= 4.0 * np.finfo(np.float64).eps * s2] = 0.0
    else:
        x_mean = np.zeros(d)
        norms = s2.copy()
    yy = (np.einsum("ci,ci->c", Yt, Yt) if Wp is None
          else np.einsum("ci,ci,i->c", Yt, Yt, Wp))
    return dict(x_mean=x_mean, y_mean=y_mean, norms=np.maximum(norms, 0.0), yy=yy, q=xy,
                shift=None, delta=None, sumw=sumw, scale=scale, W=Wp, Yt=Yt,
                centred=bool(fit_intercept))


def _fit_sparse(Xs, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol):
    """Residual-update CD on CSCData (see the module docstring); the
    signature and the results of _fit_resid: coef (k, d), gaps (k,) of the
    scaled problem P, epochs per target."""
    n, d = Xs.shape
    k = mom["Yt"].shape[0]
    rng = np.array([seed], dtype=np.uint64)
    xm = np.ascontiguousarray(mom["x_mean"]) if mom["centred"] else None
    norms = np.ascontiguousarray(mom["norms"])
    coefs, gaps, iters = np.zeros((k, d)), np.zeros(k), []
    for c in range(k):
        w = np.array(W0[c], dtype=np.float64)
        it, gap = _core.cd_enet_csc(Xs.data, Xs.indices, Xs.indptr, n, mom["W"], xm,
                                    mom["Yt"][c], norms, w, a, b, positive, random, True,
                                    rng, max_iter, tol * float(mom["yy"][c]), tol)
        coefs[c] = w
        gaps[c] = gap
        iters.append(int(it))
    return coefs, gaps, iters


def fit_enet(X, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol,
             precompute="auto"):
    """The coordinate-descent core for one alpha: the variant for X's kind
    (CSCData: sparse residual CD; dense: the Gram variant when n > d under
    "auto" or precompute=True, residual updates otherwise).  X from
    ``validate_cd_X``, mom from ``_moments(X, Y, sw, fit_intercept)``; W0
    (k, d) the start; a, b the scaled penalties (alpha l1_ratio n,
    alpha (1 - l1_ratio) n).  Returns coef (k, d), gaps (k,) of the scaled
    problem (divide by n for dual_gap_), epochs per target."""
    if isinstance(X, CSCData):
        fit = _fit_sparse
    else:
        n, d = X.shape
        fit = _fit_gram if ((n > d) if precompute == "auto" else bool(precompute)) \
            else _fit_resid
    return fit(X, Y, sw, mom, W0, a, b, positive, random, seed, max_iter, tol)


def store_enet_result(est, coef, intercept, gaps, iters, n, dtype, fit_intercept, y_ndim):
    """Set coef_, intercept_, dual_gap_ (gaps / n) and n_iter_ on est with
    scikit-learn's shapes: one target (1-D y or a single column) gives a 1-D
    coef_, a scalar dual_gap_ and an int n_iter_; intercept_ is a scalar for
    1-D y, (n_targets,) for 2-D y, and 0.0 without an intercept.  Non-finite
    parameters are a ValueError.  Returns est."""
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError("Coordinate descent iterations resulted in non-finite parameter "
                         "values. The input data may contain large values and need to be "
                         "preprocessed.")
    dtype = np.dtype(dtype)
    gaps = (gaps / n).astype(dtype)
    if coef.shape[0] == 1:
        est.coef_ = coef[0].astype(dtype)
        est.dual_gap_ = gaps[0]
        est.n_iter_ = iters[0]
    else:
        est.coef_ = coef.astype(dtype)
        est.dual_gap_ = gaps
        est.n_iter_ = iters
    if not fit_intercept:
        est.intercept_ = 0.0
    elif y_ndim == 1:
        est.intercept_ = dtype.type(intercept[0])
    else:
        est.intercept_ = intercept.astype(dtype)
    return est


class ElasticNet(_Estimator):
    """Linear regression with combined L1 and L2 priors, by coordinate descent.

    Minimises scikit-learn's objective

        1/(2 n_w) ||sqrt(W) (y - X w - b)||^2 + alpha l1_ratio ||w||_1
            + 0.5 alpha (1 - l1_ratio) ||w||^2

    (W the sample weights, n_w their sum; b not penalised), so ``coef_``
    agrees with scikit-learn's ``ElasticNet`` for the same parameters.  See
    the module docstring of ``lossfast.linear_model._coordinate_descent`` for
    the algorithms (Gram variant with working sets when n_samples >
    n_features, residual updates with gap-safe screening otherwise).

    Parameters
    ----------
    alpha : float >= 0, default 1.0
    l1_ratio : float in [0, 1], default 0.5 -- 1 is the Lasso, 0 ridge
    fit_intercept : bool, default True
    precompute : {"auto", True, False}, default "auto"
        True: the Gram variant; False: residual updates; "auto": the Gram
        variant when n_samples > n_features.  (scikit-learn's default is
        False; both variants solve the same problem, "auto" picks the fast
        one.)  A precomputed Gram array is not supported (NotImplementedError).
    max_iter : int, default 1000 -- maximum CD epochs
    copy_X : bool, default True -- accepted for compatibility: X is never
        modified (the residual variant works on its own column-major copy).
    tol : float, default 1e-4 -- the fit stops when the duality gap is
        <= tol * ||y - mean(y)||^2_W' (scikit-learn's scaling, see above);
        a ConvergenceWarning says when max_iter was reached first.
    warm_start : bool, default False -- start from the previous ``coef_``
    positive : bool, default False -- constrain the coefficients to >= 0
    random_state : None, int, RandomState or Generator (selection="random")
    selection : {"cyclic", "random"}, default "cyclic"

    Attributes
    ----------
    coef_ : (n_features,) or (n_targets, n_features), X's dtype
    intercept_ : float or (n_targets,)
    dual_gap_ : float or (n_targets,) -- the duality gap of the objective above
    n_iter_ : int or list of int -- CD epochs per target
    n_features_in_, feature_names_in_
    """

    _estimator_type = "regressor"

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute="auto",
                 max_iter=1000, copy_X=True, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _l1_ratio(self):
        return _check_real(self.l1_ratio, "l1_ratio", 0.0, 1.0)

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        alpha = _check_real(self.alpha, "alpha", 0.0)
        l1_ratio = self._l1_ratio()
        tol = _check_real(self.tol, "tol", 0.0)
        max_iter = self.max_iter
        if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) \
                or max_iter < 1:
            raise ValueError(f"The 'max_iter' parameter must be an int >= 1, got {max_iter!r}.")
        if self.selection not in ("cyclic", "random"):
            raise ValueError("The 'selection' parameter must be 'cyclic' or 'random', got "
                             f"{self.selection!r}.")
        pre = self.precompute
        if isinstance(pre, np.ndarray) or (hasattr(pre, "__len__") and not isinstance(pre, str)):
            raise NotImplementedError("a precomputed Gram matrix is not supported; use "
                                      "precompute=True, False or 'auto'")
        if not (isinstance(pre, (bool, np.bool_)) or pre == "auto"):
            raise ValueError("The 'precompute' parameter must be 'auto', True or False, got "
                             f"{pre!r}.")
        if alpha == 0:
            warnings.warn("With alpha=0, this algorithm does not converge well. You are "
                          "advised to use the LinearRegression estimator", UserWarning,
                          stacklevel=2)
        check_y_present(self, y)
        if is_dask_array(X):       # one Gram pass: _dask_enet.py
            from ._dask_enet import fit_enet as fit_enet_dask
            return fit_enet_dask(self, X, y, sample_weight, alpha=alpha, l1_ratio=l1_ratio, tol=tol,
                            max_iter=max_iter)
        # the NaN/inf check of X rides on the moments pass (check_finite_after)
        X = validate_cd_X(self, X, reset=True, finite=False)
        sparse = isinstance(X, CSCData)
        n, d = X.shape
        y = _as_float_array(y, "y", type(self).__name__, dtype=X.dtype)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
        check_consistent_length(n, y.shape[0])
        check_finite(y, "y")
        Y = np.ascontiguousarray(y.reshape(n, -1))
        k = Y.shape[1]
        if isinstance(sample_weight, numbers.Number):
            sample_weight = None
        sw = validate_sample_weight(sample_weight, n, X.dtype)
        fit_intercept = bool(self.fit_intercept)

        W0 = np.zeros((k, d))
        if self.warm_start and hasattr(self, "coef_"):
            prev = np.asarray(self.coef_, dtype=np.float64).reshape(-1, d) \
                if np.size(self.coef_) == k * d else None
            if prev is not None:
                W0[:] = prev
        a = alpha * l1_ratio * n
        b = alpha * (1.0 - l1_ratio) * n
        positive = bool(self.positive)
        if positive:
            W0 = np.maximum(W0, 0.0)
        random = self.selection == "random"
        rs = check_random_state(self.random_state)
        seed = int(rs.integers(1, 2**62) if isinstance(rs, np.random.Generator)
                   else rs.randint(1, 2**31 - 1))
        mom = _moments(X, Y, sw, fit_intercept)
        if not sparse:          # sparse X was checked by validate_cd_X
            check_finite_after(X, mom["q"], mom["norms"], mom["x_mean"])
        if not (np.all(np.isfinite(mom["q"])) and np.all(np.isfinite(mom["norms"]))):
            raise ValueError("Input contains values too large for coordinate descent "
                             "(the moments of X overflow).")
        coef, gaps, iters = fit_enet(X, Y, sw, mom, W0, a, b, positive, random, seed,
                                     max_iter, tol, pre)
        tol_abs = tol * mom["yy"]
        bad = np.flatnonzero(~(gaps <= tol_abs))
        if bad.size:
            c = bad[0]
            msg = ("Objective did not converge. You might want to increase the number of "
                   "iterations, check the scale of the features or consider increasing "
                   f"regularisation. Duality gap: {gaps[c]:.6e}, tolerance: {tol_abs[c]:.3e}")
            if a < np.finfo(np.float64).eps:
                msg += ("\nLinear regression models with a zero l1 penalization strength are "
                        "more efficiently fitted using lossfast.Ridge / LinearRegression.")
            warnings.warn(msg, sk_compatible(ConvergenceWarning), stacklevel=2)
        intercept = mom["y_mean"] - coef @ mom["x_mean"] if fit_intercept else np.zeros(k)
        return store_enet_result(self, coef, intercept, gaps, iters, n, X.dtype, fit_intercept,
                                 y.ndim)

    def __sklearn_tags__(self):
        # sparse X is accepted by ElasticNet's own fit (CSC residual CD) and
        # by the CV estimators' (the sparse path kind of _cv_path)
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def predict(self, X):
        """X @ coef_.T + intercept_ (sparse X through the CSR kernel, never
        densified)."""
        check_is_fitted(self)
        if is_dask_array(X):       # lazy: _dask_enet.py
            from ._dask_enet import predict_enet
            return predict_enet(self, X)
        from ._sparse import is_sparse
        if is_sparse(X):
            from ._matrix import design_matrix
            Xm = design_matrix(self, X, reset=False)
            coef = np.asarray(self.coef_, dtype=np.float64)
            Z = Xm.matvec(coef.reshape(-1, Xm.shape[1]),
                          np.broadcast_to(np.asarray(self.intercept_, np.float64),
                                          (coef.reshape(-1, Xm.shape[1]).shape[0],)))
            return Z[:, 0] if coef.ndim == 1 else Z
        X = validate_X(self, X, reset=False)
        return X @ self.coef_.T + self.intercept_

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 (weighted; averaged over outputs)."""
        from ._linear import r2_score
        return r2_score(y, self.predict(X), sample_weight)


class Lasso(ElasticNet):
    """Linear model trained with an L1 prior: ``ElasticNet`` with
    ``l1_ratio=1``, minimising

        1/(2 n_w) ||sqrt(W) (y - X w - b)||^2 + alpha ||w||_1

    (scikit-learn's Lasso objective).  Parameters and attributes as
    ``ElasticNet`` (without ``l1_ratio``)."""

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute="auto", copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic"):
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         precompute=precompute, max_iter=max_iter, copy_X=copy_X, tol=tol,
                         warm_start=warm_start, positive=positive, random_state=random_state,
                         selection=selection)

    def _l1_ratio(self):
        return 1.0


# --------------------------------------------------------------------------- NNLS


def nnls_gram(G, c, *, max_iter=1000, tol=1e-10, polish=True, x0=None):
    """Non-negative least squares on a Gram matrix:

        minimise 1/2 w^T G w - c^T w   subject to w >= 0

    (G = X^T W X, c = X^T W y for min ||sqrt(W)(y - X w)||^2, w >= 0).

    Cyclic coordinate descent (each coordinate minimised exactly and
    projected on w_j >= 0; G w kept up to date, O(d) per update) until the
    largest KKT violation -- |(c - G w)_j| for w_j > 0, max((c - G w)_j, 0)
    for w_j = 0 -- is <= tol * max(max|c|, tiny), or max_iter sweeps.  Then,
    with ``polish``, the equality-constrained problem on the support P found
    (G_PP w_P = c_P, by Cholesky) is solved; its solution replaces the CD
    iterate when it is strictly positive and satisfies the KKT conditions
    outside P, which makes the result exact to rounding (as an active-set
    solver such as scipy.optimize.nnls) rather than to the CD tolerance.

    Returns a ``SolverResult``: x (d,) float64, f = 1/2 w^T G w - c^T w,
    n_iter (sweeps), converged, message.  G must be symmetric positive
    semi-definite with a non-negative diagonal (a zero diagonal entry fixes
    that coordinate at its start value, 0).
    """
    G = np.ascontiguousarray(G, dtype=np.float64)
    c = np.ascontiguousarray(c, dtype=np.float64)
    d = c.shape[0]
    if G.shape != (d, d):
        raise ValueError(f"G must have shape {(d, d)} to match c {c.shape}, got {G.shape}")
    if not (np.all(np.isfinite(G)) and np.all(np.isfinite(c))):
        raise ValueError("G and c must be finite")
    w = np.zeros(d) if x0 is None else np.maximum(np.array(x0, dtype=np.float64), 0.0)
    Gw = G @ w
    scale = max(float(np.max(np.abs(c))) if d else 0.0, np.finfo(np.float64).tiny)
    thr = tol * scale
    sweeps, viol = _core.cd_nnls(G, c, w, Gw, int(max_iter), thr)
    converged = viol <= thr
    message = "KKT violation <= tol" if converged else "max_iter reached"
    if polish and d:
        P = np.flatnonzero(w > 0)
        if P.size:
            sol, _ = cholesky_solve(G[np.ix_(P, P)], c[P])
            if sol is not None and np.all(sol > 0):
                w2 = np.zeros(d)
                w2[P] = sol
                g2 = c - G @ w2
                out = np.ones(d, dtype=bool)
                out[P] = False
                v2 = max(float(np.max(g2[out], initial=0.0)), float(np.max(np.abs(g2[P]))))
                if v2 <= max(thr, viol):
                    w, viol, converged = w2, v2, True
                    message = "exact solution on the support found by CD"
    f = 0.5 * float(w @ (G @ w)) - float(c @ w)
    return SolverResult(w, f, int(sweeps), bool(converged), [], message)
