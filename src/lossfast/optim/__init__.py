"""Fused, in-place optimizer steps on NumPy arrays (SPEC 2.3).

The classes :class:`SGD`, :class:`RMSprop`, :class:`Adagrad`, :class:`Adam` and
:class:`AdamW` implement PyTorch's ``torch.optim`` formulas and defaults, so
trajectories agree with PyTorch's.  Each ``step`` updates every parameter in
place in one C call: one fused pass over memory, SIMD, OpenMP threads over the
total number of elements, no allocation::

    opt = lf.optim.Adam([W, b], lr=1e-3)
    opt.step([gW, gb])                 # W and b are updated in place
    opt.lr = 1e-4                      # any hyper-parameter may change between steps
    sd = opt.state_dict(); opt.load_state_dict(sd)

``lossfast.optim.functional`` has the same steps for one array whose state the
caller keeps (``adam_step(param, grad, m, v, step=t, ...)``);
``lossfast.optim.lr_scheduler`` has ``StepLR``, ``ExponentialLR`` and
``CosineAnnealingLR``; ``get(name, params, **kwargs)`` builds an optimizer by name.
"""
from . import functional, lr_scheduler
from ._base import Optimizer
from ._optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "get", "available",
           "functional", "lr_scheduler"]

# name -> (class, preset hyper-parameters); keyword arguments of `get` override presets.
_NAMES = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (RMSprop, {}),
    "adagrad": (Adagrad, {}),
    "adam": (Adam, {}),
    "adamw": (AdamW, {}),
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
    momentum=0.5)``).  ``name`` may also be an :class:`Optimizer` subclass.
    Unknown names are a ValueError listing the known ones.
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
