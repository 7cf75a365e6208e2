"""Fused, in-place optimizer steps on NumPy arrays, as ``torch.optim``.

:class:`SGD`, :class:`RMSprop`, :class:`Adagrad`, :class:`Adam`, :class:`AdamW`,
:class:`NAdam`, :class:`RAdam`, :class:`Adamax`, :class:`Adadelta` and
:class:`Rprop` implement PyTorch's ``torch.optim`` formulas and defaults, so
trajectories agree with PyTorch's; :class:`Lion` is the published update (Chen et
al. 2023).  Each ``step`` updates every parameter of every parameter group in
place in one C call: one fused pass over memory, SIMD, OpenMP threads over the
total number of elements, no allocation::

    opt = lf.optim.Adam([{"params": [W1, W2]},
                         {"params": [b1, b2], "weight_decay": 0.0, "lr": 1e-2}], lr=1e-3)
    opt.step([gW1, gW2, gb1, gb2])     # updated in place
    opt.param_groups[0]["lr"] = 1e-4  # any hyper-parameter may change between steps
    sd = opt.state_dict(); opt.load_state_dict(sd)

Gradient clipping: :func:`clip_grad_norm_`, :func:`clip_grad_value_`,
:func:`get_total_norm` and :func:`clip_coef` (fold the clipping into the step with
``opt.step(grads, grad_scale=...)``).  :mod:`lossfast.optim.functional` has the
same steps for one array whose state the caller keeps (``adam_step(param, grad,
m, v, step=t, ...)``); :mod:`lossfast.optim.lr_scheduler` has PyTorch's
schedulers; :func:`from_torch_state_dict` converts a saved torch optimizer state;
``get(name, params, **kwargs)`` builds an optimizer by name.
"""
from . import _optimizers, functional, lr_scheduler
from ._base import Optimizer
from ._clip import (clip_coef, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                    get_total_norm)
from ._convert import from_torch_state_dict
from ._optimizers import *  # noqa: F401,F403  (every optimizer class: _optimizers.__all__)

__all__ = ["Optimizer", *_optimizers.__all__, "get", "available", "clip_grad_norm_",
           "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "clip_coef",
           "from_torch_state_dict", "functional", "lr_scheduler"]

# name -> (class, preset hyper-parameters); keyword arguments of `get` override presets.
# The estimators' solver names are these (lossfast.linear_model); the other optimizers
# are built by class (get(lf.optim.NAdam, params)).
_NAMES = {
    "sgd": (_optimizers.SGD, {}),
    "momentum": (_optimizers.SGD, {"momentum": 0.9}),
    "nesterov": (_optimizers.SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (_optimizers.RMSprop, {}),
    "adagrad": (_optimizers.Adagrad, {}),
    "adam": (_optimizers.Adam, {}),
    "adamw": (_optimizers.AdamW, {}),
}


def available():
    """The names ``get`` accepts."""
    return sorted(_NAMES)


def get(name, params, **kwargs):
    """Build an optimizer by name over ``params``.

    ``"sgd"`` (plain SGD), ``"momentum"`` (SGD with momentum=0.9), ``"nesterov"``
    (SGD with Nesterov momentum 0.9), ``"rmsprop"``, ``"adagrad"``, ``"adam"``,
    ``"adamw"`` (case-insensitive; ``-`` and ``_`` ignored); ``kwargs`` are the
    class's hyper-parameters and override a preset (``get("momentum", p,
    momentum=0.5)``).  ``name`` may also be an :class:`Optimizer` subclass (every
    optimizer, e.g. ``get(lf.optim.NAdam, p)``).  Unknown names are a ValueError
    listing the known ones.
    """
    if isinstance(name, type) and issubclass(name, Optimizer):
        return name(params, **kwargs)
    if isinstance(name, Optimizer):
        raise TypeError("get() builds a new optimizer: pass a name or an Optimizer class, "
                        "not an instance")
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a name or an Optimizer class, got {name!r}")
    key = name.lower().replace("-", "").replace("_", "")
    if key not in _NAMES:
        raise ValueError(f"unknown optimizer {name!r}; known names: {', '.join(available())}")
    cls, preset = _NAMES[key]
    return cls(params, **{**preset, **kwargs})


def __dir__():
    return sorted(__all__)
