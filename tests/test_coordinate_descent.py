"""Lasso / ElasticNet against scikit-learn, the CD kernels against NumPy, and
nnls_gram against scipy.optimize.nnls."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast
from lossfast.linear_model import ConvergenceWarning
from lossfast.linear_model._coordinate_descent import nnls_gram

sk_lm = pytest.importorskip("sklearn.linear_model")

TIGHT = dict(tol=1e-11, max_iter=100_000)


def make_data(n, d, *, seed=0, n_informative=6, k=None, offset=2.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + rng.uniform(-offset, offset, d)
    X[:, 1] = X[:, 0] + 0.3 * rng.standard_normal(n)          # correlated features
    W = np.zeros((d, k or 1))
    m = min(n_informative, d)
    W[:m] = rng.standard_normal((m, k or 1))
    Y = X @ W + 1.5 + 0.5 * rng.standard_normal((n, k or 1))
    return X, (Y[:, 0] if k is None else Y), rng.uniform(0.0, 3.0, n)


def reference_gap(X, y, sw, coef, intercept, alpha, l1_ratio, positive=False):
    """scikit-learn's duality gap (formulation A) of the objective
    1/(2 n_w) ||sqrt(W)(y - Xw - b)||^2 + alpha l1 |w|_1 + alpha (1-l1)/2 |w|^2,
    in NumPy, with the weights rescaled to sum to n and divided by n."""
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * n / sw.sum()
    r = np.sqrt(sw) * (y - X @ coef - intercept)
    Xm = np.average(X, axis=0, weights=sw)
    ym = np.average(y, weights=sw)
    Xc = np.sqrt(sw)[:, None] * (X - Xm)
    yc = np.sqrt(sw) * (y - ym)
    a, b = alpha * l1_ratio * n, alpha * (1 - l1_ratio) * n
    xta = Xc.T @ r - b * coef
    dn = np.max(xta) if positive else np.max(np.abs(xta))
    rr, ry = r @ r, r @ yc
    primal = 0.5 * (rr + b * coef @ coef) + a * np.abs(coef).sum()
    s = a / dn if dn > a else 1.0
    dual = -0.5 * s * s * (rr + b * coef @ coef) + s * ry
    return (primal - dual) / n


def assert_same_fit(ours, ref, atol=1e-6):
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=atol)
    np.testing.assert_array_equal(ours.coef_ != 0, ref.coef_ != 0)


# --------------------------------------------------------------------------- against scikit-learn


@pytest.mark.parametrize("shape", [(300, 25), (40, 90)], ids=["n>d", "n<d"])
@pytest.mark.parametrize("precompute", ["auto", True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7, 0.2])
@pytest.mark.parametrize("positive", [False, True])
def test_elastic_net_matches_sklearn(shape, precompute, l1_ratio, positive):
    X, y, sw = make_data(*shape, seed=shape[1])
    kw = dict(alpha=0.05, l1_ratio=l1_ratio, positive=positive, **TIGHT)
    for weights in (None, sw):
        ref = sk_lm.ElasticNet(**kw).fit(X, y, sample_weight=weights)
        ours = lf.ElasticNet(precompute=precompute, **kw).fit(X, y, sample_weight=weights)
        assert_same_fit(ours, ref)
        assert 0 < (ours.coef_ != 0).sum() < X.shape[1]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("precompute", [True, False])
@pytest.mark.parametrize("selection", ["cyclic", "random"])
def test_lasso_matches_sklearn(fit_intercept, precompute, selection):
    X, y, sw = make_data(200, 30, seed=3)
    kw = dict(alpha=0.1, fit_intercept=fit_intercept, selection=selection, random_state=0,
              **TIGHT)
    ref = sk_lm.Lasso(**kw).fit(X, y, sample_weight=sw)
    ours = lf.Lasso(precompute=precompute, **kw).fit(X, y, sample_weight=sw)
    assert_same_fit(ours, ref)
    if not fit_intercept:
        assert ours.intercept_ == 0.0


@pytest.mark.parametrize("n_informative,alpha", [(20, 0.05), (90, 0.002)],
                         ids=["one-batch", "growing"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_gram_working_sets_match_sklearn(n_informative, alpha, dtype):
    # d = 300 > 2 x 64: the working set starts with 64 features and its Gram block
    # grows (or, with a large support, turns into the full Gram)
    X, y, sw = make_data(700, 300, seed=21, n_informative=n_informative)
    X, y = X.astype(dtype), y.astype(dtype)
    kw = dict(alpha=alpha, l1_ratio=0.9, **TIGHT)
    ref = sk_lm.ElasticNet(**kw).fit(X.astype(np.float64), y.astype(np.float64),
                                     sample_weight=sw)
    ours = lf.ElasticNet(precompute=True, **kw).fit(X, y, sample_weight=sw)
    assert_same_fit(ours, ref)
    assert (ours.coef_ != 0).sum() >= min(n_informative, 60)


def test_lasso_sklearn_docstring_example():
    est = lf.Lasso(alpha=0.1).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 2])
    np.testing.assert_allclose(est.coef_, [0.85, 0.0], atol=1e-8)
    np.testing.assert_allclose(est.intercept_, 0.15, atol=1e-8)


@pytest.mark.parametrize("precompute", [True, False])
def test_multi_output_is_independent_columns(precompute):
    X, Y, sw = make_data(150, 20, seed=5, k=3)
    kw = dict(alpha=0.05, l1_ratio=0.8, **TIGHT)
    ref = sk_lm.ElasticNet(**kw).fit(X, Y, sample_weight=sw)
    ours = lf.ElasticNet(precompute=precompute, **kw).fit(X, Y, sample_weight=sw)
    assert ours.coef_.shape == (3, 20) and ours.intercept_.shape == (3,)
    assert ours.dual_gap_.shape == (3,) and len(ours.n_iter_) == 3
    assert_same_fit(ours, ref)
    for c in range(3):
        one = lf.ElasticNet(precompute=precompute, **kw).fit(X, Y[:, c], sample_weight=sw)
        np.testing.assert_allclose(ours.coef_[c], one.coef_, atol=1e-10)
    # attribute shapes as scikit-learn's: a single-column y, no intercept
    for y2, fi in ((Y[:, :1], True), (Y[:, :1], False), (Y, False), (Y[:, 0], False)):
        ref = sk_lm.ElasticNet(fit_intercept=fi, **kw).fit(X, y2)
        ours = lf.ElasticNet(fit_intercept=fi, precompute=precompute, **kw).fit(X, y2)
        for attr in ("coef_", "intercept_", "dual_gap_"):
            assert np.shape(getattr(ours, attr)) == np.shape(getattr(ref, attr)), attr
        assert type(ours.n_iter_) is type(ref.n_iter_)
        assert ours.predict(X).shape == ref.predict(X).shape
        assert_same_fit(ours, ref)


@pytest.mark.parametrize("precompute", [True, False])
def test_float32_stays_float32(precompute):
    X, y, sw = make_data(250, 15, seed=7)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours = lf.ElasticNet(alpha=0.05, precompute=precompute, **TIGHT).fit(X32, y32, sw)
    assert ours.coef_.dtype == np.float32 and ours.predict(X32).dtype == np.float32
    assert isinstance(ours.intercept_, np.float32) and ours.dual_gap_.dtype == np.float32
    # the oracle: the float64 fit on the same (float32-rounded) numbers; the Gram
    # variant computes in float64, the residual variant centres its copy in float32
    ref = sk_lm.ElasticNet(alpha=0.05, **TIGHT).fit(X32.astype(np.float64),
                                                    y32.astype(np.float64), sw)
    assert_same_fit(ours, ref, atol=1e-6 if precompute else 1e-5)


def test_weights_equal_repeated_rows():
    X, y, _ = make_data(60, 10, seed=8)
    reps = np.arange(60) % 3 + 1
    a = lf.Lasso(alpha=0.05, **TIGHT).fit(X, y, sample_weight=reps.astype(float))
    b = lf.Lasso(alpha=0.05, **TIGHT).fit(np.repeat(X, reps, 0), np.repeat(y, reps))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    # zero weights drop rows
    sw = (np.arange(60) % 2).astype(float)
    c = lf.Lasso(alpha=0.05, **TIGHT).fit(X, y, sample_weight=sw)
    e = lf.Lasso(alpha=0.05, **TIGHT).fit(X[sw > 0], y[sw > 0])
    np.testing.assert_allclose(c.coef_, e.coef_, atol=1e-8)


@pytest.mark.parametrize("precompute", [True, False])
@pytest.mark.parametrize("positive", [False, True])
def test_dual_gap_is_sklearn_formula(precompute, positive):
    X, y, sw = make_data(120, 30, seed=9)
    est = lf.ElasticNet(alpha=0.1, l1_ratio=0.6, positive=positive, precompute=precompute,
                        tol=1e-3).fit(X, y, sample_weight=sw)
    gap = reference_gap(X, y, sw, est.coef_, est.intercept_, 0.1, 0.6, positive)
    np.testing.assert_allclose(est.dual_gap_, gap, rtol=1e-6, atol=1e-12)
    assert est.dual_gap_ <= 1e-3 * np.average((y - np.average(y, weights=sw)) ** 2, weights=sw)
    ref = sk_lm.ElasticNet(alpha=0.1, l1_ratio=0.6, positive=positive, tol=1e-3).fit(
        X, y, sample_weight=sw)
    ref_gap = reference_gap(X, y, sw, ref.coef_, ref.intercept_, 0.1, 0.6, positive)
    np.testing.assert_allclose(ref.dual_gap_, ref_gap, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("precompute", [True, False])
def test_warm_start_refit_takes_at_most_two_iterations(precompute):
    X, y, _ = make_data(200, 40, seed=10)
    est = lf.ElasticNet(alpha=0.02, precompute=precompute, warm_start=True, tol=1e-6)
    est.fit(X, y)
    first = est.n_iter_
    est.fit(X, y)
    assert first > 2 and est.n_iter_ <= 2
    # and a warm start from a nearby alpha converges to the cold solution
    cold = lf.ElasticNet(alpha=0.03, precompute=precompute, **TIGHT).fit(X, y)
    est.set_params(alpha=0.03, **TIGHT).fit(X, y)
    np.testing.assert_allclose(est.coef_, cold.coef_, atol=1e-8)


def test_convergence_warning_and_screening_edge_cases():
    X, y, _ = make_data(100, 30, seed=11)
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        lf.Lasso(alpha=1e-4, max_iter=1, tol=1e-12).fit(X, y)
    # alpha above alpha_max: all zero, no iteration
    est = lf.Lasso(alpha=1e6).fit(X, y)
    assert np.all(est.coef_ == 0) and est.n_iter_ == 0
    np.testing.assert_allclose(est.intercept_, y.mean())
    # a constant column and a constant y
    Xc = X.copy()
    Xc[:, 3] = 5.0
    for pre in (True, False):
        est = lf.Lasso(alpha=0.01, precompute=pre, **TIGHT).fit(Xc, y)
        assert est.coef_[3] == 0
        est = lf.Lasso(alpha=0.01, precompute=pre).fit(Xc, np.full(100, 2.0))
        assert np.all(est.coef_ == 0) and est.intercept_ == pytest.approx(2.0)


def test_alpha_zero_warns_like_sklearn():
    X, y, _ = make_data(100, 5, seed=12)
    with pytest.warns(UserWarning, match="alpha=0"):
        est = lf.Lasso(alpha=0.0, tol=1e-10, max_iter=10_000).fit(X, y)
    ols = lf.LinearRegression().fit(X, y)
    np.testing.assert_allclose(est.coef_, ols.coef_, atol=1e-5)


def test_ridge_limit_l1_ratio_zero():
    X, y, _ = make_data(100, 8, seed=13)
    ref = sk_lm.ElasticNet(alpha=0.5, l1_ratio=0.0, **TIGHT).fit(X, y)
    ours = lf.ElasticNet(alpha=0.5, l1_ratio=0.0, **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    # ElasticNet l1_ratio=0 is Ridge with alpha * n / 2 on the sum of squares
    ridge = lf.Ridge(alpha=0.5 * 100).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, atol=1e-6)


def test_bad_input():
    X, y, _ = make_data(30, 4, seed=14)
    with pytest.raises(ValueError, match="l1_ratio"):
        lf.ElasticNet(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        lf.Lasso(alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="selection"):
        lf.Lasso(selection="greedy").fit(X, y)
    with pytest.raises(ValueError, match="precompute"):
        lf.Lasso(precompute="yes").fit(X, y)
    with pytest.raises(NotImplementedError, match="Gram"):
        lf.Lasso(precompute=X.T @ X).fit(X, y)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lf.Lasso().fit(Xn, y)
    with pytest.raises(ValueError, match="inconsistent"):
        lf.Lasso().fit(X, y[:-1])


# --------------------------------------------------------------------------- check_estimator


@pytest.mark.parametrize("make", [lambda: lf.Lasso(), lambda: lf.ElasticNet(),
                                  lambda: lf.ElasticNet(precompute=False)],
                         ids=["Lasso", "ElasticNet", "ElasticNet-resid"])
def test_check_estimator(make):
    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                category=UserWarning)
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(make(), on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    assert len([r for r in results if r["status"] == "passed"]) >= 50


# --------------------------------------------------------------------------- kernels


@pytest.mark.parametrize("n", [1, 7, 8, 9, 257, 1031])
@pytest.mark.parametrize("d", [1, 3, 4, 5, 17])
def test_gram_block_and_moments_kernels(simd_level, dtype, n, d):
    rng = np.random.default_rng(n * 31 + d)
    X = (rng.standard_normal((n, d)) + 3).astype(dtype)
    Y = rng.standard_normal((n, 2)).astype(dtype)
    w = rng.uniform(0, 2, n).astype(dtype)
    shift = rng.standard_normal(d + 2)
    A = X.astype(np.float64) - shift[:d]
    cols = np.array([d - 1, 0] + ([2] if d > 2 else []), dtype=np.int64)
    rows = np.arange(d, dtype=np.int64)[::-1].copy()
    for weight in (None, w):
        wf = np.ones(n) if weight is None else weight.astype(np.float64)
        out = np.empty((cols.size, d))
        _lossfast.cd_gram_cols(X, weight, shift[:d], cols, None, out)
        np.testing.assert_allclose(out, (A[:, cols] * wf[:, None]).T @ A, rtol=1e-12, atol=1e-9)
        out = np.empty((cols.size, d))
        _lossfast.cd_gram_cols(X, weight, shift[:d], cols, rows, out)
        np.testing.assert_allclose(out, (A[:, cols] * wf[:, None]).T @ A[:, rows], rtol=1e-12,
                                   atol=1e-9)
        sym = np.empty((d, d))
        _lossfast.cd_gram_cols(X, weight, shift[:d], rows, rows, sym)
        np.testing.assert_allclose(sym, (A[:, rows] * wf[:, None]).T @ A[:, rows], rtol=1e-12,
                                   atol=1e-9)
        # index d is a column of ones (not shifted): the intercept row of a Hessian
        A1 = np.hstack([A, np.ones((n, 1))])
        idx1 = np.array([0, d] + ([d - 1] if d > 1 else []), dtype=np.int64)
        for rws in (idx1, np.array([d, 0], dtype=np.int64)):
            out = np.empty((idx1.size, rws.size))
            _lossfast.cd_gram_cols(X, weight, shift[:d], idx1, rws, out)
            np.testing.assert_allclose(out, (A1[:, idx1] * wf[:, None]).T @ A1[:, rws],
                                       rtol=1e-12, atol=1e-9)
        s1, s2, xy = np.empty(d + 2), np.empty(d + 2), np.empty((d, 2))
        sumw = _lossfast.cd_moments(X, Y, weight, shift, s1, s2, xy)
        V = np.hstack([X, Y]).astype(np.float64) - shift
        np.testing.assert_allclose(sumw, wf.sum(), rtol=1e-12)
        np.testing.assert_allclose(s1, wf @ V, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(s2, wf @ V ** 2, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(xy, (V[:, :d] * wf[:, None]).T @ V[:, d:], rtol=1e-12,
                                   atol=1e-9)


def test_kernels_same_result_for_any_thread_count():
    X, y, sw = make_data(70_000, 12, seed=15)
    out = []
    for t in (1, 2):
        with lf.num_threads(t):
            est = lf.ElasticNet(alpha=0.01, tol=1e-8).fit(X, y, sample_weight=sw)
            out.append((est.coef_.copy(), est.intercept_))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    assert out[0][1] == out[1][1]


# --------------------------------------------------------------------------- NNLS


@pytest.mark.parametrize("seed", range(4))
def test_nnls_gram_matches_scipy(seed):
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(seed)
    n, d = 80, 12 + seed
    A = rng.standard_normal((n, d))
    b = A @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    ref, _ = optimize.nnls(A, b)
    res = nnls_gram(A.T @ A, A.T @ b)
    assert res.converged
    np.testing.assert_allclose(res.x, ref, atol=1e-9)
    np.testing.assert_array_equal(res.x > 0, ref > 0)
    assert 0 < (ref > 0).sum() < d
    # without the exact polish the CD iterate is within its KKT tolerance
    res2 = nnls_gram(A.T @ A, A.T @ b, polish=False, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(res2.x, ref, atol=1e-7)


def test_nnls_gram_edge_cases():
    res = nnls_gram(np.eye(3), np.array([-1.0, -2.0, -3.0]))
    np.testing.assert_array_equal(res.x, 0.0)
    res = nnls_gram(np.diag([2.0, 0.0]), np.array([4.0, 1.0]))
    np.testing.assert_allclose(res.x, [2.0, 0.0])
    with pytest.raises(ValueError, match="shape"):
        nnls_gram(np.eye(3), np.ones(2))
