"""Loss functions: ``loss``, ``gradient`` and fused ``loss_gradient`` over
NumPy arrays, argument order ``(y_true, y_pred)``.

Classes take their hyper-parameters in ``__init__``; lower-case functional
shortcuts (``mse(y_true, y_pred)``) and ``get(name, **params)`` resolve names
and aliases.  See ``Loss`` for reductions and sample weights.
"""
from . import _classification, _regression
from ._base import ElementwiseLoss, Loss, available, get
from ._classification import *  # noqa: F401,F403  (its __all__)
from ._regression import *  # noqa: F401,F403  (its __all__)

__all__ = ["Loss", "ElementwiseLoss", "get", "available",
           *_regression.__all__, *_classification.__all__]


def __dir__():
    return sorted(__all__)
