"""RidgeCV: ridge regression with the penalty chosen by cross-validation.

``cv=None`` is scikit-learn's efficient leave-one-out (generalised
cross-validation): with Xc = sqrt(W) (X - m) and yc = sqrt(W) (y - y_mean)
(weighted means m, y_mean; the intercept unpenalised), the hat matrix of
the ridge fit with penalty alpha is

    H(alpha) = s s^T / sum(w) + Xc (Xc^T Xc + alpha I)^-1 Xc^T,   s = sqrt(w),

and the leave-one-out residual of sample i is
e_i = (yc_i - (H yc)_i) / (1 - H_ii)  -- the same numbers scikit-learn's
RidgeCV computes, from which its score is -mean(e^2).  lossfast computes
them for every alpha at once:

- n > d ("cov" mode): ONE pass of the Gram kernel over X gives Xc^T Xc and
  Xc^T yc (centred by the rank-one correction), its eigendecomposition
  V diag(lam) V^T; then one pass of the C kernel ``ridge_loo``
  (csrc/ridge_loo.h) computes, row block by row block, q_i = V^T xc_i (in
  the same product as xc_i^T V diag(c) R, the (H yc) factors) and for all
  alphas H_ii = w_i / sum(w) + sum_j q_ij^2 / (lam_j + alpha) and
  (H yc)_i = sum_j q_ij c_j / (lam_j + alpha), c = V^T Xc^T yc -- nothing of
  the size of X is kept.  The matrix 1 / (lam_j + alpha_a) (d x A) is first
  factored as R C with few columns (``_inverse_factors``): where an
  eigenvalue is far above an alpha (alpha / lam <= 2^-6) the geometric
  series 1/(lam + alpha) = sum_m (-alpha)^m / lam^(m+1), 9 terms, is exact
  to 2^-54 relative (below rounding), and likewise lam << alpha; the
  eigenvalue / alpha pairs in between are kept as they are.  So the
  per-alpha work per row is a few multiply-adds instead of d, and the pass
  costs n d (d + k r) + n r (d + (1 + k) A) multiply-adds (r the factor's columns:
  9 when every alpha is far below the spectrum, as for n >> alphas) instead
  of (1 + k) n d A; scikit-learn passes over X once per alpha.  Sparse X
  takes the same formulas in NumPy by blocks of rows;
- n <= d ("gram" mode, dense X): the eigendecomposition of the n x n kernel
  Xc Xc^T = U diag(lam) U^T (the SVD of Xc), with
  H_ii = w_i / sum(w) + sum_j U_ij^2 lam_j / (lam_j + alpha).

``cv`` = an int or any object with ``split`` (a scikit-learn splitter) runs
k-fold cross-validation reusing Grams.  With disjoint test folds whose
training sets are their complements (KFold, StratifiedKFold, GroupKFold)
and the default scoring, ONE pass computes the Gram of each test fold's
rows (``_fold_grams``, shared with the Dask path): a fold's training Gram
is the full Gram minus the fold's, every alpha a d x d solve, and the
held-out R^2 (scikit-learn's default, as GridSearchCV scores a Ridge)
comes exactly from the fold's Gram -- no pass over the fold's rows per
alpha.  Other splits (overlapping or partial folds) or a ``scoring``
callable take a Gram per split (weights on its training rows) and score each
(fold, alpha) on the fold's rows (R^2 of the predictions, or
``scoring(estimator, X_fold, y_fold)``).  ``alpha_`` maximises the mean
over folds, and the model is refitted on all rows with it.
"""
import numbers

import numpy as np

from ._base import (_as_float_array, _Estimator, check_consistent_length, check_finite,
                    check_y_present, validate_sample_weight)
from ._fold_grams import FoldGrams, fold_ids_of_splits
from ._linear import LinearRegressor, Ridge, _gram_pinv, centred_moments, r2_score
from ._matrix import design_matrix, shift_estimate
from ._solvers import cholesky_solve
from ._dask import is_dask_array
from .. import _lossfast

# rows per block of the second pass of the "cov" mode for sparse X
_BLOCK_ROWS = 8192

# the series of 1 / (lam + alpha) in alpha / lam (or lam / alpha) is used when
# that ratio is at most _SERIES_RATIO, with _SERIES_TERMS terms: the
# truncation is ratio^terms = 2^-54 relative, under float64 rounding
_SERIES_RATIO = 2.0 ** -6
_SERIES_TERMS = 9


def _eigh(G):
    """np.linalg.eigh, with BLAS on one thread for d <= 512 when threadpoolctl
    is installed: a problem that small does not gain from threads, and on a
    busy machine OpenBLAS's thread team costs a hundred times the work (0.4 s
    instead of 1 ms for d = 100 measured here)."""
    if G.shape[0] <= 512:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            with threadpool_limits(1, user_api="blas"):
                return np.linalg.eigh(G)
    return np.linalg.eigh(G)


def _inverse_factors(lam, alphas):
    """(R (d, r), C (r, A)) with (R @ C)[j, a] = 1 / (lam_j + alpha_a) to
    float64 rounding (each entry to 2^-54 relative), or (inv, None) when a
    factorisation would not save work.

    For an alpha and the eigenvalues with alpha <= rho lam ("above"),
    1 / (lam + alpha) = sum_{m<M} (1 / lam) (beta / lam)^m (-alpha / beta)^m,
    beta the largest alpha of the group of alphas sharing that set of
    eigenvalues (so no power overflows); for lam <= rho alpha ("below"),
    sum_m (-lam / gamma)^m (1 / alpha) (gamma / alpha)^m, gamma the group's
    smallest alpha; the remaining (eigenvalue, alpha) pairs get one column
    per alpha holding their exact 1 / (lam + alpha)."""
    lam = np.asarray(lam, dtype=np.float64)
    d, A = len(lam), len(alphas)
    inv = 1.0 / (lam[:, None] + alphas[None, :])
    rho, M = _SERIES_RATIO, _SERIES_TERMS
    above = lam[:, None] * rho >= alphas[None, :]
    below = lam[:, None] <= rho * alphas[None, :]
    near = ~(above | below)
    powers = np.arange(M)
    R_cols, C_rows = [], []

    def groups(mask):
        found = {}
        for a in range(A):
            if mask[:, a].any():
                found.setdefault(mask[:, a].tobytes(), []).append(a)
        return [(mask[:, g[0]], np.array(g)) for g in found.values()]

    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        for S, G in groups(above):
            beta = alphas[G].max()
            base = np.where(S, 1.0 / lam, 0.0)
            ratio = np.where(S, beta / lam, 0.0)
            for m in powers:
                R_cols.append(base * ratio ** m)
                row = np.zeros(A)
                row[G] = (-alphas[G] / beta) ** m
                C_rows.append(row)
        for S, G in groups(below):
            gamma = alphas[G].min()
            ratio = np.where(S, -lam / gamma, 0.0)
            for m in powers:
                R_cols.append(np.where(S, ratio ** m, 0.0))
                row = np.zeros(A)
                row[G] = (gamma / alphas[G]) ** m / alphas[G]
                C_rows.append(row)
    for a in np.flatnonzero(near.any(axis=0)):
        R_cols.append(np.where(near[:, a], inv[:, a], 0.0))
        row = np.zeros(A)
        row[a] = 1.0
        C_rows.append(row)
    r = len(R_cols)
    if r * (d + A) >= d * A:
        return inv, None
    return np.ascontiguousarray(np.array(R_cols).T), np.ascontiguousarray(np.array(C_rows))


def _rows(Xm, i0, i1):
    """Rows i0:i1 of X as a dense float64 block (a view for float64 dense X)."""
    if Xm.kind == "dense":
        return np.asarray(Xm.X[i0:i1], dtype=np.float64)
    block = Xm.take_rows(np.arange(i0, i1))
    dense = getattr(block, "X", None)           # a DenseMatrix (rows of dense chunks)
    if isinstance(dense, np.ndarray):
        return dense.astype(np.float64)
    return block.toarray().astype(np.float64)


def _kfold_indices(n, k):
    """scikit-learn's KFold(k) without shuffling: contiguous folds, the first
    n % k of size n // k + 1."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    return [np.arange(stop - size, stop) for size, stop in zip(sizes, stops)]


def check_cv_splits(cv, n, X=None, y=None):
    """(train, test) index pairs for an int (KFold without shuffling, as
    scikit-learn's cv=int for a regressor, without importing it), any
    object with ``split(X, y)`` or an iterable of (train, test) pairs."""
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be >= 2 folds, got {cv}")
        if cv > n:
            raise ValueError(f"Cannot have number of splits n_splits={cv} greater than the "
                             f"number of samples: n_samples={n}.")
        # each training set: the rows before and after the contiguous test fold
        return [(np.concatenate([np.arange(test[0]), np.arange(test[-1] + 1, n)]), test)
                for test in _kfold_indices(n, cv)]
    if hasattr(cv, "split"):
        return [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y)]
    if hasattr(cv, "__iter__") and not isinstance(cv, str):
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv]
        if splits:
            return splits
    raise ValueError("cv must be None, an int, an object with a split method or an iterable "
                     f"of (train, test) index arrays, got {cv!r}")


class RidgeCV(LinearRegressor):
    """Ridge regression with built-in cross-validation over `alphas`.

    Minimises ||y - X coef - intercept||^2_W + alpha ||coef||^2 (scikit-learn's
    Ridge objective) for the alpha of ``alphas`` that cross-validates best;
    see the module docstring for how every alpha is evaluated from one
    decomposition (``cv=None``) or from per-fold Grams (``cv=k``).

    Parameters
    ----------
    alphas : array-like of floats > 0, default (0.1, 1.0, 10.0)
    fit_intercept : bool, default True
    scoring : None or callable(estimator, X, y) -> float (greater is better)
        None: the negative mean squared leave-one-out error (cv=None, as
        scikit-learn) or R^2 (k-fold).  With cv=None a scorer is called on
        the leave-one-out predictions through an identity estimator, as
        scikit-learn does.
    cv : None, int or splitter, default None
    gcv_mode : None / "auto", "eigen", "cov" or "gram" -- "cov" (n > d) or "gram"
        (n <= d, dense X) as in the module docstring; None/"auto"/"eigen"
        choose by shape as scikit-learn.
    alpha_per_target : bool, default False -- one alpha per target (cv=None)
    store_cv_results : bool, default False -- keep the leave-one-out squared
        errors (scoring None) or predictions in ``cv_results_``
        ((n_samples, n_alphas) or (n_samples, n_targets, n_alphas)).

    Attributes
    ----------
    alpha_ : float (or (n_targets,) with alpha_per_target)
    best_score_ : float (or (n_targets,))
    coef_, intercept_, n_features_in_, cv_results_ (store_cv_results)
    """

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True, scoring=None, cv=None,
                 gcv_mode=None, alpha_per_target=False, store_cv_results=False):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.alpha_per_target = alpha_per_target
        self.store_cv_results = store_cv_results

    def _alphas(self):
        a = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64))
        if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
            raise ValueError(f"alphas must be positive finite numbers, got {self.alphas!r}")
        return a

    def fit(self, X, y, sample_weight=None):
        """Choose alpha and fit; returns self."""
        if is_dask_array(X):      # per-chunk passes: _dask_cv.py
            from ._dask_cv import fit_ridge_cv
            return fit_ridge_cv(self, X, y, sample_weight)
        alphas = self._alphas()
        check_y_present(self, y)
        # the NaN/inf check of X rides on the Gram pass (check_finite_after),
        # as Ridge's: no separate pass over X
        Xm = design_matrix(self, X, reset=True, finite=False)
        n, d = Xm.shape
        y = _as_float_array(y, "y", type(self).__name__, dtype=np.float64)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
        check_consistent_length(n, y.shape[0])
        check_finite(y, "y")
        Y = np.ascontiguousarray(y.reshape(n, -1), dtype=Xm.dtype)
        sw = validate_sample_weight(sample_weight, n, Xm.dtype)
        if self.cv is not None:
            if self.alpha_per_target:
                raise ValueError("cv!=None and alpha_per_target=True are incompatible")
            if self.store_cv_results:
                raise ValueError("cv!=None and store_cv_results=True are incompatible")
            coef, intercept = self._fit_kfold(Xm, X, Y, y, sw, alphas)
        else:
            coef, intercept = self._fit_loo(Xm, Y, y, sw, alphas)
        dtype = Xm.dtype
        self.coef_ = np.asarray(coef[0] if y.ndim == 1 else coef, dtype=dtype)
        if not self.fit_intercept:
            self.intercept_ = 0.0
        elif y.ndim == 1:
            self.intercept_ = dtype.type(intercept[0])
        else:
            self.intercept_ = np.asarray(intercept, dtype=dtype)
        return self

    # ----------------------------------------------------------------- leave-one-out

    def _mode(self, Xm):
        mode = self.gcv_mode
        if mode not in (None, "auto", "eigen", "cov", "gram", "svd"):
            raise ValueError(f"gcv_mode must be None, 'auto', 'eigen', 'cov', 'gram' or 'svd', "
                             f"got {mode!r}")
        n, d = Xm.shape
        if mode in (None, "auto", "eigen"):
            mode = "gram" if n <= d else "cov"
        if mode == "svd":                  # the SVD of Xc is the eigendecomposition of Xc Xc^T
            mode = "gram" if n <= d else "cov"
        if mode == "gram" and Xm.kind != "dense":
            if d > 4096:
                raise NotImplementedError(
                    "RidgeCV(cv=None) on sparse X with n_samples <= n_features needs the "
                    "n x n kernel of X, which lossfast does not compute for sparse X; use "
                    "cv=5 (k-fold) or gcv_mode='cov' with fewer features")
            mode = "cov"
        return mode

    def _fit_loo(self, Xm, Y, y, sw, alphas):
        n, d = Xm.shape
        k = Y.shape[1]
        A = len(alphas)
        fi = bool(self.fit_intercept)
        w = np.ones(n) if sw is None else sw.astype(np.float64)
        s = np.sqrt(w)
        Gc, x_mean, y_mean = centred_moments(Xm, Y, sw, fi)
        # the leave-one-out residuals are kept whole only when asked for
        # (store_cv_results) or needed (a scorer); else only the sums of their
        # squares per (target, alpha)
        keep_all = self.store_cv_results or self.scoring is not None
        if self._mode(Xm) == "cov" and Xm.kind == "dense":
            coefs, blocks, sq_kernel = self._loo_cov_kernel(Xm, Y, Gc, x_mean, y_mean, sw,
                                                            fi, alphas, keep_all)
        elif self._mode(Xm) == "cov":
            coefs, blocks = self._loo_cov(Xm, Y, Gc, x_mean, y_mean, s, fi, alphas)
            sq_kernel = None
        else:
            coefs, blocks = self._loo_gram(Xm, Y, x_mean, y_mean, s, fi, alphas)
            sq_kernel = None
        cv_values = np.empty((n, k, A)) if keep_all else None
        sq_sum = np.zeros((k, A)) if sq_kernel is None else sq_kernel
        for i0, i1, looe in blocks:
            if self.scoring is None:
                sq = looe * looe
                if sq_kernel is None:
                    sq_sum += sq.sum(axis=0)
                if keep_all:
                    cv_values[i0:i1] = sq
            else:
                sb = s[i0:i1, None, None]
                yc = (Y[i0:i1, :, None] - y_mean[None, :, None]) * sb
                cv_values[i0:i1] = (yc - looe) / sb + y_mean[None, :, None]
        if self.scoring is None:
            scores = -sq_sum / n                                   # (k, A)
        else:
            scores = np.array([[self._identity_score(cv_values[:, t, a], y, t, k)
                                for a in range(A)] for t in range(k)])
        if self.alpha_per_target and k > 1:
            best = np.argmax(scores, axis=1)
            self.alpha_ = alphas[best]
            self.best_score_ = scores[np.arange(k), best]
            coef = np.stack([coefs[best[t], t] for t in range(k)])
        else:
            if self.scoring is None or k == 1:
                total = scores.mean(axis=0)
            else:
                total = self._joint_scores(cv_values, y, A)
            best = int(np.argmax(total))
            self.alpha_ = float(alphas[best])
            self.best_score_ = float(total[best])
            coef = coefs[best]
        if self.store_cv_results:
            self.cv_results_ = cv_values[:, 0, :] if y.ndim == 1 else cv_values
        intercept = y_mean - coef @ x_mean if fi else np.zeros(k)
        return coef, intercept

    @staticmethod
    def _loo_cov_kernel(Xm, Y, Gc, x_mean, y_mean, sw, fi, alphas, keep_all):
        """n > d, dense X: the eigendecomposition of the centred Gram, then one
        pass of the C kernel (module docstring).  Returns the coefficients for
        every alpha (A, k, d), the residual blocks (the whole (n, k, A) array
        when keep_all, else none) and the sums of squared residuals (k, A)."""
        n, d = Xm.shape
        k, A = Y.shape[1], len(alphas)
        lam, V = _eigh(Gc[:d, :d])
        lam = np.maximum(lam, 0.0)
        c = V.T @ Gc[:d, d:]                                        # V^T Xc^T yc, (d, k)
        inv = 1.0 / (lam[:, None] + alphas[None, :])                # (d, A)
        coefs = np.einsum("dj,jk,ja->akd", V, c, inv)               # (A, k, d)
        R, C = _inverse_factors(lam, alphas)
        sqrt_w = None if sw is None else np.sqrt(sw.astype(np.float64))
        h0 = 1.0 / (n if sw is None else float(np.sum(sw, dtype=np.float64))) if fi else 0.0
        sq_sum = np.empty((k, A))
        looe = np.empty((n, k, A)) if keep_all else None
        _lossfast.ridge_loo(Xm.X, np.ascontiguousarray(Y, dtype=Xm.dtype), sqrt_w,
                            np.ascontiguousarray(x_mean, dtype=np.float64),
                            np.ascontiguousarray(y_mean, dtype=np.float64),
                            np.ascontiguousarray(V), np.ascontiguousarray(c), R, C, h0,
                            sq_sum, looe)
        return coefs, ([(0, n, looe)] if keep_all else []), sq_sum

    @staticmethod
    def _loo_cov(Xm, Y, Gc, x_mean, y_mean, s, fi, alphas):
        """n > d, sparse X: the eigendecomposition of the centred Gram, then one
        blocked pass over X in NumPy (the kernel's formulas, see the module
        docstring).  Returns the coefficients for
        every alpha (A, k, d) and a generator of (i0, i1, looe block)."""
        n, d = Xm.shape
        k, A = Y.shape[1], len(alphas)
        lam, V = _eigh(Gc[:d, :d])
        lam = np.maximum(lam, 0.0)
        c = V.T @ Gc[:d, d:]                                        # V^T Xc^T yc, (d, k)
        inv = 1.0 / (lam[:, None] + alphas[None, :])                # (d, A)
        CI = (c[:, :, None] * inv[:, None, :]).reshape(d, k * A)
        coefs = np.einsum("dj,jka->akd", V, CI.reshape(d, k, A))    # (A, k, d)
        mV = x_mean @ V
        sw_sum = float(s @ s)

        def blocks():
            for i0 in range(0, n, _BLOCK_ROWS):
                i1 = min(i0 + _BLOCK_ROWS, n)
                sb = s[i0:i1, None]
                # B = sqrt(w) (X - m) V: centring and weights folded into the product
                B = (_rows(Xm, i0, i1) @ V - mV) * sb
                hat = (B * B) @ inv                                 # (b, A)
                if fi:
                    hat += (sb * sb) / sw_sum
                HY = (B @ CI).reshape(i1 - i0, k, A)
                Yc = (Y[i0:i1].astype(np.float64) - y_mean) * sb
                yield i0, i1, (Yc[:, :, None] - HY) / (1.0 - hat)[:, None, :]

        return coefs, blocks()

    @staticmethod
    def _loo_gram(Xm, Y, x_mean, y_mean, s, fi, alphas):
        """n <= d (dense X): the eigendecomposition of the n x n kernel."""
        Xc = (Xm.X.astype(np.float64) - x_mean) * s[:, None]
        Yc = (Y.astype(np.float64) - y_mean) * s[:, None]
        K = Xc @ Xc.T
        if fi:
            # s is in the null space of K (the columns of Xc are centred); adding
            # s s^T makes it an eigenvector of eigenvalue sum(w), well apart, so the
            # intercept's direction is found exactly (not as a rounding-level
            # eigenvalue, whose error grows as 1 / alpha)
            K += np.outer(s, s)
        lam, U = np.linalg.eigh(K)
        lam = np.maximum(lam, 0.0)
        # I - H = alpha (K + alpha I)^-1 on the penalised directions and 0 on the
        # intercept's: the leave-one-out numerator and denominator without the
        # cancellation of 1 - H_ii when H_ii is close to 1 (n < d)
        inv = 1.0 / (lam[:, None] + alphas[None, :])                # (n, A)
        keep = inv * alphas
        if fi:
            j = int(np.argmax(np.abs(U.T @ (s / np.linalg.norm(s)))))
            keep[j] = 0.0
            inv[j] = 0.0
        c = U.T @ Yc                                                # (n, k)
        num = np.einsum("ij,jk,ja->ika", U, c, keep, optimize=True)
        den = (U * U) @ keep
        coefs = np.einsum("id,ij,jk,ja->akd", Xc, U, c, inv, optimize=True)
        return coefs, iter([(0, Xm.shape[0], num / den[:, None, :])])

    def _identity_score(self, pred, y, t, k):
        target = y if y.ndim == 1 else y[:, t]
        return float(self.scoring(_Identity(), pred, target))

    def _joint_scores(self, pred, y, A):
        return np.array([float(self.scoring(_Identity(), pred[:, :, a], y)) for a in range(A)])

    # ----------------------------------------------------------------- k-fold

    def _fit_kfold(self, Xm, X, Y, y, sw, alphas):
        n, d = Xm.shape
        k = Y.shape[1]
        fi = bool(self.fit_intercept)
        splits = check_cv_splits(self.cv, n, X, y)
        found = fold_ids_of_splits(splits, n) if self.scoring is None else None
        if found is not None:
            # disjoint test folds, complementary training sets, R^2: every
            # (fold, alpha) scored from the per-fold Grams of one pass
            return self._kfold_from_grams(FoldGrams.in_memory(Xm, Y, sw, *found, fi), alphas)
        # a scorer, or folds that overlap or leave rows out of both sets: each
        # split's training Gram (weights on its training rows), each (fold,
        # alpha) scored on the fold's rows
        w = np.ones(n, dtype=Xm.dtype) if sw is None else sw
        weights = np.zeros((n, len(splits)), dtype=Xm.dtype)
        for f, (train, _) in enumerate(splits):
            weights[train, f] = w[train]
        # Grams around a shift close to the means, so the centring does not cancel
        shift = (np.concatenate([Xm.centre_estimate(sw), shift_estimate(Y, sw)])
                 if fi else None)
        total = Xm.gram(w.reshape(n, 1), shift=shift, ones=fi, Y=Y)[0]
        Xm.check_finite_after(total)
        folds = Xm.gram(weights, shift=shift, ones=fi, Y=Y)
        scores = np.empty((len(splits), len(alphas)))
        for f, (_, test) in enumerate(splits):
            G = folds[f]
            Xt = Xm.take_rows(test)
            for a, alpha in enumerate(alphas):
                coef, intercept = _solve_from_gram(G, d, k, fi, alpha, shift)
                scores[f, a] = self._fold_score(Xt, y[test], None if sw is None else sw[test],
                                                coef, intercept, alpha, y.ndim)
        return self._choose(scores, alphas, lambda alpha: _solve_from_gram(
            total, d, k, fi, alpha, shift))

    def _kfold_from_grams(self, grams, alphas):
        """alpha_ and best_score_ from the held-out R^2 of every (fold, alpha)
        computed from a ``_fold_grams.FoldGrams`` (in memory or Dask); returns
        the refit's (coef, intercept) on the full Gram."""
        scores = np.empty((grams.n_folds, len(alphas)))
        for f in range(grams.n_folds):
            G = grams.training(f)
            for a, alpha in enumerate(alphas):
                scores[f, a] = grams.r2(f, *grams.solve_ridge(G, alpha))
        return self._choose(scores, alphas, lambda alpha: grams.solve_ridge(grams.total, alpha))

    def _choose(self, scores, alphas, refit):
        mean = scores.mean(axis=0)
        best = int(np.argmax(mean))
        self.alpha_ = float(alphas[best])
        self.best_score_ = float(mean[best])
        return refit(self.alpha_)

    def _fold_score(self, Xt, yt, swt, coef, intercept, alpha, y_ndim):
        """R^2 of the fold's predictions, or the scorer on a Ridge holding the
        fold's coefficients (X of the fold as a matrix-layer object, which
        every lossfast estimator accepts); both weighted by the fold's sample
        weights, as scikit-learn's RidgeCV scores (a scorer that takes no
        ``sample_weight`` is called without)."""
        if self.scoring is None:
            pred = Xt.matvec(coef, intercept).astype(np.float64)
            return r2_score(yt, pred[:, 0] if y_ndim == 1 else pred, swt)
        est = Ridge(alpha=alpha, fit_intercept=self.fit_intercept)
        est.coef_ = coef[0] if y_ndim == 1 else coef
        est.intercept_ = float(intercept[0]) if y_ndim == 1 else intercept
        est.n_features_in_ = coef.shape[1]
        kw = {} if swt is None or not _takes_sample_weight(self.scoring) else {
            "sample_weight": swt}
        return float(self.scoring(est, Xt.X if Xt.kind == "dense" else Xt, yt, **kw))

def _takes_sample_weight(scorer):
    import inspect
    try:
        params = inspect.signature(scorer).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "sample_weight" or p.kind == p.VAR_KEYWORD for p in params)


class _Identity(_Estimator):
    """An 'estimator' whose predictions are its input (scikit-learn's
    _IdentityRegressor), to call a scorer on leave-one-out predictions."""

    _estimator_type = "regressor"

    def predict(self, X):
        return X


def _solve_from_gram(G, d, k, fit_intercept, alpha, shift=None):
    """(coef (k, d), intercept (k,)) of the ridge fit whose weighted Gram of
    [X - shift, Y - shift_Y, 1] is G (the centring from its ones column)."""
    if fit_intercept:
        t = G[-1, -1]
        u = G[:d + k, -1] / t
        Gc = G[:d + k, :d + k] - t * np.outer(u, u)
        means = u if shift is None else shift + u
        x_mean, y_mean = means[:d], means[d:]
    else:
        Gc = G
        x_mean, y_mean = np.zeros(d), np.zeros(k)
    A = Gc[:d, :d].copy()
    A[np.diag_indices(d)] += alpha
    sol, rcond = cholesky_solve(A, Gc[:d, d:d + k])
    if sol is None or rcond < 1e-12:
        sol, _ = _gram_pinv(A, Gc[:d, d:d + k])
    coef = sol.T
    return coef, y_mean - coef @ x_mean
