"""LinearClassifier (every classification loss of ``lossfast.losses`` as a
linear model) and LinearSVC, on the objective of ``_objective.py`` and the
solver registry of ``_solvers.py``.

The objective of every loss is scikit-learn's

    C * sum_i w_i loss(y_i, z_i) + l1_ratio ||coef||_1 + 0.5 (1 - l1_ratio) ||coef||^2

(the intercept not penalised), so for the same C the coefficients agree
with scikit-learn's LogisticRegression (log loss) and LinearSVC (squared
hinge / hinge) fitted without an intercept penalty.
"""
import warnings

import numpy as np

from .._validation import show
from ..activations import log_softmax, softmax
from ._base import (ConvergenceWarning, _Estimator, available_if, check_consistent_length,
                    check_float, check_int, check_is_fitted, check_random_state,
                    check_y_present, run_solver, sk_compatible)
from ._logistic import (_two_class_logits, apply_class_weight,
                        classification_targets)
from ._matrix import design_matrix
from ._objective import LinearObjective, LossSpec
from ._solvers import _NONSMOOTH_CLASSIFICATION, resolve_solver
from ._dask import is_dask_array

# the registry's loss kind of each classification loss (what solvers may fit
# it: L-BFGS the smooth ones, Newton those with a (generalised) Hessian, the
# optimizers every one, with sub-gradients for hinge and perceptron)
_MARGIN_LOSSES = ("hinge", "squared_hinge", "modified_huber", "perceptron")
_NAMES = ("log_loss", "focal") + _MARGIN_LOSSES
_AUTO = {
    "logistic": ("lbfgs",), "squared_hinge": ("newton", "lbfgs"),
    "modified_huber": ("newton", "lbfgs"), "focal": ("lbfgs",),
    "hinge": ("sgd",), "perceptron": ("sgd",),
}
_AUTO_L1 = ("newton-cd",)


class _Loss:
    """What LinearClassifier needs to know of its loss: the kernel spec, the
    registry kind, the label convention of the kernel's targets ("pm1":
    -1/+1, "01": 0/1) and whether several classes are one multinomial model
    (the softmax) or one binary model per class (one-vs-rest)."""

    def __init__(self, spec, kind, labels, multinomial):
        self.spec, self.kind, self.labels, self.multinomial = spec, kind, labels, multinomial


def resolve_classification_loss(loss):
    """The _Loss for a name of ``_NAMES`` or a lossfast loss object
    (Hinge(), BinaryFocal(from_logits=True), ...)."""
    from .. import losses as L
    if isinstance(loss, str):
        name = loss.lower()
        if name not in _NAMES:
            raise ValueError(f"loss must be one of {list(_NAMES)} or a lossfast classification "
                             f"loss object, got {loss!r}")
        if name == "log_loss":
            return _Loss(None, "logistic", "01", True)
        if name == "focal":
            loss = L.BinaryFocal(from_logits=True)
        else:
            loss = L.get(name)
    if isinstance(loss, type):
        loss = loss()
    if isinstance(loss, (L.Hinge, L.SquaredHinge, L.ModifiedHuber, L.Perceptron)):
        return _Loss(LossSpec.of(loss), loss.name, "pm1", False)
    if isinstance(loss, L.BinaryFocal):
        if not loss.from_logits:
            raise ValueError("a linear model's decision values are logits: use "
                             "BinaryFocal(from_logits=True)")
        return _Loss(LossSpec.of(loss), "focal", "01", False)
    if isinstance(loss, (L.BinaryCrossEntropy, L.SparseCategoricalCrossEntropy)):
        if not loss.from_logits or getattr(loss, "pos_weight", None) not in (None, 1.0) or \
                getattr(loss, "label_smoothing", 0.0):
            raise ValueError("loss objects of the log loss must be from_logits=True without "
                             "pos_weight or label smoothing; use class_weight instead")
        return _Loss(None, "logistic", "01", True)
    raise ValueError(f"LinearClassifier needs a classification loss (one of {list(_NAMES)}), "
                     f"got {loss!r}")


def _log_loss_spec(n_classes):
    if n_classes == 2:
        return 1, LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    return n_classes, LossSpec("softmax_xent_sparse")


def binary_targets(y_idx, positive, labels, dtype):
    """The (n, 1) kernel targets of the binary problem "class `positive`
    against the rest": 1 for it, -1 ("pm1") or 0 ("01") for the rest."""
    pos = y_idx == positive
    neg = -1.0 if labels == "pm1" else 0.0
    return np.where(pos, 1.0, neg).astype(dtype).reshape(-1, 1)


def ovr_weights(class_weight, sw, classes, y_idx, positive, dtype):
    """sample_weight times the class weights of the binary problem of class
    `positive` against the rest, as scikit-learn's LinearSVC (liblinear) and
    SGDClassifier: its samples get the class's weight, the rest weight 1
    (for two classes: each class its own weight)."""
    if class_weight is None:
        return sw
    per_class = apply_class_weight(class_weight, None, classes, y_idx, np.float64,
                                   only_classes=True)
    if len(classes) == 2:
        w = per_class[y_idx]
    else:
        w = np.where(y_idx == positive, per_class[positive], 1.0)
    if sw is not None:
        w = w * sw
    if not np.any(w > 0):
        raise ValueError("The class weights times sample_weight are all zero.")
    return np.ascontiguousarray(w, dtype=dtype)


def _check_C_alpha(C, alpha, l1_ratio):
    if not (isinstance(C, (int, float, np.integer, np.floating)) and not isinstance(C, bool)
            and C > 0):
        raise ValueError(f"C must be a number > 0 (np.inf: no penalty), got {show(C)}")
    if not (isinstance(l1_ratio, (int, float, np.integer, np.floating))
            and not isinstance(l1_ratio, bool) and 0.0 <= l1_ratio <= 1.0):
        raise ValueError(f"l1_ratio must be a number in [0, 1], got {show(l1_ratio)}")
    if alpha is not None:
        check_float(alpha, "alpha")


class LinearClassifier(_Estimator):
    """A linear classifier for any classification loss of ``lossfast.losses``.

    Minimises scikit-learn's objective

        C * sum_i w_i loss(y_i, z_i) + l1_ratio ||coef||_1 + 0.5 (1 - l1_ratio) ||coef||^2

    with z_i = x_i . coef + intercept and the intercept not penalised; or,
    when ``alpha`` is given (C is then ignored), SGDClassifier's
    (1 / n) sum_i w_i loss_i + alpha (l1_ratio ||coef||_1 + 0.5 (1 - l1_ratio) ||coef||^2),
    which is the same objective with C = 1 / (alpha n) (n the number of
    samples, not their total weight, as scikit-learn's SGD).

    Losses (``loss``): "log_loss" (logistic regression: sigmoid for two
    classes, one multinomial softmax model for more, as LogisticRegression),
    "hinge" (the SVM loss max(0, 1 - y z)), "squared_hinge" (LinearSVC's
    default), "modified_huber" (a smoothed hinge, with probabilities),
    "perceptron" (max(0, -y z); note that its objective is minimal, 0, at
    coef = 0 -- the perceptron is an algorithm more than an objective: use
    SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant")
    for Rosenblatt's updates), "focal" (BinaryFocal(from_logits=True):
    torchvision's sigmoid focal loss, gamma=2, alpha=0.25), or a lossfast
    loss object (``lf.losses.BinaryFocal(gamma=1.0, from_logits=True)``,
    ``lf.losses.Hinge()``, ...).  The margin losses see labels -1/+1, focal
    and log loss 0/1.  With more than two classes every loss but the log
    loss fits one binary model per class against the rest (one-vs-rest, as
    scikit-learn's LinearSVC and SGDClassifier), each with its own solver
    run; ``decision_function`` is then (n, n_classes) and ``predict`` its
    argmax.  The 0-1 loss has no gradient and cannot be fitted; it is what
    ``score`` measures (accuracy = 1 - zero-one loss).

    Solvers (``solver``): "lbfgs" for the smooth losses (log loss, squared
    hinge, modified Huber, focal); "newton" where a (generalised) Hessian
    exists: log loss, squared hinge and modified Huber (curvature 2 on the
    samples inside the margin, Newton's method as liblinear's primal
    trust-region solver for the squared hinge); "newton-cd" for an L1 /
    elastic-net term (l1_ratio > 0) with those losses; and the optimizers of
    ``lossfast.optim`` ("sgd", "adam", ...; mini-batches) for every loss,
    with sub-gradients for hinge and perceptron -- the only way to fit
    those two here (the optimizers reach their optimum only approximately:
    a ConvergenceWarning says how far).  An L1 term with an optimizer is
    applied by a proximal (soft-threshold) step after every optimizer step,
    for the losses with a Hessian (the certificate of the composite
    objective is a proximal Newton probe); with hinge or perceptron it is a
    NotImplementedError.  "auto": Newton for squared hinge and modified
    Huber, L-BFGS for log and focal loss, "newton-cd" with an L1 term, "sgd"
    for hinge and perceptron.

    class_weight : None, "balanced" or dict -- as LogisticRegression; for
        one-vs-rest, the binary problem of class c gives its samples class
        c's weight and the rest weight 1 (scikit-learn's LinearSVC and
        SGDClassifier do the same).
    Other parameters as LogisticRegression (max_iter, tol, warm_start,
    learning_rate, batch_size, n_iter_no_change, random_state, verbose).

    ``predict_proba`` exists for the log loss (sigmoid / softmax), the
    modified Huber loss ((clip(z, -1, 1) + 1) / 2, rows normalised for
    one-vs-rest, as scikit-learn's SGDClassifier) and the focal loss (the
    sigmoid of each model's logit, rows normalised for one-vs-rest); other
    losses define none (the attribute is missing).

    Attributes: classes_, coef_ ((1, d) for two classes, else (n_classes,
    d)), intercept_, n_iter_ ((1,): the largest over the one-vs-rest
    models), loss_curve_ (the objective per iteration; of the last model for
    one-vs-rest), n_features_in_, feature_names_in_.
    """

    _estimator_type = "classifier"

    def __init__(self, loss="log_loss", *, C=1.0, alpha=None, l1_ratio=0.0, fit_intercept=True,
                 solver="auto", max_iter=100, tol=1e-4, class_weight=None, warm_start=False,
                 learning_rate=None, batch_size="auto", n_iter_no_change=5, random_state=None,
                 verbose=0):
        self.loss = loss
        self.C = C
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    # what LinearSVC changes
    def _problem(self):
        """(loss, C, alpha, l1_ratio, solver name)."""
        return self.loss, self.C, self.alpha, self.l1_ratio, self.solver

    def _solver_options(self):
        """What run_solver reads of the estimator (verbose, and the
        mini-batch options)."""
        return self

    def _resolved(self):
        loss, C, alpha, l1_ratio, solver = self._problem()
        _check_C_alpha(C, alpha, l1_ratio)
        return resolve_classification_loss(loss), C, alpha, float(l1_ratio), solver

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns self."""
        info, C, alpha, l1_ratio, solver_name = self._resolved()
        tol = check_float(self.tol, "tol")
        max_iter = check_int(self.max_iter, "max_iter", 1)
        fit_intercept = bool(self.fit_intercept)
        check_y_present(self, y)
        # the full-batch solvers check X for NaN/inf on their first pass
        # (check_finite_after, as LogisticRegression); the others check first
        Xm = design_matrix(self, X, reset=True, finite=False)
        n, d = Xm.shape
        if self._dual_applies(C, Xm, fit_intercept, sample_weight):
            Xm.check_finite()
            return self._fit_dual(Xm, y, sample_weight, float(C), tol, max_iter, fit_intercept)
        if alpha is not None:
            C = 1.0 / (float(alpha) * n) if alpha > 0 else np.inf
        l1 = 0.0 if C == np.inf else l1_ratio / float(C)
        l2 = 0.0 if C == np.inf else (1.0 - l1_ratio) / float(C)
        penalty = "l1" if l1 > 0 else "l2"
        auto = _AUTO_L1 if penalty == "l1" else _AUTO[info.kind]
        if isinstance(solver_name, str) and solver_name.lower() == "auto" and auto == ("sgd",):
            solver_name = "sgd"                  # an optimizer: not in the "auto" table
        solver = resolve_solver(solver_name, loss=info.kind, penalty=penalty, kind=Xm.kind,
                                n_features=d, auto=auto)
        if l1 > 0 and solver.minibatch and info.kind in _NONSMOOTH_CLASSIFICATION:
            # the optimizers take the L1 term by a proximal step, but the
            # certificate of the composite objective needs a Hessian
            raise NotImplementedError("an L1 term (l1_ratio > 0) with a mini-batch optimizer "
                                      f"is not implemented for loss={info.kind!r} (no "
                                      "Hessian for the proximal certificate); use "
                                      "SGDClassifier(penalty='elasticnet')")
        owner = self._solver_options()
        deferred = not solver.minibatch and not hasattr(Xm, "class_weighted")
        if not deferred:
            Xm.check_finite()
        classes, y_kernel, sw = classification_targets(self, Xm, y, sample_weight)
        if hasattr(Xm, "class_weighted"):            # Dask: per-chunk targets (_dask_classifier)
            from ._dask_classifier import fit_classifier
            return fit_classifier(self, Xm, info, classes, y_kernel, sw, solver, owner, l1, l2,
                                  max_iter=max_iter, tol=tol)
        y_idx = (y_kernel[:, 0].astype(np.intp) if y_kernel.ndim == 2
                 else y_kernel.astype(np.intp))
        n_classes = len(classes)
        previous = getattr(self, "coef_", None)
        warm = (self.warm_start and previous is not None
                and np.array_equal(getattr(self, "classes_", None), classes))
        results = []
        if info.multinomial or n_classes == 2:
            # one model: the binary problem or the multinomial (softmax) log loss
            if info.multinomial:
                k, spec = _log_loss_spec(n_classes)
                w = sw if self.class_weight is None else apply_class_weight(
                    self.class_weight, sw, classes, y_idx, Xm.dtype)
                targets = y_kernel
            else:
                k, spec = 1, info.spec
                w = ovr_weights(self.class_weight, sw, classes, y_idx, 1, Xm.dtype)
                targets = binary_targets(y_idx, 1, info.labels, Xm.dtype)
            objective = LinearObjective(Xm, targets, w, k, spec, fit_intercept, l2)
            objective.check_X_on_first_gradient = deferred
            objective.l1 = l1
            theta0 = np.zeros(objective.n_params)
            if warm and previous.shape == (k, d):
                theta0 = objective.from_model(previous, self.intercept_ if fit_intercept
                                              else None)
            res = run_solver(owner, solver, objective, theta0, max_iter=max_iter, tol=tol)
            coef, intercept = objective.to_model(res.x)
            results.append(res)
            if intercept is None:
                intercept = np.zeros(k)
        else:
            # one-vs-rest: one binary model per class, sharing the column moments
            coef = np.empty((n_classes, d))
            intercept = np.zeros(n_classes)
            center = scale = None
            for c in range(n_classes):
                w = ovr_weights(self.class_weight, sw, classes, y_idx, c, Xm.dtype)
                targets = binary_targets(y_idx, c, info.labels, Xm.dtype)
                objective = LinearObjective(Xm, targets, w, 1, info.spec, fit_intercept, l2,
                                            center=center, scale=scale)
                if self.class_weight is None:
                    center, scale = objective.center, objective.scale
                objective.check_X_on_first_gradient = deferred and c == 0
                objective.l1 = l1
                theta0 = np.zeros(objective.n_params)
                if warm and previous.shape == (n_classes, d):
                    theta0 = objective.from_model(previous[c:c + 1],
                                                  self.intercept_[c:c + 1] if fit_intercept
                                                  else None)
                res = run_solver(owner, solver, objective, theta0, max_iter=max_iter, tol=tol)
                cc, bc = objective.to_model(res.x)
                coef[c] = cc[0]
                if bc is not None:
                    intercept[c] = bc[0]
                results.append(res)
        return store_fit_result(self, classes, coef, intercept, results, Xm.dtype, info)

    def _dual_applies(self, C, Xm, fit_intercept, sample_weight):
        """Whether fit runs the dual coordinate descent (LinearSVC)."""
        return False

    # ----------------------------------------------------------------- predict

    def decision_function(self, X):
        """Decision values: (n,) for two classes (of classes_[1]), else (n, n_classes)."""
        check_is_fitted(self)
        Xm = design_matrix(self, X, reset=False)
        scores = Xm.matvec(self.coef_, self.intercept_)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """classes_[1] where the decision value is > 0 (two classes), else the
        class of the largest decision value."""
        if is_dask_array(X):      # lazy per chunk: _dask_classifier
            from ._dask_classifier import map_chunks
            return map_chunks(self, X, "predict")
        s = self.decision_function(X)
        idx = (s > 0).astype(np.intp) if s.ndim == 1 else np.argmax(s, axis=1)
        return self.classes_[idx]

    def _has_proba(self):
        if hasattr(self, "_proba"):
            return self._proba is not None
        try:
            loss, *_ = self._problem()
            return _proba_kind(resolve_classification_loss(loss)) is not None
        except ValueError:
            return False

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class probabilities (n, n_classes), for the losses that define
        them (see the class docstring)."""
        if is_dask_array(X):      # lazy per chunk: _dask_classifier
            from ._dask_classifier import map_chunks
            return map_chunks(self, X, "predict_proba")
        check_is_fitted(self)
        s = self.decision_function(X)
        kind = self._proba
        if kind == "softmax":
            return softmax(_two_class_logits(np.asarray(s, dtype=np.float64)), axis=1).astype(
                self.coef_.dtype, copy=False)
        s = np.asarray(s, dtype=np.float64)
        if kind == "sigmoid":
            from ..activations import sigmoid
            p = sigmoid(s)
        else:                                    # modified Huber
            p = (np.clip(s, -1.0, 1.0) + 1.0) / 2.0
        if p.ndim == 1:
            return np.column_stack([1.0 - p, p]).astype(self.coef_.dtype, copy=False)
        total = p.sum(axis=1, keepdims=True)
        k = p.shape[1]
        # rows where every model says "not mine": uniform (scikit-learn's rule)
        out = np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / k)
        return out.astype(self.coef_.dtype, copy=False)

    @available_if(_has_proba)
    def predict_log_proba(self, X):
        """Log of predict_proba."""
        if is_dask_array(X):      # lazy per chunk: _dask_classifier
            from ._dask_classifier import map_chunks
            return map_chunks(self, X, "predict_log_proba")
        check_is_fitted(self)
        if self._proba == "softmax":
            s = self.decision_function(X)
            return log_softmax(_two_class_logits(np.asarray(s, dtype=np.float64)),
                               axis=1).astype(self.coef_.dtype, copy=False)
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (weighted by sample_weight): 1 - the 0-1 loss."""
        y_pred = self.predict(X)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        check_consistent_length(y_pred.shape[0], y.shape[0])
        return float(np.average(y_pred == y, weights=sample_weight))


def store_fit_result(est, classes, coef, intercept, results, dtype, info):
    """Set classes_, coef_, intercept_ (as dtype), n_iter_ (the most
    iterations of the binary / one-vs-rest problems), loss_curve_ (the last
    problem's) and the predict_proba kind on est (in memory and on Dask)."""
    est.classes_ = classes
    est.n_iter_ = np.array([max(r.n_iter for r in results)], dtype=np.int32)
    est.loss_curve_ = list(results[-1].curve)
    est.intercept_ = np.asarray(intercept, dtype=dtype).copy()
    est.coef_ = np.asarray(coef, dtype=dtype).copy()
    est._proba = _proba_kind(info)
    return est


def _proba_kind(info):
    if info.kind == "logistic":
        return "softmax"
    if info.kind == "focal":
        return "sigmoid"
    if info.kind == "modified_huber":
        return "modified_huber"
    return None


def _mean_weighted_sq_norm(X, sample_weight, rows=4096):
    """mean_i sw_i ||x_i||^2 of dense X from at most `rows` evenly spaced rows
    (sw = 1 when None): the scale of the dual's difficulty (LinearSVC)."""
    n = X.shape[0]
    if n == 0:
        return 0.0
    step = max(1, n // rows)
    Xs = np.asarray(X[::step], dtype=np.float64)
    sq = np.einsum("ij,ij->i", Xs, Xs)
    sw = None if sample_weight is None else np.asarray(sample_weight).reshape(-1)
    if sw is not None and sw.shape[0] == n and sw.dtype.kind in "biuf":
        sq = sq * sw[::step].astype(np.float64)      # else the fit's validation raises
    return float(np.mean(sq))


class LinearSVC(LinearClassifier):
    """Linear support vector classification with scikit-learn's LinearSVC
    parameters: minimises

        C * sum_i w_i loss(y_i, z_i) + 0.5 ||coef||^2          (penalty="l2")
        C * sum_i w_i loss(y_i, z_i) + ||coef||_1              (penalty="l1")

    with ``loss="squared_hinge"`` (default: max(0, 1 - y z)^2) or
    ``loss="hinge"``, labels -1/+1, one-vs-rest for more than two classes.

    Differences from scikit-learn (liblinear):

    - The intercept is **not penalised**.  liblinear appends a constant
      feature ``intercept_scaling`` to X and penalises its weight like any
      other (so its intercept shrinks towards 0 and depends on
      intercept_scaling); here the intercept is free, as in the SVM's
      textbook formulation.  ``intercept_scaling`` is accepted for
      compatibility and has no effect.  Without an intercept
      (fit_intercept=False) both solve the same problem and the coefficients
      agree.
    - ``dual=True`` with the L2 penalty, and ``dual="auto"`` (default) for
      the hinge loss, for squared hinge on dense X where
      2 C mean_i(sw_i ||x_i||^2) <= 1 (the dual's passes grow with
      C ||x||^2 and, with an intercept, on uncentred X, where Newton takes a
      few iterations whatever C: at the default C=1 on standardised X
      Newton is 4x faster than the dual, at C=1e-3 the dual 3x faster than
      Newton), and for squared hinge without an intercept on sparse X with
      fewer rows than columns (on sparse X with n >= d, scikit-learn's
      rule for "auto", Newton's streamed products beat the dual's
      scattered rows; on Dask arrays "auto" is always primal): the dual
      coordinate descent of liblinear (Hsieh et al. 2008, with shrinking;
      ``csrc/svm_dual.c``), for both losses -- the exact hinge SVM
      included.  Its intercept is free: an outer loop on b solves the dual
      for each b (warm-started) and finds the root of sum_i alpha_i y_i
      (the intercept's optimality condition) by a safeguarded secant (see
      ``_svm_dual.py``), stopping when |sum_i alpha_i y_i| <= tol sum_i
      alpha_i.  ``tol`` is liblinear's eps on the dual's projected gradient,
      ``max_iter`` bounds the passes of each dual solve, ``random_state``
      seeds the order of the rows (its own generator, not liblinear's:
      the iterates differ, the solution does not), ``n_iter_`` counts the
      passes (all solves).  ``C=np.inf`` and ``dual=False`` run the primal:
      squared hinge by Newton's method on its generalised Hessian (L2) or
      proximal Newton with coordinate descent (L1: ``solver="newton-cd"``;
      the L1 penalty is always primal, as in scikit-learn), hinge by the
      sub-gradient optimizer "sgd" in mini-batches (approximate: a
      ConvergenceWarning says how far from the optimum it stopped; where
      scikit-learn refuses hinge with ``dual=False``).  ``solver`` other
      than "auto" also selects the primal.
    - ``warm_start`` applies to the primal solvers only (the dual starts
      from alpha = 0, as liblinear).
    - ``multi_class="crammer_singer"`` is not implemented
      (NotImplementedError).

    ``class_weight`` multiplies C per class as liblinear does (one-vs-rest:
    the class's samples get its weight, the rest 1), and so does
    ``sample_weight``.  ``max_iter`` (default 1000) bounds the solver's
    iterations; ``tol`` (default 1e-4) is the dual's eps (above), or for
    the primal solvers the stopping tolerance on the gradient of the
    normalised objective.  ``loss_curve_`` of the dual: the primal
    objective C sum_i w_i loss_i + 0.5 ||coef||^2 of the last model after
    each intercept solve.
    """

    def __init__(self, penalty="l2", loss="squared_hinge", *, dual="auto", tol=1e-4, C=1.0,
                 multi_class="ovr", fit_intercept=True, intercept_scaling=1.0,
                 class_weight=None, verbose=0, random_state=None, max_iter=1000,
                 solver="auto", warm_start=False):
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state
        self.max_iter = max_iter
        self.solver = solver
        self.warm_start = warm_start

    def _problem(self):
        if self.multi_class not in ("ovr", "crammer_singer"):
            raise ValueError(f"multi_class must be 'ovr' or 'crammer_singer', got "
                             f"{self.multi_class!r}")
        if self.multi_class == "crammer_singer":
            raise NotImplementedError("LinearSVC(multi_class='crammer_singer') is not "
                                      "implemented: use multi_class='ovr'")
        if self.loss not in ("hinge", "squared_hinge"):
            raise ValueError(f"loss must be 'hinge' or 'squared_hinge', got {self.loss!r}")
        if self.penalty not in ("l1", "l2"):
            raise ValueError(f"penalty must be 'l1' or 'l2', got {self.penalty!r}")
        if self.penalty == "l1" and self.loss == "hinge":
            raise ValueError("The combination of penalty='l1' and loss='hinge' is not "
                             "supported (as in scikit-learn)")
        if self.dual not in ("auto", True, False):
            raise ValueError(f"dual must be 'auto', True or False, got {show(self.dual)}")
        if self.dual is True and self.penalty == "l1":
            raise ValueError("Unsupported set of arguments: penalty='l1' is not supported "
                             "when dual=True (as in scikit-learn); use dual=False or 'auto'")
        l1_ratio = 1.0 if self.penalty == "l1" else 0.0
        return self.loss, self.C, None, l1_ratio, self.solver

    def _dual_applies(self, C, Xm, fit_intercept, sample_weight):
        kind, (n, d) = Xm.kind, Xm.shape
        if not (self.penalty == "l2" and self.dual in ("auto", True) and C != np.inf
                and isinstance(self.solver, str) and self.solver.lower() == "auto"):
            return False
        if kind not in ("dense", "csr"):
            # the dual visits single rows in a random order: not on row blocks
            if self.dual is True:
                raise NotImplementedError(f"LinearSVC(dual=True) on {kind} X is not "
                                          "implemented; use dual='auto' or False (the primal)")
            return False
        # the exact hinge has no primal solver
        if self.dual is True or self.loss == "hinge":
            return True
        # "auto", squared hinge.  On CSR rows with n >= d (scikit-learn's rule
        # for dual="auto") primal Newton: a dual step is a scattered row (the
        # per-row cost of SGD), while Newton's matrix products stream X --
        # 0.075 s against the dual's 0.12 s on 1e5 x 2e4 with 50 nonzeros per
        # row at tol 1e-4, with or without an intercept.  With n < d the dual
        # without an intercept (as before).
        if kind == "csr":
            return not fit_intercept and n < d
        # Dense rows: the dual's passes grow with C ||x||^2 (its Hessian
        # Q + I / (2C) loses its diagonal dominance), Newton's do not; the
        # free intercept's outer search also crawls on uncentred rows, which
        # the uncentred norms measure.  On 1e5 x 100 standard normal rows
        # (one thread): 2C mean||x||^2 = 0.2: dual 0.07 s, Newton 0.21 s; 2.0:
        # 0.09 / 0.21 s; 20: 0.35 / 0.25 s; 200 (C = 1): 1.05 / 0.26 s, with an
        # intercept 6.2 / 0.26 s; columns of mean 5 at C = 1e-3 (5.2): 0.84 /
        # 0.19 s.  The dual where 2C mean_i(sw_i ||x_i||^2) <= 1 (from at
        # most 4096 evenly spaced rows), else Newton.
        return 2.0 * float(C) * _mean_weighted_sq_norm(Xm.X, sample_weight) <= 1.0

    def _fit_dual(self, Xm, y, sample_weight, C, tol, max_iter, fit_intercept):
        """One dual coordinate descent fit per binary problem (one-vs-rest)."""
        from ._svm_dual import fit_binary
        classes, y_kernel, sw = classification_targets(self, Xm, y, sample_weight)
        y_idx = (y_kernel[:, 0].astype(np.intp) if y_kernel.ndim == 2
                 else y_kernel.astype(np.intp))
        n, d = Xm.shape
        positives = [1] if len(classes) == 2 else list(range(len(classes)))
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        coef = np.zeros((len(positives), d))
        intercept = np.zeros(len(positives))
        passes, all_converged, curve = 0, True, []
        for row, c in enumerate(positives):
            w = ovr_weights(self.class_weight, sw, classes, y_idx, c, np.float64)
            cost = C * (np.ones(n) if w is None else np.asarray(w, dtype=np.float64))
            t = binary_targets(y_idx, c, "pm1", np.float64)[:, 0]
            coef[row], intercept[row], it, ok = fit_binary(
                Xm, t, cost, loss=self.loss, fit_intercept=fit_intercept, tol=tol,
                max_iter=max_iter, seed=seed + row)
            passes = max(passes, it)
            all_converged &= ok
        m = np.maximum(1.0 - t * Xm.matvec(coef[-1:], intercept[-1:])[:, 0], 0.0)
        loss = m * m if self.loss == "squared_hinge" else m
        curve.append(float(cost @ loss) + 0.5 * float(coef[-1] @ coef[-1]))
        if not all_converged:
            warnings.warn("The dual coordinate descent did not converge (max_iter passes "
                          "or the intercept's search); increase max_iter or tol.",
                          sk_compatible(ConvergenceWarning), stacklevel=3)
        self.classes_ = classes
        self.n_iter_ = np.array([passes], dtype=np.int32)
        self.loss_curve_ = curve
        self.coef_ = coef.astype(Xm.dtype)
        self.intercept_ = intercept.astype(Xm.dtype)
        self._proba = None
        return self

    def _solver_options(self):
        # LinearSVC has no mini-batch parameters (scikit-learn's names only): the
        # optimizer of loss="hinge" runs with lossfast's defaults
        return type(type(self).__name__, (), {
            "verbose": self.verbose, "learning_rate": None, "batch_size": "auto",
            "n_iter_no_change": 5, "random_state": self.random_state})()

    def _has_proba(self):
        return False

    @available_if(_has_proba)
    def predict_proba(self, X):  # pragma: no cover - never available
        raise AttributeError("LinearSVC has no predict_proba")

    @available_if(_has_proba)
    def predict_log_proba(self, X):  # pragma: no cover - never available
        raise AttributeError("LinearSVC has no predict_log_proba")
