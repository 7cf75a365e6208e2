"""The mini-batch optimizer solvers (solver=<name of an lf.optim optimizer>)."""
import numpy as np
import pytest

import lossfast as lf

OPTIMIZERS = {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "rmsprop": 0.003,
              "adagrad": 0.1, "adam": 0.01, "adamw": 0.01}


def regression_data(n=2000, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 0.5 + 0.1 * rng.standard_normal(n)
    return X, y, rng.uniform(0.0, 2.0, n)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_linear_regression_with_optimizer_reaches_the_normal_equation(name):
    X, y, sw = regression_data()
    exact = lf.Ridge(alpha=1.0).fit(X, y, sample_weight=sw)
    est = lf.Ridge(alpha=1.0, solver=name, learning_rate=OPTIMIZERS[name], batch_size=64,
                   max_iter=60, random_state=0)
    est.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, exact.coef_, atol=0.05)
    assert est.intercept_ == pytest.approx(exact.intercept_, abs=0.05)
    curve = est.loss_curve_
    optimum = lf.Ridge(alpha=1.0, solver="lbfgs", tol=1e-10).fit(X, y, sample_weight=sw)
    assert len(curve) == est.n_iter_ <= 60
    assert curve[-1] <= curve[0] and curve[-1] <= 1.01 * optimum.loss_curve_[-1]
    again = lf.Ridge(alpha=1.0, solver=name, learning_rate=OPTIMIZERS[name], batch_size=64,
                     max_iter=60, random_state=0).fit(X, y, sample_weight=sw)
    assert np.array_equal(again.coef_, est.coef_)          # random_state: reproducible


@pytest.mark.parametrize("n_classes", [2, 4])
def test_logistic_regression_with_adam(n_classes):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3000, 4))
    y = np.argmax(X @ rng.standard_normal((4, n_classes)) + rng.gumbel(size=(3000, n_classes)),
                  axis=1)
    exact = lf.LogisticRegression(C=10.0).fit(X, y)
    est = lf.LogisticRegression(C=10.0, solver="adam", learning_rate=0.01, batch_size=100,
                                max_iter=40, random_state=0).fit(X, y)
    # the softmax is blind to adding one vector to every class's coefficients, and Adam's
    # per-coordinate steps do drift along that direction: compare what the model predicts
    # and the class-centred coefficients
    def centred(coef):
        return coef - coef.mean(axis=0) if coef.shape[0] > 1 else coef
    np.testing.assert_allclose(centred(est.coef_), centred(exact.coef_), atol=0.1)
    np.testing.assert_allclose(est.predict_proba(X), exact.predict_proba(X), atol=0.05)
    assert np.mean(est.predict(X) == exact.predict(X)) > 0.97


def test_optimizer_keeps_float32_and_skips_zero_weight_batches():
    X, y, sw = regression_data(n=1000)
    sw[:500] = 0.0
    est = lf.LinearRegression(loss="huber", solver="adam", learning_rate=0.02, batch_size=50,
                              max_iter=30, random_state=0)
    est.fit(X.astype(np.float32), y, sample_weight=sw)
    assert est.coef_.dtype == np.float32 and np.all(np.isfinite(est.coef_))
