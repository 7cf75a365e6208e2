"""Activations and their backward passes: NumPy references (long double),
ulp errors, finite differences, PyTorch autograd, extremes, layouts, out=,
every SIMD path and threads."""
import numpy as np
import pytest

import lossfast as lf
import reference_classification as ref
from lossfast import _lossfast as core
from lossfast import activations as A

DTYPES = (np.float32, np.float64)
ULP = {np.float32: (24, -126), np.float64: (53, -1022)}


@pytest.fixture(params=ref.supported_simd_levels())
def simd(request):
    with ref.simd_level(request.param):
        yield request.param


def _max_ulp(actual, exact, dtype):
    if not np.size(actual):
        return 0.0
    return float(np.max(ref.ulp_error(actual, exact, *ULP[dtype])))


ELEMENTWISE = {
    "sigmoid": lambda x: ref.act_sigmoid(x),
    "tanh": lambda x: np.tanh(np.asarray(x, dtype=ref.LD)),
    "relu": lambda x: np.maximum(np.asarray(x, dtype=ref.LD), 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * np.asarray(x, dtype=ref.LD)),
}


@pytest.mark.parametrize("size", ref.SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_forward(name, dtype, size, simd):
    rng = np.random.default_rng(size)
    x = (rng.normal(size=size) * 5).astype(dtype)
    y = getattr(A, name)(x)
    assert y.dtype == dtype and y.shape == x.shape
    assert _max_ulp(y, ELEMENTWISE[name](x), dtype) <= 3


BACKWARD = {
    # name: (forward input -> what backward takes, reference gradient from (x, g))
    "sigmoid": (lambda x: A.sigmoid(x),
                lambda x, y, g: g * ref._ld(y) * (1 - ref._ld(y))),
    "tanh": (lambda x: A.tanh(x), lambda x, y, g: g * (1 - ref._ld(y) ** 2)),
    "relu": (lambda x: x, lambda x, y, g: np.where(x > 0, ref._ld(g), 0)),
    "leaky_relu": (lambda x: x, lambda x, y, g: np.where(x > 0, g, 0.01 * ref._ld(g))),
}


@pytest.mark.parametrize("size", ref.SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(BACKWARD))
def test_elementwise_backward(name, dtype, size, simd):
    rng = np.random.default_rng(size + 1)
    x = (rng.normal(size=size) * 3).astype(dtype)
    g = rng.normal(size=size).astype(dtype)
    take, expected = BACKWARD[name]
    saved = take(x)
    dx = getattr(A, f"{name}_backward")(saved, g)
    assert dx.dtype == dtype
    # 1 - y**2 (tanh) and y (1 - y) (sigmoid) are formed in the dtype: absolute
    # errors of a few eps times |grad_out|
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(dx, expected(x, saved, g).astype(np.float64),
                               rtol=4 * eps, atol=4 * eps * float(np.max(np.abs(g), initial=0)))


@pytest.mark.parametrize("name", sorted(BACKWARD))
def test_elementwise_finite_differences(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=30) * 2
    x = np.where(np.abs(x) < 1e-3, 0.1, x)   # away from relu's kink
    g = rng.normal(size=30)
    forward = getattr(A, name)
    saved = BACKWARD[name][0](x)
    dx = getattr(A, f"{name}_backward")(saved, g)
    fd = ref.finite_difference(lambda v: float(np.sum(g * forward(v))), x)
    np.testing.assert_allclose(dx, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_never_overflows(dtype, simd):
    big = np.finfo(dtype).max
    x = np.array([-np.inf, -big, -1e38, -1e4, -200.0, -100.0, -30.0, -1e-30, -0.0, 0.0, 1e-30,
                  30.0, 100.0, 1e4, 1e38, big, np.inf], dtype=dtype)
    y = A.sigmoid(x)   # filterwarnings=error: any overflow warning fails the test
    assert np.all(np.isfinite(y)) and np.all((y >= 0) & (y <= 1))
    assert y[0] == 0 and y[-1] == 1 and y[1] == 0 and y[-2] == 1
    assert y[7] == 0.5 and y[8] == 0.5
    exact = ref.act_sigmoid(x)
    assert _max_ulp(y, exact, dtype) <= 3
    assert np.isnan(A.sigmoid(np.array([np.nan], dtype=dtype)))[0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_ulp_over_the_domain(dtype, simd):
    lim = 104.0 if dtype == np.float32 else 745.0
    x = np.concatenate([np.linspace(-lim, lim, 200001), np.geomspace(1e-30, 1, 1001),
                        -np.geomspace(1e-30, 1, 1001)]).astype(dtype)
    y = A.sigmoid(x)
    err = _max_ulp(y, ref.act_sigmoid(x), dtype)
    assert err <= 3, err


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_relu_specials(dtype):
    x = np.array([-np.inf, -1e30, -0.0, 0.0, 1e-30, 1e30, np.inf, np.nan], dtype=dtype)
    t = A.tanh(x)
    assert t[0] == -1 and t[1] == -1 and t[5] == 1 and t[6] == 1 and t[4] == x[4]
    assert np.isnan(t[-1])
    r = A.relu(x)
    assert r[0] == 0 and r[6] == np.inf and np.isnan(r[-1]) and not np.signbit(r[2])
    assert np.isnan(A.relu_backward(x, np.ones_like(x))[-1])
    lr = A.leaky_relu(x, negative_slope=0.2)
    assert lr[0] == -np.inf and np.isnan(lr[-1]) and lr[1] == dtype(-0.2) * dtype(1e30)
    assert A.leaky_relu_backward(x, np.ones_like(x), negative_slope=0.2)[0] == dtype(0.2)


# ----------------------------------------------------------------- softmax

@pytest.mark.parametrize("C", (1, 3, 15, 16, 17, 67))
@pytest.mark.parametrize("n", (0, 1, 5, 127, 128, 129))
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_reference(dtype, n, C, simd):
    rng = np.random.default_rng(C)
    x = (rng.normal(size=(n, C)) * 4).astype(dtype)
    y = A.softmax(x)
    assert y.dtype == dtype
    # x - max is rounded in the dtype: exp(x - max) inherits |x - max| eps of relative error
    eps = np.finfo(dtype).eps
    gap = np.abs(x - np.max(x, axis=-1, keepdims=True)) if x.size else x
    exact = ref.act_softmax(x).astype(np.float64)
    assert np.all(np.abs(y - exact) <= eps * (4 + gap) * np.abs(exact))
    ls = A.log_softmax(x)
    exact = ref.act_log_softmax(x).astype(np.float64)
    assert np.all(np.abs(ls - exact) <= eps * (4 + 2 * gap + np.abs(exact)))
    g = rng.normal(size=(n, C)).astype(dtype)
    ys = ref._ld(y)
    expected = ys * (g - np.sum(g * ys, axis=-1, keepdims=True))
    np.testing.assert_allclose(A.softmax_backward(y, g), expected.astype(np.float64),
                               rtol=1e-5 if dtype == np.float32 else 1e-13,
                               atol=1e-6 if dtype == np.float32 else 1e-15)
    expected = g - np.exp(ref._ld(ls)) * np.sum(ref._ld(g), axis=-1, keepdims=True)
    np.testing.assert_allclose(A.log_softmax_backward(ls, g), expected.astype(np.float64),
                               rtol=1e-5 if dtype == np.float32 else 1e-13,
                               atol=1e-6 if dtype == np.float32 else 1e-15)


def test_softmax_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    g = rng.normal(size=(4, 6))
    for fwd, bwd in ((A.softmax, A.softmax_backward), (A.log_softmax, A.log_softmax_backward)):
        dx = bwd(fwd(x), g)
        fd = ref.finite_difference(lambda v: float(np.sum(g * fwd(v))), x)
        np.testing.assert_allclose(dx, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_never_overflows(dtype, simd):
    big = np.finfo(dtype).max
    x = np.array([[1e4, -1e4, 0.0], [big, big / 2, -big], [-1e4, -1e4 - 1, -2e4],
                  [88.0, 89.0, 1e3]], dtype=dtype)
    y = A.softmax(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1, rtol=4 * np.finfo(dtype).eps)
    np.testing.assert_allclose(y, ref.act_softmax(x).astype(np.float64), rtol=1e-5, atol=0)
    ls = A.log_softmax(x)
    assert np.all(np.isfinite(ls[[0, 2, 3]]))
    # a dominant class keeps its tiny log-probability: log(1 - e) ~ -e
    z = np.array([[0.0, -40.0, -40.0]], dtype=dtype)
    np.testing.assert_allclose(A.log_softmax(z)[0, 0], -2 * np.exp(-40.0), rtol=1e-5)
    # +inf or only -inf in a row: NaN, as PyTorch
    assert np.isnan(A.softmax(np.array([[np.inf, 0.0]], dtype=dtype))).any()
    assert np.isnan(A.softmax(np.array([[-np.inf, -np.inf]], dtype=dtype))).all()
    assert A.softmax(np.array([[-np.inf, 0.0]], dtype=dtype)).tolist() == [[0.0, 1.0]]


@pytest.mark.parametrize("axis", (0, 1, 2, -1, -2, -3))
def test_softmax_axis(axis):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 5))
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = e / e.sum(axis=axis, keepdims=True)
    y = A.softmax(x, axis=axis)
    assert y.flags.c_contiguous
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    np.testing.assert_allclose(A.log_softmax(x, axis=axis), np.log(expected), rtol=1e-13,
                               atol=1e-15)
    g = rng.normal(size=x.shape)
    dx = A.softmax_backward(y, g, axis=axis)
    np.testing.assert_allclose(dx, y * (g - np.sum(g * y, axis=axis, keepdims=True)),
                               rtol=1e-12, atol=1e-15)
    out = np.empty_like(x)
    assert A.softmax(x, axis=axis, out=out) is out
    np.testing.assert_array_equal(out, y)
    with pytest.raises(ValueError, match="out of bounds"):
        A.softmax(x, axis=3)
    with pytest.raises(ValueError, match="scalar"):
        A.softmax(np.float64(1.0))


# --------------------------------------------------------- PyTorch autograd

@pytest.mark.parametrize("dtype", DTYPES)
def test_against_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(17, 10)) * 3).astype(dtype)
    g = rng.normal(size=(17, 10)).astype(dtype)
    cases = {
        "sigmoid": (torch.sigmoid, A.sigmoid, A.sigmoid_backward, True),
        "tanh": (torch.tanh, A.tanh, A.tanh_backward, True),
        "relu": (torch.relu, A.relu, A.relu_backward, False),
        "leaky_relu": (lambda t: torch.nn.functional.leaky_relu(t, 0.01), A.leaky_relu,
                       A.leaky_relu_backward, False),
        "softmax": (lambda t: torch.softmax(t, -1), A.softmax, A.softmax_backward, True),
        "log_softmax": (lambda t: torch.log_softmax(t, -1), A.log_softmax,
                        A.log_softmax_backward, True),
    }
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    for name, (tfn, fwd, bwd, from_output) in cases.items():
        xt = torch.tensor(x, requires_grad=True)
        yt = tfn(xt)
        yt.backward(torch.from_numpy(g))
        y = fwd(x)
        np.testing.assert_allclose(y, yt.detach().numpy(), **tol, err_msg=name)
        dx = bwd(y if from_output else x, g)
        np.testing.assert_allclose(dx, xt.grad.numpy(), **tol, err_msg=name)


# ------------------------------------------------------------ layouts, out

@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax",
                                  "log_softmax"])
def test_out_and_layouts(name):
    fwd = getattr(A, name)
    bwd = getattr(A, f"{name}_backward")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 8))
    g = rng.normal(size=(6, 8))
    y = fwd(x)
    # read-only and strided inputs
    ro = x.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(fwd(ro), y)
    wide = np.zeros((6, 16))
    wide[:, ::2] = x
    np.testing.assert_array_equal(fwd(wide[:, ::2]), y)
    np.testing.assert_array_equal(fwd(np.asfortranarray(x)), y)
    # out=: a new buffer, in place, non-contiguous
    out = np.empty_like(x)
    assert fwd(x, out=out) is out
    np.testing.assert_array_equal(out, y)
    inplace = x.copy()
    assert fwd(inplace, out=inplace) is inplace
    np.testing.assert_array_equal(inplace, y)
    strided_out = np.zeros((6, 16))[:, ::2]
    assert fwd(x, out=strided_out) is strided_out
    np.testing.assert_array_equal(strided_out, y)
    saved = x if name in ("relu", "leaky_relu") else y
    dx = bwd(saved, g)
    g2 = g.copy()
    assert bwd(saved, g2, out=g2) is g2
    np.testing.assert_array_equal(g2, dx)
    s2 = saved.copy()
    assert bwd(s2, g, out=s2) is s2
    np.testing.assert_array_equal(s2, dx)
    # errors
    with pytest.raises(ValueError, match="shape"):
        fwd(x, out=np.empty((6, 7)))
    with pytest.raises(ValueError, match="dtype"):
        fwd(x, out=np.empty((6, 8), np.float32))
    with pytest.raises(TypeError):
        fwd(x, out=[0.0] * 48)
    with pytest.raises(ValueError, match="shape"):
        bwd(saved, g[:, :7])
    with pytest.raises(TypeError, match="complex"):
        fwd(x.astype(complex))
    frozen = np.empty_like(x)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        fwd(x, out=frozen)


def test_dtypes():
    assert A.sigmoid(np.arange(3)).dtype == np.float64
    assert A.softmax(np.ones((2, 2), np.float16)).dtype == np.float32
    assert A.relu(np.ones(3, np.float32)).dtype == np.float32
    assert A.tanh([0.0, 1.0]).dtype == np.float64
    with pytest.raises(ValueError, match="finite"):
        A.leaky_relu(np.ones(3), negative_slope=np.nan)


@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_bit_identical(dtype):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3 * core.PARALLEL_THRESHOLD // 10 + 3, 10)).astype(dtype)
    g = rng.normal(size=x.shape).astype(dtype)
    fns = [lambda: A.sigmoid(x), lambda: A.tanh(x), lambda: A.softmax(x),
           lambda: A.log_softmax(x), lambda: A.softmax_backward(A.softmax(x), g),
           lambda: A.leaky_relu_backward(x, g)]
    with lf.num_threads(1):
        one = [f() for f in fns]
    with lf.num_threads(2):
        two = [f() for f in fns]
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
