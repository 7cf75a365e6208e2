"""LogisticRegressionCV: C (and l1_ratio) chosen by cross-validation.

For every fold and every l1_ratio, a warm-started path over the grid of C
(increasing: each fit starts at the previous solution, so along the path a
fit takes a few iterations) is scored on the held-out rows -- accuracy by
default, or any scorer(estimator, X, y).  ``C_`` / ``l1_ratio_`` maximise the
mean score over folds; with ``refit`` the model is fitted on all rows with
them (starting from the folds' mean coefficients), else ``coef_`` is the mean
of the folds' coefficients at each fold's best (C, l1_ratio), as
scikit-learn does.  Folds: ``cv=None`` is 5 stratified folds, an int k is k
stratified folds (scikit-learn's StratifiedKFold without shuffling, built
here without importing scikit-learn), a splitter or an iterable of
(train, test) pairs is used as given.
"""
import numbers
import threading

import numpy as np

from ._base import _Estimator, check_y_present
from ._chunked import ChunkedMatrix
from ._logistic import LogisticRegression, _check_classification_targets, _encode_labels
from ._matrix import DenseMatrix, design_matrix
from ._parallel import run_folds
from ._ridge_cv import check_cv_splits


def stratified_folds(y_idx, k):
    """scikit-learn's StratifiedKFold(k, shuffle=False) test folds: each class's
    samples, in order, spread over the folds as evenly as the sorted labels
    allocate them."""
    # classes numbered by their first appearance in y, as scikit-learn does
    _, first = np.unique(y_idx, return_index=True)
    order = np.argsort(np.argsort(first))
    y_idx = order[np.unique(y_idx, return_inverse=True)[1]]
    n_classes = int(y_idx.max()) + 1
    counts = np.bincount(y_idx, minlength=n_classes)
    if k > counts.max():
        raise ValueError(f"n_splits={k} cannot be greater than the number of members in each "
                         "class.")
    y_order = np.sort(y_idx)
    allocation = np.asarray([np.bincount(y_order[i::k], minlength=n_classes)
                             for i in range(k)])
    test_folds = np.empty(len(y_idx), dtype=np.intp)
    for c in range(n_classes):
        test_folds[y_idx == c] = np.arange(k).repeat(allocation[:, c])
    everything = np.arange(len(y_idx))
    return [(everything[test_folds != f], everything[test_folds == f]) for f in range(k)]


def _with_moments(Xmat, moments):
    """Xmat whose ``column_moments`` return the given (mean, var), whatever
    the weights asked for.

    Every fit of a fold's path builds its objective on the fold's rows, and
    the objective's preconditioner starts from the columns' weighted mean
    and variance (the C-dependent part is added afterwards,
    _objective.LinearObjective): a pass over the fold's X per C cost as much
    as all the fits' loss / gradient passes together, and even one per fold
    costs two loss / gradient passes.  So every fold gets the moments of all
    rows (with the user's sample_weight), computed once per fit.  Centre and
    scale are a change of coordinates only (the penalty stays on the
    original coefficients): the minimiser, and so every fitted path, is the
    same; the fold's own moments (4/5 of the same rows) would condition it
    no better."""
    def column_moments(sample_weight=None):
        mean, var = moments
        return mean.copy(), var.copy()

    Xmat.column_moments = column_moments
    return Xmat


def _fold_data(Xm, y, sw, splits):
    """fold(f) -> (X_train, y_train, sw_train, X_test, y_test) of split f.

    When the test folds partition the rows and each training set is the
    rest (stratified or plain k-fold), dense X is copied ONCE with its rows
    in fold order: fold f's test rows are then one contiguous block and its
    training rows the blocks before and after it, used in place as a
    ``ChunkedMatrix`` of (at most) two views -- instead of a gather of 4/5
    of X per fold, which cost a third of a fold's loss / gradient passes.
    The training rows are then in fold order, not in index order: the same
    objective, summed in another order.  Other splits gather each fold's
    rows into a buffer of the worker thread, reused by its next fold (a
    fresh array of this size is a new mapping each time, whose page faults
    cost more than the copy)."""
    n, d = Xm.shape
    tests = [np.asarray(te) for _, te in splits]
    order = np.concatenate(tests) if tests else np.empty(0, dtype=np.intp)
    partition = (Xm.kind == "dense" and order.dtype.kind in "iu" and order.size == n
                 and np.array_equal(np.sort(order), np.arange(n))
                 and all(np.array_equal(np.sort(np.asarray(tr)),
                                        np.setdiff1d(np.arange(n), te, assume_unique=True))
                         for tr, te in splits))
    if partition:
        Xp = np.take(Xm.X, order, axis=0)
        yp = y[order]
        swp = None if sw is None else sw[order]
        bounds = np.concatenate([[0], np.cumsum([te.size for te in tests])])

        def fold(f):
            a, b = int(bounds[f]), int(bounds[f + 1])
            rest = lambda v: None if v is None else np.concatenate([v[:a], v[b:]])
            Xtr = ChunkedMatrix([Xp[:a], Xp[b:]])
            return Xtr, rest(yp), rest(swp), DenseMatrix(Xp[a:b]), yp[a:b]
        return fold

    local = threading.local()

    def rows(idx, slot):
        idx = np.asarray(idx)
        if not (Xm.kind == "dense" and idx.dtype.kind in "iu" and idx.size
                and int(idx.min()) >= 0 and int(idx.max()) < n):
            return Xm.take_rows(idx)
        buf = getattr(local, slot, None)
        if buf is None or buf.shape[0] < idx.size:
            buf = np.empty((idx.size + 8, d), dtype=Xm.dtype)
            setattr(local, slot, buf)
        out = buf[:idx.size]
        np.take(Xm.X, idx, axis=0, out=out, mode="clip")   # indices checked above
        return DenseMatrix(out)

    def fold(f):
        train, test = splits[f]
        return (rows(train, "train"), y[train], None if sw is None else sw[train],
                rows(test, "test"), y[test])
    return fold


class LogisticRegressionCV(_Estimator):
    """Logistic regression with C and l1_ratio chosen by cross-validation
    (see the module docstring).

    Parameters
    ----------
    Cs : int or array of floats > 0, default 10 -- an int is the grid
        np.logspace(-4, 4, Cs), as scikit-learn
    l1_ratios : sequence of floats in [0, 1], default (0.0,)
    fit_intercept, solver, tol, max_iter, class_weight, random_state, verbose:
        as LogisticRegression (solver "auto": lbfgs for l1_ratio 0, newton-cd
        otherwise)
    cv : None, int, splitter or iterable of (train, test), default None (5
        stratified folds)
    scoring : None (accuracy) or callable(estimator, X, y) -> float
    refit : bool, default True
    n_jobs : None or int -- threads over the folds: None one per thread of
        lossfast's thread count, each fold's kernels on the rest (one thread
        each when there are enough folds), an int as scikit-learn's; results
        identical to serial (``_parallel.py``)

    Attributes
    ----------
    Cs_ : (n_Cs,), l1_ratios_ : (n_l1_ratios,)
    C_, l1_ratio_ : (n_classes,) for more than two classes (one value
        repeated: the multinomial model shares it), else (1,)
    scores_ : dict label -> (n_folds, n_Cs, n_l1_ratios) (the same array for
        every class of a multinomial model; key classes_[1] for two classes)
    coefs_paths_ : dict label -> (n_folds, n_Cs, n_l1_ratios, n_features [+ 1])
        the path's coefficients (and intercept last) of that class's row
    coef_, intercept_, classes_, n_iter_ (iterations of the refit)
    """

    _estimator_type = "classifier"

    def __init__(self, *, Cs=10, l1_ratios=(0.0,), fit_intercept=True, cv=None, scoring=None,
                 solver="auto", tol=1e-4, max_iter=100, class_weight=None, n_jobs=None,
                 refit=True, random_state=None, verbose=0):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.refit = refit
        self.random_state = random_state
        self.verbose = verbose

    def _grids(self):
        if isinstance(self.Cs, numbers.Integral) and not isinstance(self.Cs, bool):
            if self.Cs < 1:
                raise ValueError(f"Cs must be a count >= 1 or an array, got {self.Cs}")
            Cs = np.logspace(-4, 4, int(self.Cs))
        else:
            Cs = np.asarray(self.Cs, dtype=np.float64).reshape(-1)
        if Cs.size == 0 or not np.all(Cs > 0):
            raise ValueError(f"Cs must be positive, got {self.Cs!r}")
        ratios = np.asarray(self.l1_ratios, dtype=np.float64).reshape(-1)
        if ratios.size == 0 or np.any(ratios < 0) or np.any(ratios > 1):
            raise ValueError(f"l1_ratios must be in [0, 1], got {self.l1_ratios!r}")
        return Cs, ratios

    def _model(self, C, l1_ratio, warm_start):
        return LogisticRegression(C=C, l1_ratio=l1_ratio, fit_intercept=self.fit_intercept,
                                  solver=self.solver, tol=self.tol, max_iter=self.max_iter,
                                  class_weight=self.class_weight, warm_start=warm_start,
                                  random_state=self.random_state, verbose=self.verbose)

    def fit(self, X, y, sample_weight=None):
        """Choose C and l1_ratio by cross-validation, then fit; returns self."""
        if type(X).__module__.startswith("dask."):      # per-chunk passes: _dask_cv.py
            from ._dask_cv import fit_logistic_cv
            return fit_logistic_cv(self, X, y, sample_weight)
        Cs, ratios = self._grids()
        check_y_present(self, y)
        Xm = design_matrix(self, X, reset=True)
        n, d = Xm.shape
        y = _check_classification_targets(y, n)
        classes, y_idx = _encode_labels(y)
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            splits = stratified_folds(y_idx, int(cv))
        else:
            splits = check_cv_splits(cv, n, X, y)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        k = 1 if len(classes) == 2 else len(classes)
        width = d + (1 if self.fit_intercept else 0)

        moments = Xm.column_moments(sw)
        fold_data = _fold_data(Xm, y, sw, splits)

        def fold_path(f):
            """Scores (n_Cs, n_l1) and path (n_Cs, n_l1, k, width) of fold f."""
            scores = np.empty((len(Cs), len(ratios)))
            paths = np.empty((len(Cs), len(ratios), k, width))
            Xtr, ytr, swtr, Xte, yte = fold_data(f)
            Xtr = _with_moments(Xtr, moments)
            fitted = []                 # (coef, intercept) in (l1_ratio, C) order
            for r, l1_ratio in enumerate(ratios):
                model = None
                # the Newton solver keeps its curvature Gram from one C to the next
                Xtr.curvature_cache = {}
                # and the loss / gradient at the previous C's solution is reused
                Xtr.eval_memo = {}
                for c, C in enumerate(Cs):
                    if model is None:
                        model = self._model(C, l1_ratio, warm_start=True)
                    else:
                        model.set_params(C=C)
                    model.fit(Xtr, ytr, sample_weight=swtr)
                    if len(model.classes_) != len(classes):
                        raise ValueError("a training fold lacks a class: use stratified "
                                         "folds (cv=None or an int)")
                    if self.scoring is None:
                        fitted.append((model.coef_.copy(), np.asarray(model.intercept_).copy()))
                    else:
                        scores[c, r] = self._score(model, Xte, yte)
                    paths[c, r, :, :d] = model.coef_
                    if self.fit_intercept:
                        paths[c, r, :, d] = model.intercept_
            if self.scoring is None:
                scores[...] = self._accuracies(Xte, yte, fitted, classes).reshape(
                    len(ratios), len(Cs)).T
            return scores, paths

        # a shared random state instance is drawn by the folds in order: serial
        shared = isinstance(self.random_state, (np.random.RandomState, np.random.Generator))
        results = run_folds(fold_path, range(len(splits)), self.n_jobs, serial=shared)
        scores = np.stack([sc for sc, _ in results])
        paths = np.stack([pa for _, pa in results])
        return store_cv_result(self, classes, Cs, ratios, scores, paths, d, Xm.dtype,
                               (Xm, y, sw))

    @staticmethod
    def _accuracies(Xte, yte, fitted, classes):
        """Accuracy of every fitted (coef, intercept) on the held-out rows from
        ONE pass over them (all the models' logits as one multi-output
        product, instead of a predict per C); the labels follow
        LogisticRegression.predict (logit > 0 for two classes, else argmax)."""
        k = fitted[0][0].shape[0]
        W = np.concatenate([coef for coef, _ in fitted])
        b = np.concatenate([np.broadcast_to(icpt, (k,)) for _, icpt in fitted])
        Z = Xte.matvec(W, b)                                         # (n_test, models * k)
        out = np.empty(len(fitted))
        for m in range(len(fitted)):
            z = Z[:, m * k:(m + 1) * k]
            pred = classes[(z[:, 0] > 0).astype(np.intp) if k == 1 else np.argmax(z, axis=1)]
            out[m] = float(np.mean(pred == yte))
        return out

    def _score(self, model, X, y):
        if self.scoring is None:
            return float(np.mean(model.predict(X) == y))
        return float(self.scoring(model, X.X if X.kind == "dense" else X, y))

    # the predictions of the fitted model: LogisticRegression's
    decision_function = LogisticRegression.decision_function
    predict_proba = LogisticRegression.predict_proba
    predict_log_proba = LogisticRegression.predict_log_proba
    predict = LogisticRegression.predict
    score = LogisticRegression.score


def store_cv_result(est, classes, Cs, ratios, scores, paths, d, dtype, refit_data):
    """Choose C_ / l1_ratio_ from the fold scores and set LogisticRegressionCV's
    attributes on est (in memory and on Dask).

    scores: (n_folds, n_Cs, n_l1) held-out scores; paths: (n_folds, n_Cs,
    n_l1, k, d [+ 1]) coefficients (and intercepts) along the paths.  refit=True:
    the best mean score's (C, l1_ratio), refitted on refit_data = (X, y,
    sample_weight) from the folds' mean solution; refit=False (scikit-learn's
    rule): each fold's best, C_ and l1_ratio_ the means of the folds' best,
    coef_ the mean of their coefficients, n_iter_ 0."""
    k = paths.shape[3]
    mean = scores.mean(axis=0)                                   # (n_Cs, n_l1)
    if est.refit:
        ci, ri = np.unravel_index(int(np.argmax(mean)), mean.shape)
        C_best, r_best = float(Cs[ci]), float(ratios[ri])
        final = est._model(C_best, r_best, warm_start=True)
        start = paths[:, ci, ri].mean(axis=0)
        final.coef_ = start[:, :d].astype(dtype)
        final.intercept_ = (start[:, d] if est.fit_intercept else np.zeros(k)).astype(dtype)
        final.classes_ = classes
        X, y, sw = refit_data
        final.fit(X, y, sample_weight=sw)
        coef, intercept, n_iter = final.coef_, final.intercept_, final.n_iter_
    else:
        best = [np.unravel_index(int(np.argmax(scores[f])), mean.shape)
                for f in range(scores.shape[0])]
        C_best = float(np.mean([Cs[ci] for ci, _ in best]))
        r_best = float(np.mean([ratios[ri] for _, ri in best]))
        avg = np.mean([paths[f, ci, ri] for f, (ci, ri) in enumerate(best)], axis=0)
        coef = avg[:, :d].astype(dtype)
        intercept = (avg[:, d] if est.fit_intercept else np.zeros(k)).astype(dtype)
        n_iter = np.zeros(1, dtype=np.int32)
    est.classes_ = classes
    est.Cs_, est.l1_ratios_ = Cs, ratios
    m = len(classes) if k > 1 else 1
    est.C_ = np.full(m, C_best)
    est.l1_ratio_ = np.full(m, r_best)
    keys = classes if k > 1 else classes[1:]
    est.scores_ = {label: scores for label in keys}
    est.coefs_paths_ = {label: paths[:, :, :, i] for i, label in enumerate(keys)}
    est.coef_, est.intercept_, est.n_iter_ = coef, intercept, n_iter
    return est
