"""Classification losses (docs/losses.md).

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
(Keras' clip).  A probability outside [0, 1], a binary label outside [0, 1]
(soft labels inside it are fine) or a margin-loss label outside {-1, 0, 1} is a
ValueError; the elementwise kernels check their inputs in the same pass that
computes the loss (no extra pass over memory), and a call whose arguments look
swapped gets a message naming the ``(y_true, y_pred)`` order.  NaN gives NaN.
"""
import math

import numpy as np

from .. import _lossfast as _core
from .._validation import (as_array, as_contiguous, check_out, check_reduction,
                           check_same_shape, compute_dtype, sample_weight_rows, show)
from ._base import ElementwiseLoss, Loss, Param, functional, loss_kernel, reduce_with, register

EPSILON = 1e-7   # Keras' epsilon: the clip of probabilities
_NO_PARAMS = _core.LossParams(loss_kernel("kl_div"))


# ------------------------------------------------------------------ checks

def _example(flat, mask):
    return flat[mask][0].item()


def _probabilities_error(arr, name, bad):
    flat = arr.reshape(-1)
    example = _example(flat, (flat < 0) | (flat > 1))
    return ValueError(f"{name} must hold probabilities in [0, 1] (from_logits=False); "
                      f"{bad} value(s) are outside, e.g. {example}.  Pass "
                      "from_logits=True for raw scores")


def _check_probabilities(arr, name):
    """ValueError if a (flat, contiguous, float) array holds values outside [0, 1]
    (the row-wise losses' check: one parallel counting pass)."""
    bad = _core.outside_unit(arr.reshape(-1))
    if bad:
        raise _probabilities_error(arr, name, bad)


def _only_labels(flat, labels):
    return bool(np.isin(flat, labels).all()) if flat.size else False


_SWAP_MIN = 8
_SWAP_HINT = ("  The arguments look swapped: y_pred holds only labels {labels}; the order "
              "is (y_true, y_pred)")


def _check_unit_interval(value, name):
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def _check_unit_or_none(value, name):
    return None if value is None else _check_unit_interval(value, name)


def _check_pos_weight(value, name):
    if value is None:
        return None
    pw = np.asarray(value, dtype=np.float64)
    if pw.size != 1:
        raise NotImplementedError("pos_weight must be a scalar: a per-class pos_weight vector "
                                  "is not supported")
    return _check_nonnegative(pw.reshape(-1)[0], name)


def _check_nonnegative(value, name):
    value = float(value)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _check_from_logits(value, name="from_logits"):
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
    if y.dtype == np.int64 and y.flags.c_contiguous:
        # the common case in one parallel pass; min / max only to name a bad label
        if _core.labels_outside(y, n_classes) == 0:
            return y
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
    """Elementwise classification loss: both inputs converted to one dtype,
    the kernel picked per instance; with ``_checked`` the kernel checks the
    inputs in its own pass and ``_check_counts`` turns its counts into a
    ValueError."""

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        check_reduction(reduction)
        y_true, y_pred = _convert_pair(y_true, y_pred)
        return super()._evaluate(y_true, y_pred, sample_weight, reduction, want_loss,
                                 want_grad, out)


class _BinaryLoss(_ElementwiseClassification):
    """Binary losses of labels in [0, 1] (0/1 or soft) and logits or
    probabilities: the kernel counts labels (and, from probabilities,
    predictions) outside [0, 1], predictions that are exactly 0 or 1 and labels
    strictly inside (0, 1), which tells a swapped call."""

    _checked = True

    def _check_counts(self, prep, counts):
        bad, hard_pred, soft_true = counts
        flat_t, flat_p = prep.y_true, prep.y_pred
        if bad:  # the error path: find what to report
            t_bad = (flat_t < 0) | (flat_t > 1)
            if t_bad.any():
                hint = _SWAP_HINT.format(labels="0/1") if _only_labels(flat_p, (0, 1)) else ""
                raise ValueError(f"y_true must hold labels in [0, 1] (0/1 or soft labels); "
                                 f"{int(t_bad.sum())} value(s) are outside, e.g. "
                                 f"{_example(flat_t, t_bad)!r}.{hint}")
            raise _probabilities_error(flat_p, "y_pred", int(bad))
        # swapped: 0/1 labels as y_pred (both values present) against targets that
        # are all strictly inside (0, 1), at least _SWAP_MIN of them -- a genuine
        # call of that shape (e.g. smoothed targets against an all-zero start) has
        # one prediction value only or few elements
        if (hard_pred == flat_p.size and soft_true == flat_t.size and flat_t.size >= _SWAP_MIN
                and np.any(flat_p == 0) and np.any(flat_p == 1)):
            raise ValueError("y_pred holds only 0/1 labels while y_true holds values strictly "
                             "between 0 and 1: the arguments look swapped; the order is "
                             "(y_true, y_pred)")


@register
class BinaryCrossEntropy(_BinaryLoss):
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

    Labels outside [0, 1] are a ValueError (soft labels inside are fine), and
    so is a call that looks swapped (8 or more elements, ``y_pred`` only 0
    and 1, both present, while every ``y_true`` is strictly between 0 and 1).  ``pos_weight`` is a scalar >= 0
    weighting the positive term (PyTorch's per-class tensor form is not
    supported: NotImplementedError); with probabilities it weights
    ``t log p`` the same way.  ``label_smoothing`` in [0, 1] (Keras).
    """
    name, aliases = "bce", ("log_loss", "logistic", "binary_crossentropy",
                            "binary_cross_entropy")
    _kernel = ("bce_logits", "bce_prob")
    _parameters = {
        "from_logits": Param(False, _check_from_logits, c=False),
        "pos_weight": Param(None, _check_pos_weight, c=lambda v: 1.0 if v is None else v),
        "label_smoothing": Param(0.0, _check_unit_interval),
    }


@register
class BinaryFocal(_BinaryLoss):
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
    (``gamma=2``, ``alpha=0.25``).  Labels are checked as for
    :class:`BinaryCrossEntropy`.
    """
    name, aliases = "focal", ("binary_focal", "focal_loss", "sigmoid_focal")
    _kernel = ("focal_logits", "focal_prob")
    _parameters = {
        "gamma": Param(2.0, _check_nonnegative),
        "alpha": Param(0.25, _check_unit_or_none, c=lambda v: math.nan if v is None else v),
        "from_logits": Param(False, _check_from_logits, c=False),
    }


class _MarginLoss(_ElementwiseClassification):
    """Margin losses of labels t in {-1, +1} and scores f; 0/1 labels are
    accepted (0 is read as -1).  Other label values are a ValueError (counted
    by the kernel in its pass)."""

    _checked = True

    def _check_counts(self, prep, counts):
        if counts[0]:
            flat_t, flat_p = prep.y_true, prep.y_pred
            bad = (flat_t == flat_t) & (flat_t != -1) & (flat_t != 0) & (flat_t != 1)
            hint = (_SWAP_HINT.format(labels="-1/0/+1") if _only_labels(flat_p, (-1, 0, 1))
                    else "")
            raise ValueError(f"y_true must hold labels -1/+1 (or 0/1); {int(counts[0])} "
                             f"value(s) are not, e.g. {_example(flat_t, bad)!r}.{hint}")


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


@register
class ModifiedHuber(_MarginLoss):
    """Modified Huber loss (T. Zhang 2004; scikit-learn's SGD
    ``loss="modified_huber"``), a quadratically smoothed hinge: with
    ``z = t f``, ``l = max(0, 1 - z)**2`` for ``z >= -1``, else ``-4 z``;
    gradient ``-2 t max(0, 1 - z)``, or ``-4 t`` for ``z < -1``.  Labels as
    :class:`Hinge`."""
    name, aliases, _kernel = "modified_huber", (), "modified_huber"


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

    Subclasses set ``_sparse`` (y_true holds class indices), name the C
    kernel (``_kernel``) and declare their hyper-parameters (``_parameters``).
    A loss with a (logits, probabilities) kernel pair checks, with
    probabilities, that y_pred holds values in [0, 1].
    """

    _sparse = False

    def _check_inputs(self, prep):
        if not (self._kernel is None or isinstance(self._kernel, str) or self.from_logits):
            _check_probabilities(prep.y_pred, "y_pred")

    def _run(self, prep, mode, loss_out, grad_out, grad_scale):
        k = loss_kernel(self._kernel_name())
        return _core.rw_run(k, _core.LossParams(k, self._kernel_params()), prep.y_true,
                            prep.y_pred, prep.weight, mode, loss_out, grad_out, grad_scale)

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
    _kernel = ("softmax_xent", "cce_prob")
    _parameters = {
        "from_logits": Param(False, _check_from_logits, c=False),
        "label_smoothing": Param(0.0, _check_unit_interval),
    }


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
    _kernel = ("softmax_xent_sparse", "cce_prob_sparse")
    _sparse = True
    _parameters = {"from_logits": Param(False, _check_from_logits, c=False)}


@register
class MulticlassHinge(RowwiseLoss):
    """Multi-class hinge loss (PyTorch ``multi_margin_loss``, p=1): with class
    indices ``y`` of shape ``(n,)`` and scores ``f`` of shape ``(n, C)``,
    ``l = sum_{j != y} max(0, margin - f[y] + f[j]) / C``; gradient ``1/C``
    for each j with a positive term and ``-k/C`` at ``y`` (k such terms).
    ``margin >= 0``."""
    name, aliases = "multiclass_hinge", ("multi_margin", "multiclass_svm", "crammer_singer")
    _sparse = True
    _kernel = "multi_margin"
    _parameters = {"margin": Param(1.0, _check_nonnegative)}


@register
class KLDivergence(RowwiseLoss):
    """Kullback-Leibler divergence of rows of probabilities (Keras
    ``kl_divergence``): both clipped to ``[1e-7, 1]``,
    ``l = sum_j t_j log(t_j / p_j)`` over a row; gradient ``-t/p`` (0 where
    ``p`` is clipped).  Values outside [0, 1] in either array are a
    ValueError.  The row sum is over the last axis; ``"mean"`` averages over
    rows (Keras), not over elements (PyTorch's ``reduction="mean"``)."""
    name, aliases = "kl", ("kl_divergence", "kld", "kullback_leibler_divergence")

    def _run(self, prep, mode, loss_out, grad_out, grad_scale):
        # The terms are independent: the elementwise kernel (which checks both
        # arrays in its pass) with one weight per row of C elements sums them;
        # "none" adds up each row afterwards.
        k = loss_kernel("kl_div")
        flat_grad = None if grad_out is None else grad_out.reshape(-1)
        counts = np.zeros(3)
        terms = (np.empty(prep.n * prep.C, dtype=prep.dtype) if mode & _core.MODE_ELEM
                 else None)
        s = _core.ew_run(k, _NO_PARAMS, prep.y_true.reshape(-1), prep.y_pred.reshape(-1),
                         prep.weight, prep.C, mode | _core.MODE_CHECK, terms, flat_grad,
                         grad_scale, counts)
        if counts[0]:
            for arr, name in ((prep.y_pred, "y_pred"), (prep.y_true, "y_true")):
                flat = arr.reshape(-1)
                if ((flat < 0) | (flat > 1)).any():
                    raise _probabilities_error(flat, name, int(((flat < 0) | (flat > 1)).sum()))
        if terms is not None:
            loss_out[...] = np.sum(terms.reshape(prep.n, prep.C), axis=1, dtype=np.float64)
            return 0.0
        return s


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
    name, _kernel = "zero_one_argmax", "zero_one_argmax"
    _sparse = True


bce = log_loss = binary_crossentropy = functional(BinaryCrossEntropy)
focal = binary_focal = functional(BinaryFocal)
hinge = functional(Hinge)
squared_hinge = functional(SquaredHinge)
perceptron = functional(Perceptron)
modified_huber = functional(ModifiedHuber)
cce = categorical_crossentropy = functional(CategoricalCrossEntropy)
sparse_cce = sparse_categorical_crossentropy = functional(SparseCategoricalCrossEntropy)
multiclass_hinge = functional(MulticlassHinge)
kl = kl_divergence = functional(KLDivergence)
zero_one = functional(ZeroOne)

# the public names (lossfast.losses re-exports them)
__all__ = [
    "RowwiseLoss", "BinaryCrossEntropy", "BinaryFocal", "CategoricalCrossEntropy",
    "SparseCategoricalCrossEntropy", "Hinge", "SquaredHinge", "MulticlassHinge", "Perceptron",
    "ModifiedHuber", "ZeroOne", "KLDivergence", "bce", "log_loss", "binary_crossentropy", "focal",
    "binary_focal", "hinge", "squared_hinge", "perceptron", "modified_huber", "cce", "categorical_crossentropy",
    "sparse_cce", "sparse_categorical_crossentropy", "multiclass_hinge", "kl", "kl_divergence",
    "zero_one",
]
