"""LogisticRegression: binary (sigmoid) and multinomial (softmax), with
scikit-learn's objective so that the coefficients agree for the same C.
"""
import numbers
import warnings

import numpy as np

from ..activations import log_softmax, softmax
from ._base import (DataConversionWarning, _Estimator, _is_sparse, check_consistent_length,
                    check_finite, check_float, check_int, check_is_fitted, check_y_present,
                    run_solver, sk_compatible, validate_sample_weight)
from ._matrix import design_matrix
from ._objective import KIND_ELEMENTWISE, KIND_ROWWISE, LinearObjective, LossSpec
from ._solvers import resolve_solver


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


def _two_class_logits(s):
    """Binary decision values s as the logits [0, s] of a 2-class softmax
    (softmax([0, s]) = [sigmoid(-s), sigmoid(s)]); (n, C) scores unchanged."""
    if s.ndim == 2:
        return s
    return np.column_stack([np.zeros_like(s), s])


# "auto": Newton with coordinate descent for L1 / elastic net, else L-BFGS
_AUTO = {"l1": ("newton-cd",), "l2": ("lbfgs",)}


class LogisticRegression(_Estimator):
    """Logistic regression, binary (sigmoid) and multinomial (softmax).

    Minimises scikit-learn's objective

        C * sum_i w_i loss_i + l1_ratio ||coef||_1 + 0.5 (1 - l1_ratio) ||coef||^2

    (no penalty for C = np.inf)
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
    penalty : deprecated, as in scikit-learn 1.8: "l2" is l1_ratio=0, "l1"
        l1_ratio=1, "elasticnet" the given l1_ratio, None C=np.inf; passing
        it gives a FutureWarning.
    C : float > 0, default 1.0 -- inverse regularisation strength (np.inf: no
        penalty)
    l1_ratio : float in [0, 1], default 0.0 -- 0 is L2, 1 is L1, in between
        the elastic net (scikit-learn >= 1.8); l1_ratio > 0 needs
        solver="newton-cd" (the default then): L-BFGS and Newton are for
        smooth objectives and refuse it with a ValueError.
    class_weight : None, "balanced" or dict, default None -- multiplies
        sample_weight per class (scikit-learn's semantics: "balanced" gives
        class c the weight sum(w) / (n_classes * sum of w over class c); a
        dict maps labels to weights, missing labels weigh 1).
    warm_start : bool, default False -- start from the previous fit's coef_ /
        intercept_ when the classes and shapes match.
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
    loss_curve_ : list of float -- the objective per unit weight,
        (C sum_i w_i l_i + 0.5 ||coef||^2) / (C sum(w)), after each iteration
        (epoch)
    n_features_in_, feature_names_in_

    float32 X stays float32 (coef_, probabilities); the kernels compute the
    losses and derivatives of each block in float64.  The solvers work in
    standardised coordinates (columns centred and scaled implicitly, see
    LinearRegression), so offsets and scales of the columns do not slow
    them; tol applies to the gradient in those coordinates.  X is used
    without a copy when it is C-contiguous float32 / float64.
    """

    _estimator_type = "classifier"

    def __init__(self, penalty="deprecated", C=1.0, fit_intercept=True, solver="auto",
                 max_iter=100, tol=1e-4, *, l1_ratio=0.0, class_weight=None, warm_start=False,
                 learning_rate=None, batch_size="auto", n_iter_no_change=5, random_state=None,
                 verbose=0):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    def _penalty(self):
        """(l1, l2): the penalty l1 ||coef||_1 + 0.5 l2 ||coef||^2 of the
        objective divided by C (l1 = l1_ratio / C, l2 = (1 - l1_ratio) / C;
        both 0 for C = np.inf), and the registry's penalty name."""
        C = self.C
        if not (isinstance(C, (int, float, np.integer, np.floating)) and not isinstance(C, bool)
                and C > 0):
            raise ValueError(f"C must be a number > 0 (np.inf: no penalty), got {C!r}")
        l1_ratio = self.l1_ratio
        if not (isinstance(l1_ratio, (int, float, np.integer, np.floating))
                and not isinstance(l1_ratio, bool) and 0.0 <= l1_ratio <= 1.0):
            raise ValueError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}")
        l1_ratio = float(l1_ratio)
        penalty = self.penalty
        if penalty != "deprecated":
            if penalty not in ("l2", "l1", "elasticnet", None):
                raise ValueError(f"penalty must be 'l2', 'l1', 'elasticnet' or None, got "
                                 f"{penalty!r}")
            warnings.warn("'penalty' is deprecated (as in scikit-learn 1.8): use l1_ratio=0 "
                          "for 'l2', l1_ratio=1 for 'l1', 0 < l1_ratio < 1 for 'elasticnet' "
                          "and C=np.inf for None.", FutureWarning, stacklevel=3)
            if penalty is None:
                C = np.inf
            elif penalty != "elasticnet":
                l1_ratio = 1.0 if penalty == "l1" else 0.0
        if C == np.inf:
            return 0.0, 0.0, "l2"
        C = float(C)
        return l1_ratio / C, (1.0 - l1_ratio) / C, ("l1" if l1_ratio > 0 else "l2")

    def _sample_weights(self, sw, classes, y_idx, dtype):
        """sample_weight times the class weights (scikit-learn's class_weight:
        a dict label -> weight, missing labels weigh 1, or "balanced":
        sum(w) / (n_classes * the weighted count of the class)); None when
        both are absent."""
        cw = self.class_weight
        if cw is None:
            return sw
        if isinstance(cw, str) and cw == "balanced":
            counts = np.bincount(y_idx, weights=sw, minlength=len(classes)).astype(np.float64)
            per_class = counts.sum() / (len(classes) * np.where(counts > 0, counts, 1.0))
        elif isinstance(cw, dict):
            unknown = [key for key in cw if key not in set(classes.tolist())]
            if unknown:
                raise ValueError(f"The given class_weight dict must have the class labels as "
                                 f"keys; {unknown} are not among the classes "
                                 f"{classes.tolist()}")
            per_class = np.array([float(cw.get(c, 1.0)) for c in classes.tolist()])
            if not np.all(np.isfinite(per_class)) or np.any(per_class < 0):
                raise ValueError(f"class weights must be finite and >= 0, got {cw}")
        else:
            raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}")
        w = per_class[y_idx]
        if sw is not None:
            w = w * sw
        if not np.any(w > 0):
            raise ValueError("The class weights times sample_weight are all zero.")
        return np.ascontiguousarray(w, dtype=dtype)

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        l1, l2, penalty = self._penalty()
        tol = check_float(self.tol, "tol")
        max_iter = check_int(self.max_iter, "max_iter", 1)
        fit_intercept = bool(self.fit_intercept)
        check_y_present(self, y)
        # lbfgs / newton check X for NaN/inf on their first pass (check_finite_after)
        Xm = design_matrix(self, X, reset=True, finite=False)
        n, d = Xm.shape
        solver = resolve_solver(self.solver, loss="logistic", penalty=penalty, kind=Xm.kind,
                                n_features=d, auto=_AUTO[penalty])
        deferred = not solver.minibatch
        if not deferred:
            Xm.check_finite()
        y = _check_classification_targets(y, n)
        sw = validate_sample_weight(sample_weight, n, Xm.dtype)
        classes, y_idx = _encode_labels(y)
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        if sw is not None:
            present = np.bincount(y_idx, weights=sw, minlength=len(classes)) > 0
            if present.sum() < 2:
                raise ValueError("This solver needs samples of at least 2 classes with a "
                                 "positive sample_weight, but the data contains only one "
                                 f"such class: {classes[present][0]!r}")
        sw = self._sample_weights(sw, classes, y_idx, Xm.dtype)
        n_classes = len(classes)
        if n_classes == 2:
            k = 1
            y_kernel = (y_idx == 1).astype(Xm.dtype).reshape(n, 1)
            spec = LossSpec(KIND_ELEMENTWISE, 1, "bce_logits", (1.0, 1.0, 0.0, 0.0))
        else:
            k = n_classes
            y_kernel = np.ascontiguousarray(y_idx, dtype=np.int64)
            spec = LossSpec(KIND_ROWWISE, 0, "softmax_xent_sparse")
        objective = LinearObjective(Xm, y_kernel, sw, k, spec, fit_intercept, l2)
        objective.check_X_on_first_gradient = deferred
        theta0 = np.zeros(objective.n_params)
        previous = getattr(self, "coef_", None)
        if (self.warm_start and previous is not None and previous.shape == (k, d)
                and np.array_equal(getattr(self, "classes_", None), classes)):
            theta0 = objective.from_model(previous, self.intercept_ if fit_intercept else None)
        objective.l1 = l1
        res = run_solver(self, solver, objective, theta0, max_iter=max_iter, tol=tol)
        coef, intercept = objective.to_model(res.x)
        if intercept is None:
            intercept = np.zeros(k)
        self.classes_ = classes
        self.n_iter_ = np.array([res.n_iter], dtype=np.int32)
        self.loss_curve_ = list(res.curve)
        self.intercept_ = np.asarray(intercept, dtype=Xm.dtype).copy()
        self.coef_ = np.asarray(coef, dtype=Xm.dtype).copy()
        return self

    # ----------------------------------------------------------------- predict

    def decision_function(self, X):
        """Logits: (n,) for two classes (of classes_[1]), else (n, n_classes)."""
        check_is_fitted(self)
        Xm = design_matrix(self, X, reset=False)
        scores = Xm.matvec(self.coef_, self.intercept_)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities (n, n_classes): sigmoid / softmax of the logits."""
        s = self.decision_function(X)
        return softmax(_two_class_logits(s), axis=1)

    def predict_log_proba(self, X):
        """Log of predict_proba, computed stably."""
        s = self.decision_function(X)
        return log_softmax(_two_class_logits(s), axis=1)

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
