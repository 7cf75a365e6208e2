"""LinearRegression and Ridge: least squares by the normal equation, and any
regression loss of ``lossfast.losses`` by L-BFGS, Newton or a mini-batch
optimizer (solvers from the registry in ``_solvers.py``).
"""
import warnings

import numpy as np

from ._base import (ConvergenceWarning, LinAlgWarning, _as_float_array, _Estimator, check_consistent_length,
                    check_finite, check_float, check_int, check_is_fitted, check_y_present,
                    run_solver, sk_compatible, validate_sample_weight)
from ._base import available_if
from ._matrix import DenseMatrix, design_matrix, shift_estimate
from ._objective import LinearObjective, LossSpec
from ._solvers import cholesky_solve, resolve_solver

_LOSS_ALIASES = {"squared_error": "mse", "absolute_error": "mae"}
# Normal equations whose estimated reciprocal condition number (after scaling
# to unit diagonal) is below this are solved by least squares instead.
_RCOND_MIN = 1e-10


def _resolve_loss(loss):
    """The lossfast loss object, its kernel spec and its registry loss kind
    ("squared_error" or "regression") for `loss` (a name, an alias such as
    "squared_error", a Loss class or instance)."""
    from .. import losses as L
    if isinstance(loss, str):
        loss = _LOSS_ALIASES.get(loss.lower(), loss)
    obj = L.get(loss)
    if isinstance(obj, L.RootMeanSquaredError):
        raise ValueError("loss='rmse' is not a sum over samples; use loss='squared_error', "
                         "which has the same minimiser")
    if not isinstance(obj, L.ElementwiseLoss) or obj.__module__ != L.MeanSquaredError.__module__:
        raise ValueError(f"LinearRegression needs an elementwise regression loss, got {obj!r}")
    kind = "squared_error" if type(obj) is L.MeanSquaredError else "regression"
    return obj, LossSpec.of(obj), kind


def fit_normal_equation(X, Y, sample_weight, alpha, fit_intercept, positive=False):
    """Least squares / ridge by the normal equation.

    Solves (Xc^T W Xc + alpha I) coef = Xc^T W Yc, Xc / Yc centred by their
    weighted means when fit_intercept (the intercept is not penalised), then
    intercept = mean(Y) - mean(X) coef.  One C pass builds the Gram matrix of
    [X - s, Y - s_Y, 1] weighted by W, with s the weighted mean of up to 1024
    rows spread over X; the exact centring is the rank-one correction
    G - sum(w) delta delta^T with delta the mean of the shifted columns (small,
    so nothing cancels).  Cholesky (after scaling to unit diagonal) solves the
    system; if it fails or the estimated reciprocal condition number is below
    1e-10, a LinAlgWarning is emitted and numpy.linalg.lstsq solves the
    centred, weighted problem (with sqrt(alpha) I rows) instead.

    X is a matrix-layer object; alpha a number or one value per target (each
    target then has its own system).  ``positive``: the coefficients are
    constrained to be >= 0 (non-negative least squares on the same Gram,
    ``nnls_gram``), the intercept is free.  Returns coef (k, d) float64,
    intercept (k,) float64 and the rank.
    """
    Gc, x_mean, y_mean = centred_moments(X, Y, sample_weight, fit_intercept)
    lstsq = None
    if isinstance(X, DenseMatrix):
        def lstsq(cols, a):
            return _lstsq(X.X, Y[:, cols], sample_weight, a, x_mean, y_mean[cols], fit_intercept)
    return solve_centred(Gc, x_mean, y_mean, alpha, positive=positive, lstsq=lstsq,
                         stacklevel=4)


def solve_normal_gram(G, shift, d, k, alpha, fit_intercept, *, stacklevel=3):
    """The normal-equation solution from a weighted Gram G of [X - s, Y - s_Y,
    1] (the ones column only when fit_intercept; s the shift, None without
    intercept) as ``fit_normal_equation`` describes.  G is additive over rows,
    so it may be summed over chunks (``partial_fit``, the chunked and Dask
    kinds); the fallback is the minimum-norm solution from the Gram."""
    Gc, x_mean, y_mean = centre_gram(G, shift, d, k, fit_intercept)
    return solve_centred(Gc, x_mean, y_mean, alpha, stacklevel=stacklevel + 1)


def solve_centred(Gc, x_mean, y_mean, alpha, *, positive=False, lstsq=None, stacklevel=3):
    """coef (k, d), intercept (k,), rank from the centred Gram Gc of [X, Y]
    and the means: Cholesky per alpha (one system when alpha is a number, one
    per target otherwise), NNLS with ``positive``; a singular or
    ill-conditioned system falls back, with a LinAlgWarning, to
    ``lstsq(cols, alpha)`` -> (coef (d, len(cols)), rank) when given
    (numpy.linalg.lstsq on the data), else to the minimum-norm solution from
    the eigendecomposition of the Gram."""
    d = x_mean.shape[0]
    k = y_mean.shape[0]
    alphas = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (k,))
    groups = ([np.arange(k)] if np.all(alphas == alphas[0])
              else [np.array([t]) for t in range(k)])
    coef = np.empty((d, k))
    rank = d
    for cols in groups:
        a = float(alphas[cols[0]])
        A = Gc[:d, :d].copy()
        A[np.diag_indices(d)] += a
        B = Gc[:d, d + cols]
        if positive:
            # non-negative least squares on the same centred Gram: coordinate
            # descent, then the exact solve on the support it finds
            from ._coordinate_descent import nnls_gram
            for t in cols:
                res = nnls_gram(A, Gc[:d, d + t], max_iter=10000)
                if not res.converged:
                    warnings.warn(f"non-negative least squares did not converge ({res.message})",
                                  sk_compatible(ConvergenceWarning), stacklevel=stacklevel)
                coef[:, t] = res.x
            continue
        sol, rcond = cholesky_solve(A, B)
        if sol is None or rcond < _RCOND_MIN:
            what = "singular" if sol is None else f"ill-conditioned (rcond ~ {rcond:.1e})"
            if lstsq is not None:
                sol, rank = lstsq(cols, a)
                how = "least squares (numpy.linalg.lstsq)"
            else:
                sol, rank = _gram_pinv(A, B)
                how = "the pseudo-inverse of the Gram matrix (its eigendecomposition)"
            warnings.warn(f"The normal equations are {what}: solved by {how} instead; "
                          f"rank_ = {rank}.", LinAlgWarning, stacklevel=stacklevel)
        coef[:, cols] = sol
    intercept = y_mean - x_mean @ coef
    return np.ascontiguousarray(coef.T), intercept, rank


def centred_moments(X, Y, sample_weight, fit_intercept):
    """(Gc, x_mean, y_mean): the weighted Gram of [X, Y] centred by the
    weighted means (when fit_intercept; uncentred otherwise) from one pass
    of the Gram kernel over X, the centring as a rank-one correction around
    a shift close to the means (see fit_normal_equation)."""
    n, d = X.shape
    k = Y.shape[1]
    shift = None
    if fit_intercept:
        shift = np.concatenate([X.centre_estimate(sample_weight),
                                shift_estimate(Y, sample_weight)])
    weights = None if sample_weight is None else sample_weight.reshape(n, 1)
    G = X.gram(weights, shift=shift, ones=fit_intercept, Y=Y)[0]
    X.check_finite_after(G)
    return centre_gram(G, shift, d, k, fit_intercept)


def centre_gram(G, shift, d, k, fit_intercept):
    """(Gc, x_mean, y_mean) from the Gram of [X - s, Y - s_Y, 1]: the
    rank-one correction G - sum(w) delta delta^T, delta the mean of the
    shifted columns (small, so nothing cancels)."""
    if not fit_intercept:
        return G, np.zeros(d), np.zeros(k)
    sw_total = G[-1, -1]
    delta = G[:d + k, -1] / sw_total
    Gc = G[:d + k, :d + k] - sw_total * np.outer(delta, delta)
    means = (0.0 if shift is None else shift) + delta
    return Gc, means[:d], means[d:]


def _check_alphas(alpha, k):
    """alpha as a float, or as a (k,) float64 array (one per target) of
    finite values >= 0."""
    if np.ndim(alpha) == 0:
        return float(alpha)
    a = np.asarray(alpha, dtype=np.float64).reshape(-1)
    if a.shape != (k,):
        raise ValueError(f"Number of targets and number of penalties do not correspond: "
                         f"{k} != {a.shape[0]}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"alpha must be finite and >= 0, got {a.tolist()}")
    return a


def _gram_pinv(A, B):
    """The minimum-norm solution of A coef = B for the symmetric positive
    semi-definite A (the centred Gram plus alpha I) by its
    eigendecomposition, eigenvalues below n * eps * max dropped: the
    fallback for kinds of X that are not copied densely (sparse, chunked)."""
    vals, vecs = np.linalg.eigh(A)
    keep = vals > A.shape[0] * np.finfo(np.float64).eps * max(float(vals.max()), 0.0)
    inv = np.where(keep, 1.0 / np.where(keep, vals, 1.0), 0.0)
    return vecs @ (inv[:, None] * (vecs.T @ B)), int(keep.sum())


def _lstsq(X, Y, sample_weight, alpha, x_mean, y_mean, fit_intercept):
    """The fallback: lstsq on the centred, sqrt(w)-scaled data (float64 copy)."""
    d = X.shape[1]
    Xc = X.astype(np.float64)
    Yc = Y.astype(np.float64)
    if fit_intercept:
        Xc -= x_mean
        Yc -= y_mean
    if sample_weight is not None:
        r = np.sqrt(sample_weight.astype(np.float64))[:, None]
        Xc *= r
        Yc *= r
    if alpha > 0:
        Xc = np.vstack([Xc, np.sqrt(alpha) * np.eye(d)])
        Yc = np.vstack([Yc, np.zeros((d, Y.shape[1]))])
    coef, _, rank, _ = np.linalg.lstsq(Xc, Yc, rcond=None)
    return coef, int(rank)


def regression_targets(est, Xm, y, sample_weight):
    """(y, Y (n, k), sample_weight) validated for the matrix Xm: a kind that
    keeps y distributed (Dask) validates on its workers
    (``Xm.regression_targets``); otherwise NumPy arrays of X's dtype."""
    if hasattr(Xm, "regression_targets"):
        return Xm.regression_targets(est, y, sample_weight)
    n = Xm.shape[0]
    y = _as_float_array(y, "y", type(est).__name__, dtype=Xm.dtype)
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
    check_consistent_length(n, y.shape[0])
    check_finite(y, "y")
    Y = np.ascontiguousarray(y.reshape(n, -1))
    sw = validate_sample_weight(sample_weight, n, Xm.dtype)
    return y, Y, sw


def _target_mean(Y, sw):
    """The (weighted) column means of Y, float64 (distributed targets: on
    their workers)."""
    if hasattr(Y, "weighted_mean"):
        return Y.weighted_mean(sw)
    return (np.average(Y, axis=0, weights=sw) if sw is not None
            else Y.mean(axis=0, dtype=np.float64))


class LinearRegressor(_Estimator):
    """predict / score of every linear regressor of lossfast (coef_ (d,) or
    (k, d), intercept_), on any kind of X the matrix layer takes."""

    _estimator_type = "regressor"

    def predict(self, X):
        """X @ coef_.T + intercept_."""
        check_is_fitted(self)
        Xm = design_matrix(self, X, reset=False)
        Z = Xm.matvec(np.atleast_2d(self.coef_), np.atleast_1d(self.intercept_))
        return Z[:, 0] if np.ndim(self.coef_) == 1 else Z

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 (weighted; averaged over outputs)."""
        return r2_score(y, self.predict(X), sample_weight)


class LinearRegression(LinearRegressor):
    """Linear regression with any regression loss of ``lossfast.losses``.

    Minimises  sum_i w_i l(y_i, x_i . coef + intercept) + alpha ||coef||^2
    (w the sample weights, l the loss per element, summed over the outputs for
    a 2-D y; the intercept is not penalised).  With ``loss="squared_error"``,
    l = r^2: ordinary least squares for alpha = 0 and scikit-learn's Ridge
    objective ||y - X coef||^2 + alpha ||coef||^2 otherwise.

    Parameters
    ----------
    fit_intercept : bool, default True
    solver : {"auto", "normal", "lbfgs"} or an optimizer name of ``lossfast.optim``
        ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw").
        ``"normal"`` solves the normal equation (X^T W X + alpha I) coef = X^T W y
        by Cholesky (squared error only); a singular or ill-conditioned system
        falls back to ``numpy.linalg.lstsq`` with a ``LinAlgWarning`` and sets
        ``rank_``.  ``"lbfgs"`` minimises the objective divided by sum(w) with
        L-BFGS over the fused loss/gradient kernel.  An optimizer name runs
        epochs of shuffled mini-batches of ``batch_size`` rows with
        ``learning_rate``.  ``"auto"``: "normal" for squared error, else "lbfgs".
    loss : str or Loss, default "squared_error"
        "squared_error" (= "mse"), "absolute_error" (= "mae"), "huber",
        "smooth_l1", "log_cosh", "gaussian", "quantile", ... or a Loss instance
        (``lossfast.losses.get`` resolves names).
    alpha : float >= 0 or array of shape (n_targets,), default 0.0
        L2 penalty strength; an array gives each target its own (as
        scikit-learn's Ridge).
    max_iter : int, default 200
        Iterations of L-BFGS, or epochs of a mini-batch optimizer.
    tol : float, default 1e-4
        Every iterative solver has converged when max |gradient| of the
        objective divided by sum(w), in the standardised coordinates (see
        below), is <= tol.  L-BFGS and Newton also stop when an iteration
        decreases it by less than 64 float64 epsilons relative (SciPy's
        L-BFGS-B rule as scikit-learn uses it) or when the line search cannot
        decrease it at float64 precision.  A mini-batch optimizer that stops
        on its schedule or at max_iter has converged when its objective is
        within 100 * tol (relative) of what a short full-batch L-BFGS run
        reaches from its end point; otherwise a ConvergenceWarning says how
        far above the optimum it is.
    learning_rate : float or None, default None
        The initial learning rate of a mini-batch optimizer.  None: from the
        curvature L of the objective on a sample of rows, 1 / L for "sgd",
        0.5 / L for "momentum" / "nesterov", 0.1 max|g| / L for the
        per-coordinate optimizers ("adam", "rmsprop", ...; max|g| / L for
        "adagrad").  Either way it is divided by 5 whenever the objective has
        not decreased for ``n_iter_no_change`` epochs (scikit-learn SGD's
        "adaptive" schedule); training stops when it is below 1e-6 of its
        start.  "adamw" runs with weight_decay=0 (the L2 penalty is in the
        objective already).
    batch_size : int or "auto" (min(200, n_samples))
    n_iter_no_change : int, default 5
    random_state : None, int, RandomState or Generator (mini-batch shuffling)
    positive : bool, default False
        Constrain the coefficients to be >= 0 (non-negative least squares,
        as scikit-learn's LinearRegression(positive=True)): solved by
        coordinate descent on the normal equation's Gram with an exact solve
        on the support it finds; squared error and the normal equation only.
    warm_start : bool, default False
        Iterative solvers start from the previous fit's coef_ / intercept_
        (when their shapes match) instead of zero; the normal equation has no
        starting point and ignores it.
    verbose : int, default 0 (> 0 prints one line per iteration)

    Attributes
    ----------
    coef_ : (n_features,) or (n_targets, n_features), X's dtype
    intercept_ : float or (n_targets,), X's dtype (0.0 without intercept)
    n_features_in_, feature_names_in_ (when X has string column names)
    n_iter_ : int -- solver iterations (1 for the normal equation)
    rank_ : int -- rank of the centred X (normal equation only; n_features
        when Cholesky succeeded)
    loss_curve_ : list of float -- the objective per unit weight,
        (sum_i w_i l_i + alpha ||coef||^2) / sum(w), after each iteration
        (each epoch for a mini-batch optimizer; iterative solvers only)

    Offsets and scales of the columns do not matter to the iterative
    solvers: they minimise the same objective in standardised coordinates,
    coef' = coef * s and intercept' = intercept + coef . m (m the weighted
    column means, s = sqrt(var + 2 alpha / sum(w))), folded into the fused
    kernel's z = X coef + intercept without a copy of X.

    X is used without a copy when it is a C-contiguous float32 / float64
    array; other layouts (Fortran order, strided views, DataFrames, other
    dtypes) are copied once into a C-contiguous array of their float type
    (float64 for integers), since the kernels stream rows.

    float32 X is kept float32 (no copy) and gives float32 coef_ / predictions;
    inside, the kernels compute each block's decision values, losses and
    derivatives in float64 and accumulate in float64, so the fit is as
    accurate as for the same numbers in float64.  The normal equation is
    one pass over X (a blocked weighted Gram matrix in C, computed only in
    its upper triangle); L-BFGS evaluates objective and gradient in one pass
    over X per step.  NaN / inf in X, y or sample_weight are a ValueError
    with scikit-learn's messages; sample_weight must be >= 0 and not all 0.
    """

    def __init__(self, fit_intercept=True, solver="auto", loss="squared_error", alpha=0.0, *,
                 max_iter=200, tol=1e-4, learning_rate=None, batch_size="auto",
                 n_iter_no_change=5, random_state=None, warm_start=False, positive=False,
                 verbose=0):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.loss = loss
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.warm_start = warm_start
        self.positive = positive
        self.verbose = verbose

    # ----------------------------------------------------------------- fit

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        alpha = self.alpha if np.ndim(self.alpha) else check_float(self.alpha, "alpha")
        tol = check_float(self.tol, "tol")
        max_iter = check_int(self.max_iter, "max_iter", 1)
        _, spec, loss_kind = _resolve_loss(self.loss)
        fit_intercept = bool(self.fit_intercept)
        check_y_present(self, y)
        # the NaN/inf check of X rides on the first pass over X (check_finite_after)
        Xm = design_matrix(self, X, reset=True, finite=False)
        n, d = Xm.shape
        positive = bool(self.positive)
        if positive and (loss_kind != "squared_error" or self.solver not in ("auto", "normal")):
            raise ValueError("positive=True is solved on the normal equation: it needs "
                             "loss='squared_error' and solver='auto' or 'normal'")
        solver = resolve_solver("normal" if positive else self.solver, loss=loss_kind,
                                kind=Xm.kind, n_features=d, auto=("normal", "cg", "lbfgs"))
        deferred = not solver.minibatch
        if not deferred:
            Xm.check_finite()
        y, Y, sw = regression_targets(self, Xm, y, sample_weight)
        k = Y.shape[1]
        alpha = _check_alphas(alpha, k)
        self.__dict__.pop("_stream", None)          # partial_fit's sums belong to no fit
        for attr in ("loss_curve_", "rank_"):
            if hasattr(self, attr):
                delattr(self, attr)

        if solver.name == "normal":
            coef, intercept, rank = fit_normal_equation(Xm, Y, sw, alpha, fit_intercept,
                                                        positive=positive)
            self.rank_ = rank
            self.n_iter_ = 1
        else:
            objective = LinearObjective(Xm, Y, sw, k, spec, fit_intercept, 2.0 * alpha)
            objective.check_X_on_first_gradient = deferred
            y_mean = _target_mean(Y, sw)
            theta0 = objective.from_model(np.zeros((k, d)), y_mean if fit_intercept else None)
            previous = self._warm_start_coef(k, d) if self.warm_start else None
            if previous is not None:
                theta0 = objective.from_model(*previous)
            res = run_solver(self, solver, objective, theta0, max_iter=max_iter, tol=tol)
            coef, intercept = objective.to_model(res.x)
            self.n_iter_ = int(res.n_iter)
            self.loss_curve_ = list(res.curve)

        self._set_coef(coef, intercept, y.ndim, Xm.dtype)
        return self

    def _set_coef(self, coef, intercept, y_ndim, dtype):
        fit_intercept = bool(self.fit_intercept)
        # shapes as scikit-learn: 1-D y -> coef_ (d,), intercept_ scalar; 2-D y ->
        # coef_ (k, d), intercept_ (k,); intercept_ = 0.0 without intercept
        self.coef_ = np.asarray(coef[0] if y_ndim == 1 else coef, dtype=dtype)
        if not fit_intercept:
            self.intercept_ = 0.0
        elif y_ndim == 1:
            self.intercept_ = dtype.type(intercept[0])
        else:
            self.intercept_ = np.asarray(intercept, dtype=dtype)

    # ----------------------------------------------------------------- streaming

    def _can_stream(self):
        return (isinstance(self.solver, str) and self.solver.lower() in ("auto", "normal")
                and isinstance(self.loss, str) and self.loss.lower() in ("squared_error",
                                                                          "mse", "l2"))

    @available_if(_can_stream)
    def partial_fit(self, X, y, sample_weight=None):
        """Add the rows (X, y, sample_weight) to the fit; returns self.

        The normal equation is additive over rows: each call adds the
        chunk's weighted Gram of [X - s, y - s_y, 1] to a running sum (s the
        shift taken from the first chunk, so that the sums of squares do not
        cancel; the exact centring is the rank-one correction of the sums)
        and solves the normal equation, so ``coef_`` / ``intercept_`` are
        always those of one ``fit`` on all rows seen so far (to rounding:
        1e-10 relative in the tests).  Any chunk source works (memmaps,
        generators, file readers, any kind of X the estimators accept).

        Only ``loss="squared_error"`` with ``solver="auto"`` / ``"normal"``
        (the other losses have no additive sufficient statistics: fit them
        with ``fit`` on a ``ChunkedMatrix``); with other parameters the
        estimator has no ``partial_fit`` attribute (scikit-learn's
        ``available_if``).  ``alpha`` may change between
        calls (it enters at the solve); ``fit_intercept``, the number of
        features and of targets may not.  ``fit`` discards the sums.
        """
        alpha = self.alpha if np.ndim(self.alpha) else check_float(self.alpha, "alpha")
        _, _, loss_kind = _resolve_loss(self.loss)
        solver = resolve_solver(self.solver, loss=loss_kind, auto=("normal", "lbfgs"))
        if solver.name != "normal":
            raise ValueError("partial_fit accumulates the normal equation: it needs "
                             "loss='squared_error' and solver='auto' or 'normal', got "
                             f"loss={self.loss!r}, solver={self.solver!r}")
        fit_intercept = bool(self.fit_intercept)
        check_y_present(self, y)
        stream = getattr(self, "_stream", None)
        first = stream is None
        Xm = design_matrix(self, X, reset=first, finite=False)
        n, d = Xm.shape
        y, Y, sw = regression_targets(self, Xm, y, sample_weight)
        k = Y.shape[1]
        if first:
            shift = None
            if fit_intercept:
                shift = np.concatenate([Xm.centre_estimate(sw), shift_estimate(Y, sw)])
            stream = {"shift": shift, "G": None, "k": k, "y_ndim": y.ndim,
                      "fit_intercept": fit_intercept, "dtype": Xm.dtype, "n": 0}
        elif fit_intercept != stream["fit_intercept"]:
            raise ValueError("fit_intercept changed between partial_fit calls")
        elif k != stream["k"] or y.ndim != stream["y_ndim"]:
            raise ValueError(f"y has {k} target(s) of {y.ndim} dimension(s), the previous "
                             f"partial_fit calls had {stream['k']} of {stream['y_ndim']}")
        weights = None if sw is None else sw.reshape(n, 1)
        G = Xm.gram(weights, shift=stream["shift"], ones=fit_intercept, Y=Y)[0]
        Xm.check_finite_after(G)
        stream["G"] = G if stream["G"] is None else stream["G"] + G
        stream["n"] += n
        self._stream = stream
        for attr in ("loss_curve_",):
            if hasattr(self, attr):
                delattr(self, attr)
        coef, intercept, rank = solve_normal_gram(stream["G"], stream["shift"], d, k,
                                                  _check_alphas(alpha, k), fit_intercept)
        self.rank_ = rank
        self.n_iter_ = 1
        self._set_coef(coef, intercept, stream["y_ndim"], stream["dtype"])
        return self

    def _warm_start_coef(self, k, d):
        """(coef (k, d), intercept (k,)) of the previous fit when its shapes
        match, else None."""
        coef = getattr(self, "coef_", None)
        if coef is None or np.size(coef) != k * d:
            return None
        intercept = np.broadcast_to(np.asarray(self.intercept_, dtype=np.float64), (k,))
        return np.asarray(coef, dtype=np.float64).reshape(k, d), intercept



def r2_score(y_true, y_pred, sample_weight=None):
    """R^2 as scikit-learn's r2_score (multioutput="uniform_average",
    force_finite=True)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim == 1:
        y_true = y_true.reshape(-1, 1)
    if y_pred.ndim == 1:
        y_pred = y_pred.reshape(-1, 1)
    check_consistent_length(y_true.shape[0], y_pred.shape[0])
    w = (np.ones(y_true.shape[0]) if sample_weight is None
         else np.asarray(sample_weight, dtype=np.float64))
    num = (w[:, None] * (y_true - y_pred) ** 2).sum(axis=0)
    mean = np.average(y_true, axis=0, weights=w)
    den = (w[:, None] * (y_true - mean) ** 2).sum(axis=0)
    scores = np.ones(y_true.shape[1])
    ok = den != 0
    scores[ok] = 1.0 - num[ok] / den[ok]
    scores[(num != 0) & ~ok] = 0.0
    return float(scores.mean())


class Ridge(LinearRegression):
    """``LinearRegression`` with an L2 penalty by default (``alpha=1.0``):
    minimises ||y - X coef||^2_W + alpha ||coef||^2 (scikit-learn's Ridge
    objective) by the normal equation unless another loss or solver is given.
    See ``LinearRegression`` for the parameters and attributes."""

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="auto", loss="squared_error",
                 max_iter=200, tol=1e-4, learning_rate=None, batch_size="auto",
                 n_iter_no_change=5, random_state=None, warm_start=False, positive=False,
                 verbose=0):
        super().__init__(fit_intercept=fit_intercept, solver=solver, loss=loss, alpha=alpha,
                         max_iter=max_iter, tol=tol, learning_rate=learning_rate,
                         batch_size=batch_size, n_iter_no_change=n_iter_no_change,
                         random_state=random_state, warm_start=warm_start, positive=positive,
                         verbose=verbose)
