"""Regularisation paths and their cross-validation: ``enet_path``,
``lasso_path``, ``ElasticNetCV`` and ``LassoCV`` (scikit-learn 1.9's API).

A path solves ElasticNet (``_coordinate_descent.py``) for a decreasing grid
of alphas, each fit starting from the previous solution (warm starts: along
a fine grid a fit takes a few epochs).  The moments of X (means, column
norms, X^T y) are computed once per path.  The grid is scikit-learn's:
``alphas`` points from alpha_max = max_j |X_c^T W y_c|_j / (n_w l1_ratio)
(the smallest alpha whose solution is zero) down to eps * alpha_max,
geometrically spaced.

Kinds of X: the path functions and the CV estimators run on dense X with
``_path``.  Another kind (sparse CSR) plugs in with
``register_path_kind(name, predicate, validate=, path=, moments=,
take_rows=)``: its own validation, a path function with ``_path``'s
signature and results, the moments of ``_moments`` (for the grid) and row
slicing for the folds.  The sparse kind (registered at the end of this
module) converts SciPy sparse X once to the coordinate descent's CSCData and
runs every path by the residual CSC kernel (never densified; no Gram).

The CV estimators compute the grid on all rows, run the path on the
training rows of every fold (weights of a fold rescaled as scikit-learn
does) and score each alpha by the held-out mean squared error (weighted by
sample_weight when given); ``alpha_`` (and ``l1_ratio_``) minimise the mean
over folds, and the model is refitted on all rows with them.

Dense X whose folds are KFold-like (disjoint test folds, each training set
the complement: KFold, StratifiedKFold, GroupKFold) with the Gram variant
(precompute="auto" and n > d, or True) and d <= _FULL_GRAM_MAX_D takes
``enet_cv_from_grams``, the Dask path's algorithm: ONE pass of per-fold
Grams (``_fold_grams``), each (l1_ratio, fold) path by Gram coordinate
descent on the training Gram (full - fold), every alpha's held-out MSE
exactly from the fold's Gram, the grid and the refit from the full Gram --
no further pass over X (the per-fold paths made a Gram of each training
set, k - 1 times the rows of one pass, and a prediction pass per fold).
These fits run one after the other (each is a d x d problem; ``n_jobs``
does not apply).  SciPy sparse X takes the fold Grams too (the CSR Gram
kernel), for n > d and d <= _SPARSE_FOLD_GRAM_MAX_D.  Other splits
(ShuffleSplit-like), precompute=False and wider X keep the per-fold
paths, in threads.
"""
import functools
import numbers
import types
import warnings

import numpy as np

from ._base import (ConvergenceWarning, DataConversionWarning, _as_float_array, _is_sparse,
                    check_consistent_length, check_finite, check_random_state, check_y_present,
                    sk_compatible, validate_sample_weight, validate_X)
from ._coordinate_descent import (CSCData, ElasticNet, _fit_gram, _fit_resid, _Gram, _moments,
                                  validate_cd_X)
from ._fold_grams import FoldGrams, fold_ids_of_splits
from ._matrix import DenseMatrix, design_matrix
from ._parallel import run_folds, shared_random_state
from ._ridge_cv import check_cv_splits
from ._dask import is_dask_array


class _PathKind:
    """How the paths run on one kind of X (see the module docstring)."""

    def __init__(self, name, predicate, validate, path, moments, take_rows, predict=None):
        self.name, self.predicate = name, predicate
        self.validate, self.path, self.moments, self.take_rows = (validate, path, moments,
                                                                  take_rows)
        self.predict = predict or (lambda X, coefs, intercepts: X @ coefs.T + intercepts)


_PATH_KINDS = {}


def register_path_kind(name, predicate, *, validate, path, moments, take_rows, predict=None):
    """Run the paths with ``path`` for every X with ``predicate(X)`` true:
    ``validate(caller, X)`` returns the validated X (and sets the caller's
    ``n_features_in_``), ``path(X, Y, sw, **options)`` is ``_path`` for
    that kind, ``moments(X, Y, sw, fit_intercept)`` is ``_moments`` (the
    grid needs ``q``, ``scale``, ``sumw``), ``take_rows(X, idx)`` slices rows,
    ``predict(X, coefs (A, d), intercepts (A,))`` the (n, A) predictions."""
    _PATH_KINDS[name] = _PathKind(name, predicate, validate, path, moments, take_rows,
                                  predict)


def _dense_validate(caller, X):
    return validate_X(caller, X, reset=True)


_DENSE = _PathKind("dense", None, _dense_validate, None, None,
                   lambda X, idx: np.ascontiguousarray(X[idx]))


def _path_kind(caller, X):
    """The registered kind of X, the dense one for anything else; sparse X
    with no sparse kind registered is a TypeError."""
    for kind in _PATH_KINDS.values():
        if kind.predicate(X):
            return kind
    if _is_sparse(X):
        raise TypeError(f"Sparse data was passed for X, but {type(caller).__name__} runs its "
                        "coordinate descent on dense X only in this build (the sparse "
                        "coordinate descent plugs in through _cv_path.register_path_kind). "
                        "Use '.toarray()' to convert to a dense numpy array.")
    return _DENSE


# the path computes the full d x d Gram once when d is at most this (8 d^2
# bytes: 32 MB), instead of the working sets' blocks and residual passes
_FULL_GRAM_MAX_D = 2048


# sparse X takes the folds' Grams up to this width: measured (one thread,
# LassoCV 100 alphas x 5 folds, AVX-512) 54x faster than the per-fold
# residual paths at 1e5 x 100 with 10 % nonzeros, 1.13x at 5e4 x 1000 with 1 %
# (the Gram's d^2 work against the residual passes' nnz per epoch)
_SPARSE_FOLD_GRAM_MAX_D = 1024


def _alpha_grid(mom, l1_ratio, eps, n_alphas, positive):
    """scikit-learn's grid from the moments of _coordinate_descent._moments
    (q = X_c^T W' y_c with W' summing to n)."""
    if l1_ratio == 0:
        raise ValueError("Automatic alpha grid generation is not supported for l1_ratio=0. "
                         "Please supply a grid by providing the appropriate `alphas=`.")
    n = mom["q"].shape and mom["scale"] * mom["sumw"]
    q = mom["q"]
    top = max(0.0, float(np.max(q))) if positive else float(np.sqrt(np.max(np.sum(q * q, 1))))
    alpha_max = top / (n * l1_ratio)
    if alpha_max <= np.finfo(np.float64).resolution:
        return np.full(n_alphas, np.finfo(np.float64).resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _check_alphas_arg(alphas):
    """(count, None) for an int, (None, array sorted decreasingly) for an array."""
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(f"alphas must be a count >= 1 or an array, got {alphas}")
        return int(alphas), None
    a = np.sort(np.asarray(alphas, dtype=np.float64).reshape(-1))[::-1]
    if a.size == 0 or np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ValueError(f"alphas must be finite numbers >= 0, got {alphas!r}")
    return None, a


def _path(X, Y, sw, *, l1_ratio, eps, alphas, fit_intercept, positive, max_iter, tol,
          precompute, selection, random_state):
    """(alphas (A,), coefs (A, k, d), intercepts (A, k), gaps (A, k), epochs (A,))
    along the grid, warm-started, for validated dense X (n, d) and Y (n, k)."""
    n, d = X.shape
    k = Y.shape[1]
    mom = _moments(X, Y, sw, fit_intercept)
    count, grid = _check_alphas_arg(alphas)
    if grid is None:
        grid = _alpha_grid(mom, l1_ratio, eps, count, positive)
    use_gram = (n > d) if precompute == "auto" else bool(precompute)
    fit = _fit_gram if use_gram else _fit_resid
    if use_gram and n > d and d <= _FULL_GRAM_MAX_D:
        # one full Gram for the whole path: its fits then make no pass over X
        # (a working-set fit alone makes about 3 per alpha)
        gram = _Gram(X, sw, mom)
        gram.full()
        fit = functools.partial(_fit_gram, gram=gram)
    rs = check_random_state(random_state)
    seed = int(rs.integers(1, 2**62) if isinstance(rs, np.random.Generator)
               else rs.randint(1, 2**31 - 1))
    W = np.zeros((k, d))
    coefs = np.empty((len(grid), k, d))
    gaps = np.empty((len(grid), k))
    epochs = np.empty(len(grid), dtype=np.int64)
    for i, alpha in enumerate(grid):
        a = alpha * l1_ratio * n
        b = alpha * (1.0 - l1_ratio) * n
        W, g, it = fit(X, Y, sw, mom, W, a, b, positive, selection == "random", seed,
                       max_iter, tol)
        coefs[i], gaps[i], epochs[i] = W, g / n, int(np.max(it))
    intercepts = (mom["y_mean"][None, :] - coefs @ mom["x_mean"] if fit_intercept
                  else np.zeros((len(grid), k)))
    return grid, coefs, intercepts, gaps, epochs


def enet_cv_from_grams(est, grams, ratios, n, dtype):
    """ElasticNetCV / LassoCV from a ``_fold_grams.FoldGrams`` (in memory or
    Dask): scikit-learn's grid from the full Gram, per (l1_ratio, fold) the
    warm-started path of Gram coordinate descent (``_dask_enet.cd_gram``) on
    the training Gram with the weights rescaled to sum to the training rows
    (as scikit-learn), each alpha scored by the held-out (weighted) mean
    squared error from the fold's Gram, then the refit on the full Gram (no
    further pass over X).  Sets est's attributes."""
    from ._dask_enet import cd_gram, enet_result, scaled_gram
    d, fi = grams.d, grams.fit_intercept
    Gc, x_mean, y_mean = grams.centred(grams.total)
    sumw = float(grams.total[-1, -1])
    G_all, Q_all, yy_all = scaled_gram(Gc, d, n, sumw)
    count, fixed = _check_alphas_arg(est.alphas)
    mom = {"q": Q_all, "scale": n / sumw, "sumw": sumw}
    all_alphas = [fixed if fixed is not None else
                  _alpha_grid(mom, r, est.eps, count, bool(est.positive)) for r in ratios]
    tol, max_iter = est.tol, est.max_iter
    # cd_gram's options, with the random state made once (not per alpha: for
    # random_state=None that is a fresh generator per call, a third of the
    # time of a 100 x 5 path at d = 100)
    cd_opts = types.SimpleNamespace(positive=est.positive, selection=est.selection,
                                    random_state=check_random_state(est.random_state))
    all_mse = []
    unconverged = False
    for r, grid in zip(ratios, all_alphas):
        mse = np.empty((len(grid), grams.n_folds))
        for f in range(grams.n_folds):
            G_t = grams.training(f)
            Gc_t, xm_t, ym_t = grams.centred(G_t)
            n_t = float(grams.counts.sum() - grams.counts[f])
            G, Q, yy = scaled_gram(Gc_t, d, n_t, float(G_t[-1, -1]))
            W = np.zeros((1, d))
            for i, alpha in enumerate(grid):
                W, gaps, _ = cd_gram(G, Q, yy, W, alpha * r * n_t, alpha * (1.0 - r) * n_t,
                                     cd_opts, max_iter=max_iter, tol=tol)
                unconverged |= bool(np.any(~(gaps <= tol * yy)))
                b = ym_t - W @ xm_t if fi else np.zeros(1)
                res, wsum = grams.residual_sums(f, W, b)
                mse[i, f] = res[0] / wsum
        all_mse.append(mse)
    if unconverged:
        warnings.warn("Objective did not converge on a fold's path. You might want to "
                      "increase the number of iterations.", sk_compatible(ConvergenceWarning),
                      stacklevel=4)
    _choose(est, ratios, all_alphas, all_mse)
    model = ElasticNet(alpha=est.alpha_, l1_ratio=est.l1_ratio_, fit_intercept=fi,
                       max_iter=max_iter, tol=tol, positive=est.positive,
                       random_state=est.random_state, selection=est.selection)
    a, b = est.alpha_ * est.l1_ratio_ * n, est.alpha_ * (1.0 - est.l1_ratio_) * n
    coefs, gaps, iters = cd_gram(G_all, Q_all, yy_all, np.zeros((1, d)), a, b, model,
                                 max_iter=max_iter, tol=tol)
    enet_result(model, coefs, gaps, iters, yy_all, x_mean, y_mean, n, dtype, fi, 1, tol)
    for attr in ("coef_", "intercept_", "dual_gap_", "n_iter_"):
        setattr(est, attr, getattr(model, attr))
    return est


def _choose(est, ratios, all_alphas, all_mse):
    """alpha_, l1_ratio_, alphas_, mse_path_ from the folds' MSE paths."""
    mean = np.array([m.mean(axis=1) for m in all_mse])           # (R, A)
    ri, ai = np.unravel_index(int(np.argmin(mean)), mean.shape)
    est.l1_ratio_ = float(ratios[ri])
    est.alpha_ = float(all_alphas[ri][ai])
    scalar = np.ndim(getattr(est, "l1_ratio", 1.0)) == 0
    est.alphas_ = all_alphas[0] if scalar else np.array(all_alphas)
    est.mse_path_ = all_mse[0] if scalar else np.array(all_mse)


def _run_path(kind, X, Y, sw, **options):
    return (kind.path or _path)(X, Y, sw, **options)


def _moments_of(kind, X, Y, sw, fit_intercept):
    return (kind.moments or _moments)(X, Y, sw, fit_intercept)


def _validated(X, y, sample_weight, name="enet_path"):
    class _Caller:
        pass
    _Caller.__name__ = name
    caller = _Caller()
    kind = _path_kind(caller, X)
    X = kind.validate(caller, X)
    n = X.shape[0]
    y = _as_float_array(y, "y", name, dtype=X.dtype)
    check_consistent_length(n, y.shape[0])
    check_finite(y, "y")
    Y = np.ascontiguousarray(y.reshape(n, -1))
    sw = validate_sample_weight(sample_weight, n, X.dtype)
    return kind, X, y, Y, sw


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, alphas=100, precompute="auto", coef_init=None,
              return_n_iter=False, positive=False, max_iter=1000, tol=1e-4,
              sample_weight=None):
    """The elastic-net path by coordinate descent, as scikit-learn's
    ``enet_path``: no intercept (X and y are taken as they are), the
    objective 1/(2 n) ||y - X w||^2 + alpha l1_ratio ||w||_1
    + 0.5 alpha (1 - l1_ratio) ||w||^2 for each alpha of the grid (``alphas``
    a count or an array, decreasing), warm-started along it.

    Returns (alphas (A,), coefs (d, A) -- (k, d, A) for 2-D y --, dual_gaps
    (A,) or (A, k)) and, with return_n_iter, the CD epochs per alpha."""
    if coef_init is not None:
        raise NotImplementedError("coef_init is not supported: the path starts at zero")
    kind, X, y, Y, sw = _validated(X, y, sample_weight)
    grid, coefs, _, gaps, epochs = _run_path(kind, X, Y, sw, l1_ratio=float(l1_ratio),
                                             eps=eps, alphas=alphas, fit_intercept=False,
                                             positive=positive, max_iter=max_iter, tol=tol,
                                             precompute=precompute, selection="cyclic",
                                             random_state=0)
    out_coefs = np.moveaxis(coefs, 0, -1)                      # (k, d, A)
    if y.ndim == 1:
        out_coefs, gaps = out_coefs[0], gaps[:, 0]
    out = (grid, out_coefs.astype(X.dtype), gaps)
    return out + (epochs,) if return_n_iter else out


def lasso_path(X, y, *, eps=1e-3, alphas=100, **params):
    """``enet_path`` with l1_ratio=1 (the Lasso)."""
    return enet_path(X, y, l1_ratio=1.0, eps=eps, alphas=alphas, **params)


class ElasticNetCV(ElasticNet):
    """ElasticNet with alpha (and l1_ratio) chosen by k-fold cross-validation
    along warm-started paths (see the module docstring).

    Parameters (scikit-learn 1.9's): l1_ratio (float or list, default 0.5),
    eps=1e-3, alphas=100 (a count of grid points or an array), fit_intercept,
    precompute, max_iter, tol, cv (None: 5 folds; an int or a splitter),
    n_jobs (threads over the (l1_ratio, fold) paths of the per-fold route:
    None one per thread of lossfast's thread count, an int as
    scikit-learn's; results identical to serial, see ``_parallel.py``; the
    fold-Gram route of the module docstring runs serially),
    positive, random_state, selection.

    Attributes: alpha_, l1_ratio_, alphas_ ((A,) or (n_l1_ratio, A)),
    mse_path_ ((A, n_folds) or (n_l1_ratio, A, n_folds)), coef_, intercept_,
    dual_gap_, n_iter_.
    """

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, cv=None, copy_X=True,
                 n_jobs=None, positive=False, random_state=None, selection="cyclic"):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False       # one target (scikit-learn's too)
        return tags

    def _more_tags(self):
        return {**super()._more_tags(), "multioutput": False}

    def _l1_ratios(self):
        r = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if r.ndim != 1 or r.size == 0 or np.any(r < 0) or np.any(r > 1):
            raise ValueError(f"l1_ratio must be in [0, 1], got {self.l1_ratio!r}")
        return r

    def fit(self, X, y, sample_weight=None):
        """Choose alpha (and l1_ratio) by cross-validation, then fit; returns self."""
        if is_dask_array(X):      # per-chunk passes: _dask_cv.py
            from ._dask_cv import fit_enet_cv
            return fit_enet_cv(self, X, y, sample_weight)
        ratios = self._l1_ratios()
        check_y_present(self, y)
        kind = _path_kind(self, X)
        Xv = kind.validate(self, X)
        n = Xv.shape[0]
        yv = _as_float_array(y, "y", type(self).__name__, dtype=Xv.dtype)
        if yv.ndim == 2 and yv.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                          "change the shape of y to (n_samples, ), for example using ravel().",
                          sk_compatible(DataConversionWarning), stacklevel=2)
            yv = yv.ravel()
        if yv.ndim != 1:
            raise ValueError("For multi-task outputs, use MultiTaskElasticNetCV (not in "
                             "lossfast); y must be 1-D")
        check_consistent_length(n, yv.shape[0])
        check_finite(yv, "y")
        Y = np.ascontiguousarray(yv.reshape(n, 1))
        sw = validate_sample_weight(sample_weight, n, Xv.dtype)
        splits = check_cv_splits(5 if self.cv is None else self.cv, n, Xv, yv)
        found = fold_ids_of_splits(splits, n) if self._gram_pays(kind, X, Xv) else None
        if found is not None:
            # KFold-like folds: the folds' Grams of one pass (sparse X as the
            # CSR matrix object of the Gram kernels)
            Xm = DenseMatrix(Xv) if kind is _DENSE else design_matrix(self, X, reset=False)
            grams = FoldGrams.in_memory(Xm, Y, sw, *found, bool(self.fit_intercept))
            return enet_cv_from_grams(self, grams, ratios, n, Xv.dtype)
        opts = dict(eps=self.eps, fit_intercept=bool(self.fit_intercept),
                    positive=bool(self.positive), max_iter=self.max_iter, tol=self.tol,
                    precompute=self.precompute, selection=self.selection,
                    random_state=self.random_state)
        all_alphas = [self._grid(kind, Xv, Y, sw, r) for r in ratios]

        def fold_mse(task):
            """The held-out MSE along the path of one (l1_ratio, fold)."""
            ri, (train, test) = task
            Xtr = kind.take_rows(Xv, train)
            swtr = None if sw is None else np.ascontiguousarray(sw[train])
            _, coefs, intercepts, _, _ = _run_path(kind, Xtr, Y[train], swtr,
                                                   l1_ratio=ratios[ri], alphas=all_alphas[ri],
                                                   **opts)
            pred = kind.predict(kind.take_rows(Xv, test), coefs[:, 0, :], intercepts[:, 0])
            res2 = (pred - yv[test, None]) ** 2
            return (res2.mean(axis=0) if sw is None
                    else np.average(res2, axis=0, weights=sw[test]))

        tasks = [(ri, split) for ri in range(len(ratios)) for split in splits]
        columns = run_folds(fold_mse, tasks, self.n_jobs,
                            serial=shared_random_state(self.random_state, self.selection))
        all_mse = [np.stack(columns[ri * len(splits):(ri + 1) * len(splits)], axis=1)
                   for ri in range(len(ratios))]
        _choose(self, ratios, all_alphas, all_mse)
        model = ElasticNet(alpha=self.alpha_, l1_ratio=self.l1_ratio_,
                           fit_intercept=self.fit_intercept, precompute=self.precompute,
                           max_iter=self.max_iter, tol=self.tol, positive=self.positive,
                           random_state=self.random_state, selection=self.selection)
        model.fit(Xv, yv, sample_weight=sw)
        for attr in ("coef_", "intercept_", "dual_gap_", "n_iter_"):
            setattr(self, attr, getattr(model, attr))
        return self

    def _gram_pays(self, kind, X, Xv):
        """Whether the folds run on per-fold Grams (``enet_cv_from_grams``,
        when they are KFold-like): dense X with precompute "auto" and n > d,
        or True, and d <= _FULL_GRAM_MAX_D (the bound of the path's own full
        Gram); SciPy sparse X with precompute "auto" or True, n > d and
        d <= _SPARSE_FOLD_GRAM_MAX_D."""
        n, d = Xv.shape
        auto = isinstance(self.precompute, str) and self.precompute == "auto"
        if not auto and not isinstance(self.precompute, (bool, np.bool_)):
            return False
        if kind is _DENSE:
            return (n > d if auto else bool(self.precompute)) and d <= _FULL_GRAM_MAX_D
        return (_is_sparse(X) and (auto or bool(self.precompute)) and n > d
                and d <= _SPARSE_FOLD_GRAM_MAX_D)

    def _grid(self, kind, X, Y, sw, l1_ratio):
        count, grid = _check_alphas_arg(self.alphas)
        if grid is not None:
            return grid
        mom = _moments_of(kind, X, Y, sw, bool(self.fit_intercept))
        return _alpha_grid(mom, l1_ratio, self.eps, count, bool(self.positive))


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by k-fold cross-validation (ElasticNetCV with
    l1_ratio=1); scikit-learn 1.9's parameters and attributes."""

    def __init__(self, *, eps=1e-3, alphas=100, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, cv=None, copy_X=True, n_jobs=None, positive=False,
                 random_state=None, selection="cyclic"):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _l1_ratios(self):
        return np.array([1.0])


def _sparse_path(X, Y, sw, **options):
    """_path on CSCData: always the residual variant (no Gram of sparse X)."""
    return _path(X, Y, sw, **{**options, "precompute": False})


def _is_sparse_or_csc(X):
    return isinstance(X, CSCData) or _is_sparse(X)


register_path_kind("sparse", _is_sparse_or_csc,
                   validate=lambda caller, X: validate_cd_X(caller, X, reset=True),
                   path=_sparse_path, moments=_moments,
                   take_rows=lambda X, idx: X.take_rows(idx),
                   predict=lambda X, coefs, intercepts: X.matvec(coefs, intercepts))
