"""Allocation-free, in-place optimizer steps for users who keep their own state.

Each function updates ``param`` and the state arrays in place, for one step, with
the formulas and defaults of the matching class (:class:`lossfast.optim.Adam`,
...; PyTorch's ``torch.optim``), and returns None.  The functions are generated
from the classes' declarations: ``<name>_step(param, grad, <state arrays>, *,
step, <hyper-parameters>)`` with the class's hyper-parameters as keywords
(except those that only set an initial state value, which the caller fills).
``step`` is the 1-based number of this step (the first call passes ``step=1``),
as PyTorch's state ``"step"`` after its increment; it drives bias corrections,
Adagrad's ``lr_decay`` and SGD's first momentum step (``buf = g``).

``param`` and every state array must be writeable, C-contiguous float32/float64
arrays of one shape and dtype, not overlapping one another (ValueError
otherwise: an in-place update must never land on a silent copy).  ``grad`` must
have the shape and dtype of ``param``; a non-contiguous gradient is copied.
State arrays start as zeros (``np.zeros_like(param)``), except Adagrad's
``state_sum`` (``initial_accumulator_value``) and Rprop's ``step_size``
(``np.full_like(param, lr)``); NAdam's ``mu_product`` is a 0-d float64 array
starting at 1.0 (``np.ones(())``), updated in place.

Example::

    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, n_steps + 1):
        adam_step(w, grad_of(w), m, v, step=t, lr=1e-3)
"""
import inspect as _inspect
import operator as _operator

import numpy as _np

from .. import _lossfast as _core
from .._validation import check_grad_array as _check_grad_array
from . import _optimizers
from ._base import check_no_overlap as _check_no_overlap
from ._base import check_param_array as _check_param_array

__all__ = []


def _check_step(step):
    try:
        t = _operator.index(step)
    except TypeError:
        t = None
        if isinstance(step, float) and step.is_integer():
            t = int(step)
    if t is None:
        raise TypeError(f"step must be an integer (the 1-based number of this step), got {step!r}")
    if t < 1:
        raise ValueError(f"step must be >= 1 (the first step is step=1), got {t}")
    return t


def _run(cls, param, grad, given, scalars, step, hyper):
    """One step of optimizer class `cls` on one parameter; `given` maps state names
    to the arrays the caller passed (None when not passed), `scalars` scalar-state
    names to 0-d arrays."""
    h = cls.validate(hyper)
    if step is None:
        if not cls._step_optional(h):
            extra = " (step=1 initialises the buffer)" if cls is _optimizers.SGD else ""
            raise ValueError(f"step is required with these options{extra}")
        t = 1
    else:
        t = _check_step(step)
    _check_param_array(param, "param")
    uses = cls._uses(h)
    arrays, names, slots = [param], ["param"], []
    for name in cls._STATES:
        arg = cls._FUNCTIONAL_NAMES.get(name, name)
        if name not in uses:
            slots.append(None)
            continue
        a = given.get(name)
        if a is None:
            raise ValueError(f"{arg} is required with these options "
                             f"(np.zeros_like(param) before the first step)")
        _check_param_array(a, arg)
        if a.shape != param.shape or a.dtype != param.dtype:
            raise ValueError(f"{arg} must have the shape and dtype of param, got "
                             f"{arg}: {a.shape} {a.dtype}, param: {param.shape} {param.dtype}")
        arrays.append(a)
        names.append(arg)
        slots.append([a])
    slots += [None] * (_core.OPTIM_MAX_STATE - len(slots))
    values = {}
    for name, arr in scalars.items():
        if not isinstance(arr, _np.ndarray) or arr.shape != () or not arr.flags.writeable:
            raise ValueError(f"{name} must be a writeable 0-d array (np.ones(()) before the "
                             f"first step), got {arr!r}")
        values[name] = float(arr)
    g = _check_grad_array(grad, param, "grad", "param")
    _check_no_overlap(arrays + [g], names + ["grad"])
    fields = cls._c_fields(h)
    fields.update(cls._scalar_fields(h, t, values))
    fix = lambda k, x: _check_grad_array(x, param, "grad", "param")  # noqa: E731
    step_c = _core.MultiTensorStep(cls._KERNEL, [param], slots, [0], [0], 1, fix)
    step_c.set_hyper(0, fields)
    step_c.run([g], [t])
    for name, arr in scalars.items():
        arr[...] = values[name]


def _make_step(cls):
    """The functional form of optimizer class `cls`, from its declaration."""
    P = _inspect.Parameter
    default_uses = cls._uses(cls.validate({}))
    state_args = [(name, cls._FUNCTIONAL_NAMES.get(name, name)) for name in cls._STATES]
    params = [P("param", P.POSITIONAL_OR_KEYWORD), P("grad", P.POSITIONAL_OR_KEYWORD)]
    optional = False
    for name, arg in state_args:
        optional = optional or name not in default_uses
        params.append(P(arg, P.POSITIONAL_OR_KEYWORD, default=None) if optional
                      else P(arg, P.POSITIONAL_OR_KEYWORD))
    for name in cls._SCALARS:
        params.append(P(name, P.POSITIONAL_OR_KEYWORD, default=None) if optional
                      else P(name, P.POSITIONAL_OR_KEYWORD))
    params.append(P("step", P.KEYWORD_ONLY, default=None))
    hyper = [h for h in cls._HYPER if h.functional]
    params += [P(h.name, P.KEYWORD_ONLY, default=h.default) for h in hyper]
    sig = _inspect.Signature(params)
    fixed = {h.name: h.default for h in cls._HYPER if not h.functional}

    def step_fn(*args, **kwargs):
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        a = b.arguments
        given = {name: a[arg] for name, arg in state_args}
        scalars = {name: a[name] for name in cls._SCALARS}
        if any(v is None for v in scalars.values()):
            missing = [k for k, v in scalars.items() if v is None]
            raise ValueError(f"{', '.join(missing)} is required (np.ones(()) before the "
                             "first step)")
        _run(cls, a["param"], a["grad"], given, scalars, a["step"],
             {**fixed, **{h.name: a[h.name] for h in hyper}})

    name = f"{cls.__name__.lower()}_step"
    step_fn.__name__ = step_fn.__qualname__ = name
    step_fn.__module__ = __name__
    step_fn.__signature__ = sig
    formula = (cls.__doc__ or "").split("\nParameters\n")[0].strip()
    states = ", ".join(arg for _, arg in state_args)
    step_fn.__doc__ = (f"One {cls.__name__} step in place on ``param`` with caller-kept state "
                       f"({states}{', ' if cls._SCALARS else ''}{', '.join(cls._SCALARS)}); "
                       f"the formula of :class:`lossfast.optim.{cls.__name__}`:\n\n"
                       f"{formula}\n\nReturns None.")
    return step_fn


for _cls_name in _optimizers.__all__:
    _fn = _make_step(getattr(_optimizers, _cls_name))
    globals()[_fn.__name__] = _fn
    __all__.append(_fn.__name__)
del _cls_name, _fn


def __dir__():
    return sorted(__all__)
