"""Property-based tests of every activation and its backward pass (issue 9,
point 5): arbitrary shapes (0 and 1 included), float32 / float64 / integer
inputs, every layout, NaN / inf / huge / tiny values, ``axis`` and ``out=``
(also in place).  Results match long-double references, NaN goes to NaN, and
bad arguments are a ValueError / TypeError."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lossfast as lf
import reference_classification as RC
from fuzz_strategies import (FUZZ, arrays, assert_close, casts_may_overflow, compute_dtype_of,
                             input_dtypes, on_drawn_simd_level, shapes)

LD = np.longdouble
A = lf.activations


def _ld(x):
    return np.asarray(x, dtype=LD)


def _leaky(x, slope):
    return np.where(x > 0, x, LD(slope) * x)


# name -> (call(x, g, **kw), reference(x, g) -> (value, cancellation scale or None), row-wise)
FORWARD = {
    "sigmoid": (lambda x: RC.act_sigmoid(x), None),
    "tanh": (lambda x: np.tanh(_ld(x)), None),
    "relu": (lambda x: np.where(np.isnan(_ld(x)), np.nan, np.maximum(_ld(x), 0)), None),
    "leaky_relu": (lambda x: _leaky(_ld(x), 0.01), None),
    "softmax": (lambda x: RC.act_softmax(x), None),
    "log_softmax": (lambda x: RC.act_log_softmax(x),
                    lambda x: np.abs(_ld(x) - np.max(_ld(x), axis=-1, keepdims=True)) + 50),
}


def _ref_backward(name, a, g):
    """(value, scale of the cancelling terms or None, largest intermediate): an
    intermediate beyond the dtype's range (possible only for arguments that are
    not outputs of the forward pass, such as sigmoid_backward(y=-1e30, ...)) may
    turn into inf * 0 = NaN in the dtype."""
    a, g = _ld(a), _ld(g)
    if name == "sigmoid":
        return (g * a * (1 - a), np.abs(g * a) + np.abs(g * a * a),
                np.maximum(np.abs(a * (1 - a)), np.abs(g * a)))
    if name == "tanh":
        return g * (1 - a * a), np.abs(g) + np.abs(g * a * a), np.abs(a * a) * (1 + np.abs(g))
    if name == "relu":
        return np.where(np.isnan(a), np.nan, np.where(a > 0, g, 0)), None, np.zeros(a.shape, LD)
    if name == "leaky_relu":
        return (np.where(np.isnan(a), np.nan, np.where(a > 0, g, LD(0.01) * g)), None,
                np.zeros(a.shape, LD))
    if name == "softmax":
        s = np.sum(g * a, axis=-1, keepdims=True)
        sa = np.sum(np.abs(g * a), axis=-1, keepdims=True)
        return a * (g - s), np.abs(a) * (np.abs(g) + sa), np.broadcast_to(sa + np.abs(g),
                                                                           a.shape)
    if name == "log_softmax":
        s = np.sum(g, axis=-1, keepdims=True)
        sa = np.sum(np.abs(g), axis=-1, keepdims=True)
        return (g - np.exp(a) * s, np.abs(g) + np.exp(a) * sa,
                np.broadcast_to(np.maximum(np.exp(a), sa) * (1 + sa), a.shape))
    raise KeyError(name)


ROWWISE = {"softmax", "log_softmax"}


@st.composite
def activation_inputs(draw, name, backward):
    rowwise = name in ROWWISE
    shape = draw(shapes(min_dims=1 if rowwise else 0))
    dtype = draw(input_dtypes())
    x = draw(arrays(shape, dtype, "real"))
    g = draw(arrays(shape, draw(st.sampled_from([dtype, np.dtype(np.float64)])), "real")) \
        if backward else None
    axis = draw(st.integers(-len(shape), len(shape) - 1)) if rowwise and shape else -1
    out_mode = draw(st.sampled_from(["none", "new", "new_strided", "inplace"]))
    return x, g, axis, out_mode


def _moved(a, axis):
    return np.moveaxis(_ld(a), axis, -1)


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize("name", sorted(FORWARD))
@FUZZ
@given(data=st.data())
@on_drawn_simd_level
def test_activation(name, backward, data):
    x, g, axis, out_mode = data.draw(activation_inputs(name, backward))
    fname = f"{name}_backward" if backward else name
    fn = getattr(A, fname)
    dtype = compute_dtype_of(x.dtype)
    kw = {"axis": axis} if name in ROWWISE else {}
    args = (x,) if g is None else (x, g)
    out = None
    if out_mode == "new":
        out = np.full(x.shape, -7, dtype=dtype)
    elif out_mode == "new_strided" and x.ndim:
        out = np.full(tuple(2 * s for s in x.shape), -7, dtype=dtype)[
            tuple(slice(None, None, 2) for _ in x.shape)]
    elif out_mode == "inplace" and x.dtype == dtype and x.flags.writeable:
        use_g = (g is not None and g.dtype == dtype and g.flags.writeable
                 and data.draw(st.booleans()))
        out = g if use_g else x
    x_before = x.copy()
    g_before = None if g is None else g.copy()
    if out is not None:
        kw["out"] = out
    with casts_may_overflow():
        result = fn(*args, **kw)
    if out is not None:
        assert result is out
    else:
        assert result.shape == x.shape and result.dtype == dtype
        np.testing.assert_array_equal(x, x_before)
        if g is not None:
            np.testing.assert_array_equal(g, g_before)
    with np.errstate(all="ignore"):
        xv = x_before.astype(dtype)
        if name in ROWWISE and x.ndim:
            xm = _moved(xv, axis)
            if backward:
                gm = _moved(g_before.astype(dtype), axis)
                want, scale, inter = _ref_backward(name, xm, gm)
            elif xm.size == 0:
                want, scale, inter = xm, None, xm
            else:
                want, inter = FORWARD[name][0](xm), np.zeros(xm.shape, LD)
                scale = None if FORWARD[name][1] is None else FORWARD[name][1](xm)
            want = np.moveaxis(want, -1, axis)
            inter = np.moveaxis(inter, -1, axis)
            scale = None if scale is None else np.moveaxis(scale, -1, axis)
            nan_in = np.isnan(xm).any(axis=-1, keepdims=True)
            if backward:
                nan_in = nan_in | np.isnan(gm).any(axis=-1, keepdims=True)
            nan_in = np.moveaxis(np.broadcast_to(nan_in, xm.shape), -1, axis)
        else:
            if backward:
                want, scale, inter = _ref_backward(name, xv, g_before.astype(dtype))
                nan_in = np.isnan(_ld(xv)) | np.isnan(_ld(g_before.astype(dtype)))
            else:
                want, scale, inter = FORWARD[name][0](xv), None, np.zeros(xv.shape, LD)
                nan_in = np.isnan(_ld(xv))
        big = LD(np.finfo(dtype).max) / 16
        finite_in = ~np.isnan(want) | nan_in
        # exact results beyond the dtype's range, and indeterminate forms from
        # inf inputs (inf * 0, inf - inf) are not compared
        skip = (np.abs(want) > big) | ~finite_in | nan_in | (inter > big)
        if scale is not None:
            skip |= ~np.isfinite(scale) | (scale > big)
        assert_close(result, want, dtype, what=fname, skip=skip, scale=scale,
                     rtol=5e-5 if dtype == np.float32 else 1e-12)
    # NaN in gives NaN out (elementwise, or across the row for softmax), wherever
    # the exact result is NaN (relu_backward's 0 for x <= 0 stays 0)
    with np.errstate(all="ignore"):
        must_be_nan = nan_in & np.isnan(want)
    assert np.all(np.isnan(np.asarray(result)[must_be_nan])), "NaN in must give NaN out"


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmax_backward"])
def test_rowwise_activations_reject_scalars_and_bad_axes(name):
    fn = getattr(A, name)
    args = (np.float64(1.0),) if "backward" not in name else (np.float64(1.0), np.float64(1.0))
    with pytest.raises(ValueError, match="at least one axis"):
        fn(*args)
    args = (np.ones((2, 3)),) if "backward" not in name else (np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of bounds"):
        fn(*args, axis=2)


@FUZZ
@given(shape=shapes(), bad=st.sampled_from(["shape", "dtype", "readonly", "type"]),
       name=st.sampled_from(sorted(FORWARD)))
def test_bad_out_and_grad_arguments(shape, bad, name):
    x = np.zeros(shape)
    kw = {}
    if name in ROWWISE and not shape:
        x = np.zeros((2,))
    if bad == "shape":
        out = np.zeros(x.shape + (1,))
        err, match = ValueError, "shape"
    elif bad == "dtype":
        out = np.zeros(x.shape, np.float32)
        err, match = ValueError, "dtype"
    elif bad == "readonly":
        out = np.zeros(x.shape)
        out.setflags(write=False)
        err, match = ValueError, "writeable"
    else:
        out = x.tolist()
        err, match = TypeError, "numpy.ndarray"
    with pytest.raises(err, match=match):
        getattr(A, name)(x, out=out, **kw)
    with pytest.raises(ValueError, match="same shape"):
        getattr(A, f"{name}_backward")(x, np.zeros(x.shape + (2,)))
    with pytest.raises(TypeError, match="complex"):
        getattr(A, name)(x.astype(np.complex128))
