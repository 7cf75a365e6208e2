"""Loss functions: ``loss``, ``gradient`` and fused ``loss_gradient`` over
NumPy arrays, argument order ``(y_true, y_pred)``.

Classes take their hyper-parameters in ``__init__``; lower-case functional
shortcuts (``mse(y_true, y_pred)``) and ``get(name, **params)`` resolve names
and aliases.  See ``Loss`` for reductions and sample weights.
"""
from ._base import ElementwiseLoss, Loss, available, get
from ._classification import (BinaryCrossEntropy, BinaryFocal, CategoricalCrossEntropy, Hinge,
                              KLDivergence, MulticlassHinge, Perceptron, RowwiseLoss,
                              SparseCategoricalCrossEntropy, SquaredHinge, ZeroOne, bce,
                              binary_crossentropy, binary_focal, categorical_crossentropy, cce,
                              focal, hinge, kl, kl_divergence, log_loss, multiclass_hinge,
                              perceptron, sparse_categorical_crossentropy, sparse_cce,
                              squared_hinge, zero_one)
from ._regression import (Gaussian, Huber, LogCosh, MeanAbsoluteError, MeanSquaredError,
                          Quantile, RootMeanSquaredError, SmoothL1, gaussian, huber, l1, l2,
                          log_cosh, mae, mean_absolute_error, mean_squared_error, mse, pinball,
                          quantile, rmse, root_mean_squared_error, smooth_l1)

__all__ = [
    "Loss", "ElementwiseLoss", "get", "available",
    "MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError", "Huber", "SmoothL1",
    "LogCosh", "Gaussian", "Quantile",
    "mse", "mean_squared_error", "mae", "mean_absolute_error", "rmse", "root_mean_squared_error",
    "huber", "smooth_l1", "log_cosh", "gaussian", "quantile", "pinball", "l1", "l2",
    "RowwiseLoss", "BinaryCrossEntropy", "BinaryFocal", "CategoricalCrossEntropy",
    "SparseCategoricalCrossEntropy", "Hinge", "SquaredHinge", "MulticlassHinge", "Perceptron",
    "ZeroOne", "KLDivergence",
    "bce", "log_loss", "binary_crossentropy", "focal", "binary_focal", "hinge", "squared_hinge",
    "perceptron", "cce", "categorical_crossentropy", "sparse_cce",
    "sparse_categorical_crossentropy", "multiclass_hinge", "kl", "kl_divergence", "zero_one",
]


def __dir__():
    return sorted(__all__)
