"""The cross-validated estimators on a Dask array (``_dask``'s kind): X is
never gathered to the client; every pass over it is one task per row chunk
on the worker holding the chunk, its small results added in the fixed tree
order of the chunked kind.

RidgeCV, ``cv=None`` (efficient leave-one-out, ``_ridge_cv``'s "cov"
mode): one pass of per-chunk weighted Grams gives the centred Gram, whose
d x d eigendecomposition is computed in the client; then one pass in which
each chunk runs the leave-one-out C kernel of the in-memory RidgeCV
(``ridge_loo``: for every alpha at once) on its rows and returns its
(n_targets, n_alphas) sums of squared leave-one-out residuals.  The "gram"
mode (the n x n kernel, for n <= d) is not available: the "cov" formulas
are used whatever the shape (they are exact for any n, d).
``store_cv_results=True`` gives ``cv_results_`` as a lazy Dask array (n,
n_alphas) or (n, n_targets, n_alphas) of the squared leave-one-out errors
(the same kernel per chunk, computed when asked for).  A ``scoring``
callable needs every leave-one-out prediction in the client: a
NotImplementedError on Dask.

Folds (RidgeCV(cv=k), LassoCV, ElasticNetCV): each row gets a fold id (its
test fold, -1 for none), a lazy Dask array with X's row chunks: for an int
cv scikit-learn's KFold without shuffling (contiguous row ranges: the ids
come from the row numbers, per chunk); for a splitter or an iterable of
(train, test) pairs, the test folds given (their indices go to the client,
not X), which must be disjoint and each training set the complement of its
test fold (KFold / StratifiedKFold / GroupKFold; ShuffleSplit-like
splitters are a NotImplementedError).  One pass of ``_fold_grams``'
per-block fold Grams (the in-memory estimators' too), one task per chunk,
gives every fold's Gram, the full Gram as their sum and a training Gram as
the full Gram minus the fold's; held-out errors come from the fold's Gram
(``_fold_grams.FoldGrams``).  So a k-fold search makes ONE pass over X
whatever the number of alphas.

The scoring is the in-memory estimators' own on the same FoldGrams:
- RidgeCV(cv=k) (``RidgeCV._kfold_from_grams``): each (fold, alpha) is a
  d x d solve of the training Gram, scored by the held-out R^2 from the
  fold's Gram (scikit-learn's default: R^2, averaged over targets).
- LassoCV / ElasticNetCV (``_cv_path.enet_cv_from_grams``): scikit-learn's
  alpha grid from X^T y of all rows; per (l1_ratio, fold) the warm-started
  path of Gram coordinate descent (``_dask_enet.cd_gram``) on the training
  Gram, weights rescaled to sum to the training rows (as scikit-learn);
  each alpha scored by the held-out (weighted) mean squared error from the
  fold's Gram; the refit on the full Gram.  ``precompute=False`` is a
  NotImplementedError (as ElasticNet on Dask).

LogisticRegressionCV: per fold and C, the Dask LogisticRegression objective
on all rows with the held-out rows given weight zero (the objective is
C sum_i w_i loss_i + penalty, normalised by sum_i w_i, with column moments
weighted by w: zero weight is exactly leaving the rows out, up to the
rounding of sums over more rows), warm-started along the C path; X and
the targets are persisted once for all the fits.  Stratified folds
(scikit-learn's StratifiedKFold without shuffling, cv=None or an int) are
computed per chunk from the per-chunk class counts (the rank of a row
within its class decides its fold), so no label vector reaches the client;
other splitters pass their test indices as above.  Held-out accuracy of
every C's model is one pass over the chunks (the count of correct held-out
rows per model per chunk, tree-summed).  A ``scoring`` callable gets each
model with its fold's held-out rows as lazy Dask arrays (``_dask_scoring``).
"""
import numbers

import numpy as np

from .. import _lossfast
from ._dask import RowArray, _label_index, _unique
from ._dask_scoring import FoldScorer
from ._fold_grams import (FoldGrams, fold_counts_of_block, fold_grams_of_block,
                          fold_ids_of_splits, gram_shift)
from ._logistic_cv import store_cv_result


def _not_with_scoring(est):
    if est.scoring is not None:
        raise NotImplementedError(
            f"{type(est).__name__}(scoring=...) on Dask arrays is not implemented: a scorer "
            "needs the held-out rows in the client; use scoring=None (computed per chunk on "
            "the workers)")


# --------------------------------------------------------------------------- folds


def _chunk_kfold_ids(rows, stops):
    """The KFold test fold of each row number (contiguous folds ending at stops)."""
    return np.searchsorted(stops, rows, side="right").astype(np.int64)


def _kfold_stops(n, k):
    """The end of each of scikit-learn's KFold(k) contiguous folds (the first
    n % k of size n // k + 1)."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.cumsum(sizes)


def kfold_ids(Xm, n_folds):
    """RowArray of the KFold(n_folds) test fold of each row, lazy per chunk."""
    import dask.array as da
    n = Xm.shape[0]
    if not 2 <= n_folds <= n:
        raise ValueError(f"cv must be >= 2 folds and at most n_samples={n}, got {n_folds}")
    rows = da.arange(n, chunks=(Xm.row_chunks,))
    ids = rows.map_blocks(_chunk_kfold_ids, _kfold_stops(n, n_folds), dtype=np.int64,
                          name=_unique("lf-kfold"))
    return RowArray(Xm, ids), n_folds


def split_ids(Xm, cv, X, y):
    """RowArray of the test fold of each row for a splitter or an iterable of
    (train, test) pairs (disjoint test folds, each training set the
    complement of its test fold), and the number of folds."""
    n = Xm.shape[0]
    splits = cv.split(X, y) if hasattr(cv, "split") else cv
    found = fold_ids_of_splits(splits, n)
    if found is None:
        raise NotImplementedError("on Dask arrays the test folds must be disjoint and each "
                                  "training set the complement of its test fold (KFold-like "
                                  "splitters)")
    ids, count = found
    if count < 2:
        raise ValueError("cv must give at least 2 splits")
    return Xm.aligned(ids, "cv folds"), count


def fold_ids(Xm, cv, X, y):
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        return kfold_ids(Xm, int(cv))
    if hasattr(cv, "split") or (hasattr(cv, "__iter__") and not isinstance(cv, str)):
        return split_ids(Xm, cv, X, y)
    raise ValueError("cv must be None, an int, an object with a split method or an iterable "
                     f"of (train, test) index arrays, got {cv!r}")


def dask_fold_grams(Xm, Y, sw, ids, n_folds, fit_intercept):
    """``FoldGrams`` of a Dask X: ``fold_grams_of_block`` per chunk, tree-summed."""
    shift = gram_shift(Xm, Y, sw, fit_intercept)
    parts = Xm._map_reduce(fold_grams_of_block, [Y, sw, ids], [n_folds, shift])
    Xm.check_finite_after(parts)
    counts = Xm._map_reduce(fold_counts_of_block, [ids], [n_folds], use_x=False)
    return FoldGrams(parts, counts, shift, Xm.shape[1], Y.shape[1], fit_intercept)


# --------------------------------------------------------------------------- RidgeCV


def _chunk_ridge_loo(Xb, Yb, swb, x_mean, y_mean, V, c, R, C, h0, keep):
    """The ``ridge_loo`` kernel on one chunk: its (k, A) sums of squared
    leave-one-out residuals (flattened), or with `keep` the (m, k, A) squared
    residuals."""
    Xb = np.ascontiguousarray(Xb)
    Yb = np.ascontiguousarray(Yb, dtype=Xb.dtype)
    k, A = Yb.shape[1], (C.shape[1] if C is not None else R.shape[1])
    sqrt_w = None if swb is None else np.sqrt(np.asarray(swb, dtype=np.float64).reshape(-1))
    sq = np.empty((k, A))
    looe = np.empty((Xb.shape[0], k, A)) if keep else None
    _lossfast.ridge_loo(Xb, Yb, sqrt_w, x_mean, y_mean, V, c, R, C, h0, sq, looe)
    return looe * looe if keep else sq.ravel()


def fit_ridge_cv(est, X, y, sample_weight):
    """``RidgeCV.fit`` for a Dask array X; returns est."""
    from ._base import check_y_present
    from ._linear import centred_moments, regression_targets
    from ._matrix import design_matrix
    from ._ridge_cv import _eigh, _inverse_factors

    alphas = est._alphas()
    check_y_present(est, y)
    _not_with_scoring(est)
    Xm = design_matrix(est, X, reset=True, finite=False)
    y_info, Y, sw = regression_targets(est, Xm, y, sample_weight)
    n, d = Xm.shape
    k, A = Y.shape[1], len(alphas)
    fi = bool(est.fit_intercept)
    if est.cv is not None:
        if est.alpha_per_target:
            raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        if est.store_cv_results:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        ids, n_folds = fold_ids(Xm, est.cv, X, y)
        coef, intercept = est._kfold_from_grams(
            dask_fold_grams(Xm, Y, sw, ids, n_folds, fi), alphas)
    else:
        if est.gcv_mode not in (None, "auto", "eigen", "cov", "svd"):
            if est.gcv_mode == "gram":
                raise NotImplementedError("RidgeCV(gcv_mode='gram') on Dask arrays is not "
                                          "implemented (it needs the n x n kernel of X): use "
                                          "gcv_mode=None ('cov', exact for any shape)")
            est._mode(Xm)                                       # its ValueError
        # pass 1: the centred Gram; its eigendecomposition in the client
        Gc, x_mean, y_mean = centred_moments(Xm, Y, sw, fi)
        lam, V = _eigh(Gc[:d, :d])
        lam = np.maximum(lam, 0.0)
        c = np.ascontiguousarray(V.T @ Gc[:d, d:])               # V^T Xc^T yc, (d, k)
        inv = 1.0 / (lam[:, None] + alphas[None, :])
        coefs = np.einsum("dj,jk,ja->akd", V, c, inv)           # (A, k, d)
        R, C = _inverse_factors(lam, alphas)
        h0 = (1.0 / (float(n) if sw is None else float(sw.sum()))) if fi else 0.0
        consts = [np.ascontiguousarray(x_mean), np.ascontiguousarray(y_mean),
                  np.ascontiguousarray(V), c, R, C, h0]
        # pass 2: the leave-one-out sums of every alpha, per chunk
        sq_sum = Xm._map_reduce(_chunk_ridge_loo, [Y, sw], consts + [False]).reshape(k, A)
        scores = -sq_sum / n
        if est.alpha_per_target and k > 1:
            best = np.argmax(scores, axis=1)
            est.alpha_ = alphas[best]
            est.best_score_ = scores[np.arange(k), best]
            coef = np.stack([coefs[best[t], t] for t in range(k)])
        else:
            total = scores.mean(axis=0)
            best = int(np.argmax(total))
            est.alpha_ = float(alphas[best])
            est.best_score_ = float(total[best])
            coef = coefs[best]
        if est.store_cv_results:
            est.cv_results_ = _lazy_loo(Xm, Y, sw, consts, k, A, y_info.ndim)
        intercept = y_mean - coef @ x_mean if fi else np.zeros(k)
    dtype = Xm.dtype
    est.coef_ = np.asarray(coef[0] if y_info.ndim == 1 else coef, dtype=dtype)
    if not fi:
        est.intercept_ = 0.0
    elif y_info.ndim == 1:
        est.intercept_ = dtype.type(intercept[0])
    else:
        est.intercept_ = np.asarray(intercept, dtype=dtype)
    return est


def _lazy_loo(Xm, Y, sw, consts, k, A, y_ndim):
    """The squared leave-one-out errors as a lazy Dask array (n, A) or (n, k, A)."""
    import dask.array as da
    if sw is None:
        fn, args = _chunk_loo_unweighted, [Xm.array, Y.array]
    else:
        fn, args = _chunk_loo_weighted, [Xm.array, Y.array, sw.array[:, None]]
    out = da.map_blocks(fn, *args, *consts, new_axis=[2], chunks=(Xm.row_chunks, (k,), (A,)),
                        dtype=np.float64, name=_unique("lf-ridge-loo"))
    return out[:, 0, :] if y_ndim == 1 else out


def _chunk_loo_weighted(Xb, Yb, swb, *consts):
    return _chunk_ridge_loo(Xb, Yb, swb, *consts, True)


def _chunk_loo_unweighted(Xb, Yb, *consts):
    return _chunk_ridge_loo(Xb, Yb, None, *consts, True)


# --------------------------------------------------------------------------- Lasso / ElasticNet CV


def fit_enet_cv(est, X, y, sample_weight):
    """``ElasticNetCV.fit`` / ``LassoCV.fit`` for a Dask array X; returns est."""
    import warnings
    from ._base import ConvergenceWarning, check_y_present, sk_compatible
    from ._cv_path import enet_cv_from_grams
    from ._linear import regression_targets
    from ._matrix import design_matrix

    if est.precompute is False:
        raise NotImplementedError("precompute=False (residual updates on a copy of X) is not "
                                  "implemented for Dask arrays: the Gram variant "
                                  "(precompute='auto' or True) makes one pass over X")
    ratios = est._l1_ratios()
    check_y_present(est, y)
    Xm = design_matrix(est, X, reset=True, finite=False)
    n, d = Xm.shape
    y_shape = tuple(y.shape)
    if len(y_shape) == 2 and y_shape[1] == 1:
        from ._base import DataConversionWarning
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                      "change the shape of y to (n_samples, ), for example using ravel().",
                      sk_compatible(DataConversionWarning), stacklevel=3)
        y = y[:, 0]
    elif len(y_shape) != 1:
        raise ValueError("For multi-task outputs, use MultiTaskElasticNetCV (not in "
                         "lossfast); y must be 1-D")
    _, Y, sw = regression_targets(est, Xm, y, sample_weight)
    fi = bool(est.fit_intercept)
    ids, n_folds = fold_ids(Xm, 5 if est.cv is None else est.cv, X, y)
    enet_cv_from_grams(est, dask_fold_grams(Xm, Y, sw, ids, n_folds, fi), ratios, n,
                       Xm.dtype)
    return est


# --------------------------------------------------------------------------- LogisticRegressionCV


def _chunk_class_firsts(yk, n_classes):
    """[count of each class, index of its first row in the chunk (or -1)]."""
    idx = _label_index(yk)
    counts = np.bincount(idx, minlength=n_classes)
    first = np.full(n_classes, -1.0)
    present, where = np.unique(idx, return_index=True)
    first[present] = where
    return np.concatenate([counts.astype(np.float64), first])


def _chunk_stratified_ids(yk, before, bounds, block_id=None):
    """The stratified test fold of each row of chunk block_id[0]: the rank
    of the row within its class (``before[chunk]``: the rows of each class
    in earlier chunks) against each class's fold boundaries ``bounds`` (k,
    n_classes)."""
    idx = _label_index(yk)
    out = np.empty(idx.shape[0], dtype=np.int64)
    for c in np.unique(idx):
        rows = np.flatnonzero(idx == c)
        rank = before[block_id[0], c] + np.arange(rows.size)
        out[rows] = np.searchsorted(bounds[:, c], rank, side="right")
    return out


def stratified_ids(Xm, y_kernel, n_classes, k):
    """RowArray of scikit-learn's StratifiedKFold(k) (no shuffling) test fold
    of each row, computed per chunk (``_logistic_cv.stratified_folds``'
    allocation: classes ordered by first appearance, the sorted labels dealt
    to the folds in turn; a row's fold is fixed by its rank within its
    class)."""
    parts = np.array(Xm._map_reduce(_chunk_class_firsts, [y_kernel], [n_classes],
                                    combine="list", use_x=False))
    counts_per_chunk = parts[:, :n_classes]
    counts = counts_per_chunk.sum(axis=0).astype(np.int64)
    if k > counts.max():
        raise ValueError(f"n_splits={k} cannot be greater than the number of members in each "
                         "class.")
    firsts = parts[:, n_classes:]
    chunk_of = np.array([np.flatnonzero(firsts[:, c] >= 0)[0] if counts[c] else len(parts)
                         for c in range(n_classes)])
    local = np.array([firsts[chunk_of[c], c] if counts[c] else 0 for c in range(n_classes)])
    order = np.lexsort((local, chunk_of))                  # classes by first appearance
    present = order[counts[order] > 0]
    start = np.zeros(n_classes, dtype=np.int64)
    start[present] = np.concatenate([[0], np.cumsum(counts[present])[:-1]])
    # allocation[i, c]: positions of class c's run in the sorted labels that are i mod k
    i = np.arange(k)[:, None]
    upto = lambda m: (m - i + k - 1) // k                  # noqa: E731  #{j < m: j % k == i}
    allocation = upto(start + counts) - upto(start)
    before = np.concatenate([np.zeros((1, n_classes), dtype=np.int64),
                             np.cumsum(counts_per_chunk, axis=0).astype(np.int64)])
    yk = y_kernel.array
    ids = yk.map_blocks(_chunk_stratified_ids, before, np.cumsum(allocation, axis=0),
                        drop_axis=[1] if yk.ndim == 2 else None, dtype=np.int64,
                        name=_unique("lf-stratified"))
    return RowArray(Xm, ids), k


def _chunk_fold_weights(fb, swb, f, dtype):
    """A chunk's weights of fold f's training problem: the sample weights
    (1 without) and 0 on the fold's held-out rows."""
    w = (fb != f).astype(dtype)
    return w if swb is None else w * swb


def _chunk_fold_weights_unweighted(fb, f, dtype):
    return _chunk_fold_weights(fb, None, f, dtype)


def _chunk_fold_accuracy(Xb, yk, fb, W, b, k):
    """[correct held-out rows of each fold's models (n_folds, n_models),
    held-out rows of each fold] of a chunk: the models' decision values on
    the chunk's rows of their fold (W (n_folds, n_models * k, d), b likewise),
    labels as LogisticRegression.predict (logit > 0, else argmax)."""
    from ._chunked import block_matvec
    idx = _label_index(yk)
    n_folds, width = W.shape[0], W.shape[1] // k
    correct = np.zeros((n_folds, width))
    held = np.zeros((n_folds, 1))
    for f in range(n_folds):
        rows = np.flatnonzero(fb == f)
        if rows.size == 0:
            continue
        Z = block_matvec(np.ascontiguousarray(Xb[rows]), W[f], b[f]).reshape(rows.size, width, k)
        pred = (Z[:, :, 0] > 0).astype(np.intp) if k == 1 else np.argmax(Z, axis=2)
        correct[f] = np.count_nonzero(pred == idx[rows, None], axis=0)
        held[f] = rows.size
    return np.concatenate([correct, held], axis=1)


def fit_logistic_cv(est, X, y, sample_weight):
    """``LogisticRegressionCV.fit`` for a Dask array X (module docstring);
    returns est.  ``n_jobs`` has no effect: the folds run one after the
    other, each evaluation in parallel over the chunks."""
    import dask.array as da
    from ._base import check_y_present
    from ._matrix import design_matrix

    Cs, ratios = est._grids()
    check_y_present(est, y)
    Xm = design_matrix(est, X, reset=True)
    n, d = Xm.shape
    classes, y_kernel, sw = Xm.classification_targets(est, y, sample_weight)
    cv = 5 if est.cv is None else est.cv
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        ids, n_folds = stratified_ids(Xm, y_kernel, len(classes), int(cv))
    else:
        ids, n_folds = fold_ids(Xm, cv, X, y)
    Xm.persist()                       # X and the targets once, for every fold's fits
    Xp = Xm.array
    swp = None if sw is None else sw.array
    k = 1 if len(classes) == 2 else len(classes)
    width = d + (1 if est.fit_intercept else 0)
    scorer = None if est.scoring is None else FoldScorer(     # held-out rows lazily
        est.scoring, Xm, y, ids, n_folds, (n_folds, len(Cs), len(ratios)))

    def fold_weights(f):
        args = [ids.array] if swp is None else [ids.array, swp]
        fn = _chunk_fold_weights_unweighted if swp is None else _chunk_fold_weights
        return da.map_blocks(fn, *args, f, Xm.dtype, dtype=Xm.dtype,
                             name=_unique("lf-fold-weights"))

    paths = np.empty((n_folds, len(Cs), len(ratios), k, width))
    for f in range(n_folds):
        wf = fold_weights(f)
        for r, l1_ratio in enumerate(ratios):
            model = None
            for c, C in enumerate(Cs):
                if model is None:
                    model = est._model(C, l1_ratio, warm_start=True)
                else:
                    model.set_params(C=C)
                model.fit(Xp, y, sample_weight=wf)
                if scorer is not None:
                    scorer(f, c, r, model)
                paths[f, c, r, :, :d] = model.coef_
                if est.fit_intercept:
                    paths[f, c, r, :, d] = model.intercept_
    if scorer is not None:
        return store_cv_result(est, classes, Cs, ratios, scorer.scores, paths, d, Xm.dtype,
                               (Xp, y, swp))
    # the held-out accuracy of every (fold, C, l1_ratio) model: one pass
    models = paths.transpose(0, 2, 1, 3, 4).reshape(n_folds, len(ratios) * len(Cs) * k, width)
    W = np.ascontiguousarray(models[:, :, :d])
    b = (np.ascontiguousarray(models[:, :, d]) if est.fit_intercept
         else np.zeros(W.shape[:2]))
    counts = Xm._map_reduce(_chunk_fold_accuracy, [y_kernel, ids], [W, b, k])
    acc = counts[:, :-1] / counts[:, -1:]
    scores = acc.reshape(n_folds, len(ratios), len(Cs)).transpose(0, 2, 1)
    return store_cv_result(est, classes, Cs, ratios, scores, paths, d, Xm.dtype, (Xp, y, swp))
