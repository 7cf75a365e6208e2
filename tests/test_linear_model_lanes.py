"""The dense loss kernel's two block layouts (csrc/linear_model.c): the row
dots (a dot product over d per row and output) and the output-lane
micro-kernels (outputs along the SIMD lanes, W^T and G^T), forced through
the test hook ``lm_set_layout``, against each other and a NumPy oracle on
odd shapes: k = 1..40 outputs, d = 1..70, row counts that are not multiples
of the 4-row register block nor of the 64-row backward panel, float32 and
float64 X, with and without an intercept, row-wise groups (a batched
softmax) and per-output losses; every SIMD path; 1 vs 2 threads."""
import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast as core
from lossfast.linear_model._objective import LossSpec
from reference_linear import loss_gradient

RTOL = 1e-12


@pytest.fixture(params=[1, 2], ids=["rows", "lanes"])
def layout(request):
    core.lm_set_layout(request.param)
    try:
        yield request.param
    finally:
        core.lm_set_layout(0)


def data(n, d, k, dtype, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    coef = rng.standard_normal((k, d)) / np.sqrt(d)
    intercept = rng.standard_normal(k)
    w = (rng.random(n) + 0.2).astype(dtype)
    return rng, X, coef, intercept, w


def run(X, y, w, coef, intercept, name, groups=1, params=None):
    spec = LossSpec(name, params)
    k, d = coef.shape
    outputs = groups if spec.rowwise else k
    gc, gb = np.full((k, d), np.nan), np.full(k, np.nan)
    Z, L = np.empty((X.shape[0], k), X.dtype), np.full(outputs, np.nan)
    val = core.lm_loss_gradient(X, y, w, np.ascontiguousarray(coef),
                                None if intercept is None else np.ascontiguousarray(intercept),
                                spec.kernel, spec.params, gc,
                                None if intercept is None else gb, Z, L, groups)
    return val, gc, gb if intercept is not None else None, Z, L


def close(got, want, scale):
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale)


# (n, d, k): n around 4 and 64 (register block, backward panel), d around 4
# (the backward's column block) and up to 70, k around the lane widths 2, 4, 8
# and the register blocks 12 (AVX2), 32 (AVX-512)
SHAPES = [(1, 1, 1), (3, 2, 5), (5, 3, 7), (67, 5, 9), (130, 7, 12), (199, 13, 13),
          (70, 50, 25), (333, 31, 33), (61, 70, 40), (258, 4, 16), (129, 9, 31),
          (1001, 1, 40), (9, 70, 3), (77, 17, 24), (2003, 50, 25),
          # one vector of outputs (k <= the lane width: 8-row / 8-column blocks)
          (67, 17, 4), (131, 9, 3), (203, 70, 7), (13, 16, 2), (29, 24, 8), (1001, 19, 6)]


@pytest.mark.parametrize("n,d,k", SHAPES)
@pytest.mark.parametrize("with_intercept", [True, False])
def test_mse_per_output_matches_oracle(n, d, k, with_intercept, dtype, layout, simd_level):
    rng, X, coef, intercept, w = data(n, d, k, dtype, seed=n + d + k)
    intercept = intercept if with_intercept else None
    Y = rng.standard_normal((n, k)).astype(dtype)
    val, gc, gb, Z, L = run(X, Y, w, coef, intercept, "mse")
    want, wgc, wgb, wZ = loss_gradient(X, Y, w, coef, intercept, "mse")
    close(val, want, n)
    close(gc, wgc, n)
    if with_intercept:
        close(gb, wgb, n)
    Xd = X.astype(np.float64)
    Zd = Xd @ coef.T + (0.0 if intercept is None else intercept)
    np.testing.assert_allclose(Z, Zd.astype(dtype), rtol=1e-6 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-12)
    # each output's loss: the weighted squared errors of its column (the
    # reference's 0.5 scaling, as a whole-model sum divided among columns)
    per = (w.astype(np.float64)[:, None] * (Zd - Y) ** 2).sum(axis=0)
    close(L / L.sum(), per / per.sum(), 1.0)


@pytest.mark.parametrize("n,d,classes,groups", [(5, 3, 2, 3), (67, 50, 5, 5), (130, 7, 3, 4),
                                                 (199, 70, 5, 8), (61, 1, 4, 10),
                                                 (2003, 50, 5, 5), (9, 33, 7, 1)])
@pytest.mark.parametrize("with_intercept", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
def test_grouped_softmax_matches_oracle(n, d, classes, groups, with_intercept, weighted, dtype,
                                        layout, simd_level):
    """groups softmax models side by side, as LogisticRegressionCV's batched
    folds: each group equal to a separate softmax pass (the NumPy oracle)."""
    k = classes * groups
    rng, X, coef, intercept, _ = data(n, d, k, dtype, seed=7 * n + d)
    intercept = intercept if with_intercept else None
    labels = rng.integers(0, classes, (n, groups)).astype(np.int64)
    w = (rng.random((n, groups)) + 0.2).astype(dtype) if weighted else None
    val, gc, gb, Z, L = run(X, labels.reshape(-1), None if w is None else w.reshape(-1),
                            coef, intercept, "softmax_xent_sparse", groups=groups)
    total = 0.0
    for g in range(groups):
        s = slice(g * classes, (g + 1) * classes)
        want, wgc, wgb, _ = loss_gradient(X, labels[:, g], None if w is None else w[:, g],
                                          coef[s], None if intercept is None else intercept[s],
                                          "softmax")
        close(L[g], want, n)
        close(gc[s], wgc, n)
        if with_intercept:
            close(gb[s], wgb, n)
        total += want
    close(val, total, n)


@pytest.mark.parametrize("n,d,k", [(70, 50, 25), (333, 31, 33), (2003, 100, 4), (5000, 9, 17),
                                    (1001, 70, 40)])
def test_layouts_agree(n, d, k, dtype, simd_level):
    """The two layouts: equal to 1e-12 relative (the sums run in another
    order), and the automatic choice equal to one of them bit for bit."""
    rng, X, coef, intercept, w = data(n, d, k, dtype, seed=3)
    Y = rng.standard_normal((n, k)).astype(dtype)
    out = {}
    for lay in (1, 2, 0):
        core.lm_set_layout(lay)
        try:
            out[lay] = run(X, Y, w, coef, intercept, "huber", params={"delta": 1.0})
        finally:
            core.lm_set_layout(0)
    for a, b in zip(out[1], out[2]):
        close(b, a, n)
    assert any(all(np.array_equal(a, b) for a, b in zip(out[0], out[lay])) for lay in (1, 2))


@pytest.mark.parametrize("lay", [1, 2])
def test_lanes_threads_bit_identical(lay, dtype):
    rng, X, coef, intercept, w = data(30000, 50, 25, dtype, seed=5)
    labels = rng.integers(0, 5, 30000 * 5).astype(np.int64)
    results = []
    core.lm_set_layout(lay)
    try:
        for nt in (1, 2):
            with lf.num_threads(nt):
                results.append(run(X, labels, None, coef, intercept, "softmax_xent_sparse",
                                   groups=5))
    finally:
        core.lm_set_layout(0)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_set_layout_rejects_bad_values():
    with pytest.raises(ValueError):
        core.lm_set_layout(3)
