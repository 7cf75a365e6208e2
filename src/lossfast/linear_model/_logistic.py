"""LogisticRegression: binary (sigmoid) and multinomial (softmax), with
scikit-learn's objective so that the coefficients agree for the same C.
"""
import numbers
import warnings

import numpy as np

from .. import _lossfast as _core
from .._validation import show
from ._base import (ConvergenceWarning, DataConversionWarning, _Estimator, _is_sparse,
                    check_consistent_length, check_finite, check_is_fitted, check_y_present,
                    sk_compatible, validate_sample_weight, validate_X)
from ._linear import (_check_float, _check_int, _run_minibatch, check_solver_name,
                      objective_ftol)
from ._objective import KIND_ELEMENTWISE, KIND_ROWWISE, LinearObjective, LossSpec
from ._solvers import lbfgs, newton


def _check_classification_targets(y, n):
    """y as a 1-D array of class labels, with scikit-learn's checks and messages."""
    if _is_sparse(y):
        raise TypeError("Sparse data was passed for y, but dense data is required.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                      "change the shape of y to (n_samples, ), for example using ravel().",
                      sk_compatible(DataConversionWarning), stacklevel=3)
        y = y.ravel()
    elif y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    check_consistent_length(n, y.shape[0])
    if y.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    values = y
    if y.dtype.kind == "O" and all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                   for v in y):
        values = y.astype(np.float64)
    if values.dtype.kind == "f":
        check_finite(values, "y")
        if np.any(values != np.floor(values)):
            raise ValueError(
                "Unknown label type: continuous. Maybe you are trying to fit a classifier, "
                "which expects discrete classes on a regression target with continuous values.")
    return y


def _encode_labels(y):
    """(classes_, index of each label in classes_): np.unique, or for small
    non-negative integer labels a bincount (no sort)."""
    if y.dtype.kind in "iu" and y.size and y.min() >= 0 and y.max() < max(1024, 4 * y.size):
        present = np.bincount(y) > 0
        classes = np.flatnonzero(present).astype(y.dtype)
        lookup = np.cumsum(present) - 1
        return classes, lookup[y]
    classes, idx = np.unique(y, return_inverse=True)
    return classes, idx.reshape(-1)


def _sigmoid(z):
    """1 / (1 + exp(-z)) without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _log_sigmoid(z):
    """log(sigmoid(z)) = -softplus(-z), stable."""
    return np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))


def _log_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    S = Z - m
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))


class LogisticRegression(_Estimator):
    """Logistic regression, binary (sigmoid) and multinomial (softmax).

    Minimises scikit-learn's objective

        C * sum_i w_i loss_i + 0.5 * ||coef||^2      (penalty="l2")
        sum_i w_i loss_i                               (penalty=None)

    with loss_i the log loss of sample i (binary cross-entropy from the logit
    z_i = x_i . coef + intercept for two classes; softmax cross-entropy of
    z_i = coef x_i + intercept for more) and the intercept not penalised, so
    ``coef_`` / ``intercept_`` agree with scikit-learn's for the same C.  The
    multinomial model keeps one row of coefficients per class (scikit-learn's
    symmetric parametrisation; the intercepts then sum to zero).  The solvers
    minimise that objective divided by C * sum(w) (as scikit-learn does),
    whose value per iteration is ``loss_curve_``.

    Parameters
    ----------
    penalty : {"l2", None}, default "l2"
    C : float > 0, default 1.0 -- inverse regularisation strength (np.inf: no
        penalty, as penalty=None; scikit-learn >= 1.8 spells it that way)
    fit_intercept : bool, default True
    solver : {"auto", "lbfgs", "newton"} or an optimizer name of ``lossfast.optim``
        "lbfgs": L-BFGS over the fused loss/gradient kernel (one pass over X per
        evaluation).  "newton" (alias "newton-cholesky"): Newton's method with
        the Hessian X^T D X built by the blocked Gram kernel (k (k + 1) / 2
        weighted Grams for k classes), solved by Cholesky, with a backtracking
        line search.  An optimizer name ("sgd", "adam", ...) runs shuffled
        mini-batches.  "auto" is "lbfgs" (scikit-learn's default): one pass
        over X per step, whereas a Newton step also builds the Hessian, which
        costs O(n d^2) (k (k + 1) / 2 times that for k classes); "newton"
        pays off for few features or badly conditioned problems.
    max_iter : int, default 100 (epochs for a mini-batch optimizer)
    tol : float, default 1e-4 -- stop when max |gradient| of the normalised
        objective <= tol (as scikit-learn's lbfgs), or when the relative
        decrease of the objective is below 64 machine epsilons; mini-batch
        optimizers as in LinearRegression.
    learning_rate, batch_size, n_iter_no_change, random_state : mini-batch
        optimizers only (see LinearRegression).
    verbose : int, default 0 (> 0 prints one line per iteration)

    Attributes
    ----------
    classes_ : (n_classes,) sorted labels
    coef_ : (1, n_features) for two classes, else (n_classes, n_features); X's dtype
    intercept_ : (1,) or (n_classes,); zeros without intercept
    n_iter_ : ndarray of shape (1,) -- iterations of the solver
    loss_curve_ : list of float -- normalised objective after each iteration
    n_features_in_, feature_names_in_

    float32 X stays float32 (coef_, probabilities); the kernels compute the
    losses and derivatives of each block in float64.  With the same C, tol and
    data, solver="lbfgs" takes the same iterates as scikit-learn's lbfgs (same
    first step and stopping rules), with one pass over X per evaluation.
    """

    _estimator_type = "classifier"

    def __init__(self, penalty="l2", C=1.0, fit_intercept=True, solver="auto", max_iter=100,
                 tol=1e-4, *, learning_rate=None, batch_size="auto", n_iter_no_change=5,
                 random_state=None, verbose=0):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    def _resolve_solver(self):
        solver = self.solver
        if not isinstance(solver, str):
            raise ValueError(f"solver must be a string, got {solver!r}")
        solver = solver.lower()
        if solver == "auto":
            return "lbfgs"
        if solver in ("newton", "newton-cholesky"):
            return "newton"
        return check_solver_name(solver, ("auto", "lbfgs", "newton", "newton-cholesky"))

    def _l2(self):
        C = self.C
        if not (isinstance(C, (int, float, np.integer, np.floating)) and not isinstance(C, bool)
                and C > 0):
            raise ValueError(f"C must be a number > 0 (np.inf: no penalty), got {show(C)}")
        if self.penalty is None or C == np.inf:
            return 0.0
        if self.penalty == "l2":
            return 1.0 / float(C)
        if self.penalty in ("l1", "elasticnet"):
            raise NotImplementedError(f"penalty={self.penalty!r} is not implemented; use "
                                      "'l2' or None")
        raise ValueError(f"penalty must be 'l2' or None, got {self.penalty!r}")

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        l2 = self._l2()
        tol = _check_float(self.tol, "tol")
        max_iter = _check_int(self.max_iter, "max_iter", 1)
        solver = self._resolve_solver()
        fit_intercept = bool(self.fit_intercept)
        check_y_present(self, y)
        # lbfgs / newton check X for NaN/inf on their first pass (check_finite_after)
        deferred = solver in ("lbfgs", "newton")
        X = validate_X(self, X, reset=True, finite=not deferred)
        n, d = X.shape
        y = _check_classification_targets(y, n)
        sw = validate_sample_weight(sample_weight, n, X.dtype)
        classes, y_idx = _encode_labels(y)
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {show(classes[0])}")
        if sw is not None:
            present = np.bincount(y_idx, weights=sw, minlength=len(classes)) > 0
            if present.sum() < 2:
                raise ValueError("This solver needs samples of at least 2 classes with a "
                                 "positive sample_weight, but the data contains only one "
                                 f"such class: {show(classes[present][0])}")
        n_classes = len(classes)
        if n_classes == 2:
            k = 1
            y_kernel = (y_idx == 1).astype(X.dtype).reshape(n, 1)
            spec = LossSpec(KIND_ELEMENTWISE, 1, "bce_logits", (1.0, 1.0, 0.0, 0.0))
        else:
            k = n_classes
            y_kernel = np.ascontiguousarray(y_idx, dtype=np.int64)
            spec = LossSpec(KIND_ROWWISE, 0, "softmax_xent_sparse")
        objective = LinearObjective(X, y_kernel, sw, k, spec, fit_intercept, l2)
        objective.check_X_on_first_gradient = deferred
        theta0 = np.zeros(objective.n_params)
        name = f"{type(self).__name__}:{solver}"
        if solver == "lbfgs":
            res = lbfgs(objective.loss_grad, theta0, max_iter=max_iter, gtol=tol,
                        ftol=objective_ftol(X.dtype), verbose=self.verbose, name=name)
        elif solver == "newton":
            res = self._newton(objective, theta0, max_iter, tol, name)
        else:
            res = _run_minibatch(self, objective, X, y_kernel, sw, spec, theta0, solver, tol,
                                 max_iter, name)
        if not res.converged:
            warnings.warn(f"{name} did not converge after {res.n_iter} iterations "
                          f"({res.message}); increase max_iter or scale the data.",
                          sk_compatible(ConvergenceWarning), stacklevel=2)
        coef, intercept = objective.split(res.x)
        if intercept is None:
            intercept = np.zeros(k)
        self.classes_ = classes
        self.n_iter_ = np.array([res.n_iter], dtype=np.int32)
        self.loss_curve_ = list(res.curve)
        self.intercept_ = np.asarray(intercept, dtype=X.dtype).copy()
        self.coef_ = np.asarray(coef, dtype=X.dtype).copy()
        return self

    # ----------------------------------------------------------------- Newton

    def _newton(self, objective, theta0, max_iter, tol, name):
        X, sw = objective.X, objective.sw
        n, d = X.shape
        k = objective.k
        fi = objective.fit_intercept
        d1 = d + (1 if fi else 0)
        norm = objective.sw_sum
        ridge = objective.l2 / objective.total_weight

        def fg_z(theta):
            Z = np.empty((n, k), dtype=X.dtype)
            f, g = objective.loss_grad(theta, z_out=Z)
            return f, g, Z

        def hess(theta, Z):
            w = np.ones(n) if sw is None else sw.astype(np.float64)
            if k == 1:
                z = Z[:, 0].astype(np.float64)
                e = np.exp(-np.abs(z))
                D = (w * e / (1.0 + e) ** 2 / norm).astype(X.dtype).reshape(n, 1)
                G = np.empty((1, d1, d1))
                _core.lm_gram(X, None, np.ascontiguousarray(D), None, fi, G)
                H = G[0]
                H[np.arange(d), np.arange(d)] += ridge
                return H
            P = np.exp(_log_softmax(Z.astype(np.float64)))
            pairs = [(a, b) for a in range(k) for b in range(a, k)]
            Wm = np.empty((n, len(pairs)), dtype=X.dtype)
            for m, (a, b) in enumerate(pairs):
                v = -P[:, a] * P[:, b]
                if a == b:
                    v += P[:, a]
                Wm[:, m] = w * v / norm
            G = np.empty((len(pairs), d1, d1))
            _core.lm_gram(X, None, Wm, None, fi, G)
            size = k * d + (k if fi else 0)
            H = np.zeros((size, size))
            kd = k * d
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
            # The softmax is invariant to adding the same vector to every
            # class (coef rows, intercepts): H is singular along those
            # directions, and the gradient has no component along them.  Adding
            # s/k * 1 1^T (x) I there makes H positive definite without
            # changing the Newton step.
            s = float(np.mean(np.diag(H))) or 1.0
            for j in range(d1):
                cols = (np.arange(k) * d + j) if j < d else (kd + np.arange(k))
                H[np.ix_(cols, cols)] += s / k
            return H

        return newton(fg_z, hess, theta0, max_iter=max_iter, gtol=tol,
                      ftol=objective_ftol(X.dtype), verbose=self.verbose, name=name)

    # ----------------------------------------------------------------- predict

    def decision_function(self, X):
        """Logits: (n,) for two classes (of classes_[1]), else (n, n_classes)."""
        check_is_fitted(self)
        X = validate_X(self, X, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities (n, n_classes): sigmoid / softmax of the logits."""
        s = self.decision_function(X)
        if s.ndim == 1:
            return np.column_stack([_sigmoid(-s), _sigmoid(s)])
        return np.exp(_log_softmax(s))

    def predict_log_proba(self, X):
        """Log of predict_proba, computed stably."""
        s = self.decision_function(X)
        if s.ndim == 1:
            return np.column_stack([_log_sigmoid(-s), _log_sigmoid(s)])
        return _log_softmax(s)

    def predict(self, X):
        """The class of largest probability."""
        s = self.decision_function(X)
        idx = (s > 0).astype(np.intp) if s.ndim == 1 else np.argmax(s, axis=1)
        return self.classes_[idx]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (weighted by sample_weight)."""
        y_pred = self.predict(X)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        check_consistent_length(y_pred.shape[0], y.shape[0])
        return float(np.average(y_pred == y, weights=sample_weight))
