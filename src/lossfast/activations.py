"""Activations and their backward passes (docs/activations.md), on NumPy arrays.

Forward functions take ``x`` and return ``f(x)``; each has a matching
``<name>_backward`` taking the upstream gradient ``grad_out`` and returning
``d loss / d x``.  ``sigmoid_backward``, ``tanh_backward``, ``softmax_backward``
and ``log_softmax_backward`` take the forward *output* ``y``;
``relu_backward`` and ``leaky_relu_backward`` take the forward *input* ``x``::

    y = lf.activations.sigmoid(x)
    dx = lf.activations.sigmoid_backward(y, grad_out)

Every function accepts ``out=``: a writeable array of the result's shape and
dtype (it may be an input, for an in-place update).  float32 and float64
compute in their own precision; other real dtypes are converted as NumPy
would (integers to float64).  ``sigmoid`` and ``softmax`` never overflow:
sigmoid is evaluated from ``exp(-|x|)``, softmax with the row max
subtracted.  NaN in gives NaN out (``relu(nan)`` is NaN).
"""
import numpy as np

from . import _lossfast as _core
from ._validation import as_array, as_contiguous, check_out, check_same_shape, compute_dtype

__all__ = ["sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward",
           "leaky_relu", "leaky_relu_backward", "softmax", "softmax_backward", "log_softmax",
           "log_softmax_backward"]

def _prepare(x, grad_out, x_name):
    x = as_array(x, x_name)
    if grad_out is None:
        dtype = compute_dtype(x)
        return as_contiguous(x, dtype), None, dtype
    g = as_array(grad_out, "grad_out")
    check_same_shape(x, g, x_name, "grad_out")
    dtype = compute_dtype(x, g)
    return as_contiguous(x, dtype), as_contiguous(g, dtype), dtype


def _run(name, x, grad_out, out, x_name, n_cols=None, negative_slope=0.0):
    """Elementwise kernels (n_cols None) or row-wise ones along the last axis."""
    xc, gc, dtype = _prepare(x, grad_out, x_name)
    shape = xc.shape
    direct = out is not None and check_out(out, shape, dtype, contiguous=False).flags.c_contiguous
    res = out if direct else np.empty(shape, dtype=dtype)
    n = xc.size
    if n:
        cols = 1 if n_cols is None else n_cols
        _core.act_run(_core.kernel("activation", name), xc.reshape(-1),
                      None if gc is None else gc.reshape(-1), res.reshape(-1), n // cols, cols,
                      negative_slope)
    if out is not None and not direct:
        np.copyto(out, res)
        return out
    return res


def _run_axis(name, x, grad_out, out, axis, x_name):
    """Row-wise kernels along `axis`: moved to the last axis when it is not."""
    xa = as_array(x, x_name)
    if xa.ndim == 0:
        raise ValueError(f"{name} needs an array with at least one axis, got a scalar")
    if not -xa.ndim <= axis < xa.ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {xa.ndim}")
    axis %= xa.ndim
    if axis == xa.ndim - 1:
        return _run(name, xa, grad_out, out, x_name, n_cols=xa.shape[-1])
    if grad_out is not None:
        check_same_shape(xa, as_array(grad_out, "grad_out"), x_name, "grad_out")
        grad_out = np.moveaxis(np.asarray(grad_out), axis, -1)
    moved = np.moveaxis(xa, axis, -1)
    res = _run(name, moved, grad_out, None, x_name, n_cols=moved.shape[-1])
    res = np.moveaxis(res, -1, axis)
    if out is not None:
        check_out(out, xa.shape, res.dtype, contiguous=False)
        np.copyto(out, res)
        return out
    return np.ascontiguousarray(res)


def sigmoid(x, out=None):
    """``1 / (1 + exp(-x))``, computed as ``1 / (1 + e)`` or ``e / (1 + e)``
    with ``e = exp(-|x|)``: never overflows, exact limits 0 and 1."""
    return _run("sigmoid", x, None, out, "x")


def sigmoid_backward(y, grad_out, out=None):
    """Gradient through sigmoid from its output ``y``: ``grad_out * y * (1 - y)``."""
    return _run("sigmoid_backward", y, grad_out, out, "y")


def tanh(x, out=None):
    """Hyperbolic tangent (vectorised, a few ulp)."""
    return _run("tanh", x, None, out, "x")


def tanh_backward(y, grad_out, out=None):
    """Gradient through tanh from its output ``y``: ``grad_out * (1 - y**2)``."""
    return _run("tanh_backward", y, grad_out, out, "y")


def relu(x, out=None):
    """``max(x, 0)``; NaN stays NaN (as PyTorch)."""
    return _run("relu", x, None, out, "x")


def relu_backward(x, grad_out, out=None):
    """Gradient through relu from its input ``x``: ``grad_out`` where ``x > 0``,
    else 0 (the subgradient 0 at x == 0, as PyTorch); NaN where x is NaN."""
    return _run("relu_backward", x, grad_out, out, "x")


def _slope(negative_slope):
    slope = float(negative_slope)
    if not np.isfinite(slope):
        raise ValueError(f"negative_slope must be finite, got {slope}")
    return slope


def leaky_relu(x, negative_slope=0.01, out=None):
    """``x`` where ``x > 0``, else ``negative_slope * x`` (PyTorch's default slope 0.01)."""
    return _run("leaky_relu", x, None, out, "x", negative_slope=_slope(negative_slope))


def leaky_relu_backward(x, grad_out, negative_slope=0.01, out=None):
    """Gradient through leaky_relu from its input ``x``: ``grad_out`` where
    ``x > 0``, else ``negative_slope * grad_out``."""
    return _run("leaky_relu_backward", x, grad_out, out, "x", negative_slope=_slope(negative_slope))


def softmax(x, axis=-1, out=None):
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``: never overflows
    (a row holding +inf or only -inf gives NaN, as PyTorch)."""
    return _run_axis("softmax", x, None, out, axis, "x")


def softmax_backward(y, grad_out, axis=-1, out=None):
    """Gradient through softmax from its output ``y``:
    ``y * (grad_out - sum(grad_out * y, axis))``."""
    return _run_axis("softmax_backward", y, grad_out, out, axis, "y")


def log_softmax(x, axis=-1, out=None):
    """``x - max - log(sum(exp(x - max)))`` along ``axis``, with the sum taken
    without its leading 1 (``log1p``), so a dominant class keeps its tiny
    log-probability exactly."""
    return _run_axis("log_softmax", x, None, out, axis, "x")


def log_softmax_backward(y, grad_out, axis=-1, out=None):
    """Gradient through log_softmax from its output ``y``:
    ``grad_out - exp(y) * sum(grad_out, axis)``."""
    return _run_axis("log_softmax_backward", y, grad_out, out, axis, "y")


def __dir__():
    return sorted(__all__)
