"""L1 / elastic-net LogisticRegression (newton-cd) and non-negative least
squares, against scikit-learn and SciPy."""
import warnings

import numpy as np
import pytest

import lossfast as lf

sk_linear = pytest.importorskip("sklearn.linear_model")


def classification(n=400, d=15, k=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + 1.5
    W = rng.standard_normal((d, k)) * (rng.random((d, k)) < 0.5)
    y = np.argmax(0.5 * X @ W + rng.gumbel(size=(n, k)), axis=1)
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("weighted", [False, True])
def test_l1_logistic_matches_sklearn_saga(k, l1_ratio, weighted):
    X, y, sw = classification(k=k)
    sw = sw if weighted else None
    ours = lf.LogisticRegression(C=0.05, l1_ratio=l1_ratio, tol=1e-10, max_iter=500).fit(
        X, y, sample_weight=sw)
    ref = sk_linear.LogisticRegression(C=0.05, l1_ratio=l1_ratio, solver="saga", tol=1e-13,
                                       max_iter=200000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-6)
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-8)
    assert np.any(ours.coef_ == 0)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_l1_logistic_sparse_equals_dense_and_penalty_mapping():
    sp = pytest.importorskip("scipy.sparse")
    X, y, _ = classification(seed=2)
    X[np.abs(X - 1.5) < 1.0] = 0.0
    a = lf.LogisticRegression(C=0.1, l1_ratio=1.0, tol=1e-10).fit(sp.csr_matrix(X), y)
    b = lf.LogisticRegression(C=0.1, l1_ratio=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-9)
    with pytest.warns(FutureWarning, match="penalty"):
        c = lf.LogisticRegression(penalty="l1", C=0.1, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(c.coef_, b.coef_, atol=1e-12)
    with pytest.raises(ValueError, match="l1_ratio"):
        lf.LogisticRegression(l1_ratio=1.5).fit(X, y)


def test_l1_warm_start_and_loss_curve():
    X, y, _ = classification(seed=3)
    est = lf.LogisticRegression(C=0.1, l1_ratio=1.0, tol=1e-8, warm_start=True).fit(X, y)
    first = est.n_iter_[0]
    est.fit(X, y)
    assert est.n_iter_[0] <= 2 < first
    curve = np.asarray(est.loss_curve_ or [0.0])
    assert np.all(np.diff(curve) <= 1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_positive_least_squares_matches_scipy_nnls(weighted, fit_intercept):
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 8)) + 2.0
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0, -1.0, 0.2, 0.0]) + rng.standard_normal(200)
    sw = rng.uniform(0.5, 2.0, 200) if weighted else np.ones(200)
    ours = lf.LinearRegression(positive=True, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=sw if weighted else None)
    # the same problem for SciPy: centred, sqrt(w)-scaled when there is an intercept
    r = np.sqrt(sw)
    if fit_intercept:
        xm, ym = np.average(X, axis=0, weights=sw), np.average(y, weights=sw)
        A, b = (X - xm) * r[:, None], (y - ym) * r
    else:
        A, b = X * r[:, None], y * r
    want, _ = optimize.nnls(A, b)
    np.testing.assert_allclose(ours.coef_, want, rtol=1e-9, atol=1e-10)
    assert np.all(ours.coef_ >= 0) and np.any(ours.coef_ == 0)
    ref = sk_linear.LinearRegression(positive=True, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=sw if weighted else None)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="positive=True"):
        lf.LinearRegression(positive=True, solver="lbfgs").fit(X, y)
