"""Allocation-free, in-place optimizer steps for users who keep their own state.

Each function updates ``param`` and the state arrays in place, for one step, with
the formulas and defaults of the matching class (:class:`lossfast.optim.Adam`,
...; PyTorch's ``torch.optim``), and returns None.  ``step`` is the 1-based number
of this step (the first call passes ``step=1``), as PyTorch's state ``"step"``
after its increment; it drives Adam's bias corrections, Adagrad's ``lr_decay``
and SGD's first momentum step (``buf = g``).

``param`` and every state array must be writeable, C-contiguous float32/float64
arrays of one shape and dtype, not overlapping one another (ValueError
otherwise: an in-place update must never land on a silent copy).  ``grad`` must
have the shape and dtype of ``param``; a non-contiguous gradient is copied.
State arrays start as zeros (``np.zeros_like(param)``), Adagrad's ``state_sum``
as ``initial_accumulator_value``.

Example::

    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, n_steps + 1):
        adam_step(w, grad_of(w), m, v, step=t, lr=1e-3)
"""
import operator

from .. import _lossfast as _core
from .._validation import check_grad_array, check_param_array
from ._base import _KERNELS, check_no_overlap
from ._optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["sgd_step", "rmsprop_step", "adagrad_step", "adam_step", "adamw_step"]


def _check_step(step):
    try:
        t = operator.index(step)
    except TypeError:
        t = None
        if isinstance(step, float) and step.is_integer():
            t = int(step)
    if t is None:
        raise TypeError(f"step must be an integer (the 1-based number of this step), got {step!r}")
    if t < 1:
        raise ValueError(f"step must be >= 1 (the first step is step=1), got {t}")
    return t


def _run(cls, param, grad, given, step, hyper):
    """One step of optimizer class `cls` on one parameter; `given` maps state names
    to the arrays the caller passed (None when not passed)."""
    h = cls.validate(hyper)
    check_param_array(param, "param")
    arrays, names, slots = [param], ["param"], []
    for name in cls._slots(h):
        if name is None:
            slots.append(None)
            continue
        a = given.get(name)
        if a is None:
            raise ValueError(f"{name} is required with these options "
                             f"(np.zeros_like(param) before the first step)")
        check_param_array(a, name)
        if a.shape != param.shape or a.dtype != param.dtype:
            raise ValueError(f"{name} must have the shape and dtype of param, got "
                             f"{name}: {a.shape} {a.dtype}, param: {param.shape} {param.dtype}")
        arrays.append(a)
        names.append(name)
        slots.append([a])
    g = check_grad_array(grad, param, "grad", "param")
    check_no_overlap(arrays + [g], names + ["grad"])
    kernel = _KERNELS[cls._KERNEL]
    fix = lambda k, x: check_grad_array(x, param, "grad", "param")  # noqa: E731
    _core.MultiTensorStep([param], slots, [0], fix).run([g], kernel, step, *cls._c_hyper(h))


def sgd_step(param, grad, momentum_buffer=None, *, step=None, lr=1e-3, momentum=0.0,
             dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False):
    """One SGD step in place (formula: :class:`lossfast.optim.SGD`).

    ``momentum_buffer`` and ``step`` are required when ``momentum != 0``; on
    ``step=1`` the buffer is set to the gradient (its old content is ignored).
    """
    if momentum != 0 and step is None:
        raise ValueError("step is required with momentum (step=1 initialises the buffer)")
    t = 1 if step is None else _check_step(step)
    _run(SGD, param, grad, {"momentum_buffer": momentum_buffer}, t,
         dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
              weight_decay=weight_decay, maximize=maximize))


def rmsprop_step(param, grad, square_avg, momentum_buffer=None, grad_avg=None, *, step, lr=1e-2,
                 alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 maximize=False):
    """One RMSprop step in place (formula: :class:`lossfast.optim.RMSprop`).

    ``momentum_buffer`` is required when ``momentum > 0``, ``grad_avg`` when ``centered``.
    """
    _run(RMSprop, param, grad,
         {"square_avg": square_avg, "momentum_buffer": momentum_buffer, "grad_avg": grad_avg},
         _check_step(step), dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                 momentum=momentum, centered=centered, maximize=maximize))


def adagrad_step(param, grad, state_sum, *, step, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 eps=1e-10, maximize=False):
    """One Adagrad step in place (formula: :class:`lossfast.optim.Adagrad`); ``state_sum``
    starts at ``initial_accumulator_value``."""
    _run(Adagrad, param, grad, {"sum": state_sum}, _check_step(step),
         dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, initial_accumulator_value=0.0,
              eps=eps, maximize=maximize))


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr=1e-3,
              betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False):
    """One Adam step in place (formula: :class:`lossfast.optim.Adam`); ``max_exp_avg_sq``
    is required with ``amsgrad``."""
    _run(Adam, param, grad,
         {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "max_exp_avg_sq": max_exp_avg_sq},
         _check_step(step), dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                 amsgrad=amsgrad, maximize=maximize))


def adamw_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr=1e-3,
               betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False):
    """One AdamW step in place (formula: :class:`lossfast.optim.AdamW`); ``max_exp_avg_sq``
    is required with ``amsgrad``."""
    _run(AdamW, param, grad,
         {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "max_exp_avg_sq": max_exp_avg_sq},
         _check_step(step), dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                 amsgrad=amsgrad, maximize=maximize))
