"""The fused linear-model kernels (csrc/linear_model.c) against the NumPy
reference (tests/reference_linear.py), finite differences, every SIMD path,
block / chunk / SIMD-width edges, and 1 vs 2 threads (bit-identical)."""
import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast as core
from lossfast.linear_model._matrix import as_matrix
from lossfast.linear_model._objective import LinearObjective, LossSpec
from reference_linear import gram, loss_gradient

# reference.REGRESSION name -> (C kernel, its named parameters)
BCE = {"pos_weight": 1.0, "label_smoothing": 0.0}
REG_PARAMS = {"mse": ("mse", {}), "mae": ("mae", {}), "huber": ("huber", {"delta": 1.0}),
              "log_cosh": ("log_cosh", {}), "gaussian_s2": ("gaussian", {"sigma": 2.5}),
              "quantile_09": ("quantile", {"q": 0.9}),
              "smooth_l1": ("smooth_l1", {"beta": 1.0})}
# n around the SIMD widths and several row blocks / chunks (d = 9: 3640 rows
# per f64 block, 7281 per f32 block; d = 100: 324 / 652)
SIZES = [(0, 3), (1, 1), (3, 8), (5, 9), (17, 16), (7300, 9), (2003, 100)]


def tol(dtype):
    # float32 data: the kernel computes decision values, losses and derivatives in
    # float64, so it matches the float64 reference on the same (float32) numbers
    return dict(rtol=1e-11, atol=1e-11)


def check_z(Z, want, dtype):
    """z_out has X's dtype: the float64 decision values rounded once."""
    np.testing.assert_allclose(Z, want.astype(dtype), rtol=1e-6 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-12)


def data(n, d, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    coef = rng.standard_normal((k, d)) / np.sqrt(max(d, 1))
    intercept = rng.standard_normal(k)
    w = (rng.random(n) + 0.2).astype(dtype)
    return rng, X, coef, intercept, w


def run(X, y, w, coef, intercept, name, params=None, grad=True, z=False):
    spec = LossSpec(name, params)
    k, d = coef.shape
    gc = np.full((k, d), np.nan) if grad else None
    gb = np.full(k, np.nan) if grad and intercept is not None else None
    Z = np.empty((X.shape[0], k), X.dtype) if z else None
    val = core.lm_loss_gradient(X, y, w, np.ascontiguousarray(coef),
                                None if intercept is None else np.ascontiguousarray(intercept),
                                spec.kernel, spec.params, gc, gb, Z)
    return val, gc, gb, Z


def check(got, want, dtype, scale):
    np.testing.assert_allclose(got, want, rtol=tol(dtype)["rtol"], atol=tol(dtype)["atol"] * scale)


@pytest.mark.parametrize("n,d", SIZES)
@pytest.mark.parametrize("loss", sorted(REG_PARAMS))
@pytest.mark.parametrize("weighted", [False, True])
def test_elementwise_matches_reference(n, d, loss, weighted, dtype, simd_level):
    k = 2 if loss in ("mse", "huber") else 1          # multi-output for a few
    rng, X, coef, intercept, w = data(n, d, k, dtype)
    Y = rng.standard_normal((n, k)).astype(dtype)
    w = w if weighted else None
    kernel, params = REG_PARAMS[loss]
    val, gc, gb, Z = run(X, Y, w, coef, intercept, kernel, params, z=True)
    want, wgc, wgb, wZ = loss_gradient(X, Y, w, coef, intercept, loss)
    scale = max(n, 1)
    check(val, want, dtype, scale)
    check(gc, wgc, dtype, scale)
    check(gb, wgb, dtype, scale)
    check_z(Z, wZ, dtype)
    assert Z.dtype == dtype


@pytest.mark.parametrize("n,d", SIZES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("with_intercept", [False, True])
def test_logistic_matches_reference(n, d, weighted, with_intercept, dtype, simd_level):
    rng, X, coef, intercept, w = data(n, d, 1, dtype)
    y = (rng.random((n, 1)) < 0.4).astype(dtype)
    w = w if weighted else None
    b = intercept if with_intercept else None
    val, gc, gb, _ = run(X, y, w, coef, b, "bce_logits", BCE)
    want, wgc, wgb, _ = loss_gradient(X, y, w, coef, b, "bce")
    check(val, want, dtype, max(n, 1))
    check(gc, wgc, dtype, max(n, 1))
    if with_intercept:
        check(gb, wgb, dtype, max(n, 1))


@pytest.mark.parametrize("n,d", SIZES)
@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_matches_reference(n, d, k, weighted, dtype, simd_level):
    rng, X, coef, intercept, w = data(n, d, k, dtype)
    labels = rng.integers(0, k, n).astype(np.int64)
    w = w if weighted else None
    val, gc, gb, Z = run(X, labels, w, coef, intercept, "softmax_xent_sparse",
                         z=True)
    want, wgc, wgb, wZ = loss_gradient(X, labels, w, coef, intercept, "softmax")
    check(val, want, dtype, max(n, 1))
    check(gc, wgc, dtype, max(n, 1))
    check(gb, wgb, dtype, max(n, 1))
    check_z(Z, wZ, dtype)


def test_loss_only_mode_and_no_intercept(dtype):
    rng, X, coef, intercept, w = data(300, 7, 1, dtype)
    Y = rng.standard_normal((300, 1)).astype(dtype)
    val, gc, gb, _ = run(X, Y, w, coef, None, "huber", {"delta": 1.0},
                         grad=False)
    want, _, _, _ = loss_gradient(X, Y, w, coef, None, "huber")
    assert gc is None and gb is None
    check(val, want, dtype, 300)


@pytest.mark.parametrize("loss,spec_args,make_y", [
    ("log_cosh", ("log_cosh",), lambda rng, n: rng.standard_normal((n, 2))),
    ("bce", ("bce_logits", BCE),
     lambda rng, n: (rng.random((n, 1)) < 0.5).astype(float)),
    ("softmax", ("softmax_xent_sparse",),
     lambda rng, n: rng.integers(0, 4, n).astype(np.int64)),
])
def test_objective_gradient_finite_differences(loss, spec_args, make_y):
    rng = np.random.default_rng(3)
    n, d = 200, 6
    # offset, unevenly scaled columns: the objective works in standardised
    # coordinates (centred and scaled inside the map to the kernel's w, b)
    X = rng.standard_normal((n, d)) * np.logspace(-2, 2, d) + np.linspace(-50, 300, d)
    y = make_y(rng, n)
    k = {"log_cosh": 2, "bce": 1, "softmax": 4}[loss]
    w = rng.random(n) + 0.5
    obj = LinearObjective(as_matrix(X), y, w, k, LossSpec(*spec_args), True, l2=0.3)
    theta = rng.standard_normal(obj.n_params) * 0.5
    f, g = obj.loss_grad(theta)
    h = 1e-6
    fd = np.array([(obj.loss(theta + h * e) - obj.loss(theta - h * e)) / (2 * h)
                   for e in np.eye(obj.n_params)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    assert f == pytest.approx(obj.loss(theta), rel=1e-15)
    # the same function as the plain model at the mapped coefficients
    coef, b = obj.to_model(theta)
    np.testing.assert_allclose(obj.from_model(coef, b), theta, rtol=1e-12, atol=1e-12)
    plain = LinearObjective(as_matrix(X), y, w, k, LossSpec(*spec_args), True, l2=0.3,
                            center=np.zeros(d), scale=False)
    assert plain.loss(plain.from_model(coef, b)) == pytest.approx(f, rel=1e-12)
    if loss != "log_cosh":
        # the Hessian of the standardised problem against differences of the gradient
        Z = np.empty((n, k))
        obj.loss_grad(theta, z_out=Z)
        H = obj.hessian(theta, Z)
        fdH = np.array([(obj.loss_grad(theta + h * e)[1] - obj.loss_grad(theta - h * e)[1])
                        / (2 * h) for e in np.eye(obj.n_params)])
        if loss == "softmax":
            # the Hessian carries extra curvature along the directions the softmax
            # cannot see (one vector added to every class); compare off them
            P = np.eye(obj.n_params)
            for j in range(d + 1):
                cols = (np.arange(k) * d + j) if j < d else (k * d + np.arange(k))
                v = np.zeros(obj.n_params)
                v[cols] = 1 / np.sqrt(k)
                P -= np.outer(v, v)
            H, fdH = P @ H @ P, P @ fdH @ P
        np.testing.assert_allclose(H, fdH, rtol=1e-5, atol=1e-7)
        # Hessian-vector products (Newton-CG) equal H v off the invisible directions
        hv = obj.hessp(theta, Z)
        for v in rng.standard_normal((3, obj.n_params)):
            want = obj.hessian(theta, Z) @ v
            got = hv(v)
            if loss == "softmax":
                want, got = P @ want, P @ got
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["bce", "softmax", "mse"])
def test_threads_bit_identical(kind, dtype):
    rng, X, coef, intercept, w = data(30000, 20, 4 if kind == "softmax" else 1, dtype)
    if kind == "bce":
        y = (rng.random((30000, 1)) < 0.5).astype(dtype)
        args = ("bce_logits", BCE)
    elif kind == "softmax":
        y = rng.integers(0, 4, 30000).astype(np.int64)
        args = ("softmax_xent_sparse", None)
    else:
        y = rng.standard_normal((30000, 1)).astype(dtype)
        args = ("mse", None)
    results = []
    for nt in (1, 2):
        with lf.num_threads(nt):
            results.append(run(X, y, w, coef, intercept, *args))
    (v1, g1, b1, _), (v2, g2, b2, _) = results
    assert v1 == v2
    assert np.array_equal(g1, g2) and np.array_equal(b1, b2)


@pytest.mark.parametrize("n,d", [(0, 3), (1, 1), (7, 3), (513, 4), (1500, 13), (3000, 40)])
@pytest.mark.parametrize("n_weights", [0, 1, 3])
@pytest.mark.parametrize("extras", [(False, False, False), (True, True, True),
                                    (False, True, False)])
def test_gram_matches_reference(n, d, n_weights, extras, dtype, simd_level):
    with_y, with_shift, ones = extras
    rng = np.random.default_rng(5)
    X = (rng.standard_normal((n, d)) + 3.0).astype(dtype)
    Y = rng.standard_normal((n, 2)).astype(dtype) if with_y else None
    W = (rng.standard_normal((n, n_weights)).astype(dtype) if n_weights else None)  # signed
    shift = rng.standard_normal(d + (2 if with_y else 0)) if with_shift else None
    D = d + (2 if with_y else 0) + (1 if ones else 0)
    out = np.full((max(n_weights, 1), D, D), np.nan)
    core.lm_gram(X, Y, W, shift, ones, out)
    want = gram(X, Y, W, shift, ones)
    scale = max(np.abs(want).max(), 1.0) if n else 1.0
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12 * scale)
    assert np.array_equal(out, np.transpose(out, (0, 2, 1)))


def test_gram_threads_bit_identical():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((40000, 30))
    W = rng.random((40000, 2))
    outs = []
    for nt in (1, 2):
        out = np.empty((2, 31, 31))
        with lf.num_threads(nt):
            core.lm_gram(X, None, W, None, True, out)
        outs.append(out)
    assert np.array_equal(outs[0], outs[1])


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 100003])
def test_count_nonfinite(n, dtype):
    x = np.random.default_rng(0).standard_normal(n).astype(dtype)
    assert core.lm_count_nonfinite(x) == 0
    if n:
        bad = np.unique(np.random.default_rng(1).integers(0, n, 3))
        for i, v in zip(bad, [np.nan, np.inf, -np.inf]):
            x[i] = v
        assert core.lm_count_nonfinite(x) == len(bad)
        x[bad[0]] = np.finfo(dtype).max   # the largest finite value is finite
        assert core.lm_count_nonfinite(x) == len(bad) - 1


def test_kernel_rejects_bad_arguments():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="columns"):
        run(X, np.zeros((4, 1)), None, np.zeros((1, 2)), None, "mse")
    out = np.empty((1, 5, 5))
    with pytest.raises(ValueError, match="shape"):
        core.lm_gram(X, None, None, None, False, out)


@pytest.mark.parametrize("n, d", SIZES)
@pytest.mark.parametrize("k", [1, 3, 4, 5, 8, 10, 25])
@pytest.mark.parametrize("with_b", [True, False])
def test_lm_matvec_equals_numpy(simd_level, dtype, n, d, k, with_b):
    """lm_matvec (DenseMatrix.matvec up to MATVEC_KERNEL_OUTPUTS outputs):
    X W^T + b in float64, rounded once to X's dtype, on both layouts of the
    forward loops (row dots, output lanes) and every block edge; 1 and 2
    threads bit-identical."""
    rng = np.random.default_rng(n * 31 + d * 7 + k)
    X = rng.standard_normal((n, d)).astype(dtype)
    W = rng.standard_normal((k, d))
    b = rng.standard_normal(k) if with_b else None
    want = X.astype(np.float64) @ W.T + (b if with_b else 0.0)
    outs = []
    for layout in (0, 1, 2):
        core.lm_set_layout(layout)
        try:
            for threads in (1, 2):
                with lf.num_threads(threads):
                    Z = np.full((n, k), np.nan, dtype=dtype)
                    core.lm_matvec(X, W, b, Z)
                outs.append(Z)
        finally:
            core.lm_set_layout(0)
        np.testing.assert_array_equal(outs[-1], outs[-2])
        np.testing.assert_allclose(outs[-1], want.astype(dtype), rtol=1e-6 if dtype == np.float32
                                   else 1e-13, atol=1e-6 if dtype == np.float32 else 1e-13)
    from lossfast.linear_model._matrix import DenseMatrix
    np.testing.assert_array_equal(DenseMatrix(X).matvec(W, b), outs[0])
