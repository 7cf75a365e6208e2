"""The loss API shared by every loss: base classes, the registry and the
functional shortcuts.

A loss is a class whose ``__init__`` takes its hyper-parameters (validated
there: a bad value is a ValueError when the object is built) and which offers
``loss``, ``__call__``, ``gradient`` and ``loss_gradient``.  Elementwise losses
need nothing but the name of their C definition and a ``_params()`` method:
``ElementwiseLoss`` supplies everything else on top of the one C driver.
"""
import numpy as np

from .. import _lossfast as _core
from .._validation import (as_array, as_contiguous, check_out, check_reduction,
                           check_same_shape, compute_dtype, sample_weight_rows)

_REGISTRY = {}


def register(cls):
    """Class decorator: make ``get`` resolve the class's name, aliases and class name."""
    for key in (cls.name, *cls.aliases, cls.__name__):
        _REGISTRY[key.lower()] = cls
    return cls


def get(name, **params):
    """Resolve a loss by name or alias (``"mse"``, ``"l2"``, ``"huber"``, ...).

    ``name`` may also be a Loss instance (returned as is) or a Loss class
    (instantiated with ``params``).  Unknown names are a ValueError listing
    the known ones.
    """
    if isinstance(name, Loss):
        if params:
            raise ValueError("parameters cannot be given together with a Loss instance")
        return name
    if isinstance(name, type) and issubclass(name, Loss):
        return name(**params)
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name, a Loss class or a Loss instance, got {name!r}")
    cls = _REGISTRY.get(name.lower())
    if cls is None:
        raise ValueError(f"unknown loss {name!r}; known names: {', '.join(sorted(_REGISTRY))}")
    return cls(**params)


def available():
    """The names and aliases ``get`` accepts."""
    return sorted(_REGISTRY)


class _Prepared:
    """Inputs converted for a kernel call: flat contiguous arrays plus what a
    reduction needs (the element count or the weight total)."""
    __slots__ = ("y_true", "y_pred", "weight", "n_cols", "total", "dtype", "shape")

    def __init__(self, y_true, y_pred, sample_weight, rowwise=False):
        y_pred = as_array(y_pred, "y_pred")
        y_true = as_array(y_true, "y_true")
        check_same_shape(y_true, y_pred)
        dtype = compute_dtype(y_pred, y_true)
        self.shape = y_pred.shape
        self.dtype = dtype
        self.y_pred = as_contiguous(y_pred, dtype).reshape(-1)
        self.y_true = as_contiguous(y_true, dtype).reshape(-1)
        n = self.y_pred.size
        n_rows = y_pred.shape[0] if y_pred.ndim else 1
        self.n_cols = n // n_rows if n_rows else 1
        if sample_weight is None:
            self.weight = None
            self.total = float(n_rows if rowwise else n)
        else:
            self.weight, wsum = sample_weight_rows(sample_weight, n_rows, dtype)
            self.total = wsum if rowwise else wsum * self.n_cols


class Loss:
    """Base class of every loss.

    Argument order is ``(y_true, y_pred)``.  ``reduction`` is ``"mean"``
    (weighted mean: sum(w * l) / sum(w) over elements, as numpy.average with
    the per-row weights broadcast), ``"sum"`` (sum(w * l)) or ``"none"``
    (the array w * l).  ``gradient`` is the derivative of the reduced loss
    with respect to ``y_pred`` (for ``"none"``: the derivative of each
    element's weighted loss, i.e. of their sum) and has y_pred's shape.
    """

    name = None
    aliases = ()

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        """(loss or None, gradient or None): what every public method calls."""
        raise NotImplementedError

    def loss(self, y_true, y_pred, *, sample_weight=None, reduction="mean"):
        return self._evaluate(y_true, y_pred, sample_weight, reduction, True, False, None)[0]

    def gradient(self, y_true, y_pred, *, sample_weight=None, reduction="mean", out=None):
        return self._evaluate(y_true, y_pred, sample_weight, reduction, False, True, out)[1]

    def loss_gradient(self, y_true, y_pred, *, sample_weight=None, reduction="mean", out=None):
        return self._evaluate(y_true, y_pred, sample_weight, reduction, True, True, out)

    def __call__(self, y_true, y_pred, *, sample_weight=None, reduction="mean"):
        return self.loss(y_true, y_pred, sample_weight=sample_weight, reduction=reduction)

    def get_config(self):
        """The hyper-parameters given to ``__init__``."""
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _mean_denominator(total):
    if total == 0:
        raise ValueError("the sum of sample_weight is zero: the weighted mean is undefined")
    return total


def reduce_with(run, reduction, want_loss, want_grad, *, n_items, total, loss_shape, dtype):
    """The reduction logic every loss engine shares.

    ``run(mode, loss_out, grad_scale)`` calls the C kernel (which writes the
    gradient itself, already scaled) and returns its float64 weighted sum.
    ``n_items`` counts what the mean averages over (elements or rows) and
    ``total`` is their count or weight total.  Returns the loss: a float for
    "mean" / "sum" (NaN for the mean of nothing), an array of ``loss_shape``
    for "none", None when not wanted.
    """
    grad_mode = _core.MODE_GRAD if want_grad else 0
    if reduction == "none":
        loss = np.empty(loss_shape, dtype=dtype) if want_loss else None
        if n_items:
            run((_core.MODE_ELEM if want_loss else 0) | grad_mode, loss, 1.0)
        return loss
    if n_items == 0:
        return 0.0 if reduction == "sum" else float("nan")
    scale = 1.0 if reduction == "sum" else 1.0 / _mean_denominator(total)
    s = run((_core.MODE_SUM if want_loss else 0) | grad_mode, None, scale)
    return s * scale if want_loss else None


class ElementwiseLoss(Loss):
    """A loss computed element by element by the C driver (csrc/lf_elementwise.h).

    Subclasses set ``_family`` / ``_kernel`` (the C table and the name of the
    definition) and return the C parameters p0..p3 from ``_params``.
    """

    _family = 0
    _kernel = None

    def _params(self):
        return (0.0, 0.0, 0.0, 0.0)

    @classmethod
    def _index(cls):
        return _kernel_index(cls._family, cls._kernel)

    def _run(self, prep, mode, loss_out=None, grad_out=None, grad_scale=1.0):
        p = self._params()
        return _core.ew_run(self._family, self._index(), prep.y_true, prep.y_pred, prep.weight,
                            prep.n_cols, p[0], p[1], p[2], p[3], mode,
                            None if loss_out is None else loss_out.reshape(-1),
                            None if grad_out is None else grad_out.reshape(-1), grad_scale)

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        check_reduction(reduction)
        prep = _Prepared(y_true, y_pred, sample_weight)
        grad = None
        if want_grad:
            grad = (np.empty(prep.shape, dtype=prep.dtype) if out is None
                    else check_out(out, prep.shape, prep.dtype))
        loss = reduce_with(lambda mode, loss_out, scale: self._run(prep, mode, loss_out, grad,
                                                                   scale),
                           reduction, want_loss, want_grad, n_items=prep.y_pred.size,
                           total=prep.total, loss_shape=prep.shape, dtype=prep.dtype)
        return loss, grad


_INDEX_CACHE = {}


def _kernel_index(family, kernel):
    key = (family, kernel)
    if key not in _INDEX_CACHE:
        names = _core.ew_names(family)
        if kernel not in names:
            raise NotImplementedError(f"no C kernel {kernel!r} in family {family}")
        _INDEX_CACHE[key] = names.index(kernel)
    return _INDEX_CACHE[key]


def functional(cls):
    """The lower-case shortcut of a loss class: ``f(y_true, y_pred, *,
    sample_weight=None, reduction="mean", **params)`` == ``cls(**params).loss(...)``."""

    def f(y_true, y_pred, *, sample_weight=None, reduction="mean", **params):
        return cls(**params).loss(y_true, y_pred, sample_weight=sample_weight,
                                  reduction=reduction)

    f.__name__ = f.__qualname__ = cls.name
    f.__doc__ = (f"Functional form of :class:`{cls.__name__}`: "
                 f"``{cls.__name__}(**params).loss(y_true, y_pred, ...)``.\n\n"
                 + (cls.__doc__ or ""))
    return f
