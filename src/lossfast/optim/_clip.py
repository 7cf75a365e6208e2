"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``.

The total norm is one pass over the gradients in C, accumulated in float64 in
chunks of a fixed size combined in a fixed order (bit-identical for any thread
count and SIMD path).  Clipping can be folded into the optimizer's step, so the
gradients are read once more instead of twice::

    total = lf.optim.get_total_norm(grads)                       # one pass
    opt.step(grads, grad_scale=lf.optim.clip_coef(1.0, total))   # scaled inside the step

or done in place as PyTorch does (``clip_grad_norm_``: measure, then scale).
"""
import math as _math

import numpy as _np

from .. import _lossfast as _core
from .._validation import check_number as _check_number
from ._base import check_param_array as _check_param_array

__all__ = ["get_total_norm", "clip_coef", "clip_grads_with_norm_", "clip_grad_norm_",
           "clip_grad_value_"]

_EPS = 1e-6  # added to the norm, as PyTorch


def _arrays(grads, writable):
    if isinstance(grads, _np.ndarray):
        grads = [grads]
    try:
        grads = list(grads)
    except TypeError:
        raise TypeError(f"grads must be an array or a list of arrays, got "
                        f"{type(grads).__name__}") from None
    out = []
    for i, g in enumerate(grads):
        if writable:
            _check_param_array(g, f"grads[{i}]")
        else:
            if not isinstance(g, _np.ndarray) or g.dtype not in (_np.float32, _np.float64):
                g = _np.asarray(g)
                if g.dtype.kind not in "fiub":
                    raise TypeError(f"grads[{i}] has dtype {g.dtype}; expected real numbers")
                g = g.astype(_np.float64 if g.dtype != _np.float32 else _np.float32)
            g = _np.ascontiguousarray(g) if not g.flags.c_contiguous else g
        out.append(g)
    return out


def _norm_type(norm_type):
    p = _check_number(norm_type, "norm_type", low=0.0, low_open=True) \
        if not (isinstance(norm_type, (int, float)) and _math.isinf(norm_type)) \
        else float(norm_type)
    if p < 0:
        raise ValueError(f"norm_type must be > 0 or inf, got {norm_type}")
    return p


def get_total_norm(grads, norm_type=2.0, error_if_nonfinite=False):
    """The norm of all gradients together, as if concatenated into one vector:
    ``(sum_i sum |g_i|^p)^(1/p)``, ``max |g|`` for ``norm_type=inf``
    (``torch.nn.utils.get_total_norm``).

    Accumulated in float64 whatever the gradients' dtype; returns a Python float.
    NaN anywhere gives NaN.  With ``error_if_nonfinite`` a NaN or infinite norm is a
    RuntimeError (as PyTorch).  An empty list has norm 0.
    """
    p = _norm_type(norm_type)
    arrays = _arrays(grads, writable=False)
    s = _core.grad_norm_sum(arrays, p) if arrays else 0.0
    if _math.isinf(p):
        total = s
    elif p == 1.0:
        total = s
    elif p == 2.0:
        total = _math.sqrt(s)
    else:
        total = s ** (1.0 / p)
    if error_if_nonfinite and not _math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"{total}, so they cannot be clipped; pass "
                           "error_if_nonfinite=False to clip anyway")
    return total


def clip_coef(max_norm, total_norm):
    """The factor clipping multiplies the gradients by:
    ``min(1, max_norm / (total_norm + 1e-6))`` (PyTorch's clip coefficient, clamped
    to 1).  Pass it as ``opt.step(grads, grad_scale=...)``."""
    max_norm = _check_number(max_norm, "max_norm", low=0.0)
    c = max_norm / (float(total_norm) + _EPS)
    return 1.0 if c > 1.0 else c  # NaN stays NaN: the step then writes NaN, as torch


def clip_grads_with_norm_(grads, max_norm, total_norm):
    """Scale the gradients in place by ``clip_coef(max_norm, total_norm)``
    (``torch.nn.utils.clip_grads_with_norm_``); returns None."""
    arrays = _arrays(grads, writable=True)
    c = clip_coef(max_norm, total_norm)
    if arrays:
        _core.grad_scale_(arrays, c)


def clip_grad_norm_(grads, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Clip the gradients in place so that their total norm is at most ``max_norm``
    and return the total norm before clipping (``torch.nn.utils.clip_grad_norm_``)::

        total = ||concat(grads)||_p;   g = g * min(1, max_norm / (total + 1e-6))

    ``grads``: an array or a list of writeable C-contiguous float32/float64 arrays
    (the gradients, not the parameters: lossfast keeps no ``.grad``).  The norm is
    accumulated in float64 in a fixed order; the factor is applied in each array's
    dtype (as PyTorch, every gradient is multiplied, by 1 when no clipping is needed).
    ``norm_type`` is any p > 0 or ``inf``.  With ``error_if_nonfinite`` a NaN or
    infinite norm is a RuntimeError and nothing is changed.
    """
    arrays = _arrays(grads, writable=True)
    total = get_total_norm(arrays, norm_type, error_if_nonfinite)
    if arrays:
        _core.grad_scale_(arrays, clip_coef(max_norm, total))
    return total


def clip_grad_value_(grads, clip_value):
    """Clip every gradient element to ``[-clip_value, clip_value]`` in place
    (``torch.nn.utils.clip_grad_value_``; NaN stays NaN); returns None."""
    v = _check_number(clip_value, "clip_value", low=0.0)
    for g in _arrays(grads, writable=True):
        _np.clip(g, -v, v, out=g)
