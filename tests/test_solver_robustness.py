"""The iterative solvers do not care about offsets and scales of the columns
(they work in standardised coordinates, see linear_model/_objective.py),
line searches stopped by float64 rounding are convergence, and the
mini-batch optimizers' defaults give good models -- or a ConvergenceWarning."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model import ConvergenceWarning
from lossfast.linear_model._solvers import at_rounding_level

OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"]


def rel_err(a, b, X=None):
    """max |a - b| / max |b|; with X, of the coefficients times the columns'
    standard deviations (the scale-free coefficients: a column in mm and
    one in km weigh the same)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if X is not None:
        a, b = a * X.std(axis=0), b * X.std(axis=0)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def ill_scaled(n=400, k=None, seed=0, classes=None):
    """Columns with means up to 1e4 and scales from 1e-3 to 1e3 (offsets up to
    1e4 times the spread of a column)."""
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 1e-3, 1e-2, 1e3, 10.0, 1.0])
    means = np.array([1e4, 0.5, -3.0, 0.0, 1e2, 1e3])
    X = rng.standard_normal((n, 6)) * scales + means
    Xs = (X - means) / scales
    if classes is None:
        coef = rng.standard_normal((6,) if k is None else (6, k))
        y = Xs @ coef + 2.0 + 0.5 * rng.standard_normal((n,) if k is None else (n, k))
    else:
        W = rng.standard_normal((6, classes))
        y = np.argmax(Xs @ W + rng.gumbel(size=(n, classes)), axis=1)
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_check_fit_idempotent_data(seed, solver):
    # scikit-learn's check_fit_idempotent: 80 rows of 2 features with mean 100
    rng = np.random.RandomState(seed)
    X = rng.normal(loc=100, size=(100, 2))[:80]
    y = rng.randint(3, size=100).astype(float)[:80]
    exact = lf.Ridge().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = lf.Ridge(solver=solver, tol=1e-10).fit(X, y)
        again = lf.Ridge(solver=solver, tol=1e-10).fit(X, y)
    assert rel_err(m.coef_, exact.coef_, X) < 1e-7
    assert m.intercept_ == pytest.approx(exact.intercept_, rel=1e-7)
    assert np.array_equal(m.coef_, again.coef_)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("alpha", [0.0, 0.1, 10.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_ill_scaled_regression_reaches_the_normal_equation(solver, alpha, weighted):
    X, y, sw = ill_scaled()
    sw = sw if weighted else None
    exact = lf.Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = lf.Ridge(alpha=alpha, solver=solver, tol=1e-10, max_iter=1000).fit(
            X, y, sample_weight=sw)
    assert rel_err(m.coef_, exact.coef_, X) < 1e-7
    assert m.intercept_ == pytest.approx(exact.intercept_, rel=1e-7)


def test_ill_scaled_multi_output_and_no_intercept():
    X, Y, sw = ill_scaled(k=3)
    for fit_intercept in (True, False):
        exact = lf.Ridge(alpha=0.5, fit_intercept=fit_intercept).fit(X, Y, sample_weight=sw)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m = lf.Ridge(alpha=0.5, fit_intercept=fit_intercept, solver="lbfgs", tol=1e-10,
                         max_iter=1000).fit(X, Y, sample_weight=sw)
        assert rel_err(m.coef_, exact.coef_, X) < 1e-7


@pytest.mark.parametrize("classes", [2, 4])
@pytest.mark.parametrize("C", [0.1, 100.0])
def test_ill_scaled_logistic_lbfgs_reaches_newton(classes, C):
    X, y, sw = ill_scaled(classes=classes, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        newton = lf.LogisticRegression(C=C, solver="newton", tol=1e-12, max_iter=200).fit(
            X, y, sample_weight=sw)
        lbfgs = lf.LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=2000).fit(
            X, y, sample_weight=sw)
    # L-BFGS also stops when an iteration lowers the objective by < 64 eps
    # (relative; SciPy's rule in scikit-learn): at the minimum that bounds the
    # error of the coefficients by about sqrt(64 eps) ~ 1.2e-7 in the
    # well-conditioned coordinates, so compare at a few times that
    assert rel_err(lbfgs.coef_, newton.coef_, X) < 5e-7
    assert rel_err(lbfgs.intercept_, newton.intercept_) < 1e-6
    np.testing.assert_allclose(lbfgs.predict_proba(X), newton.predict_proba(X), atol=1e-6)


def test_tol_zero_stops_at_rounding_without_warning():
    X, y, _ = ill_scaled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = lf.Ridge(solver="lbfgs", tol=0.0, max_iter=500).fit(X, y)
    assert m.n_iter_ < 500
    assert at_rounding_level(1.0, np.array([1e-15]), np.array([1e-15]))
    assert not at_rounding_level(1.0, np.array([1e-6]), np.array([1e-6]))


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adagrad"])
def test_full_batch_optimizers_reach_the_normal_equation(name):
    X, y, sw = ill_scaled()
    exact = lf.Ridge(alpha=0.1).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = lf.Ridge(alpha=0.1, solver=name, batch_size=len(y), tol=1e-10, max_iter=3000,
                     random_state=0).fit(X, y, sample_weight=sw)
    assert rel_err(m.coef_, exact.coef_, X) < 1e-5


def _fit_quietly_or_warned(est, X, y):
    """(fitted estimator, whether it warned that it did not converge)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    others = [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
    assert not others, [str(w.message) for w in others]
    return est, bool(caught)


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_digits(return_X_y=True)
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    best = lf.LogisticRegression(solver="newton", tol=1e-10, max_iter=100).fit(X, y)
    return X, y, best.loss_curve_[-1]


@pytest.fixture(scope="module")
def diabetes():
    X, y = lf.datasets.load_diabetes()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    best = lf.Ridge(solver="lbfgs", tol=1e-10).fit(X, y)
    return X, y, best.loss_curve_[-1]


@pytest.mark.slow
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_defaults_on_standardised_digits(name, digits):
    X, y, optimum = digits
    est, warned = _fit_quietly_or_warned(lf.LogisticRegression(solver=name, random_state=0),
                                         X, y)
    assert warned or est.loss_curve_[-1] <= 1.05 * optimum
    assert est.score(X, y) > 0.95


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_defaults_on_standardised_diabetes(name, diabetes):
    X, y, optimum = diabetes
    est, warned = _fit_quietly_or_warned(lf.Ridge(solver=name, random_state=0), X, y)
    assert warned or est.loss_curve_[-1] <= 1.05 * optimum


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_defaults_on_ill_scaled_data(name):
    X, y, _ = ill_scaled()
    optimum = lf.Ridge(solver="lbfgs", tol=1e-10).fit(X, y).loss_curve_[-1]
    est, warned = _fit_quietly_or_warned(lf.Ridge(solver=name, random_state=0), X, y)
    assert warned or est.loss_curve_[-1] <= 1.05 * optimum


def test_stopping_on_a_plateau_away_from_the_optimum_warns():
    X, y, _ = ill_scaled()
    # a learning rate far too small: the objective creeps, the gradient stays large
    with pytest.warns(ConvergenceWarning, match="above the optimum"):
        lf.Ridge(solver="sgd", learning_rate=1e-9, max_iter=5, random_state=0).fit(X, y)


def test_values_that_contradict_their_slopes_are_the_rounding_level():
    """A convex f computed with coarse rounding (here: a quadratic quantised to
    steps of 1e-9, far above 256 float64 roundings of f ~ 1, as a sum with
    cancellation is): L-BFGS's line search fails where the exact slope still
    points down but the computed values cannot drop; that is convergence
    (slope_contradicts), and the iterate is the optimum to the accuracy the
    quantisation allows."""
    from lossfast.linear_model._solvers import ROUNDING_MESSAGE, lbfgs, slope_contradicts
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 8))
    H = A @ A.T + 0.1 * np.eye(8)
    xs = rng.standard_normal(8)

    def fg(x):
        r = x - xs
        return np.round((1.0 + 0.5 * r @ H @ r) / 1e-9) * 1e-9, H @ r

    res = lbfgs(fg, np.zeros(8), max_iter=500, gtol=1e-14)
    assert res.converged and res.message == ROUNDING_MESSAGE
    # at the optimum to sqrt(quantum / lambda_min) at worst
    assert np.max(np.abs(res.x - xs)) < 10 * np.sqrt(1e-9 / np.linalg.eigvalsh(H)[0])
    assert slope_contradicts(1.0, 1.0, -1e-3) and not slope_contradicts(1.0, 0.9, -1e-3)
    assert not slope_contradicts(1.0, 1.0, 0.0) and not slope_contradicts(1.0, np.inf, -1.0)


def test_truncated_cg_images_and_last_step():
    """truncated_cg with images sums A s from the products' images (A s for
    the step it returns); with the outer gtol it refines a residual that
    met the forcing tolerance with max|r| in (LAST_STEP_LO, LAST_STEP_HI]
    gtol down to LAST_STEP_LO gtol, and leaves others as they were."""
    from lossfast.linear_model import _solvers
    rng = np.random.default_rng(3)
    A = rng.standard_normal((400, 60)) * np.linspace(0.2, 3.0, 60)
    H = A.T @ A / 400 + 0.01 * np.eye(60)
    g = rng.standard_normal(60) * 0.05

    def hessp(v, image=False):
        return (H @ v, A @ v / 20.0) if image else H @ v

    s_plain = _solvers.truncated_cg(hessp, g)
    s, As = _solvers.truncated_cg(hessp, g, images=True)
    np.testing.assert_array_equal(s, s_plain)
    np.testing.assert_allclose(As, A @ s / 20.0, rtol=1e-12, atol=1e-14)
    rmax = float(np.max(np.abs(g + H @ s_plain)))
    assert rmax > 0
    lo, hi = _solvers.LAST_STEP_LO, _solvers.LAST_STEP_HI
    gtol = rmax / (0.5 * (lo + hi))                       # rmax inside the window
    s_last = _solvers.truncated_cg(hessp, g, gtol=gtol)
    assert float(np.max(np.abs(g + H @ s_last))) <= lo * gtol
    np.testing.assert_array_equal(_solvers.truncated_cg(hessp, g, gtol=rmax / (2 * hi)),
                                  s_plain)                 # far from the stop
    np.testing.assert_array_equal(_solvers.truncated_cg(hessp, g, gtol=rmax / (0.5 * lo)),
                                  s_plain)                 # already below it
