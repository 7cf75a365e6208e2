"""SGDClassifier and SGDRegressor: scikit-learn's per-sample stochastic
gradient descent (``sklearn.linear_model.SGDClassifier`` / ``SGDRegressor``),
with its parameter names, schedules and stopping rule, on the one-epoch C
kernel of ``csrc/sgd.c`` (dense and CSR rows).

The objective (as scikit-learn's) is

    (1 / n) sum_i w_i loss(y_i, z_i) + alpha R(coef),
    R = 0.5 ||coef||^2 (l2), ||coef||_1 (l1), or
        l1_ratio ||coef||_1 + 0.5 (1 - l1_ratio) ||coef||^2 (elasticnet),

w_i = sample_weight_i times the class weight (one-vs-rest: the positive
class's weight on its samples, 1 on the rest).  Each step takes one sample
(batch size 1): with eta the learning rate, the L2 part shrinks the weights
by (1 - eta alpha (1 - l1_ratio)) (one multiplication of a scale factor),
then w -= eta w_i dloss/dz x_i and b -= eta w_i dloss/dz (times 0.01 on
sparse X, scikit-learn's intercept decay), the L1 part by the cumulative
truncated gradient (Tsuruoka et al. 2009).  For the same row order the
trajectory is scikit-learn's (``shuffle=False`` gives the same order; with
``shuffle=True`` each epoch permutes the rows by a Fisher-Yates shuffle in
C on lossfast's own generator (splitmix64, seeded from random_state), not
scikit-learn's, so the fitted values differ by the noise of SGD).
"""
import math
import numbers
import warnings

import numpy as np

from .. import _lossfast as _core
from .._validation import show
from ._base import (ConvergenceWarning, _Estimator, available_if, check_consistent_length,
                    check_float, check_int, check_is_fitted, check_random_state,
                    check_y_present, sk_compatible, validate_sample_weight)
from ._logistic import _check_classification_targets, _encode_labels, apply_class_weight
from ._matrix import design_matrix
from ._dask import is_dask_array

# the loss ids of csrc/sgd.h, and the margin threshold or whether epsilon applies
_CLASSIFICATION_LOSSES = {
    "hinge": (0, 1.0), "squared_hinge": (1, 1.0), "log_loss": (2, None),
    "modified_huber": (3, None), "perceptron": (0, 0.0),
    "squared_error": (4, None), "huber": (5, "epsilon"),
    "epsilon_insensitive": (6, "epsilon"), "squared_epsilon_insensitive": (7, "epsilon"),
}
_REGRESSION_LOSSES = {k: _CLASSIFICATION_LOSSES[k] for k in
                      ("squared_error", "huber", "epsilon_insensitive",
                       "squared_epsilon_insensitive")}
_SCHEDULES = {"constant": 1, "optimal": 2, "invscaling": 3, "adaptive": 4, "pa1": 5, "pa2": 6}
_PENALTIES = {None: 0, "l2": 2, "l1": 1, "elasticnet": 3}
# scikit-learn's intercept decay on sparse X (SPARSE_INTERCEPT_DECAY)
_SPARSE_INTERCEPT_DECAY = 0.01
_MAX_INT = np.iinfo(np.int32).max
_STATE = {name: i for i, name in enumerate(_core.SGD_STATE_FIELDS)}


class _Rows:
    """The rows of X as the epoch kernel takes them (dense or CSR)."""

    def __init__(self, Xm, name):
        if Xm.kind == "dense":
            self.dense = Xm.X
            self.intercept_decay = 1.0
        elif Xm.kind == "csr":
            self.dense = None
            self.data, self.indices, self.indptr = Xm.data, Xm.indices, Xm.indptr
            self.intercept_decay = _SPARSE_INTERCEPT_DECAY
        elif Xm.kind == "dask":              # each chunk's epoch on its worker: _dask_sgd.py
            from ._dask_sgd import DaskRows
            self.dense, self.intercept_decay, self.epoch = None, 1.0, DaskRows(Xm, name).epoch
        else:
            raise NotImplementedError(f"{name} on {Xm.kind} X is not implemented: pass a "
                                      "NumPy array or a SciPy sparse matrix (partial_fit "
                                      "takes chunks one call at a time)")
        self.n, self.d = Xm.shape
        self.dtype = Xm.dtype

    def epoch(self, params, state, y, sw, order, w, aw, q):
        if self.dense is not None:
            return _core.sgd_epoch_dense(params, state, self.dense, y, sw, order, w, aw, q)
        return _core.sgd_epoch_csr(params, state, self.data, self.indices, self.indptr,
                                   self.d, y, sw, order, w, aw, q)


def _plain_sgd(rows, y, sw, w, intercept, aw, average_intercept, params, *, max_iter, tol,
               n_iter_no_change, train, shuffle, seed, t, score_cb, verbose, name,
               check_x=None):
    """scikit-learn's _plain_sgd: epochs of the C kernel over the rows
    `train` (shuffled per epoch, in C, from the seed when `shuffle`), with
    its stopping rule: an epoch without improvement is one whose objective
    (mean loss plus penalty over the training rows, accumulated during the
    epoch) is above the best one minus tol -- or, with early stopping, whose
    validation score (score_cb) is below the best one plus tol; after
    n_iter_no_change of them, the "adaptive" schedule divides eta by 5
    (while eta > 1e-6) and the others stop.  w (and aw) are updated in
    place; returns (intercept, average_intercept, epochs run).

    ``check_x``: the deferred NaN/inf check of X (``train`` must then be
    every row), run only when the first epoch met a non-finite decision
    value (kernel status bit 2: with finite weights, a row of X is not
    finite), so a finite X costs no separate pass."""
    state = np.zeros(len(_STATE))
    state[_STATE["eta"]] = params["eta0"]
    state[_STATE["t"]] = t
    state[_STATE["intercept"]] = intercept
    state[_STATE["average_intercept"]] = average_intercept
    state[_STATE["wscale"]] = 1.0
    w64 = w.astype(np.float64)
    state[_STATE["sq_norm"]] = float(w64 @ w64)
    state[_STATE["l1_norm"]] = float(np.abs(w64).sum())
    state[_STATE["average_b"]] = 1.0
    q = np.zeros_like(w) if params["penalty"] in (1, 3) else None
    tol = -math.inf if tol is None else tol
    # the epoch objective (loss and running norms per sample) feeds only the
    # stopping rule without early stopping, and the verbose lines
    params = dict(params, track_loss=int(bool(verbose) or (score_cb is None and
                                                          tol > -math.inf)))
    rng = np.array([seed], dtype=np.uint64)
    train_count = max(train.size, 1)
    best_objective, best_score = math.inf, -math.inf
    no_improvement = 0
    epoch = 0
    order = train.copy() if shuffle else train
    for epoch in range(max_iter):
        if shuffle:
            _core.sgd_shuffle(order, rng)
        status = rows.epoch(params, state, y, sw, order, w, aw, q)
        if status & 2 and check_x is not None:
            check_x()
        check_x = None
        if status & 1:
            raise ValueError(f"Floating-point under-/overflow occurred at epoch #{epoch + 1}. "
                             "Scaling input data with StandardScaler or MinMaxScaler might "
                             "help.")
        if score_cb is not None:
            score = score_cb(w * w.dtype.type(state[_STATE["wscale"]]),
                             state[_STATE["intercept"]])
            if verbose:
                print(f"[{name}] epoch {epoch + 1}  validation score {score:.6g}", flush=True)
            if tol > -math.inf and score < best_score + tol:
                no_improvement += 1
            else:
                no_improvement = 0
            best_score = max(best_score, score)
        else:
            objective = state[_STATE["objective_sum"]] / train_count
            if verbose:
                print(f"[{name}] epoch {epoch + 1}  avg loss "
                      f"{state[_STATE['sumloss']] / train_count:.6g}  objective "
                      f"{objective:.6g}", flush=True)
            if tol > -math.inf and objective > best_objective - tol:
                no_improvement += 1
            else:
                no_improvement = 0
            best_objective = min(best_objective, objective)
        if no_improvement >= n_iter_no_change:
            if params["schedule"] == 4 and state[_STATE["eta"]] > 1e-6:
                state[_STATE["eta"]] /= 5.0
                no_improvement = 0
            else:
                break
    _core.sgd_reset_wscale(state, w, aw)
    return state[_STATE["intercept"]], state[_STATE["average_intercept"]], epoch + 1


def _validation_mask(n, y_idx, fraction, random_state, stratify):
    """A boolean mask of the validation rows: ceil(fraction * n) rows drawn
    at random (RandomState(random_state)), in proportion to the classes when
    `stratify` (largest remainders get the rounding).  Not scikit-learn's
    (Stratified)ShuffleSplit draw: the rows differ, the sizes agree."""
    n_val = int(math.ceil(fraction * n))
    if n_val < 1 or n_val >= n:
        raise ValueError(f"Splitting {n} samples into a train set and a validation set with "
                         f"validation_fraction={fraction!r} led to an empty set. Please "
                         "either change validation_fraction, increase number of samples, "
                         "or disable early_stopping.")
    rng = check_random_state(random_state)
    mask = np.zeros(n, dtype=bool)
    if not stratify:
        mask[rng.permutation(n)[:n_val]] = True
        return mask
    counts = np.bincount(y_idx)
    if n_val < np.count_nonzero(counts):
        raise ValueError(f"The validation set ({n_val} samples) must have at least one "
                         f"sample of each of the {np.count_nonzero(counts)} classes: "
                         "increase validation_fraction.")
    share = counts * (n_val / n)
    take = np.floor(share).astype(int)
    rest = n_val - take.sum()
    take[np.argsort(-(share - take), kind="stable")[:rest]] += 1
    for c in range(len(counts)):
        idx = np.flatnonzero(y_idx == c)
        mask[idx[rng.permutation(idx.size)[:take[c]]]] = True
    return mask


class _BaseSGD(_Estimator):
    """Parameters, validation and the kernel's parameters shared by
    SGDClassifier and SGDRegressor."""

    _losses = _CLASSIFICATION_LOSSES
    _pa_loss = "hinge"          # the loss of the passive-aggressive schedules

    def _check_params(self, partial=False):
        if self.loss not in self._losses:
            raise ValueError(f"The loss {self.loss!r} is not supported; use one of "
                             f"{sorted(self._losses)}")
        if self.penalty not in _PENALTIES:
            raise ValueError(f"penalty must be 'l2', 'l1', 'elasticnet' or None, got "
                             f"{self.penalty!r}")
        if self.learning_rate not in _SCHEDULES:
            raise ValueError(f"learning_rate must be one of {sorted(_SCHEDULES)}, got "
                             f"{self.learning_rate!r}")
        if self.learning_rate in ("pa1", "pa2") and self.loss != self._pa_loss:
            raise ValueError(f"Learning rate {self.learning_rate!r} only works with loss "
                             f"{self._pa_loss!r}.")
        alpha = check_float(self.alpha, "alpha")
        if self.learning_rate == "optimal" and alpha == 0:
            raise ValueError("alpha must be > 0 since learning_rate is 'optimal'. alpha is "
                             "used to compute the optimal learning rate.")
        l1_ratio = check_float(self.l1_ratio, "l1_ratio")
        if l1_ratio > 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio}")
        eta0 = check_float(self.eta0, "eta0", strict=self.learning_rate != "optimal")
        power_t = check_float(self.power_t, "power_t", minimum=-math.inf)
        epsilon = check_float(self.epsilon, "epsilon")
        check_int(self.max_iter, "max_iter", 1)
        if self.tol is not None:
            check_float(self.tol, "tol", minimum=-math.inf)
        check_int(self.n_iter_no_change, "n_iter_no_change", 1)
        vf = check_float(self.validation_fraction, "validation_fraction", strict=True)
        if vf >= 1:
            raise ValueError(f"validation_fraction must be in (0, 1), got {vf}")
        average = self.average
        if isinstance(average, (bool, np.bool_)):
            average = int(average)
        elif not isinstance(average, numbers.Integral) or average < 0:
            raise ValueError(f"average must be a bool or an int >= 0, got {show(average)}")
        loss_id, threshold = self._losses[self.loss]
        if threshold == "epsilon":
            threshold = epsilon
        elif threshold is None:
            threshold = 1.0
        typw = math.sqrt(1.0 / math.sqrt(alpha)) if alpha > 0 else 1.0
        # scikit-learn: eta0 = typw / max(1, dloss(1, -typw)); dloss(1, -typw) <= 0 for
        # every loss here, so the first step's eta is typw
        optimal_init = 1.0 / (typw * alpha) if alpha > 0 else 0.0
        return {
            "loss": loss_id, "threshold": float(threshold), "penalty": _PENALTIES[self.penalty],
            "alpha": alpha, "l1_ratio": l1_ratio, "schedule": _SCHEDULES[self.learning_rate],
            "eta0": eta0, "power_t": power_t, "optimal_init": optimal_init,
            "fit_intercept": int(bool(self.fit_intercept)), "intercept_decay": 1.0,
            "average": float(average), "weight_pos": 1.0, "weight_neg": 1.0,
            "track_loss": 1,
        }

    def _seed_rng(self):
        return check_random_state(self.random_state)

    def _finish_fit(self, max_iter):
        if self.tol is not None and self.tol > -np.inf and self.n_iter_ == max_iter:
            warnings.warn("Maximum number of iteration reached before convergence. Consider "
                          "increasing max_iter to improve the fit.",
                          sk_compatible(ConvergenceWarning), stacklevel=3)

    def _select_coef(self, standard_coef, standard_intercept, average_coef,
                     average_intercept):
        """coef_ / intercept_: the averaged ones once averaging has started
        (scikit-learn's rule: average <= t_ - 1), else the plain ones."""
        avg = int(self.average)
        if avg > 0 and avg <= self.t_ - 1:
            return average_coef.copy(), np.atleast_1d(average_intercept).copy()
        return standard_coef.copy(), np.atleast_1d(standard_intercept).copy()

    def _decision(self, X):
        check_is_fitted(self)
        Xm = design_matrix(self, X, reset=False)
        scores = Xm.matvec(np.atleast_2d(self.coef_), self.intercept_)
        return scores[:, 0] if scores.shape[1] == 1 else scores


_DOC_COMMON = """
    Parameters (scikit-learn's names and defaults): ``penalty`` ("l2", "l1",
    "elasticnet", None), ``alpha``, ``l1_ratio``, ``fit_intercept``,
    ``max_iter`` (epochs), ``tol`` (None: run max_iter epochs),
    ``shuffle``, ``verbose``, ``epsilon`` (huber / epsilon-insensitive),
    ``random_state``, ``learning_rate``:

    - "constant": eta = eta0;
    - "optimal": eta = 1 / (alpha (t + t0)), t0 from Bottou's heuristic
      (the first step is alpha^(-1/4), as scikit-learn);
    - "invscaling": eta = eta0 / t^power_t;
    - "adaptive": eta = eta0, divided by 5 each time n_iter_no_change epochs
      pass without improvement (down to 1e-6), instead of stopping;
    - "pa1", "pa2" (scikit-learn 1.8's replacement of PassiveAggressive*;
      the classifier's loss must be "hinge", the regressor's
      "epsilon_insensitive"): the passive-aggressive steps of Crammer et al.
      (2006), w += tau s x with s the label's sign (classifier) or the sign
      of y - z (regressor) and, for the row's loss l, tau = min(eta0,
      l / ||x||^2) (PA-I; a row with x = 0 is skipped, as scikit-learn)
      or tau = l / (||x||^2 + 1 / (2 eta0)) (PA-II): eta0 is the
      aggressiveness C.  The epoch objective of the stopping rule is the
      mean loss alone; a penalty still shrinks w by (1 - eta0 alpha) per
      step, as scikit-learn (use penalty=None for the plain algorithm);

    ``early_stopping`` with ``validation_fraction`` (stop when the score of
    the plain, non-averaged model on a held-out fraction has not improved
    by tol for n_iter_no_change epochs; the held-out rows are drawn with
    NumPy from random_state -- stratified for the classifier -- not by
    scikit-learn's splitter, so they are not the same rows), ``warm_start``,
    ``average`` (True or an int a: averaged SGD from step a on, coef_ the
    averaged weights).  ``t_`` counts the steps (1 + samples seen, as
    scikit-learn, validation rows included).  Without early stopping the
    stopping rule is scikit-learn's: the objective accumulated over an epoch
    (mean loss plus penalty) has not decreased by tol for n_iter_no_change
    epochs.  Reaching max_iter with tol set gives a ConvergenceWarning.
    float32 X keeps float32 weights (the kernel accumulates in float64).
"""


class SGDClassifier(_BaseSGD):
    """Linear classifiers fitted by per-sample SGD, scikit-learn's
    ``SGDClassifier``: the same parameters, schedules and trajectory (for
    the same row order: ``shuffle=False``; see the module docstring).

    ``loss``: "hinge" (linear SVM), "log_loss" (logistic regression, labels
    0/1), "modified_huber", "squared_hinge", "perceptron", or the regression
    losses "squared_error", "huber", "epsilon_insensitive",
    "squared_epsilon_insensitive" on -1/+1 labels.  More than two classes:
    one-vs-rest, one binary SGD run per class (each with its own stopping;
    ``n_iter_`` is the largest), as scikit-learn; ``n_jobs`` is accepted
    and ignored (the runs are sequential).  ``class_weight`` as
    scikit-learn: the binary problem of class c weighs its samples by
    class c's weight and the rest by 1.
    """ + _DOC_COMMON + """
    ``predict_proba``: for log_loss (sigmoid; one-vs-rest rows normalised)
    and modified_huber ((clip(z, -1, 1) + 1) / 2, normalised), as
    scikit-learn; other losses have none.
    """

    _estimator_type = "classifier"

    def __init__(self, loss="hinge", *, penalty="l2", alpha=0.0001, l1_ratio=0.15,
                 fit_intercept=True, max_iter=1000, tol=1e-3, shuffle=True, verbose=0,
                 epsilon=0.1, n_jobs=None, random_state=None, learning_rate="optimal",
                 eta0=0.01, power_t=0.5, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=5, class_weight=None, warm_start=False, average=False):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average

    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit by SGD for max_iter epochs or until the stopping rule; returns self."""
        params = self._check_params()
        check_y_present(self, y)
        # without early stopping the first epoch visits every row: X's NaN/inf
        # check is deferred to it (a pass over X fewer)
        defer = not self.early_stopping
        Xm = design_matrix(self, X, reset=True, finite=not defer)
        y = _check_classification_targets(y, Xm.shape[0])
        classes, _ = _encode_labels(y)
        if len(classes) < 2:
            raise ValueError("The number of classes has to be greater than one; got "
                             f"{len(classes)} class")
        if self.warm_start and hasattr(self, "coef_") and np.array_equal(
                getattr(self, "classes_", None), classes):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        self.__dict__.pop("_standard_coef", None)
        self.t_ = 1.0
        self._fit_rows(Xm, y, classes, sample_weight, params, self.max_iter, coef_init,
                       intercept_init, early_stopping=bool(self.early_stopping), reset=True,
                       check_x=Xm.check_finite if defer else None)
        self._finish_fit(self.max_iter)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of SGD over (X, y) (scikit-learn's partial_fit:
        max_iter=1, no stopping rule, no early stopping); ``classes`` is
        required on the first call.  The weights, the averaged weights and
        t_ (hence the learning rate of "optimal" and "invscaling") persist
        between calls."""
        params = self._check_params()
        first = not hasattr(self, "classes_")
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            classes = np.unique(np.asarray(classes))
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)),
                                                        self.classes_):
            raise ValueError(f"`classes={classes!r}` is not the same as on the first call "
                             f"to partial_fit ({self.classes_!r}).")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError("class_weight 'balanced' is not supported for partial_fit. Use "
                             "a dict of weights, computed from all the data.")
        check_y_present(self, y)
        Xm = design_matrix(self, X, reset=first)
        y = _check_classification_targets(y, Xm.shape[0])
        if first:
            self.t_ = 1.0
        else:
            classes = self.classes_
        present = np.isin(y, classes)
        if not np.all(present):
            raise ValueError(f"y contains labels {np.unique(y[~present])[:5]!r} that are not "
                             f"in classes {classes!r}")
        self._fit_rows(Xm, y, classes, sample_weight, params, 1, None, None,
                       early_stopping=False, reset=first, tol=None)
        return self

    def _fit_rows(self, Xm, y, classes, sample_weight, params, max_iter, coef_init,
                  intercept_init, *, early_stopping, reset, tol="self", check_x=None):
        name = type(self).__name__
        rows = _Rows(Xm, name)
        params["intercept_decay"] = rows.intercept_decay
        n, d = rows.n, rows.d
        dtype = rows.dtype
        y_idx = np.searchsorted(classes, y)
        sw = validate_sample_weight(sample_weight, n, dtype)
        per_class = apply_class_weight(self.class_weight, None, classes, y_idx, np.float64,
                                       only_classes=True)
        n_classes = len(classes)
        k = 1 if n_classes == 2 else n_classes
        avg = int(self.average)
        if reset or not hasattr(self, "_standard_coef"):
            coef = np.zeros((k, d), dtype=dtype)
            intercept = np.zeros(k, dtype=np.float64)
            if coef_init is not None:
                coef[...] = np.asarray(coef_init, dtype=dtype).reshape(k, d)
            if intercept_init is not None:
                intercept[...] = np.asarray(intercept_init, dtype=np.float64).reshape(k)
            self._standard_coef, self._standard_intercept = coef, intercept
            self._average_coef = np.zeros((k, d), dtype=dtype) if avg else None
            self._average_intercept = np.zeros(k)
        coef, intercept = self._standard_coef, self._standard_intercept
        aw_all = self._average_coef
        if avg and aw_all is None:
            aw_all = self._average_coef = np.zeros((k, d), dtype=dtype)
        mask = None
        if early_stopping:
            mask = _validation_mask(n, y_idx, float(self.validation_fraction),
                                    self.random_state, stratify=True)
            if sw is not None and not np.any(sw[mask] > 0):
                raise ValueError("The sample weights for validation set are all zero, "
                                 "consider using a different random state.")
        train = np.flatnonzero(~mask) if mask is not None else np.arange(n, dtype=np.int64)
        train = train.astype(np.int64)
        rng = self._seed_rng()
        if n_classes == 2:
            seeds = [rng.randint(_MAX_INT)]
        else:
            seeds = rng.randint(_MAX_INT, size=n_classes)
        log = self.loss == "log_loss"
        tol_value = self.tol if tol == "self" else tol
        n_iter = 0
        for c in range(k):
            positive = 1 if n_classes == 2 else c
            is_pos = y_idx == positive
            y_c = np.where(is_pos, 1.0, 0.0 if log else -1.0).astype(dtype)
            p = dict(params)
            if n_classes == 2:
                p["weight_pos"], p["weight_neg"] = float(per_class[1]), float(per_class[0])
            else:
                p["weight_pos"], p["weight_neg"] = float(per_class[c]), 1.0
            score_cb = None
            if mask is not None:
                score_cb = self._validation_scorer(Xm, y_idx, mask, sw, positive, n_classes)
            aw = aw_all[c] if avg else None
            b, ab, it = _plain_sgd(
                rows, y_c, sw, coef[c], float(intercept[c]), aw,
                float(self._average_intercept[c]), p, max_iter=max_iter, tol=tol_value,
                n_iter_no_change=int(self.n_iter_no_change), train=train,
                shuffle=bool(self.shuffle), seed=int(seeds[c]), t=self.t_,
                score_cb=score_cb, verbose=self.verbose, name=name,
                check_x=check_x if c == 0 else None)
            intercept[c] = b
            self._average_intercept[c] = ab
            n_iter = max(n_iter, it)
        self.t_ += n_iter * n
        self.n_iter_ = n_iter
        self.classes_ = classes
        c_, b_ = self._select_coef(coef, intercept, aw_all, self._average_intercept)
        self.coef_ = c_.astype(dtype, copy=False)
        self.intercept_ = b_.astype(dtype, copy=False)
        self._proba = {"log_loss": "log", "modified_huber": "modified_huber"}.get(self.loss)

    def _validation_scorer(self, Xm, y_idx, mask, sw, positive, n_classes):
        """The accuracy of the binary model of `positive` on the validation rows
        (as scikit-learn's callback scores one binary model at a time)."""
        rows = np.flatnonzero(mask)
        Xv = Xm.take_rows(rows)
        target = y_idx[rows] == positive
        wv = None if sw is None else sw[rows]

        def score(w, b):
            z = Xv.matvec(w.reshape(1, -1), np.array([b]))[:, 0]
            return float(np.average((z > 0) == target, weights=wv))
        return score

    def decision_function(self, X):
        """Decision values: (n,) for two classes (of classes_[1]), else (n, n_classes)."""
        return self._decision(X)

    def predict(self, X):
        if is_dask_array(X):      # lazy per chunk: _dask_classifier
            from ._dask_classifier import map_chunks
            return map_chunks(self, X, "predict")
        s = self.decision_function(X)
        idx = (s > 0).astype(np.intp) if s.ndim == 1 else np.argmax(s, axis=1)
        return self.classes_[idx]

    def _has_proba(self):
        return self.loss in ("log_loss", "modified_huber")

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Probabilities for log_loss and modified_huber (see the class docstring)."""
        if is_dask_array(X):      # lazy per chunk: _dask_classifier
            from ._dask_classifier import map_chunks
            return map_chunks(self, X, "predict_proba")
        s = np.asarray(self.decision_function(X), dtype=np.float64)
        if self.loss == "log_loss":
            from ..activations import sigmoid
            p = sigmoid(s)
        else:
            p = (np.clip(s, -1.0, 1.0) + 1.0) / 2.0
        if p.ndim == 1:
            return np.column_stack([1.0 - p, p])
        total = p.sum(axis=1, keepdims=True)
        return np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / p.shape[1])

    @available_if(_has_proba)
    def predict_log_proba(self, X):
        if is_dask_array(X):      # lazy per chunk: _dask_classifier
            from ._dask_classifier import map_chunks
            return map_chunks(self, X, "predict_log_proba")
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (weighted by sample_weight)."""
        y_pred = self.predict(X)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        check_consistent_length(y_pred.shape[0], y.shape[0])
        return float(np.average(y_pred == y, weights=sample_weight))


class SGDRegressor(_BaseSGD):
    """Linear regression fitted by per-sample SGD, scikit-learn's
    ``SGDRegressor``: the same parameters, schedules and trajectory (for the
    same row order: ``shuffle=False``; see the module docstring).

    ``loss``: "squared_error" (0.5 (y - z)^2), "huber", "epsilon_insensitive",
    "squared_epsilon_insensitive" (``epsilon`` their threshold).
    """ + _DOC_COMMON

    _estimator_type = "regressor"
    _losses = _REGRESSION_LOSSES
    _pa_loss = "epsilon_insensitive"

    def __init__(self, loss="squared_error", *, penalty="l2", alpha=0.0001, l1_ratio=0.15,
                 fit_intercept=True, max_iter=1000, tol=1e-3, shuffle=True, verbose=0,
                 epsilon=0.1, random_state=None, learning_rate="invscaling", eta0=0.01,
                 power_t=0.25, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=5, warm_start=False, average=False):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.average = average

    def _targets(self, y, n, dtype):
        from ._base import _as_float_array, check_finite
        from ._base import _is_sparse
        if _is_sparse(y):
            raise TypeError("Sparse data was passed for y, but dense data is required.")
        y = _as_float_array(y, "y", type(self).__name__, dtype=dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            from ._base import DataConversionWarning
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                          "change the shape of y to (n_samples, ), for example using ravel().",
                          sk_compatible(DataConversionWarning), stacklevel=3)
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} "
                             "instead.")
        check_consistent_length(n, y.shape[0])
        check_finite(y, "y")
        return np.ascontiguousarray(y, dtype=dtype)

    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit by SGD for max_iter epochs or until the stopping rule; returns self."""
        params = self._check_params()
        check_y_present(self, y)
        defer = not self.early_stopping     # see SGDClassifier.fit
        Xm = design_matrix(self, X, reset=True, finite=not defer)
        if self.warm_start and hasattr(self, "coef_"):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        self.__dict__.pop("_standard_coef", None)
        self.t_ = 1.0
        self._fit_rows(Xm, y, sample_weight, params, self.max_iter, coef_init, intercept_init,
                       early_stopping=bool(self.early_stopping), reset=True,
                       check_x=Xm.check_finite if defer else None)
        self._finish_fit(self.max_iter)
        return self

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of SGD over (X, y) (scikit-learn's partial_fit); the
        weights, averaged weights and t_ persist between calls."""
        params = self._check_params()
        first = not hasattr(self, "coef_")
        check_y_present(self, y)
        Xm = design_matrix(self, X, reset=first)
        if first:
            self.t_ = 1.0
        self._fit_rows(Xm, y, sample_weight, params, 1, None, None, early_stopping=False,
                       reset=first, tol=None)
        return self

    def _fit_rows(self, Xm, y, sample_weight, params, max_iter, coef_init, intercept_init, *,
                  early_stopping, reset, tol="self", check_x=None):
        name = type(self).__name__
        rows = _Rows(Xm, name)
        params["intercept_decay"] = rows.intercept_decay
        n, d = rows.n, rows.d
        dtype = rows.dtype
        y = self._targets(y, n, dtype)
        sw = validate_sample_weight(sample_weight, n, dtype)
        avg = int(self.average)
        if reset or not hasattr(self, "_standard_coef"):
            coef = np.zeros(d, dtype=dtype)
            intercept = np.zeros(1)
            if coef_init is not None:
                coef[...] = np.asarray(coef_init, dtype=dtype).reshape(d)
            if intercept_init is not None:
                intercept[...] = np.asarray(intercept_init, dtype=np.float64).reshape(1)
            self._standard_coef, self._standard_intercept = coef, intercept
            self._average_coef = np.zeros(d, dtype=dtype) if avg else None
            self._average_intercept = np.zeros(1)
        coef, intercept = self._standard_coef, self._standard_intercept
        if avg and self._average_coef is None:
            self._average_coef = np.zeros(d, dtype=dtype)
        mask = None
        score_cb = None
        if early_stopping:
            mask = _validation_mask(n, None, float(self.validation_fraction),
                                    self.random_state, stratify=False)
            if sw is not None and not np.any(sw[mask] > 0):
                raise ValueError("The sample weights for validation set are all zero, "
                                 "consider using a different random state.")
            score_cb = self._validation_scorer(Xm, y, mask, sw)
        train = (np.flatnonzero(~mask) if mask is not None else np.arange(n)).astype(np.int64)
        seed = self._seed_rng().randint(0, _MAX_INT)
        b, ab, it = _plain_sgd(
            rows, y, sw, coef, float(intercept[0]), self._average_coef,
            float(self._average_intercept[0]), params, max_iter=max_iter,
            tol=self.tol if tol == "self" else tol,
            n_iter_no_change=int(self.n_iter_no_change), train=train,
            shuffle=bool(self.shuffle), seed=int(seed), t=self.t_, score_cb=score_cb,
            verbose=self.verbose, name=name, check_x=check_x)
        intercept[0] = b
        self._average_intercept[0] = ab
        self.t_ += it * n
        self.n_iter_ = it
        c_, b_ = self._select_coef(coef, intercept, self._average_coef,
                                   self._average_intercept)
        self.coef_ = c_.astype(dtype, copy=False)
        self.intercept_ = b_.astype(dtype, copy=False)

    def _validation_scorer(self, Xm, y, mask, sw):
        """R^2 of the current model on the validation rows."""
        rows = np.flatnonzero(mask)
        Xv = Xm.take_rows(rows)
        yv = y[rows].astype(np.float64)
        wv = None if sw is None else sw[rows].astype(np.float64)

        def score(w, b):
            z = Xv.matvec(w.reshape(1, -1), np.array([b]))[:, 0]
            return _r2(yv, z, wv)
        return score

    def predict(self, X):
        return self._decision(X)

    def _more_tags(self):
        return {**super()._more_tags(), "multioutput": False}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False        # one target, as scikit-learn's
        return tags

    def score(self, X, y, sample_weight=None):
        """R^2 (weighted by sample_weight)."""
        y_pred = np.asarray(self.predict(X), dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        check_consistent_length(y_pred.shape[0], y.shape[0])
        return _r2(y, y_pred, sample_weight)


def _r2(y, z, w):
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=np.float64)
    num = float(np.sum(w * (y - z) ** 2))
    mean = float(np.sum(w * y) / np.sum(w))
    den = float(np.sum(w * (y - mean) ** 2))
    if den == 0:
        return 1.0 if num == 0 else 0.0
    return 1.0 - num / den
