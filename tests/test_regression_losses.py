"""Regression losses against the NumPy reference (tests/reference.py), finite
differences, the spec's Keras values, and the engine's guarantees (threads,
SIMD paths, memory layouts, bad input)."""
import numpy as np
import pytest

import lossfast as lf
from lossfast import losses
from reference import EDGE_SIZES, REGRESSION, reduce

CLASSES = {
    "mse": (losses.MeanSquaredError, {}), "mae": (losses.MeanAbsoluteError, {}),
    "huber": (losses.Huber, {}), "huber_d03": (losses.Huber, {"delta": 0.3}),
    "smooth_l1": (losses.SmoothL1, {}), "smooth_l1_b0": (losses.SmoothL1, {"beta": 0.0}),
    "log_cosh": (losses.LogCosh, {}), "gaussian": (losses.Gaussian, {}),
    "gaussian_s2": (losses.Gaussian, {"sigma": 2.5}), "quantile": (losses.Quantile, {}),
    "quantile_09": (losses.Quantile, {"q": 0.9}),
}
NAMES = sorted(CLASSES)


def make(name):
    cls, params = CLASSES[name]
    return cls(**params)


def reference(name, y_true, y_pred, sample_weight=None, reduction="mean"):
    fn, params = REGRESSION[name]
    return reduce(fn(y_true, y_pred, **params), sample_weight, reduction, np.shape(y_pred))


def data(shape, dtype, seed=0, scale=2.0):
    rng = np.random.default_rng(seed)
    y_true = (rng.standard_normal(shape) * scale).astype(dtype)
    y_pred = (rng.standard_normal(shape) * scale).astype(dtype)
    return y_true, y_pred


def tol(dtype):
    return dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", EDGE_SIZES + [1000])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_reference(name, n, reduction, weighted, dtype, simd_level):
    y_true, y_pred = data(n, dtype)
    w = np.random.default_rng(1).random(n).astype(dtype) + 0.1 if weighted else None
    loss = make(name)
    want_loss, want_grad = reference(name, y_true, y_pred, w, reduction)
    got_loss, got_grad = loss.loss_gradient(y_true, y_pred, sample_weight=w, reduction=reduction)
    if n == 0 and reduction == "mean":
        assert np.isnan(got_loss)
    else:
        np.testing.assert_allclose(got_loss, want_loss, **tol(dtype))
    np.testing.assert_allclose(got_grad, want_grad, **tol(dtype))
    assert got_grad.dtype == dtype and got_grad.shape == y_pred.shape
    # loss / gradient / __call__ agree with the fused form
    if not (n == 0 and reduction == "mean"):
        np.testing.assert_allclose(loss.loss(y_true, y_pred, sample_weight=w, reduction=reduction),
                                   got_loss, rtol=1e-6 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(
        loss.gradient(y_true, y_pred, sample_weight=w, reduction=reduction), got_grad)


@pytest.mark.parametrize("name", NAMES)
def test_2d_row_weights_broadcast(name, dtype):
    y_true, y_pred = data((37, 5), dtype)
    w = np.linspace(0.5, 2.0, 37)
    for reduction in ("mean", "sum", "none"):
        got = make(name).loss_gradient(y_true, y_pred, sample_weight=w, reduction=reduction)
        want = reference(name, y_true, y_pred, w, reduction)
        np.testing.assert_allclose(got[0], want[0], **tol(dtype))
        np.testing.assert_allclose(got[1], want[1], **tol(dtype))
    # the weighted mean is numpy.average with the weights broadcast over columns
    l_elem = reference(name, y_true, y_pred, None, "none")[0]
    np.testing.assert_allclose(make(name)(y_true, y_pred, sample_weight=w),
                               np.average(l_elem, weights=np.broadcast_to(w[:, None], (37, 5))),
                               **tol(dtype))


@pytest.mark.parametrize("name", NAMES)
def test_finite_difference_gradient(name):
    rng = np.random.default_rng(3)
    y_true = rng.standard_normal(40) * 2
    y_pred = rng.standard_normal(40) * 2
    w = rng.random(40) + 0.5
    loss = make(name)
    grad = loss.gradient(y_true, y_pred, sample_weight=w)
    h = 1e-6
    fd = np.empty_like(y_pred)
    for i in range(y_pred.size):
        up, dn = y_pred.copy(), y_pred.copy()
        up[i] += h
        dn[i] -= h
        fd[i] = (loss(y_true, up, sample_weight=w) - loss(y_true, dn, sample_weight=w)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_rmse_against_reference_and_fd(dtype):
    y_true, y_pred = data((50, 3), dtype)
    w = np.random.default_rng(2).random(50) + 0.2
    rmse = losses.RootMeanSquaredError()
    r = y_pred.astype(np.float64) - y_true
    wb = np.broadcast_to(w[:, None], r.shape)
    want = np.sqrt(np.average(r * r, weights=wb))
    value, grad = rmse.loss_gradient(y_true, y_pred, sample_weight=w)
    np.testing.assert_allclose(value, want, **tol(dtype))
    np.testing.assert_allclose(grad, wb * r / (wb.sum() * want), **tol(dtype))
    np.testing.assert_allclose(losses.rmse(y_true, y_pred), np.sqrt(np.mean(r * r)), **tol(dtype))
    # finite differences in float64
    y_true, y_pred = data(20, np.float64)
    g = rmse.gradient(y_true, y_pred)
    for i in range(20):
        up, dn = y_pred.copy(), y_pred.copy()
        up[i] += 1e-6
        dn[i] -= 1e-6
        assert abs((rmse(y_true, up) - rmse(y_true, dn)) / 2e-6 - g[i]) < 1e-7
    # rmse == 0: gradient is the zero subgradient, not NaN
    assert rmse.loss_gradient(y_true, y_true)[0] == 0
    assert not np.any(rmse.gradient(y_true, y_true))
    for reduction in ("sum", "none"):
        with pytest.raises(ValueError, match="reduction"):
            rmse(y_true, y_pred, reduction=reduction)


def test_keras_reference_values():
    # docs/losses.md: Keras results, rtol 1e-6
    np.testing.assert_allclose(losses.MeanAbsoluteError()([[0.], [0.]], [[1.], [1.]]), 1.0,
                               rtol=1e-6)
    np.testing.assert_allclose(losses.MeanSquaredError()([[0.], [1.]], [[1.], [1.]]), 0.5,
                               rtol=1e-6)
    np.testing.assert_allclose(losses.Huber()([[0], [1]], [[0.6], [0.4]]), 0.18, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_threads_bit_identical(name, dtype):
    # large enough to be cut into many chunks and run on several threads
    y_true, y_pred = data(300_001, dtype)
    w = np.random.default_rng(5).random(300_001).astype(dtype)
    loss = make(name)
    with lf.num_threads(1):
        one = loss.loss_gradient(y_true, y_pred, sample_weight=w)
        one_sum = loss(y_true, y_pred, reduction="sum")
    with lf.num_threads(2):
        two = loss.loss_gradient(y_true, y_pred, sample_weight=w)
        two_sum = loss(y_true, y_pred, reduction="sum")
    assert one[0] == two[0] and one_sum == two_sum
    np.testing.assert_array_equal(one[1], two[1])


def test_float32_mean_accuracy_1e7():
    y_true, y_pred = data(10_000_000, np.float32, seed=11)
    for name in ("mse", "mae", "huber", "log_cosh"):
        loss = make(name)
        got = loss(y_true, y_pred)
        want = loss(y_true.astype(np.float64), y_pred.astype(np.float64))
        assert abs(got - want) <= 1e-6 * abs(want), name


@pytest.mark.parametrize("name", NAMES)
def test_noncontiguous_readonly_integer_inputs(name):
    y_true, y_pred = data((30, 8), np.float64)
    yt_nc, yp_nc = y_true[:, ::2], y_pred[::1, 1::2]
    yt_nc.flags.writeable = False
    loss = make(name)
    want = reference(name, yt_nc, yp_nc)
    got = loss.loss_gradient(yt_nc, yp_nc)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=1e-15)
    ro = y_pred.copy()
    ro.flags.writeable = False
    np.testing.assert_allclose(loss(y_true, ro), reference(name, y_true, ro)[0], rtol=1e-12)
    # integer inputs are converted as NumPy would (to float64)
    yi = np.arange(12).reshape(3, 4)
    gi = loss.gradient(yi, yi[::-1])
    assert gi.dtype == np.float64
    np.testing.assert_allclose(gi, reference(name, yi, yi[::-1])[1], rtol=1e-12)
    # y_pred's float dtype wins: float32 predictions with integer labels stay float32
    assert loss.gradient(yi, yi[::-1].astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", NAMES)
def test_nan_in_nan_out(name, dtype):
    y_true, y_pred = data(40, dtype)
    y_pred[7] = np.nan
    loss = make(name)
    value, grad = loss.loss_gradient(y_true, y_pred, reduction="none")
    assert np.isnan(value[7]) and np.isnan(grad[7])
    assert np.all(np.isfinite(np.delete(value, 7))) and np.all(np.isfinite(np.delete(grad, 7)))
    assert np.isnan(loss(y_true, y_pred))


@pytest.mark.parametrize("name", NAMES)
def test_large_residuals_do_not_overflow(name, dtype):
    y_true = np.zeros(6, dtype)
    y_pred = np.array([1e4, -1e4, 3e4, 80.0, -700.0, 1e-30], dtype)
    value, grad = make(name).loss_gradient(y_true, y_pred, reduction="none")
    want = reference(name, y_true, y_pred, None, "none")
    # compare in the input's dtype: 1e-30 squared underflows to 0 in float32
    np.testing.assert_allclose(value, want[0].astype(dtype), rtol=2e-6)
    np.testing.assert_allclose(grad, want[1], rtol=2e-6, atol=1e-30)


def test_out_buffer(dtype):
    y_true, y_pred = data((10, 3), dtype)
    out = np.empty((10, 3), dtype)
    loss = losses.Huber()
    value, grad = loss.loss_gradient(y_true, y_pred, out=out)
    assert grad is out
    assert loss.gradient(y_true, y_pred, out=out) is out
    np.testing.assert_allclose(out, reference("huber", y_true, y_pred)[1], **tol(dtype))
    with pytest.raises(ValueError, match="shape"):
        loss.gradient(y_true, y_pred, out=np.empty(30, dtype))
    with pytest.raises(ValueError, match="dtype"):
        loss.gradient(y_true, y_pred, out=np.empty((10, 3), np.float16))
    with pytest.raises(ValueError, match="contiguous"):
        loss.gradient(y_true, y_pred, out=np.empty((3, 10), dtype).T)
    with pytest.raises(TypeError):
        loss.gradient(y_true, y_pred, out=[0.0] * 30)


def test_bad_input_errors():
    mse = losses.MeanSquaredError()
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="complex"):
        mse(np.zeros(3), np.zeros(3, complex))
    with pytest.raises(TypeError, match="object"):
        mse(np.array([1, None, 2], dtype=object), np.zeros(3))
    with pytest.raises(TypeError, match="string"):
        mse(np.array(["a", "b"]), np.zeros(2))
    with pytest.raises(ValueError, match="reduction"):
        mse(np.zeros(3), np.zeros(3), reduction="avg")
    with pytest.raises(ValueError, match="sample_weight"):
        mse(np.zeros(3), np.zeros(3), sample_weight=np.ones(4))
    with pytest.raises(ValueError, match="sample_weight"):
        mse(np.zeros((3, 2)), np.zeros((3, 2)), sample_weight=np.ones(6))
    with pytest.raises(ValueError, match="zero"):
        mse(np.zeros(3), np.ones(3), sample_weight=np.zeros(3))
    with pytest.raises(TypeError, match="complex"):
        mse(np.zeros(3), np.zeros(3), sample_weight=np.ones(3, complex))


@pytest.mark.parametrize("cls, kwargs", [
    (losses.Huber, {"delta": 0}), (losses.Huber, {"delta": -1}),
    (losses.Huber, {"delta": float("nan")}), (losses.SmoothL1, {"beta": -0.1}),
    (losses.Gaussian, {"sigma": 0}), (losses.Quantile, {"q": 0}), (losses.Quantile, {"q": 1}),
    (losses.Quantile, {"q": 1.5}),
])
def test_invalid_hyper_parameters(cls, kwargs):
    with pytest.raises(ValueError):
        cls(**kwargs)


def test_scalar_sample_weight_and_empty():
    mse = losses.MeanSquaredError()
    assert mse(np.zeros(3), np.ones(3), sample_weight=2.0, reduction="sum") == 6.0
    assert mse(np.zeros(3), np.ones(3), sample_weight=2.0) == 1.0
    assert mse(np.zeros(0), np.zeros(0), reduction="sum") == 0.0
    assert np.isnan(mse(np.zeros(0), np.zeros(0)))
    assert mse.gradient(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0, 3)
    assert mse(3.0, 1.0) == 4.0  # 0-d inputs are one sample


def test_get_aliases_and_functional():
    y_true, y_pred = data(20, np.float64)
    for alias, cls in [("mse", losses.MeanSquaredError), ("l2", losses.MeanSquaredError),
                       ("mae", losses.MeanAbsoluteError), ("l1", losses.MeanAbsoluteError),
                       ("rmse", losses.RootMeanSquaredError), ("huber", losses.Huber),
                       ("smooth_l1", losses.SmoothL1), ("log_cosh", losses.LogCosh),
                       ("gaussian", losses.Gaussian), ("quantile", losses.Quantile),
                       ("pinball", losses.Quantile), ("MeanSquaredError", losses.MeanSquaredError)]:
        assert type(losses.get(alias)) is cls
    assert losses.get("huber", delta=0.5).delta == 0.5
    inst = losses.Huber(2.0)
    assert losses.get(inst) is inst
    with pytest.raises(ValueError, match="unknown loss"):
        losses.get("nope")
    np.testing.assert_allclose(losses.huber(y_true, y_pred, delta=0.3),
                               losses.Huber(0.3)(y_true, y_pred), rtol=1e-15)
    np.testing.assert_allclose(losses.mse(y_true, y_pred, reduction="sum"),
                               np.sum((y_pred - y_true) ** 2), rtol=1e-12)
    assert losses.quantile(y_true, y_pred, q=0.9) == losses.Quantile(0.9)(y_true, y_pred)
    assert repr(losses.Huber(0.5)) == "Huber(delta=0.5)"


def test_reduced_loss_allocates_nothing_of_size_n():
    import tracemalloc
    y_true, y_pred = data(1_000_000, np.float64)
    loss = losses.Huber()
    w = np.ones(1_000_000)
    loss(y_true, y_pred)
    tracemalloc.start()
    loss(y_true, y_pred)
    loss(y_true, y_pred, sample_weight=w)
    losses.rmse(y_true, y_pred, sample_weight=w)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100_000  # bytes: nothing of size N (8 MB)
