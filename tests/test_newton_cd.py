"""newton_cd (proximal Newton + CD on the quadratic model) against
scikit-learn's L1 / elastic-net logistic regression and against a NumPy
coordinate-descent twin of its inner kernel."""
import numpy as np
import pytest

from lossfast import _lossfast
from lossfast.linear_model._newton_cd import logistic_problem, min_norm_subgradient, newton_cd

sk_lm = pytest.importorskip("sklearn.linear_model")


def classification_data(n, d, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + rng.uniform(-1, 1, d)
    W = rng.standard_normal((d, k))
    W[d // 2:] = 0
    y = np.argmax(X @ W + rng.gumbel(size=(n, k)), axis=1)
    return X, y, rng.uniform(0.5, 2.0, n)


def fit(X, y, k, active=False, **kw):
    fg, hess, x0, l1, split = logistic_problem(X, y, k, **kw)
    res = newton_cd(fg, hess, x0, l1, tol=1e-10, max_iter=100,
                    hess_active=hess.active if active else None)
    assert res.converged, res.message
    coef, b = split(res.x)
    return coef, b, res


def sk_fit(X, y, C, l1_ratio, sw, fit_intercept=True, solver="saga"):
    return sk_lm.LogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-13,
                                    max_iter=200_000, fit_intercept=fit_intercept,
                                    random_state=0).fit(
        X, y, sample_weight=sw)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("active", [False, True], ids=["full-H", "active-H"])
def test_binary_matches_sklearn_saga(l1_ratio, weighted, active):
    X, y, sw = classification_data(300, 10, 2, seed=1)
    sw = sw if weighted else None
    ref = sk_fit(X, y, 0.05, l1_ratio, sw)
    coef, b, res = fit(X, y, 2, active=active, C=0.05, l1_ratio=l1_ratio, sample_weight=sw)
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(b, ref.intercept_, atol=1e-6)
    np.testing.assert_array_equal(coef != 0, ref.coef_ != 0)
    assert 0 < np.count_nonzero(coef) < X.shape[1]
    assert res.n_iter <= 30
    assert np.all(np.diff(res.curve) <= 1e-15)         # monotone composite objective


def test_binary_without_intercept_matches_liblinear():
    # liblinear penalises its intercept, so it is only a reference without one
    X, y, _ = classification_data(300, 10, 2, seed=2)
    ref = sk_fit(X, y, 0.1, 1.0, None, fit_intercept=False, solver="liblinear")
    coef, b, _ = fit(X, y, 2, active=True, C=0.1, l1_ratio=1.0, fit_intercept=False)
    assert b is None
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-6)
    np.testing.assert_array_equal(coef != 0, ref.coef_ != 0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("active", [False, True], ids=["full-H", "active-H"])
def test_multinomial_matches_sklearn_saga(l1_ratio, active):
    X, y, sw = classification_data(300, 8, 3, seed=3)
    ref = sk_fit(X, y, 0.1, l1_ratio, sw)
    coef, b, _ = fit(X, y, 3, active=active, C=0.1, l1_ratio=l1_ratio, sample_weight=sw)
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-6)
    # the intercepts are determined up to a common shift (unpenalised softmax)
    np.testing.assert_allclose(b - b.mean(), ref.intercept_ - ref.intercept_.mean(), atol=1e-6)
    np.testing.assert_array_equal(coef != 0, ref.coef_ != 0)
    assert 0 < np.count_nonzero(coef) < coef.size


def test_quadratic_problem_kkt():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((40, 15))
    H = A.T @ A / 40 + 0.1 * np.eye(15)
    c = rng.standard_normal(15)
    l1 = np.full(15, 0.3)
    l1[0] = 0.0                                          # an unpenalised coordinate

    def fg_aux(x):
        return 0.5 * x @ H @ x - c @ x, H @ x - c, None

    res = newton_cd(fg_aux, lambda x, aux: H, np.zeros(15), l1, tol=1e-9)
    # the model is exact, so each inexact inner solve (to 0.01 x the current
    # violation) cuts the violation about a hundredfold
    assert res.converged and res.n_iter <= 6
    # stopped on tol or on the relative decrease of F (64 eps), close to it
    assert np.max(min_norm_subgradient(res.x, H @ res.x - c, l1)) <= 1e-7
    assert 0 < np.count_nonzero(res.x) < 15
    # the same problem as a Lasso on the Gram: x minimises the quadratic model
    start = newton_cd(fg_aux, lambda x, aux: H, res.x, l1, tol=1e-7)
    assert start.n_iter == 0 and start.converged


def reference_quad_cd(H, g, x, l1, sweeps):
    """NumPy twin of cd_quad_l1: cyclic exact coordinate minimisation."""
    dx = np.zeros_like(g)
    for _ in range(sweeps):
        for i in range(len(g)):
            a = H[i, i]
            z = x[i] + dx[i]
            u = z - (g[i] + H[i] @ dx) / a
            t = l1[i] / a
            dx[i] = np.sign(u) * max(abs(u) - t, 0.0) - x[i]
    return dx


@pytest.mark.parametrize("p", [1, 3, 8, 9, 17])
def test_inner_cd_kernel_matches_numpy(simd_level, p):
    rng = np.random.default_rng(p)
    A = rng.standard_normal((p + 3, p))
    H = A.T @ A + 0.1 * np.eye(p)
    g, x = rng.standard_normal(p), rng.standard_normal(p) * (rng.random(p) < 0.5)
    l1 = rng.uniform(0, 1, p)
    dx, Hd = np.zeros(p), np.zeros(p)
    sweeps, viol = _lossfast.cd_quad_l1(H, g, x, l1, dx, Hd, 3, 0.0)
    assert sweeps == 3
    np.testing.assert_allclose(dx, reference_quad_cd(H, g, x, l1, 3), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(Hd, H @ dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(viol, np.max(min_norm_subgradient(x + dx, g + Hd, l1)),
                               rtol=1e-12)


def test_active_hessian_block_is_the_full_hessians_block():
    X, y, sw = classification_data(200, 7, 2, seed=5)
    for fi in (True, False):
        fg, hess, x0, l1, _ = logistic_problem(X, y, 2, C=0.3, l1_ratio=0.5, sample_weight=sw,
                                               fit_intercept=fi)
        x = np.random.default_rng(0).standard_normal(x0.size) * 0.1
        _, _, aux = fg(x)
        H = hess(x, aux)
        idx = np.array([0, 3, 4] + ([7] if fi else []))
        np.testing.assert_allclose(hess.active(x, aux, idx), H[np.ix_(idx, idx)], rtol=1e-12,
                                   atol=1e-15)


def test_bad_l1():
    with pytest.raises(ValueError, match="shape"):
        newton_cd(lambda x: (0.0, x, None), lambda x, a: np.eye(2), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        newton_cd(lambda x: (0.0, x, None), lambda x, a: np.eye(2), np.zeros(2),
                  np.array([1.0, -1.0]))
