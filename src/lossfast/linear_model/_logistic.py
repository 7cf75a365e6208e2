"""LogisticRegression: binary (sigmoid) and multinomial (softmax), with
scikit-learn's objective so that the coefficients agree for the same C.
"""
import numbers
import warnings

import numpy as np

from .._validation import show
from ..activations import log_softmax, softmax
from ._base import (DataConversionWarning, _Estimator, _is_sparse, check_consistent_length,
                    check_finite, check_float, check_int, check_is_fitted, check_y_present,
                    run_solver, sk_compatible, validate_sample_weight)
from ._base import available_if
from ._matrix import design_matrix
from ._objective import LinearObjective, LossSpec
from ._solvers import OBJECTIVE_FORMAT, resolve_solver


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


def classification_targets(est, Xm, y, sample_weight, classes=None):
    """(classes_, the loss kernel's targets, sample_weight) for the matrix
    Xm, with scikit-learn's checks: at least two classes (with a positive
    weight).  Binary targets are an (n, 1) 0/1 array of X's dtype, more
    classes an int64 (n,) vector of class indices.  `classes` (partial_fit)
    fixes the classes; a label outside them is a ValueError.  A kind that
    keeps y distributed (Dask) validates and encodes on its workers
    (``Xm.classification_targets``)."""
    if hasattr(Xm, "classification_targets"):
        return Xm.classification_targets(est, y, sample_weight, classes=classes)
    n = Xm.shape[0]
    y = _check_classification_targets(y, n)
    sw = validate_sample_weight(sample_weight, n, Xm.dtype)
    if classes is None:
        classes, y_idx = _encode_labels(y)
    else:
        y_idx = np.searchsorted(classes, y)
        bad = (y_idx >= len(classes)) | (classes[np.minimum(y_idx, len(classes) - 1)] != y)
        if np.any(bad):
            raise ValueError(f"y contains labels {np.unique(y[bad])[:5]!r} that are not in "
                             f"classes {classes!r}")
        return classes, _kernel_targets(y_idx, len(classes), Xm.dtype), sw
    if len(classes) < 2:
        raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                         f"the data contains only one class: {show(classes[0])}")
    if sw is not None:
        present = np.bincount(y_idx, weights=sw, minlength=len(classes)) > 0
        if present.sum() < 2:
            raise ValueError("This solver needs samples of at least 2 classes with a "
                             "positive sample_weight, but the data contains only one "
                             f"such class: {show(classes[present][0])}")
    return classes, _kernel_targets(y_idx, len(classes), Xm.dtype), sw


def _kernel_targets(y_idx, n_classes, dtype):
    """What the loss kernel takes for class indices y_idx: (n, 1) 0/1 of
    `dtype` for two classes, int64 indices for more."""
    if n_classes == 2:
        return (y_idx == 1).astype(dtype).reshape(-1, 1)
    return np.ascontiguousarray(y_idx, dtype=np.int64)


def _loss_of(n_classes):
    """(k, LossSpec): binary cross-entropy from one logit for two classes,
    softmax cross-entropy of n_classes logits for more."""
    if n_classes == 2:
        return 1, LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    return n_classes, LossSpec("softmax_xent_sparse")


def _map_scores(fn, s, n_out):
    """fn (decision values -> (m, n_out) array) on the decision values s:
    lazily per row chunk for a Dask array, else directly."""
    if hasattr(s, "__dask_graph__"):
        meta = np.empty((0, 0), dtype=s.dtype)
        return s.map_blocks(fn, chunks=(s.chunks[0], (n_out,)),
                            new_axis=[1] if s.ndim == 1 else None, meta=meta)
    return fn(s)


def _two_class_logits(s):
    """Binary decision values s as the logits [0, s] of a 2-class softmax
    (softmax([0, s]) = [sigmoid(-s), sigmoid(s)]); (n, C) scores unchanged."""
    if s.ndim == 2:
        return s
    return np.column_stack([np.zeros_like(s), s])


def apply_class_weight(class_weight, sw, classes, y_idx, dtype, *, only_classes=False):
    """sample_weight times the class weights (scikit-learn's class_weight:
    a dict label -> weight, missing labels weigh 1, or "balanced":
    sum(w) / (n_classes * the weighted count of the class)); None when
    both are absent.  ``only_classes=True`` returns the (n_classes,) weights of
    the classes instead (shared with LinearClassifier's one-vs-rest)."""
    cw = class_weight
    if cw is None:
        return np.ones(len(classes)) if only_classes else sw
    counts = None
    if isinstance(cw, str) and cw == "balanced":
        counts = np.bincount(y_idx, weights=sw, minlength=len(classes)).astype(np.float64)
    per_class = class_weight_vector(cw, classes, counts)
    if only_classes:
        return per_class
    w = per_class[y_idx]
    if sw is not None:
        w = w * sw
    if not np.any(w > 0):
        raise ValueError("The class weights times sample_weight are all zero.")
    return np.ascontiguousarray(w, dtype=dtype)


def class_weight_vector(class_weight, classes, counts=None):
    """The (n_classes,) float64 weights of the classes for a class_weight
    dict or "balanced" (which needs ``counts``, the sample_weight-weighted
    count of each class: sum(counts) / (n_classes * counts[c]))."""
    cw = class_weight
    if isinstance(cw, str) and cw == "balanced":
        counts = np.asarray(counts, dtype=np.float64)
        return counts.sum() / (len(classes) * np.where(counts > 0, counts, 1.0))
    if isinstance(cw, dict):
        unknown = [key for key in cw if key not in set(classes.tolist())]
        if unknown:
            raise ValueError(f"The given class_weight dict must have the class labels as "
                             f"keys; {unknown} are not among the classes "
                             f"{classes.tolist()}")
        per_class = np.array([float(cw.get(c, 1.0)) for c in classes.tolist()])
        if not np.all(np.isfinite(per_class)) or np.any(per_class < 0):
            raise ValueError(f"class weights must be finite and >= 0, got {cw}")
        return per_class
    raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}")


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
        the elastic net (scikit-learn >= 1.8); l1_ratio > 0 is solved by
        solver="newton-cd" (the default then: proximal Newton, each step on
        the active set with only that block of the Hessian) or by a
        mini-batch optimizer with a proximal step for the L1 term (the
        coefficients soft-thresholded after every step by the optimizer's
        effective per-coordinate step, see
        ``lossfast.linear_model._solvers.L1Prox``; exact zeros; the loss
        curve is then the composite objective, the stopping rule its
        minimum-norm subgradient, and a fit that stops away from the optimum
        is measured by a short proximal-Newton probe and warns).  L-BFGS and
        Newton are for smooth objectives and refuse it with a ValueError.
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
            raise ValueError(f"C must be a number > 0 (np.inf: no penalty), got {show(C)}")
        l1_ratio = self.l1_ratio
        if not (isinstance(l1_ratio, (int, float, np.integer, np.floating))
                and not isinstance(l1_ratio, bool) and 0.0 <= l1_ratio <= 1.0):
            raise ValueError(f"l1_ratio must be a number in [0, 1], got {show(l1_ratio)}")
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
        """sample_weight times the class weights (``apply_class_weight``);
        None when both are absent."""
        return apply_class_weight(self.class_weight, sw, classes, y_idx, dtype)

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        return self._fit_prepared(self._prepare_fit(X, y, sample_weight))

    def _prepare_fit(self, X, y, sample_weight):
        """The part of fit that does not depend on C: the checks of the
        parameters, the validated design matrix, the solver and the encoded
        targets and (class-)weights.  A path over C on the same rows
        (LogisticRegressionCV) prepares once and runs ``_fit_prepared`` for
        every C, with the C-dependent l1 / l2 of ``_penalty`` in the dict
        (the penalty kind, i.e. l1_ratio, fixed the solver: it stays)."""
        l1, l2, penalty = self._penalty()
        tol = check_float(self.tol, "tol")
        max_iter = check_int(self.max_iter, "max_iter", 1)
        check_y_present(self, y)
        # lbfgs / newton check X for NaN/inf on their first pass (check_finite_after)
        Xm = design_matrix(self, X, reset=True, finite=False)
        n, d = Xm.shape
        solver = resolve_solver(self.solver, loss="logistic", penalty=penalty, kind=Xm.kind,
                                n_features=d, auto=_AUTO[penalty])
        deferred = not solver.minibatch
        if not deferred:
            Xm.check_finite()
        classes, y_kernel, sw = classification_targets(self, Xm, y, sample_weight)
        if self.class_weight is not None and hasattr(Xm, "class_weighted"):
            # Dask: the class counts from one per-chunk pass on the workers,
            # the weights per-chunk lazy products (y and X stay distributed)
            sw = Xm.class_weighted(self.class_weight, classes, y_kernel, sw)
        elif self.class_weight is not None:
            y_idx = (y_kernel[:, 0].astype(np.intp) if y_kernel.ndim == 2
                     else y_kernel.astype(np.intp))
            sw = self._sample_weights(sw, classes, y_idx, Xm.dtype)
        return dict(Xm=Xm, solver=solver, deferred=deferred, classes=classes,
                    y_kernel=y_kernel, sw=sw, l1=l1, l2=l2, tol=tol, max_iter=max_iter)

    def _fit_prepared(self, prepared):
        """fit on what ``_prepare_fit`` returned (see there)."""
        l1, l2, tol, max_iter = (prepared[key] for key in ("l1", "l2", "tol", "max_iter"))
        fit_intercept = bool(self.fit_intercept)
        Xm, solver, deferred = prepared["Xm"], prepared["solver"], prepared["deferred"]
        classes, y_kernel, sw = prepared["classes"], prepared["y_kernel"], prepared["sw"]
        d = Xm.shape[1]
        k, spec = _loss_of(len(classes))
        self.__dict__.pop("_stream", None)          # partial_fit's state belongs to no fit
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
        """Class probabilities (n, n_classes): sigmoid / softmax of the logits
        (a lazy Dask array for a Dask X)."""
        s = self.decision_function(X)
        return _map_scores(lambda b: softmax(_two_class_logits(b), axis=1), s,
                           len(self.classes_))

    def predict_log_proba(self, X):
        """Log of predict_proba, computed stably."""
        s = self.decision_function(X)
        return _map_scores(lambda b: log_softmax(_two_class_logits(b), axis=1), s,
                           len(self.classes_))

    def predict(self, X):
        """The class of largest probability (a lazy Dask array for a Dask X)."""
        s = self.decision_function(X)
        classes = self.classes_

        def label(b):
            return classes[(b > 0).astype(np.intp) if b.ndim == 1 else np.argmax(b, axis=1)]

        if hasattr(s, "__dask_graph__"):
            return s.map_blocks(label, drop_axis=1 if s.ndim == 2 else None,
                                meta=np.empty((0,), dtype=classes.dtype))
        return label(s)

    # ----------------------------------------------------------------- streaming

    def _can_stream(self):
        return isinstance(self.solver, str) and self.solver.lower() not in (
            "lbfgs", "newton", "newton-cholesky", "newton-cd", "normal")

    @available_if(_can_stream)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of the mini-batch optimizer over the chunk (X, y); returns self.

        As scikit-learn's ``SGDClassifier.partial_fit``: ``classes`` (all the
        labels the stream will hold) is required on the first call and may
        be omitted (or must be equal) later; after ``fit``, the first
        ``partial_fit`` continues from the fitted model and its classes; the coefficients, the optimizer's
        state (moments, step count), the learning rate and the standardised
        coordinates (column means and scales of the first chunk) persist
        between calls.  ``solver`` must be an optimizer ("sgd", "adam", ...;
        "auto" means "sgd" here); with a full-batch solver the estimator has
        no ``partial_fit`` attribute (scikit-learn's ``available_if``).

        Each call runs one epoch of shuffled mini-batches over the chunk on
        the objective of the chunk taken as the training set,
        C * sum_{i in chunk} w_i loss_i + 0.5 ||coef||^2 (the objective
        ``fit`` minimises on those rows; divide C by the number of chunks per
        pass for the penalty of a fit on all of them), and appends that
        objective per unit weight after the epoch to ``loss_curve_``;
        ``n_iter_`` counts the calls.  The learning rate is
        ``learning_rate`` or by default from the curvature of the first
        chunk; it stays constant (there is no plateau schedule across
        chunks).  ``fit`` discards the optimizer's state.  On a Dask array
        a call is one epoch over its row chunks, streamed as the Dask
        mini-batch ``fit`` streams them (``_dask``'s module docstring).
        """
        from ._solvers import MinibatchStream
        from ._base import batch_size_for, check_random_state
        l1, l2, penalty = self._penalty()
        if l1 > 0:
            raise NotImplementedError("partial_fit with an L1 term (l1_ratio > 0) is not "
                                      "implemented: the mini-batch optimizers have no "
                                      "proximal step yet")
        name = self.solver if self.solver != "auto" else "sgd"
        solver = resolve_solver(name, loss="logistic", penalty=penalty, auto=("lbfgs",))
        if not solver.minibatch:
            raise ValueError("partial_fit runs one epoch of a mini-batch optimizer; "
                             f"solver={self.solver!r} is a full-batch solver: use an "
                             "optimizer ('sgd', 'momentum', 'adam', ...)")
        check_y_present(self, y)
        stream = getattr(self, "_stream", None)
        first = stream is None
        # after fit, the stream starts from the fitted model (as SGDClassifier)
        warm = first and hasattr(self, "coef_") and hasattr(self, "classes_")
        if first and not warm:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(f"partial_fit needs at least 2 classes, got {classes!r}")
        else:
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)),
                                                          self.classes_):
                raise ValueError(f"`classes={classes!r}` is not the same as on the first "
                                 f"call to partial_fit ({self.classes_!r}).")
            classes = self.classes_
        Xm = design_matrix(self, X, reset=first and not warm)
        _, y_kernel, sw = classification_targets(self, Xm, y, sample_weight, classes=classes)
        k, spec = _loss_of(len(classes))
        fit_intercept = bool(self.fit_intercept)
        opt_name = f"{type(self).__name__}:{solver.name}"
        if first:
            objective = LinearObjective(Xm, y_kernel, sw, k, spec, fit_intercept, l2)
            theta0 = None
            if warm:
                theta0 = objective.from_model(self.coef_, self.intercept_ if fit_intercept
                                              else None)
            stream = MinibatchStream(objective, solver.name, theta0=theta0,
                                     learning_rate=check_float(self.learning_rate,
                                                               "learning_rate", strict=True,
                                                               allow_none=True),
                                     rng=check_random_state(self.random_state),
                                     dtype=Xm.dtype)
            stream.fit_intercept, stream.l2, stream.solver = fit_intercept, l2, solver.name
            self.classes_ = classes
            self.loss_curve_ = []
        else:
            if (fit_intercept, l2, solver.name) != (stream.fit_intercept, stream.l2,
                                                    stream.solver):
                raise ValueError("fit_intercept, C, penalty and solver may not change between "
                                 "partial_fit calls")
            objective = LinearObjective(Xm, y_kernel, sw, k, spec, fit_intercept, l2,
                                        center=stream.center, scale=stream.scale)
        self._stream = stream
        f = stream.epoch(objective, batch_size_for(self.batch_size, Xm.shape[0]), opt_name)
        self.loss_curve_.append(f)
        _report_epoch(self, opt_name, len(self.loss_curve_), f, stream.lr)
        coef, intercept = objective.to_model(stream.theta())
        if intercept is None:
            intercept = np.zeros(k)
        self.n_iter_ = np.array([len(self.loss_curve_)], dtype=np.int32)
        self.intercept_ = np.asarray(intercept, dtype=stream.params[0].dtype).copy()
        self.coef_ = np.asarray(coef, dtype=stream.params[0].dtype).copy()
        return self

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (weighted by sample_weight)."""
        y_pred = self.predict(X)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        check_consistent_length(y_pred.shape[0], y.shape[0])
        return float(np.average(y_pred == y, weights=sample_weight))


def _report_epoch(est, name, it, f, lr):
    if est.verbose:
        print(f"[{name}] partial_fit {it:4d}  objective {f:{OBJECTIVE_FORMAT}}  lr {lr:.3g}",
              flush=True)
