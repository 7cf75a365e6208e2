"""Per-fold Grams: k-fold cross-validation of least-squares models from ONE
pass over X (RidgeCV(cv=k), LassoCV, ElasticNetCV, in memory and on Dask).

Each row gets a fold id: the test fold it belongs to (-1 for none).  The
splitter's test folds must be disjoint and each training set the complement
of its test fold (KFold, StratifiedKFold, GroupKFold, ...;
``fold_ids_of_splits`` checks it).  One pass then computes the weighted Gram of
[X - s, Y - s_Y, 1] of the rows of each fold (s a shift close to the column
means, so the centring does not cancel; each row in one fold's Gram: n d^2 / 2
multiply-adds in all, whatever the number of folds); the full Gram is their
sum and a fold's training Gram is the full Gram minus the fold's.  The
held-out error of a model (coef, b) needs only the fold's Gram: with the
residual r = [x - s, y - s_Y, 1] . v, v = [-coef, 1, -(b + s.coef - s_Y)],
sum_test w r^2 = v^T G_f v exactly (and the held-out variance of y is the
centred G_f's), so scoring any number of alphas makes no further pass.

``fold_grams_of_block`` is the pass over one block of rows (a whole
in-memory X, or one Dask chunk, whose results the Dask kind tree-sums);
``FoldGrams`` holds the result and scores models from it.
"""
import numpy as np

from ._chunked import as_block
from ._matrix import DenseMatrix, shift_estimate


def fold_ids_of_splits(splits, n):
    """(ids (n,) int64: the test fold of each row or -1, n_folds) for
    (train, test) index pairs whose test folds are disjoint and whose
    training sets are the complements of their test folds; None for any
    other splits (ShuffleSplit-like: rows in several test folds or in
    neither set)."""
    ids = np.full(n, -1, dtype=np.int64)
    count = 0
    for f, (train, test) in enumerate(splits):
        train, test = (_as_indices(a, n) for a in (train, test))
        # O(n) checks (no sorting): test rows new and distinct, training rows
        # distinct, outside the test fold, and all the others
        if np.any(ids[test] >= 0) or np.any(np.bincount(test, minlength=n) > 1):
            return None
        ids[test] = f
        if (len(train) + len(test) != n or np.any(ids[train] == f)
                or np.any(np.bincount(train, minlength=n) > 1)):
            return None
        count += 1
    return ids, count


def _as_indices(a, n):
    a = np.asarray(a)
    if a.dtype == bool:
        return np.flatnonzero(a)
    a = a.astype(np.intp, copy=False)
    return np.where(a < 0, a + n, a)


def _rows_of(m, rows):
    """Rows `rows` (a slice or sorted indices) of the matrix object m: a view
    for a contiguous run of dense rows."""
    if isinstance(rows, slice) and isinstance(m, DenseMatrix):
        return DenseMatrix(m.X[rows])
    if isinstance(rows, slice):
        rows = np.arange(rows.start, rows.stop)
    return m.take_rows(rows)


def fold_grams_of_block(Xb, Yb, wb, fb, n_folds, shift):
    """(n_folds + 1, D, D), D = d + k + 1: the weighted Gram of
    [X - shift, Y - shift_Y, 1] of the block's rows of each test fold (the
    last: rows in no fold).  Xb: an array or a matrix-layer object (dense
    or sparse); Yb (m, k); wb (m,) or None; fb (m,) fold ids."""
    m = as_block(Xb)
    Yb = np.asarray(Yb)
    d, k = m.shape[1], Yb.shape[1]
    D = d + k + 1
    out = np.zeros((n_folds + 1, D, D))
    fb = np.asarray(fb)
    for f in np.unique(fb):
        rows = np.flatnonzero(fb == f)
        if rows[-1] - rows[0] + 1 == rows.size:
            rows = slice(int(rows[0]), int(rows[-1]) + 1)      # a contiguous run: views
        w = None if wb is None else np.ascontiguousarray(np.asarray(wb)[rows]).reshape(-1, 1)
        out[n_folds if f < 0 else f] = _rows_of(m, rows).gram(
            w, shift=shift, ones=True, Y=np.ascontiguousarray(Yb[rows]))[0]
    return out


def fold_counts_of_block(fb, n_folds):
    """The block's rows per fold (n_folds + 1,), the last: rows in no fold."""
    return np.bincount(np.where(fb < 0, n_folds, fb), minlength=n_folds + 1).astype(np.float64)


def gram_shift(Xm, Y, sw, fit_intercept):
    """The shift [s, s_Y] of the Grams (None without intercept)."""
    return (np.concatenate([Xm.centre_estimate(sw), shift_estimate(Y, sw)])
            if fit_intercept else None)


class FoldGrams:
    """The per-fold weighted Grams of [X - s, Y - s_Y, 1] (module docstring):
    ``total`` (D, D), ``fold[f]`` (D, D), the shift (None without
    intercept), the rows per fold ``counts`` (n_folds + 1,).

    ``parts`` (n_folds + 1, D, D) and ``counts`` are the sums of
    ``fold_grams_of_block`` / ``fold_counts_of_block`` over the row blocks;
    ``FoldGrams.in_memory`` makes them in one call for in-memory X."""

    def __init__(self, parts, counts, shift, d, k, fit_intercept):
        self.d, self.k = d, k
        self.fit_intercept = bool(fit_intercept)
        self.shift = shift
        self.n_folds = parts.shape[0] - 1
        self.fold = parts[:self.n_folds]
        self.total = parts.sum(axis=0)
        self.counts = counts

    @classmethod
    def in_memory(cls, Xm, Y, sw, ids, n_folds, fit_intercept):
        """From the matrix object Xm (in memory, any kind), Y (n, k), the
        sample weights (or None) and the fold ids: one Gram per fold over
        its rows (the check for non-finite X rides on the pass)."""
        shift = gram_shift(Xm, Y, sw, fit_intercept)
        parts = fold_grams_of_block(Xm, Y, sw, ids, n_folds, shift)
        Xm.check_finite_after(parts)
        return cls(parts, fold_counts_of_block(ids, n_folds), shift, Xm.shape[1], Y.shape[1],
                   fit_intercept)

    def centred(self, G):
        """(Gc, x_mean, y_mean) of a Gram (``_linear.centre_gram``; uncentred
        without intercept)."""
        from ._linear import centre_gram
        d, k = self.d, self.k
        if not self.fit_intercept:
            return G[:d + k, :d + k], np.zeros(d), np.zeros(k)
        return centre_gram(G, self.shift, d, k, True)

    def training(self, f):
        return self.total - self.fold[f]

    def solve_ridge(self, G, alpha):
        """(coef (k, d), intercept (k,)) of the ridge fit of penalty alpha on
        the Gram G (the total or a training Gram)."""
        from ._ridge_cv import _solve_from_gram
        d, k = self.d, self.k
        return _solve_from_gram(G if self.fit_intercept else G[:d + k, :d + k], d, k,
                                self.fit_intercept, alpha, self.shift)

    def residual_sums(self, f, coef, intercept):
        """sum over fold f's rows of w r^2 for each target (k,) of the model
        (coef (k, d), intercept (k,)), and the fold's total weight."""
        d, k = self.d, self.k
        G = self.fold[f]
        s = np.zeros(d + k) if self.shift is None else self.shift
        V = np.zeros((d + k + 1, k))
        V[:d] = -coef.T
        V[d:d + k] = np.eye(k)
        V[-1] = -(intercept + coef @ s[:d] - s[d:])
        return np.maximum(np.einsum("it,ij,jt->t", V, G, V), 0.0), float(G[-1, -1])

    def r2(self, f, coef, intercept):
        """The held-out R^2 of fold f (``_linear.r2_score``'s rules, averaged
        over targets)."""
        from ._linear import centre_gram
        d, k = self.d, self.k
        num, _ = self.residual_sums(f, coef, intercept)
        Gc, _, _ = centre_gram(self.fold[f], self.shift, d, k, True)
        den = np.maximum(np.diag(Gc)[d:], 0.0)
        scores = np.ones(k)
        ok = den != 0
        scores[ok] = 1.0 - num[ok] / den[ok]
        scores[(num != 0) & ~ok] = 0.0
        return float(scores.mean())
