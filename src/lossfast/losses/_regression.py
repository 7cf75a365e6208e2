"""Regression losses (docs/losses.md).  With ``r = y_pred - y_true``; each
class names its per-element loss and derivative; the C definitions are in
csrc/losses_regression.c."""
import math

import numpy as np

from .. import _lossfast as _core
from .._validation import check_open_unit, check_out, check_positive, check_reduction
from ._base import ElementwiseLoss, Param, _Prepared, functional, register


def _positive(value, name):
    return check_positive(value, name)


def _nonnegative(value, name):
    return check_positive(value, name, allow_zero=True)


@register
class MeanSquaredError(ElementwiseLoss):
    """Mean squared error (L2): ``l = r**2``, ``dl/dy_pred = 2 r``."""
    name, aliases, _kernel = "mse", ("l2", "mean_squared_error", "least_squares"), "mse"


@register
class MeanAbsoluteError(ElementwiseLoss):
    """Mean absolute error (L1): ``l = |r|``, ``dl/dy_pred = sign(r)`` (0 at r == 0)."""
    name, aliases, _kernel = "mae", ("l1", "mean_absolute_error"), "mae"


@register
class Huber(ElementwiseLoss):
    """Huber loss: ``0.5 r**2`` if ``|r| <= delta`` else ``delta (|r| - delta/2)``;
    derivative ``clip(r, -delta, delta)``.  ``delta > 0``."""
    name, aliases, _kernel = "huber", ("huber_loss",), "huber"
    _parameters = {"delta": Param(1.0, _positive)}


@register
class SmoothL1(ElementwiseLoss):
    """Smooth L1 (PyTorch ``smooth_l1_loss``): ``0.5 r**2 / beta`` if ``|r| < beta``
    else ``|r| - beta/2``; derivative ``r / beta`` or ``sign(r)``.  ``beta >= 0``;
    ``beta = 0`` is the L1 loss."""
    name, aliases, _kernel = "smooth_l1", ("smoothl1",), "smooth_l1"
    _parameters = {"beta": Param(1.0, _nonnegative)}


@register
class LogCosh(ElementwiseLoss):
    """Log-cosh: ``l = log(cosh(r))`` computed without overflow for any r;
    derivative ``tanh(r)``."""
    name, aliases, _kernel = "log_cosh", ("logcosh",), "log_cosh"


@register
class Gaussian(ElementwiseLoss):
    """Gaussian-kernel (Welsch) loss: ``l = sigma**2 (1 - exp(-r**2 / (2 sigma**2)))``,
    the minimisable form of the Gaussian kernel; derivative
    ``r exp(-r**2 / (2 sigma**2))``.  ``sigma > 0``."""
    name, aliases, _kernel = "gaussian", ("welsch", "gaussian_kernel"), "gaussian"
    _parameters = {"sigma": Param(1.0, _positive)}


@register
class Quantile(ElementwiseLoss):
    """Quantile (pinball) loss: with ``e = y_true - y_pred``,
    ``l = max(q e, (q - 1) e)``; derivative ``-q`` where e > 0, ``1 - q`` where
    e < 0 and 0 at e == 0 (the subgradient MAE also uses).  ``0 < q < 1``."""
    name, aliases, _kernel = "quantile", ("pinball",), "quantile"
    _parameters = {"q": Param(0.5, check_open_unit)}


@register
class RootMeanSquaredError(ElementwiseLoss):
    """Root mean squared error: ``sqrt(mean(r**2))`` (weighted mean with
    ``sample_weight``); gradient ``w r / (sum(w) * rmse)``.  Only
    ``reduction="mean"`` is defined (others are a ValueError).  At rmse == 0
    the gradient is taken as 0 (the subgradient), not NaN.  ``loss_gradient``
    needs two passes over the data: the gradient's scale is the loss."""
    name, aliases, _kernel = "rmse", ("root_mean_squared_error",), "mse"

    def _evaluate(self, y_true, y_pred, sample_weight, reduction, want_loss, want_grad, out):
        check_reduction(reduction, ("mean",))
        mse = MeanSquaredError()
        prep = _Prepared(y_true, y_pred, sample_weight)
        grad = None
        if want_grad:
            grad = (np.empty(prep.shape, dtype=prep.dtype) if out is None
                    else check_out(out, prep.shape, prep.dtype))
        if prep.y_pred.size == 0:
            return float("nan"), grad
        if prep.total == 0:
            raise ValueError("the sum of sample_weight is zero: the weighted mean is undefined")
        rmse = math.sqrt(max(mse._run(prep, _core.MODE_SUM) / prep.total, 0.0))
        if want_grad:
            scale = 0.0 if rmse == 0 else 1.0 / (2.0 * prep.total * rmse)
            mse._run(prep, _core.MODE_GRAD, None, grad, scale)
        return rmse, grad


mse = mean_squared_error = functional(MeanSquaredError)
mae = mean_absolute_error = functional(MeanAbsoluteError)
rmse = root_mean_squared_error = functional(RootMeanSquaredError)
huber = functional(Huber)
smooth_l1 = functional(SmoothL1)
log_cosh = functional(LogCosh)
gaussian = functional(Gaussian)
quantile = pinball = functional(Quantile)
l1, l2 = mae, mse

# the public names (lossfast.losses re-exports them)
__all__ = [
    "MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError", "Huber", "SmoothL1",
    "LogCosh", "Gaussian", "Quantile", "mse", "mean_squared_error", "mae",
    "mean_absolute_error", "rmse", "root_mean_squared_error", "huber", "smooth_l1", "log_cosh",
    "gaussian", "quantile", "pinball", "l1", "l2",
]
