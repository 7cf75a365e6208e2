"""Classification losses (SPEC 2.1).

Binary losses are elementwise (one prediction per element, ``"mean"`` averages
over all elements); the categorical family (categorical / sparse categorical
cross-entropy, KL divergence, multi-class hinge) is row-wise: ``y_pred`` has
shape ``(n, C)`` (any leading shape, classes on the last axis), the loss of a
sample is the sum over its row and ``"mean"`` averages over rows.  The C
definitions are in csrc/losses_classification.c (elementwise) and
csrc/losses_rowwise_t.h (row-wise, one fused pass per row: max,
log-sum-exp, loss and gradient without a softmax matrix; rows of at most 16
classes are processed 128 at a time, transposed in L1, so SIMD lanes run
across rows).

Probabilities (``from_logits=False``) are clipped to ``[1e-7, 1 - 1e-7]`` as
Keras does, and the gradient is 0 where a probability lies outside that range
(Keras' clip).  A probability outside [0, 1] is a ValueError; NaN gives NaN.
"""
import math

import numpy as np

from .. import _lossfast as _core
from .._validation import (as_array, as_contiguous, check_out, check_reduction,
                           check_same_shape, compute_dtype, sample_weight_rows, show)
from ._base import ElementwiseLoss, Loss, _kernel_index, functional, reduce_with, register

_EW_FAMILY = 1   # _core.EW_FAMILIES.index("classification")
_RW_FAMILY = 0   # _core.RW_FAMILIES.index("classification")
EPSILON = 1e-7   # Keras' epsilon: the clip of probabilities

_RW_INDEX = {}


def _rw_index(kernel):
    if kernel not in _RW_INDEX:
        names = _core.rw_names(_RW_FAMILY)
        if kernel not in names:
            raise NotImplementedError(f"no C row-wise kernel {kernel!r}")
        _RW_INDEX[kernel] = names.index(kernel)
    return _RW_INDEX[kernel]


# ------------------------------------------------------------------ checks

def _check_probabilities(arr, name):
    """ValueError if a (flat, contiguous, float) array holds values outside [0, 1]."""
    bad = _core.cls_check("outside_unit", arr.reshape(-1))
    if bad:
        flat = arr.reshape(-1)
        example = flat[(flat < 0) | (flat > 1)][0]
        raise ValueError(f"{name} must hold probabilities in [0, 1] (from_logits=False); "
                         f"{bad} value(s) are outside, e.g. {example}.  Pass "
                         "from_logits=True for raw scores")


def _check_sign_labels(arr, name="y_true"):
    bad = _core.cls_check("not_sign_label", arr.reshape(-1))
    if bad:
        flat = arr.reshape(-1)
        example = flat[(flat == flat) & (flat != -1) & (flat != 0) & (flat != 1)][0]
        raise ValueError(f"{name} must hold labels -1/+1 (or 0/1); {bad} value(s) are not, "
                         f"e.g. {example}")


def _check_unit_interval(value, name):
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def _check_nonnegative(value, name):
    value = float(value)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _check_from_logits(value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"from_logits must be True or False, got {show(value)}")
    return bool(value)


def _convert_pair(y_true, y_pred):
    """Both arrays as C-contiguous arrays of the compute dtype (same shape)."""
    y_pred = as_array(y_pred, "y_pred")
    y_true = as_array(y_true, "y_true")
    check_same_shape(y_true, y_pred)
    dtype = compute_dtype(y_pred, y_true)
    return as_contiguous(y_true, dtype), as_contiguous(y_pred, dtype)


def class_indices(y_true, batch_shape, n_classes):
    """y_true as a contiguous int64 vector of class indices, one per row.

    Accepts integer, bool or whole-number float arrays of shape ``batch_shape``
    (or ``batch_shape + (1,)``, Keras' column of labels).  A label outside
    ``[0, n_classes)``, a non-integer or a NaN label is a ValueError.
    """
    y = as_array(y_true, "y_true")
    if y.shape != tuple(batch_shape):
        if y.shape == tuple(batch_shape) + (1,):
            y = y.reshape(batch_shape)
        else:
            raise ValueError(f"y_true must hold one class index per row of y_pred: expected "
                             f"shape {tuple(batch_shape)}, got y_true.shape={y.shape}")
    y = y.reshape(-1)
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.size == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = y.min(), y.max()
    if y.dtype.kind == "f":
        if np.isnan(lo) or np.isnan(hi):
            raise ValueError("y_true holds NaN; class indices must be whole numbers")
    if lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(f"y_true holds class index {bad} outside [0, {n_classes}) "
                         f"(y_pred has {n_classes} classes)")
    if y.dtype.kind == "f":
        whole = np.floor(y) == y
        if not whole.all():
            raise ValueError(f"y_true must hold whole-number class indices, got "
                             f"{y[~whole][0]}")
    return np.ascontiguousarray(y, dtype=np.int64)


# ----------------------------------------------------------- elementwise

class _ElementwiseClassification(ElementwiseLoss):
    """Elementwise classification loss: picks its C kernel per instance and
    checks its inputs (``_check_inputs``) before the C driver runs."""

    _family = _EW_FAMILY

    def _kernel_name(self):
        return self._kernel

    def _index(self):
        return _kernel_index(self._family, self._kernel_name())

    def _check_inputs(self, y_true, y_pred):
        pass

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        check_reduction(reduction)
        y_true, y_pred = _convert_pair(y_true, y_pred)
        self._check_inputs(y_true, y_pred)
        return super()._evaluate(y_true, y_pred, sample_weight, reduction, want_loss,
                                 want_grad, out)


@register
class BinaryCrossEntropy(_ElementwiseClassification):
    """Binary cross-entropy (log loss) of 0/1 (or soft) targets.

    With ``t = y_true * (1 - label_smoothing) + label_smoothing / 2`` and
    ``w = pos_weight`` (1 when None):

    - ``from_logits=True`` (``y_pred = z``, raw scores), as PyTorch
      ``binary_cross_entropy_with_logits``:
      ``l = w t softplus(-z) + (1 - t) softplus(z)``,
      ``dl/dz = (1 - t) sigmoid(z) - w t sigmoid(-z)``; softplus and sigmoid
      are evaluated from ``exp(-|z|)`` only, so any finite ``z`` (1e4 and far
      beyond) gives a finite loss and gradient.
    - ``from_logits=False`` (probabilities ``p``), as Keras
      ``binary_crossentropy``: ``p`` clipped to ``[1e-7, 1 - 1e-7]``,
      ``l = -(w t log p + (1 - t) log(1 - p))``, gradient
      ``((1 - t) p - w t (1 - p)) / (p (1 - p))`` inside the clip range and 0
      outside it.  Probabilities outside [0, 1] are a ValueError.

    ``pos_weight`` is a scalar >= 0 weighting the positive term (PyTorch's
    per-class tensor form is not supported: NotImplementedError); with
    probabilities it weights ``t log p`` the same way.  ``label_smoothing`` in
    [0, 1] (Keras).
    """
    name, aliases = "bce", ("log_loss", "logistic", "binary_crossentropy",
                            "binary_cross_entropy")

    def __init__(self, from_logits=False, pos_weight=None, label_smoothing=0.0):
        self.from_logits = _check_from_logits(from_logits)
        if pos_weight is not None:
            pw = np.asarray(pos_weight, dtype=np.float64)
            if pw.size != 1:
                raise NotImplementedError(
                    "pos_weight must be a scalar: a per-class pos_weight vector is not "
                    "supported")
            pos_weight = _check_nonnegative(pw.reshape(-1)[0], "pos_weight")
        self.pos_weight = pos_weight
        self.label_smoothing = _check_unit_interval(label_smoothing, "label_smoothing")

    def _kernel_name(self):
        return "bce_logits" if self.from_logits else "bce_prob"

    def _params(self):
        pw = 1.0 if self.pos_weight is None else self.pos_weight
        ls = self.label_smoothing
        return (pw, 1.0 - ls, 0.5 * ls, 0.0)

    def _check_inputs(self, y_true, y_pred):
        if not self.from_logits:
            _check_probabilities(y_pred, "y_pred")

    def get_config(self):
        return {"from_logits": self.from_logits, "pos_weight": self.pos_weight,
                "label_smoothing": self.label_smoothing}


@register
class BinaryFocal(_ElementwiseClassification):
    """Binary focal loss (torchvision ``sigmoid_focal_loss``, Keras
    ``BinaryFocalCrossentropy``).

    With ``p = sigmoid(y_pred)`` (``from_logits=True``) or the probability
    ``y_pred`` clipped to ``[1e-7, 1 - 1e-7]`` (``from_logits=False``),
    ``ce`` the binary cross-entropy of that element,
    ``p_t = p t + (1 - p)(1 - t)`` and ``alpha_t = alpha t + (1 - alpha)(1 - t)``:
    ``l = alpha_t * ce * (1 - p_t)**gamma``.  ``alpha=None`` drops ``alpha_t``
    (torchvision's ``alpha=-1``).  ``gamma >= 0``, ``alpha`` in [0, 1].  The
    gradient is exact (also through ``(1 - p_t)**gamma``); with probabilities
    it is 0 outside the clip range.  Defaults are torchvision's
    (``gamma=2``, ``alpha=0.25``).
    """
    name, aliases = "focal", ("binary_focal", "focal_loss", "sigmoid_focal")

    def __init__(self, gamma=2.0, alpha=0.25, from_logits=False):
        self.gamma = _check_nonnegative(gamma, "gamma")
        self.alpha = None if alpha is None else _check_unit_interval(alpha, "alpha")
        self.from_logits = _check_from_logits(from_logits)

    def _kernel_name(self):
        return "focal_logits" if self.from_logits else "focal_prob"

    def _params(self):
        zero_pow = 1.0 if self.gamma == 0 else 0.0   # 0**gamma
        if self.alpha is None:
            return (self.gamma, 1.0, 1.0, zero_pow)
        return (self.gamma, self.alpha, 1.0 - self.alpha, zero_pow)

    def _check_inputs(self, y_true, y_pred):
        if not self.from_logits:
            _check_probabilities(y_pred, "y_pred")

    def get_config(self):
        return {"gamma": self.gamma, "alpha": self.alpha, "from_logits": self.from_logits}


class _MarginLoss(_ElementwiseClassification):
    """Margin losses of labels t in {-1, +1} and scores f; 0/1 labels are
    accepted (0 is read as -1).  Other label values are a ValueError."""

    def _check_inputs(self, y_true, y_pred):
        _check_sign_labels(y_true)


@register
class Hinge(_MarginLoss):
    """Hinge loss (SVM): ``l = max(0, 1 - t f)``; gradient ``-t`` where
    ``t f < 1``, else 0.  Labels ``t`` in {-1, +1}; 0/1 labels are accepted
    and 0 is read as -1 (Keras)."""
    name, aliases, _kernel = "hinge", ("svm",), "hinge"


@register
class SquaredHinge(_MarginLoss):
    """Squared hinge: ``l = max(0, 1 - t f)**2``; gradient ``-2 t max(0, 1 - t f)``.
    Labels as :class:`Hinge`."""
    name, aliases, _kernel = "squared_hinge", (), "squared_hinge"


@register
class Perceptron(_MarginLoss):
    """Perceptron loss: ``l = max(0, -t f)``; gradient ``-t`` where ``t f < 0``,
    else 0 (also at ``t f == 0``).  Labels as :class:`Hinge`."""
    name, aliases, _kernel = "perceptron", (), "perceptron"


# ------------------------------------------------------------- row-wise

def _batch_weights(sample_weight, batch_shape, n_rows, dtype):
    if sample_weight is None:
        return None, float(n_rows)
    w = as_array(sample_weight, "sample_weight")
    if w.ndim > 1 and w.shape == tuple(batch_shape):
        w = w.reshape(-1)
    return sample_weight_rows(w, n_rows, dtype)


class _RowwisePrepared:
    """Inputs of a row-wise kernel: (n, C) predictions, labels or targets,
    per-row weights and what the reduction needs."""
    __slots__ = ("y_true", "y_pred", "weight", "total", "dtype", "shape", "batch_shape",
                 "n", "C")

    def __init__(self, y_true, y_pred, sample_weight, sparse):
        y_pred = as_array(y_pred, "y_pred")
        if y_pred.ndim == 0:
            raise ValueError("y_pred must have a class axis (shape (n, C)), got a scalar")
        self.shape = y_pred.shape
        self.batch_shape = y_pred.shape[:-1]
        self.C = y_pred.shape[-1]
        self.n = int(np.prod(self.batch_shape, dtype=np.int64))
        if self.C == 0 and self.n > 0:
            raise ValueError(f"y_pred has no classes: shape {y_pred.shape}")
        if sparse:
            self.dtype = compute_dtype(y_pred)
            self.y_true = class_indices(y_true, self.batch_shape, self.C)
        else:
            y_true = as_array(y_true, "y_true")
            check_same_shape(y_true, y_pred)
            self.dtype = compute_dtype(y_pred, y_true)
            self.y_true = as_contiguous(y_true, self.dtype).reshape(self.n, self.C)
        self.y_pred = as_contiguous(y_pred, self.dtype).reshape(self.n, self.C)
        self.weight, self.total = _batch_weights(sample_weight, self.batch_shape, self.n,
                                                 self.dtype)


class RowwiseLoss(Loss):
    """A loss whose value for a sample is a sum over its row of ``C`` classes
    (classes on the last axis of ``y_pred``), computed by a fused C row kernel.
    ``"mean"`` averages over rows (weighted: sum(w l) / sum(w) with one weight
    per row); ``"none"`` returns one value per row (shape ``y_pred.shape[:-1]``).

    Subclasses set ``_sparse`` (y_true holds class indices) and return the C
    kernel's name from ``_kernel_name`` and its parameters from ``_params(C)``.
    """

    _sparse = False
    _has_gradient = True

    def _kernel_name(self):
        raise NotImplementedError

    def _params(self, n_classes):
        return (0.0, 0.0, 0.0, 0.0)

    def _check_inputs(self, prep):
        pass

    def _run(self, prep, mode, loss_out, grad_out, grad_scale):
        p = self._params(prep.C)
        return _core.rw_run(_RW_FAMILY, _rw_index(self._kernel_name()), prep.y_true,
                            prep.y_pred, prep.weight, p[0], p[1], p[2], p[3], mode, loss_out,
                            grad_out, grad_scale)

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        check_reduction(reduction)
        prep = _RowwisePrepared(y_true, y_pred, sample_weight, self._sparse)
        self._check_inputs(prep)
        grad = grad2 = None
        if want_grad:
            grad = (np.empty(prep.shape, dtype=prep.dtype) if out is None
                    else check_out(out, prep.shape, prep.dtype))
            grad2 = grad.reshape(prep.n, prep.C)
        loss = reduce_with(lambda mode, loss_out, scale: self._run(prep, mode, loss_out, grad2,
                                                                   scale),
                           reduction, want_loss, want_grad, n_items=prep.n, total=prep.total,
                           loss_shape=prep.n, dtype=prep.dtype)
        if reduction == "none" and loss is not None:
            loss = loss.reshape(prep.batch_shape)
        return loss, grad


@register
class CategoricalCrossEntropy(RowwiseLoss):
    """Categorical cross-entropy (softmax loss) of one-hot or probability
    targets ``t`` of shape ``(n, C)``; the loss of a row is summed over its
    classes.  Label smoothing replaces ``t`` by ``t (1 - ls) + ls / C``.

    - ``from_logits=True`` (scores ``z``): ``l = logsumexp(z) sum(t) - sum(t z)``
      computed with the row max subtracted (no overflow, accurate when a class
      dominates); gradient ``softmax(z) sum(t) - t`` (PyTorch ``cross_entropy``
      with probability targets).  One fused pass per row, no softmax matrix.
    - ``from_logits=False`` (Keras): rows of ``y_pred`` are renormalised to sum
      to 1, clipped to ``[1e-7, 1 - 1e-7]``, ``l = -sum(t log p)``; the
      gradient goes through the renormalisation and is 0 for clipped entries.
      Probabilities outside [0, 1] are a ValueError.
    """
    name, aliases = "cce", ("categorical_crossentropy", "categorical_cross_entropy",
                            "softmax_cross_entropy")

    def __init__(self, from_logits=False, label_smoothing=0.0):
        self.from_logits = _check_from_logits(from_logits)
        self.label_smoothing = _check_unit_interval(label_smoothing, "label_smoothing")

    def _kernel_name(self):
        return "softmax_xent" if self.from_logits else "cce_prob"

    def _params(self, n_classes):
        ls = self.label_smoothing
        return (1.0 - ls, ls / n_classes if n_classes else 0.0, 0.0, 0.0)

    def _check_inputs(self, prep):
        if not self.from_logits:
            _check_probabilities(prep.y_pred, "y_pred")

    def get_config(self):
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


@register
class SparseCategoricalCrossEntropy(RowwiseLoss):
    """Categorical cross-entropy of integer class indices ``y_true`` (shape
    ``(n,)``, or ``(n, 1)``) against ``y_pred`` of shape ``(n, C)``.

    - ``from_logits=True``: ``l = logsumexp(z) - z[y]``, gradient
      ``softmax(z) - onehot(y)`` (PyTorch ``cross_entropy``), one fused pass
      per row.
    - ``from_logits=False`` (Keras): rows renormalised, ``p[y]`` clipped to
      ``[1e-7, 1 - 1e-7]``, ``l = -log p[y]``; gradient 0 when clipped.

    A label outside ``[0, C)``, a non-integer or NaN label is a ValueError.
    """
    name, aliases = "sparse_cce", ("sparse_categorical_crossentropy",
                                   "sparse_categorical_cross_entropy")
    _sparse = True

    def __init__(self, from_logits=False):
        self.from_logits = _check_from_logits(from_logits)

    def _kernel_name(self):
        return "softmax_xent_sparse" if self.from_logits else "cce_prob_sparse"

    def _check_inputs(self, prep):
        if not self.from_logits:
            _check_probabilities(prep.y_pred, "y_pred")

    def get_config(self):
        return {"from_logits": self.from_logits}


@register
class MulticlassHinge(RowwiseLoss):
    """Multi-class hinge loss (PyTorch ``multi_margin_loss``, p=1): with class
    indices ``y`` of shape ``(n,)`` and scores ``f`` of shape ``(n, C)``,
    ``l = sum_{j != y} max(0, margin - f[y] + f[j]) / C``; gradient ``1/C``
    for each j with a positive term and ``-k/C`` at ``y`` (k such terms).
    ``margin >= 0``."""
    name, aliases = "multiclass_hinge", ("multi_margin", "multiclass_svm", "crammer_singer")
    _sparse = True

    def __init__(self, margin=1.0):
        self.margin = _check_nonnegative(margin, "margin")

    def _kernel_name(self):
        return "multi_margin"

    def _params(self, n_classes):
        return (self.margin, 0.0, 0.0, 0.0)

    def get_config(self):
        return {"margin": self.margin}


@register
class KLDivergence(RowwiseLoss):
    """Kullback-Leibler divergence of rows of probabilities (Keras
    ``kl_divergence``): both clipped to ``[1e-7, 1]``,
    ``l = sum_j t_j log(t_j / p_j)`` over a row; gradient ``-t/p`` (0 where
    ``p`` is clipped).  Values outside [0, 1] in either array are a
    ValueError.  The row sum is over the last axis; ``"mean"`` averages over
    rows (Keras), not over elements (PyTorch's ``reduction="mean"``)."""
    name, aliases = "kl", ("kl_divergence", "kld", "kullback_leibler_divergence")

    def _check_inputs(self, prep):
        _check_probabilities(prep.y_pred, "y_pred")
        _check_probabilities(prep.y_true, "y_true")

    def _run(self, prep, mode, loss_out, grad_out, grad_scale):
        # The terms are independent: the elementwise driver with one weight per
        # row of C elements sums them; "none" adds up each row afterwards.
        index = _kernel_index(_EW_FAMILY, "kl_div")
        flat_grad = None if grad_out is None else grad_out.reshape(-1)
        if mode & _core.MODE_ELEM:
            terms = np.empty(prep.n * prep.C, dtype=prep.dtype)
            _core.ew_run(_EW_FAMILY, index, prep.y_true.reshape(-1), prep.y_pred.reshape(-1),
                         prep.weight, prep.C, 0.0, 0.0, 0.0, 0.0, mode, terms, flat_grad,
                         grad_scale)
            loss_out[...] = np.sum(terms.reshape(prep.n, prep.C), axis=1, dtype=np.float64)
            return 0.0
        return _core.ew_run(_EW_FAMILY, index, prep.y_true.reshape(-1), prep.y_pred.reshape(-1),
                            prep.weight, prep.C, 0.0, 0.0, 0.0, 0.0, mode, None, flat_grad,
                            grad_scale)


@register
class ZeroOne(Loss):
    """0-1 loss: the (weighted) fraction of misclassified samples.

    ``y_pred`` holds predicted labels compared with ``y_true`` element by
    element (same shape; a trailing axis of length 1 is dropped), or scores of
    shape ``(n, C)`` with ``C > 1`` against class indices ``y_true`` of shape
    ``(n,)``, where the prediction is ``argmax`` (the first maximum, as
    ``numpy.argmax``).  NaN in gives NaN.  ``gradient`` and ``loss_gradient``
    raise TypeError: the 0-1 loss is piecewise constant and has no gradient.
    """
    name, aliases = "zero_one", ("zero_one_loss", "01", "misclassification")

    def loss(self, y_true, y_pred, *, sample_weight=None, reduction="mean"):
        check_reduction(reduction)
        y_pred_a = as_array(y_pred, "y_pred")
        y_true_a = as_array(y_true, "y_true")
        if (y_pred_a.ndim >= 1 and y_true_a.shape == y_pred_a.shape[:-1]):
            if y_pred_a.shape[-1] > 1:
                return _ArgmaxZeroOne().loss(y_true_a, y_pred_a, sample_weight=sample_weight,
                                             reduction=reduction)
            y_pred_a = y_pred_a.reshape(y_true_a.shape)
        return _ZeroOneLabels().loss(y_true_a, y_pred_a, sample_weight=sample_weight,
                                     reduction=reduction)

    def gradient(self, y_true, y_pred, *, sample_weight=None, reduction="mean", out=None):
        raise TypeError("the 0-1 loss is piecewise constant: it has no gradient")

    def loss_gradient(self, y_true, y_pred, *, sample_weight=None, reduction="mean", out=None):
        raise TypeError("the 0-1 loss is piecewise constant: it has no gradient")


class _ZeroOneLabels(_ElementwiseClassification):
    name, _kernel = "zero_one_labels", "zero_one"


class _ArgmaxZeroOne(RowwiseLoss):
    name = "zero_one_argmax"
    _sparse = True

    def _kernel_name(self):
        return "zero_one_argmax"


bce = log_loss = binary_crossentropy = functional(BinaryCrossEntropy)
focal = binary_focal = functional(BinaryFocal)
hinge = functional(Hinge)
squared_hinge = functional(SquaredHinge)
perceptron = functional(Perceptron)
cce = categorical_crossentropy = functional(CategoricalCrossEntropy)
sparse_cce = sparse_categorical_crossentropy = functional(SparseCategoricalCrossEntropy)
multiclass_hinge = functional(MulticlassHinge)
kl = kl_divergence = functional(KLDivergence)
zero_one = functional(ZeroOne)
