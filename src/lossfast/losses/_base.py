"""The loss API shared by every loss: base classes, the registry and the
functional shortcuts.

A loss is a class whose ``__init__`` takes its hyper-parameters (validated
there: a bad value is a ValueError when the object is built) and which offers
``loss``, ``__call__``, ``gradient`` and ``loss_gradient``.  A loss declares
its hyper-parameters once, as ``_parameters = {"name": Param(default, check)}``:
``__init__`` (signature, validation), ``get_config``, ``repr`` and the named
parameters of its C kernel all come from that declaration.  An elementwise
loss needs nothing else but the name of its C definition (``_kernel``):
``ElementwiseLoss`` supplies the rest on top of the one C driver.
"""
import numpy as np

from .. import _lossfast as _core
from .._validation import (as_array, as_contiguous, check_out, check_reduction,
                           check_same_shape, compute_dtype, sample_weight_rows)

_REGISTRY = {}


class Param:
    """One hyper-parameter of a loss, declared once.

    ``default`` is its default value; ``check(value, name)`` validates and
    normalises a value (raising ValueError / TypeError / NotImplementedError);
    ``c`` says how it reaches the C kernel: True (as a float field of the same
    name of lf_loss_params, csrc/lossfast.h), False (a Python-side choice,
    such as ``from_logits``, which picks the kernel), or a function mapping the
    value to that float (``None`` -> 1.0 for ``pos_weight``, for example).
    """
    __slots__ = ("default", "check", "c")

    def __init__(self, default, check, c=True):
        self.default = default
        self.check = check
        self.c = c


def _make_init(parameters):
    """An ``__init__(self, <name>=<default>, ...)`` that validates each declared
    parameter with its check and stores it on the instance (source generated,
    as dataclasses do, so the signature is a real one)."""
    names = list(parameters)
    args = "".join(f", {n}=_defaults[{n!r}]" for n in names)
    body = "".join(f"    self.{n} = _params[{n!r}].check({n}, {n!r})\n" for n in names)
    src = f"def __init__(self{args}):\n" + (body or "    pass\n")
    env = {"_defaults": {n: p.default for n, p in parameters.items()}, "_params": parameters}
    exec(src, env)
    return env["__init__"]


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
    _parameters = {}
    # the C kernel: a name, or a pair (from logits, from probabilities) that
    # the ``from_logits`` parameter chooses between
    _kernel = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_parameters" in cls.__dict__ and "__init__" not in cls.__dict__:
            cls.__init__ = _make_init(cls._parameters)
            cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"

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
        """The hyper-parameters given to ``__init__`` (as validated)."""
        return {n: getattr(self, n) for n in self._parameters}

    def _kernel_name(self):
        k = self._kernel
        return k if k is None or isinstance(k, str) else k[0 if self.from_logits else 1]

    def _kernel_params(self):
        """The named parameters of the C kernel (the fields of lf_loss_params
        it reads), from the declaration."""
        out = {}
        for n, p in self._parameters.items():
            if p.c is True:
                out[n] = float(getattr(self, n))
            elif p.c:
                out[n] = float(p.c(getattr(self, n)))
        return out

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


def loss_kernel(name):
    """The C loss kernel `name` (the one lookup of every loss engine)."""
    return _core.kernel("loss", name)


class ElementwiseLoss(Loss):
    """A loss computed element by element by the C driver (csrc/lf_elementwise.h).

    Subclasses name their C definition (``_kernel``) and declare their
    hyper-parameters (``_parameters``).  A loss whose C kernel checks its inputs sets
    ``_checked`` and interprets the counts in ``_check_counts``: the check is
    part of the kernel's pass over memory.
    """

    _checked = False

    def _run(self, prep, mode, loss_out=None, grad_out=None, grad_scale=1.0, counts=None):
        k = loss_kernel(self._kernel_name())
        return _core.ew_run(k, _core.LossParams(k, self._kernel_params()), prep.y_true,
                            prep.y_pred, prep.weight, prep.n_cols, mode,
                            None if loss_out is None else loss_out.reshape(-1),
                            None if grad_out is None else grad_out.reshape(-1), grad_scale,
                            counts)

    def _check_counts(self, prep, counts):
        """Raise for what the kernel's check counted (see lossfast.h, LF_CHECK)."""

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        check_reduction(reduction)
        prep = _Prepared(y_true, y_pred, sample_weight)
        grad = None
        if want_grad:
            grad = (np.empty(prep.shape, dtype=prep.dtype) if out is None
                    else check_out(out, prep.shape, prep.dtype))
        counts = np.zeros(3) if self._checked else None
        check = _core.MODE_CHECK if self._checked else 0
        loss = reduce_with(lambda mode, loss_out, scale: self._run(prep, mode | check, loss_out,
                                                                   grad, scale, counts),
                           reduction, want_loss, want_grad, n_items=prep.y_pred.size,
                           total=prep.total, loss_shape=prep.shape, dtype=prep.dtype)
        if counts is not None and prep.y_pred.size:
            self._check_counts(prep, counts)
        return loss, grad


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
