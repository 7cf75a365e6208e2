"""LinearRegression and Ridge: least squares by the normal equation, and any
regression loss of ``lossfast.losses`` by L-BFGS or a mini-batch optimizer.
"""
import numbers
import warnings

import numpy as np

from .. import _lossfast as _core
from .._validation import show
from ._base import (ConvergenceWarning, LinAlgWarning, _as_float_array, _Estimator,
                    check_consistent_length, check_finite, check_finite_after, check_is_fitted,
                    check_random_state, check_y_present, sk_compatible,
                    validate_sample_weight, validate_X)
from ._objective import KIND_ELEMENTWISE, LinearObjective, LossSpec
from ._solvers import cholesky_solve, get_optimizer, lbfgs, minibatch

_LOSS_ALIASES = {"squared_error": "mse", "absolute_error": "mae"}
# Normal equations whose estimated reciprocal condition number (after scaling
# to unit diagonal) is below this are solved by least squares instead.
_RCOND_MIN = 1e-10


def check_solver_name(solver, builtin):
    """`solver` if it is a built-in solver or an optimizer ``lossfast.optim.get``
    knows, else a ValueError listing the choices."""
    if solver in builtin:
        return solver
    from .. import optim
    optimizers = tuple(optim.available())
    if solver.replace("-", "").replace("_", "") in optimizers:
        return solver
    raise ValueError(f"solver must be one of {builtin + optimizers}, got {solver!r}")


def _resolve_loss(loss):
    """The lossfast loss object and its kernel spec for `loss` (a name, an
    alias such as "squared_error", a Loss class or instance)."""
    from .. import losses as L
    if isinstance(loss, str):
        loss = _LOSS_ALIASES.get(loss.lower(), loss)
    obj = L.get(loss)
    if isinstance(obj, L.RootMeanSquaredError):
        raise ValueError("loss='rmse' is not a sum over samples; use loss='squared_error', "
                         "which has the same minimiser")
    if not isinstance(obj, L.ElementwiseLoss) or obj._family != 0:
        raise ValueError(f"LinearRegression needs an elementwise regression loss, got {obj!r}")
    return obj, LossSpec(KIND_ELEMENTWISE, obj._family, obj._kernel, obj._params())


def _is_squared_error(loss_obj):
    from .. import losses as L
    return type(loss_obj) is L.MeanSquaredError


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {show(value)}")
    return int(value)


def _check_float(value, name, *, minimum=0.0, strict=False, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {show(value)}")
    value = float(value)
    bad = (value <= minimum) if strict else (value < minimum)
    if bad or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} "
                         f"{minimum}, got {value!r}")
    return value


def objective_ftol(dtype):
    """Relative decrease of the objective below which L-BFGS / Newton stop:
    64 float64 epsilons (SciPy's L-BFGS-B setting in scikit-learn) for either
    dtype -- the kernel computes per-sample losses in float64 for float32
    data too, so the objective is accurate to float64 rounding."""
    return 64.0 * float(np.finfo(np.float64).eps)


def _batch_size(batch_size, n):
    if isinstance(batch_size, str) and batch_size == "auto":
        return min(200, n)
    return min(_check_int(batch_size, "batch_size", 1), n)


def fit_normal_equation(X, Y, sample_weight, alpha, fit_intercept):
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

    Returns coef (k, d) float64, intercept (k,) float64 and the rank.
    """
    n, d = X.shape
    k = Y.shape[1]
    shift = None
    if fit_intercept:
        rows = np.unique(np.linspace(0, n - 1, min(n, 1024)).astype(np.intp))
        sample = np.hstack([X[rows], Y[rows]]).astype(np.float64)
        ws = None if sample_weight is None else sample_weight[rows].astype(np.float64)
        if ws is not None and ws.sum() > 0:
            shift = ws @ sample / ws.sum()
        else:
            shift = sample.mean(axis=0)
        shift = np.ascontiguousarray(shift)
    D = d + k + (1 if fit_intercept else 0)
    G = np.empty((1, D, D))
    _core.lm_gram(X, Y, None if sample_weight is None else sample_weight.reshape(n, 1),
                  shift, fit_intercept, G)
    G = G[0]
    check_finite_after(X, G)
    if fit_intercept:
        sw_total = G[-1, -1]
        delta = G[:d + k, -1] / sw_total
        Gc = G[:d + k, :d + k] - sw_total * np.outer(delta, delta)
        means = shift + delta
        x_mean, y_mean = means[:d], means[d:]
    else:
        Gc = G
        x_mean, y_mean = np.zeros(d), np.zeros(k)
    A = Gc[:d, :d].copy()
    A[np.diag_indices(d)] += alpha
    coef, rcond = cholesky_solve(A, Gc[:d, d:])
    rank = d
    if coef is None or rcond < _RCOND_MIN:
        what = "singular" if coef is None else f"ill-conditioned (rcond ~ {rcond:.1e})"
        coef, rank = _lstsq(X, Y, sample_weight, alpha, x_mean, y_mean, fit_intercept)
        warnings.warn(f"The normal equations are {what}: solved by least squares "
                      f"(numpy.linalg.lstsq) instead; rank_ = {rank}.", LinAlgWarning, stacklevel=3)
    intercept = y_mean - x_mean @ coef
    return np.ascontiguousarray(coef.T), intercept, rank


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


class LinearRegression(_Estimator):
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
    alpha : float >= 0, default 0.0
        L2 penalty strength.
    max_iter : int, default 200
        Iterations of L-BFGS, or epochs of a mini-batch optimizer.
    tol : float, default 1e-4
        L-BFGS stops when max |gradient| of the objective divided by sum(w) is
        <= tol, or when an iteration decreases it by less than 64 float64
        epsilons relative (SciPy's L-BFGS-B rule as scikit-learn uses it); a
        mini-batch optimizer stops when the epoch objective has not improved
        by more than tol for ``n_iter_no_change`` epochs.
    learning_rate : float or None, default None (the optimizer's default)
    batch_size : int or "auto" (min(200, n_samples))
    n_iter_no_change : int, default 5
    random_state : None, int, RandomState or Generator (mini-batch shuffling)
    verbose : int, default 0 (> 0 prints one line per iteration)

    Attributes
    ----------
    coef_ : (n_features,) or (n_targets, n_features), X's dtype
    intercept_ : float or (n_targets,), X's dtype (0.0 without intercept)
    n_features_in_, feature_names_in_ (when X has string column names)
    n_iter_ : int -- solver iterations (1 for the normal equation)
    rank_ : int -- rank of the centred X (normal equation only; n_features
        when Cholesky succeeded)
    loss_curve_ : list of float -- objective (divided by sum(w)) after each
        iteration (iterative solvers only)

    float32 X is kept float32 (no copy) and gives float32 coef_ / predictions;
    inside, the kernels compute each block's decision values, losses and
    derivatives in float64 and accumulate in float64, so the fit is as
    accurate as for the same numbers in float64.  The normal equation is
    one pass over X (a blocked weighted Gram matrix in C, computed only in
    its upper triangle); L-BFGS evaluates objective and gradient in one pass
    over X per step.  NaN / inf in X, y or sample_weight are a ValueError
    with scikit-learn's messages; sample_weight must be >= 0 and not all 0.
    """

    _estimator_type = "regressor"

    def __init__(self, fit_intercept=True, solver="auto", loss="squared_error", alpha=0.0, *,
                 max_iter=200, tol=1e-4, learning_rate=None, batch_size="auto",
                 n_iter_no_change=5, random_state=None, verbose=0):
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
        self.verbose = verbose

    # ----------------------------------------------------------------- fit

    def _resolve_solver(self, loss_obj):
        solver = self.solver
        if not isinstance(solver, str):
            raise ValueError(f"solver must be a string, got {solver!r}")
        solver = solver.lower()
        if solver == "auto":
            return "normal" if _is_squared_error(loss_obj) else "lbfgs"
        if solver == "normal":
            if not _is_squared_error(loss_obj):
                raise ValueError(f"solver='normal' needs loss='squared_error', got "
                                 f"loss={self.loss!r}; use solver='lbfgs' or an optimizer")
            return solver
        return check_solver_name(solver, ("auto", "normal", "lbfgs"))

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        alpha = _check_float(self.alpha, "alpha")
        tol = _check_float(self.tol, "tol")
        max_iter = _check_int(self.max_iter, "max_iter", 1)
        loss_obj, spec = _resolve_loss(self.loss)
        solver = self._resolve_solver(loss_obj)
        fit_intercept = bool(self.fit_intercept)
        check_y_present(self, y)
        # the NaN/inf check of X rides on the first pass over X (check_finite_after)
        deferred = solver in ("normal", "lbfgs")
        X = validate_X(self, X, reset=True, finite=not deferred)
        n, d = X.shape
        y = _as_float_array(y, "y", type(self).__name__, dtype=X.dtype)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
        check_consistent_length(n, y.shape[0])
        check_finite(y, "y")
        Y = np.ascontiguousarray(y.reshape(n, -1))
        k = Y.shape[1]
        sw = validate_sample_weight(sample_weight, n, X.dtype)
        for attr in ("loss_curve_", "rank_"):
            if hasattr(self, attr):
                delattr(self, attr)

        if solver == "normal":
            coef, intercept, rank = fit_normal_equation(X, Y, sw, alpha, fit_intercept)
            self.rank_ = rank
            self.n_iter_ = 1
        else:
            objective = LinearObjective(X, Y, sw, k, spec, fit_intercept, 2.0 * alpha)
            objective.check_X_on_first_gradient = deferred
            theta0 = np.zeros(objective.n_params)
            if fit_intercept:
                theta0[k * d:] = (np.average(Y, axis=0, weights=sw) if sw is not None
                                  else Y.mean(axis=0, dtype=np.float64))
            name = f"{type(self).__name__}:{solver}"
            if solver == "lbfgs":
                res = lbfgs(objective.loss_grad, theta0, max_iter=max_iter, gtol=tol,
                            ftol=objective_ftol(X.dtype), verbose=self.verbose, name=name)
            else:
                res = _run_minibatch(self, objective, X, Y, sw, spec, theta0, solver, tol,
                                     max_iter, name)
            if not res.converged:
                warnings.warn(f"{name} did not converge after {res.n_iter} iterations "
                              f"({res.message}); increase max_iter, scale the data or adjust "
                              "tol.", sk_compatible(ConvergenceWarning), stacklevel=2)
            coef, intercept = objective.split(res.x)
            if intercept is None:
                intercept = np.zeros(k)
            self.n_iter_ = int(res.n_iter)
            self.loss_curve_ = list(res.curve)

        dtype = X.dtype
        if not fit_intercept:
            intercept = np.zeros(k)
        # shapes as scikit-learn: 1-D y -> coef_ (d,), intercept_ scalar; 2-D y ->
        # coef_ (k, d), intercept_ (k,); intercept_ = 0.0 without intercept
        self.coef_ = np.asarray(coef[0] if y.ndim == 1 else coef, dtype=dtype)
        if not fit_intercept:
            self.intercept_ = 0.0
        elif y.ndim == 1:
            self.intercept_ = dtype.type(intercept[0])
        else:
            self.intercept_ = np.asarray(intercept, dtype=dtype)
        return self

    # ----------------------------------------------------------------- predict

    def predict(self, X):
        """X @ coef_.T + intercept_."""
        check_is_fitted(self)
        X = validate_X(self, X, reset=False)
        return X @ self.coef_.T + self.intercept_

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 (weighted; averaged over outputs)."""
        y_pred = self.predict(X)
        return r2_score(y, y_pred, sample_weight)


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


def _run_minibatch(est, objective, X, Y, sw, spec, theta0, solver, tol, max_iter, name):
    """Mini-batch training of (coef, intercept) with a lossfast.optim optimizer."""
    n, d = X.shape
    k = objective.k
    dtype = X.dtype
    kd = k * d
    coef = np.ascontiguousarray(theta0[:kd].reshape(k, d), dtype=dtype)
    params = [coef]
    if objective.fit_intercept:
        intercept = np.ascontiguousarray(theta0[kd:], dtype=dtype)
        params.append(intercept)
    opt = get_optimizer(solver, params, est.learning_rate)
    bs = _batch_size(est.batch_size, n)
    rng = check_random_state(est.random_state)
    n_no_change = _check_int(est.n_iter_no_change, "n_iter_no_change", 1)

    def to_theta():
        return np.concatenate([p.reshape(-1).astype(np.float64) for p in params])

    def batch_objective(idx):
        swb = None if sw is None else sw[idx]
        if swb is not None and not np.any(swb > 0):
            return None
        ob = LinearObjective(X[idx], Y[idx], swb, k, spec, objective.fit_intercept,
                             objective.l2, total_weight=objective.sw_sum)
        f, g = ob.loss_grad(to_theta())
        grads = [g[:kd].reshape(k, d).astype(dtype)]
        if objective.fit_intercept:
            grads.append(g[kd:].astype(dtype))
        return f, grads

    return minibatch(batch_objective, params, to_theta, opt, n_samples=n, batch_size=bs,
                     max_iter=max_iter, tol=tol, n_iter_no_change=n_no_change, rng=rng,
                     verbose=est.verbose, name=name)


class Ridge(LinearRegression):
    """``LinearRegression`` with an L2 penalty by default (``alpha=1.0``):
    minimises ||y - X coef||^2_W + alpha ||coef||^2 (scikit-learn's Ridge
    objective) by the normal equation unless another loss or solver is given.
    See ``LinearRegression`` for the parameters and attributes."""

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="auto", loss="squared_error",
                 max_iter=200, tol=1e-4, learning_rate=None, batch_size="auto",
                 n_iter_no_change=5, random_state=None, verbose=0):
        super().__init__(fit_intercept=fit_intercept, solver=solver, loss=loss, alpha=alpha,
                         max_iter=max_iter, tol=tol, learning_rate=learning_rate,
                         batch_size=batch_size, n_iter_no_change=n_iter_no_change,
                         random_state=random_state, verbose=verbose)
