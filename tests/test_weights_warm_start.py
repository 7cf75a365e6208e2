"""class_weight, warm_start and per-target Ridge penalties, against
scikit-learn."""
import warnings

import numpy as np
import pytest

import lossfast as lf

sk_linear = pytest.importorskip("sklearn.linear_model")


def classification(n=400, d=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, n_classes))
    logits = X @ W + np.linspace(0, 2.5, n_classes)       # unbalanced classes
    y = np.argmax(logits + rng.gumbel(size=(n, n_classes)), axis=1)
    return X, y, rng.uniform(0.2, 2.0, n)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("class_weight", ["balanced", "dict"])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_weight_matches_sklearn(n_classes, class_weight, weighted):
    X, y, sw = classification(n_classes=n_classes)
    sw = sw if weighted else None
    cw = {0: 3.0, 1: 0.5} if class_weight == "dict" else "balanced"
    ours = lf.LogisticRegression(class_weight=cw, tol=1e-10).fit(X, y, sample_weight=sw)
    ref = sk_linear.LogisticRegression(class_weight=cw, tol=1e-12, max_iter=10000).fit(
        X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-7)


def test_class_weight_equals_sample_weight_and_errors():
    X, y, _ = classification(n_classes=2)
    a = lf.LogisticRegression(class_weight={1: 4.0}, tol=1e-10).fit(X, y)
    b = lf.LogisticRegression(tol=1e-10).fit(X, y, sample_weight=np.where(y == 1, 4.0, 1.0))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="class labels as keys"):
        lf.LogisticRegression(class_weight={7: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be"):
        lf.LogisticRegression(class_weight="auto").fit(X, y)


@pytest.mark.parametrize("make", [
    lambda: lf.LogisticRegression(tol=1e-8, warm_start=True),
    lambda: lf.LogisticRegression(solver="newton", tol=1e-8, warm_start=True),
    lambda: lf.Ridge(solver="lbfgs", tol=1e-8, warm_start=True),
    lambda: lf.LinearRegression(loss="huber", tol=1e-8, warm_start=True),
    lambda: lf.Ridge(solver="cg", tol=1e-8, warm_start=True),
])
def test_warm_start_refit_takes_at_most_two_iterations(make):
    X, y, _ = classification(n_classes=3)
    if not isinstance(make(), lf.LogisticRegression):
        y = X @ np.arange(1.0, 6.0) + 0.1 * np.random.default_rng(1).standard_normal(len(y))
    est = make().fit(X, y)
    first = int(np.ravel(est.n_iter_)[0])
    coef = est.coef_.copy()
    est.fit(X, y)
    assert int(np.ravel(est.n_iter_)[0]) <= 2 < first
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-6, atol=1e-8)
    cold = make().set_params(warm_start=False).fit(X, y)
    assert int(np.ravel(cold.n_iter_)[0]) == first


def test_warm_start_ignores_a_previous_fit_of_another_shape():
    X, y, _ = classification(n_classes=3)
    est = lf.LogisticRegression(warm_start=True).fit(X, y)
    est.fit(X[:, :3], y)                               # other features: a cold start
    assert est.coef_.shape == (3, 3)
    est.fit(X[:, :3], (y > 0).astype(int))             # other classes
    assert est.coef_.shape == (1, 3)


@pytest.mark.parametrize("solver", ["normal", "lbfgs", "cg"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_alpha_per_target_matches_sklearn(solver, weighted):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((200, 6)) + 3.0
    Y = X @ rng.standard_normal((6, 3)) + rng.standard_normal((200, 3))
    sw = rng.uniform(0.5, 2.0, 200) if weighted else None
    alphas = np.array([0.1, 10.0, 300.0])
    kw = {} if solver == "normal" else {"tol": 1e-10, "max_iter": 2000}
    ours = lf.Ridge(alpha=alphas, solver=solver, **kw).fit(X, Y, sample_weight=sw)
    ref = sk_linear.Ridge(alpha=alphas).fit(X, Y, sample_weight=sw)
    # L-BFGS stops on the relative decrease of the summed objective (64 eps), which
    # leaves the weakly penalised target at ~1e-6 relative; CG and Cholesky are exact
    rtol = 1e-5 if solver == "lbfgs" else 1e-7
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=1e-9)
    with pytest.raises(ValueError, match="Number of targets and number of penalties"):
        lf.Ridge(alpha=[1.0, 2.0]).fit(X, Y)
    with pytest.raises(ValueError, match="alpha"):
        lf.Ridge(alpha=[1.0, -2.0, 1.0]).fit(X, Y)
