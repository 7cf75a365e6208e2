"""LinearRegression, Ridge and LogisticRegression against scikit-learn, the
closed form (tests/reference_linear.py), and their own guarantees: the
least-squares fallback, float32 end to end, sample weights, threads,
NaN/inf errors, loss_curve_ / verbose, and the scikit-learn protocol."""
import pickle
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model import ConvergenceWarning, LinAlgWarning, NotFittedError
from reference_linear import logistic_objective, loss_gradient, ridge

sk_linear = pytest.importorskip("sklearn.linear_model")


def regression_data(n=300, d=6, k=None, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + offset
    coef = rng.standard_normal((d,) if k is None else (d, k))
    y = X @ coef + 1.5 + 0.3 * rng.standard_normal((n,) if k is None else (n, k))
    return X, y, rng.uniform(0.0, 2.0, n)


def classification_data(n=400, d=5, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d)
    W = rng.standard_normal((d, n_classes))
    y = np.argmax(X @ W + rng.gumbel(size=(n, n_classes)), axis=1)
    return X, y, rng.uniform(0.0, 2.0, n)


# --------------------------------------------------------------------------- regression


@pytest.mark.parametrize("alpha", [0.0, 0.7, 50.0])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("multi", [False, True])
def test_normal_equation_matches_sklearn_and_closed_form(alpha, weighted, fit_intercept, multi):
    X, y, sw = regression_data(k=3 if multi else None)
    sw = sw if weighted else None
    ours = lf.Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    sk = sk_linear.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(
        X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-9, atol=1e-11)
    coef, intercept = ridge(X, y, sw, alpha, fit_intercept)
    np.testing.assert_allclose(np.atleast_2d(ours.coef_), coef, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.intercept_ if fit_intercept else np.zeros_like(intercept),
                               intercept if multi else intercept[0], rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-10, atol=1e-10)
    assert ours.coef_.shape == sk.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(sk.intercept_)
    assert ours.n_iter_ == 1 and ours.rank_ == X.shape[1]
    assert ours.score(X, y, sample_weight=sw) == pytest.approx(
        sk.score(X, y, sample_weight=sw), rel=1e-10)


def test_linear_regression_matches_sklearn():
    X, y, sw = regression_data(n=500, d=8, seed=1)
    for weights in (None, sw):
        ours = lf.LinearRegression().fit(X, y, sample_weight=weights)
        sk = sk_linear.LinearRegression().fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-10)
        assert ours.intercept_ == pytest.approx(sk.intercept_, rel=1e-10)


def test_centring_survives_large_offsets():
    # features with mean 1e6 and unit spread: the Gram of raw X would lose
    # every digit of the centred one
    X, y, _ = regression_data(n=2000, d=4, seed=2, offset=1e6)
    Xs = X[np.argsort(X[:, 0])]                  # sorted rows: the shift must not come
    ys = y[np.argsort(X[:, 0])]                  # from the first rows only
    ours = lf.LinearRegression().fit(Xs, ys)
    coef, intercept = ridge(Xs, ys)
    np.testing.assert_allclose(ours.coef_, coef[0], rtol=1e-7)
    np.testing.assert_allclose(ours.intercept_, intercept[0], rtol=1e-7)


@pytest.mark.parametrize("case", ["collinear", "constant_column", "wide"])
def test_rank_deficient_falls_back_to_lstsq(case):
    X, y, sw = regression_data(n=60, d=5, seed=3)
    if case == "collinear":
        X = np.hstack([X, X[:, :2] @ np.array([[1.0], [-2.0]])])
        rank = 5
    elif case == "constant_column":
        X = np.hstack([X, np.full((60, 1), 3.0)])
        rank = 5
    else:
        X = np.random.default_rng(4).standard_normal((8, 20))
        y = y[:8]
        rank = 7                                  # centred 8 rows
    with pytest.warns(LinAlgWarning, match="least squares"):
        ours = lf.LinearRegression().fit(X, y)
    assert ours.rank_ == rank
    coef, intercept = ridge(X, y)               # minimum-norm least squares
    np.testing.assert_allclose(ours.coef_, coef[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, intercept[0], rtol=1e-8, atol=1e-10)
    sk = sk_linear.LinearRegression().fit(X, y)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-8, atol=1e-8)
    # a ridge penalty makes the same system well posed: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", LinAlgWarning)
        r = lf.Ridge(alpha=1.0).fit(X, y)
    assert r.rank_ == X.shape[1]


def test_normal_equation_threads_bit_identical():
    X, y, sw = regression_data(n=30000, d=12, seed=5)
    fits = []
    for nt in (1, 2):
        with lf.num_threads(nt):
            fits.append(lf.Ridge(alpha=0.1).fit(X, y, sample_weight=sw))
    assert np.array_equal(fits[0].coef_, fits[1].coef_)
    assert fits[0].intercept_ == fits[1].intercept_


@pytest.mark.parametrize("weighted", [False, True])
def test_lbfgs_squared_error_matches_normal_equation(weighted):
    X, y, sw = regression_data(n=400, d=5, seed=6, k=2)
    sw = sw if weighted else None
    normal = lf.Ridge(alpha=2.0).fit(X, y, sample_weight=sw)
    it = lf.Ridge(alpha=2.0, solver="lbfgs", tol=1e-9, max_iter=500).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(it.coef_, normal.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(it.intercept_, normal.intercept_, rtol=1e-6, atol=1e-7)
    assert len(it.loss_curve_) == it.n_iter_ > 1
    assert np.all(np.diff(it.loss_curve_) <= 1e-12)


# smooth losses: (lossfast loss, its NumPy twin from reference.py with the same parameters)
SMOOTH = {"huber": ({}, "huber"), "log_cosh": ({}, "log_cosh"), "smooth_l1": ({}, "smooth_l1"),
          "gaussian": ({"sigma": 3.0}, "gaussian")}


@pytest.mark.parametrize("loss", sorted(SMOOTH))
def test_lbfgs_any_smooth_loss_reaches_the_optimum(loss):
    from reference import REGRESSION
    params, twin = SMOOTH[loss]
    X, y, sw = regression_data(n=300, d=4, seed=7)
    y[::25] += 30.0                               # outliers
    est = lf.LinearRegression(loss=lf.losses.get(loss, **params), solver="lbfgs", alpha=0.5,
                              tol=1e-8, max_iter=1000)
    est.fit(X, y, sample_weight=sw)
    # the gradient of sum_i w_i l_i + alpha ||coef||^2 (NumPy reference) vanishes
    _, gc, gb, _ = loss_gradient(X, y.reshape(-1, 1), sw, est.coef_.reshape(1, -1),
                                 np.atleast_1d(est.intercept_), (REGRESSION[twin][0], params))
    g = np.concatenate([gc[0] + 2 * 0.5 * est.coef_, gb]) / sw.sum()
    assert np.max(np.abs(g)) < 1e-6


def test_robust_loss_ignores_outliers():
    X, y, _ = regression_data(n=400, d=3, seed=8)
    true = lf.LinearRegression().fit(X, y).coef_
    y_bad = y.copy()
    y_bad[::10] += 200.0
    ols = lf.LinearRegression().fit(X, y_bad)
    huber = lf.LinearRegression(loss="huber").fit(X, y_bad)
    mae = lf.LinearRegression(loss="absolute_error", max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # L-BFGS on a kink
        mae.fit(X, y_bad)
    assert np.abs(huber.coef_ - true).max() < 0.1 * np.abs(ols.coef_ - true).max()
    assert np.abs(mae.coef_ - true).max() < 0.1 * np.abs(ols.coef_ - true).max()


def test_quantile_loss_matches_sklearn_quantile_regressor():
    X, y, _ = regression_data(n=200, d=3, seed=9)
    sk = sk_linear.QuantileRegressor(quantile=0.8, alpha=0.0, solver="highs").fit(X, y)
    ours = lf.LinearRegression(loss=lf.losses.Quantile(q=0.8), max_iter=3000, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)

    def pinball(est):
        e = y - est.predict(X)
        return np.sum(np.maximum(0.8 * e, -0.2 * e))
    assert pinball(ours) <= pinball(sk) * (1 + 1e-3)


# --------------------------------------------------------------------------- logistic

CS = [0.05, 1.0, 20.0]


@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("C", CS)
def test_logistic_matches_sklearn(n_classes, solver, weighted, C):
    X, y, sw = classification_data(n_classes=n_classes, seed=n_classes)
    sw = sw if weighted else None
    ours = lf.LogisticRegression(C=C, solver=solver, tol=1e-9, max_iter=1000).fit(
        X, y, sample_weight=sw)
    sk = sk_linear.LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    assert np.array_equal(ours.predict(X), sk.predict(X))
    assert np.array_equal(ours.classes_, sk.classes_)
    f_ours = logistic_objective(X, y, ours.coef_, ours.intercept_, C, sw)
    f_sk = logistic_objective(X, y, sk.coef_, sk.intercept_, C, sw)
    assert f_ours <= f_sk * (1 + 1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_without_penalty_or_intercept(n_classes):
    X, y, _ = classification_data(n=600, d=4, n_classes=n_classes, seed=10)
    X = X + 0.5 * np.random.default_rng(0).standard_normal(X.shape)   # not separable
    # scikit-learn >= 1.8 spells "no penalty" C=np.inf (penalty is deprecated there)
    for ours_kw, sk_kw in (({"penalty": None}, {"C": np.inf}), ({"C": np.inf}, {"C": np.inf}),
                           ({"fit_intercept": False}, {"fit_intercept": False})):
        sk = sk_linear.LogisticRegression(tol=1e-10, max_iter=10000, **sk_kw).fit(X, y)
        for solver in ("lbfgs", "newton"):
            ours = lf.LogisticRegression(solver=solver, tol=1e-9, max_iter=1000, **ours_kw)
            if "penalty" in ours_kw:          # deprecated, as in scikit-learn >= 1.8
                with pytest.warns(FutureWarning, match="penalty"):
                    ours.fit(X, y)
            else:
                ours.fit(X, y)
            np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-5, atol=1e-5)


def test_multinomial_parametrisation_is_symmetric():
    X, y, _ = classification_data(n_classes=4, seed=11)
    for solver in ("lbfgs", "newton"):
        m = lf.LogisticRegression(solver=solver, tol=1e-9).fit(X, y)
        assert abs(m.intercept_.sum()) < 1e-7
        np.testing.assert_allclose(m.coef_.sum(axis=0), 0, atol=1e-7)


def test_logistic_probabilities_and_labels():
    X, y, _ = classification_data(n_classes=3, seed=12)
    names = np.array(["cat", "dog", "emu"])[y]
    m = lf.LogisticRegression().fit(X, names)
    assert list(m.classes_) == ["cat", "dog", "emu"]
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(m.predict_log_proba(X), np.log(P), rtol=1e-12)
    assert np.array_equal(m.predict(X), m.classes_[np.argmax(m.decision_function(X), axis=1)])
    Xb, yb, _ = classification_data(seed=13)
    b = lf.LogisticRegression().fit(Xb, yb * 2 - 1)             # labels -1 / +1
    dec = b.decision_function(Xb)
    assert dec.shape == (len(yb),) and b.coef_.shape == (1, Xb.shape[1])
    np.testing.assert_allclose(b.predict_proba(Xb)[:, 1], 1 / (1 + np.exp(-dec)))
    assert np.array_equal(b.predict(Xb), np.where(dec > 0, 1, -1))
    # extreme logits: no overflow, log-probabilities finite
    big = b.predict_log_proba(Xb * 1e4)
    assert np.all(np.isfinite(big)) and np.all(big <= 0)


def test_logistic_threads_bit_identical():
    X, y, sw = classification_data(n=20000, d=10, n_classes=3, seed=14)
    fits = []
    for nt in (1, 2):
        with lf.num_threads(nt):
            fits.append(lf.LogisticRegression().fit(X, y, sample_weight=sw))
    assert np.array_equal(fits[0].coef_, fits[1].coef_)
    assert np.array_equal(fits[0].intercept_, fits[1].intercept_)


def test_logistic_one_class_is_an_error():
    X, y, _ = classification_data(seed=15)
    with pytest.raises(ValueError, match="only one class"):
        lf.LogisticRegression().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="one such class"):
        lf.LogisticRegression().fit(X, y, sample_weight=(y == 1).astype(float))


def test_logistic_rejects_continuous_targets():
    X, _, _ = classification_data(seed=16)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        lf.LogisticRegression().fit(X, np.linspace(0, 1, len(X)))


# --------------------------------------------------------------------------- shared behaviour


ESTIMATORS = {
    "ols": lambda: lf.LinearRegression(),
    "ridge_lbfgs": lambda: lf.Ridge(solver="lbfgs"),
    "huber": lambda: lf.LinearRegression(loss="huber"),
    "logit_lbfgs": lambda: lf.LogisticRegression(),
    "logit_newton": lambda: lf.LogisticRegression(solver="newton"),
}


def fit_data(name, dtype=np.float64, seed=17):
    if name.startswith("logit"):
        X, y, sw = classification_data(n_classes=3, seed=seed)
    else:
        X, y, sw = regression_data(seed=seed)
    return X.astype(dtype), y, sw.astype(dtype)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_float32_in_float32_out(name):
    X32, y, sw = fit_data(name, np.float32)
    kw = {} if name == "ols" else {"tol": 1e-6}
    m32 = ESTIMATORS[name]().set_params(**kw).fit(X32, y, sample_weight=sw)
    m64 = ESTIMATORS[name]().set_params(**kw).fit(X32.astype(np.float64), y, sample_weight=sw)
    assert m32.coef_.dtype == np.float32
    assert np.asarray(m32.intercept_).dtype == np.float32
    out = m32.decision_function(X32) if hasattr(m32, "decision_function") else m32.predict(X32)
    assert out.dtype == np.float32
    if hasattr(m32, "predict_proba"):
        assert m32.predict_proba(X32).dtype == np.float32
    # same (float32) numbers, float64 arithmetic inside: the fits agree to solver accuracy
    np.testing.assert_allclose(m32.coef_, m64.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize("where", ["X", "y", "sample_weight"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_inf_rejected_with_sklearn_messages(name, where, value):
    X, y, sw = fit_data(name)
    arrays = {"X": X.copy(), "y": y.astype(float), "sample_weight": sw.copy()}
    arrays[where].flat[7] = value
    what = "NaN" if np.isnan(value) else "infinity or a value too large for dtype\\('float64'\\)"
    with pytest.raises(ValueError, match=f"Input {where} contains {what}"):
        ESTIMATORS[name]().fit(arrays["X"], arrays["y"], sample_weight=arrays["sample_weight"])
    m = ESTIMATORS[name]().fit(X, y)
    if where == "X":
        with pytest.raises(ValueError, match=f"Input X contains {what}"):
            m.predict(arrays["X"])


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_integer_sample_weights_equal_repetition(name):
    X, y, _ = fit_data(name)
    reps = np.random.default_rng(18).integers(0, 4, len(y))
    kw = {"tol": 1e-10} if name != "ols" else {}
    a = ESTIMATORS[name]().set_params(**kw).fit(X, y, sample_weight=reps)
    b = ESTIMATORS[name]().set_params(**kw).fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_loss_curve_and_verbose(name, capsys):
    X, y, sw = fit_data(name)
    m = ESTIMATORS[name]().set_params(verbose=1).fit(X, y, sample_weight=sw)
    out = capsys.readouterr().out
    if name == "ols":
        assert not hasattr(m, "loss_curve_") and out == ""
        return
    curve = np.asarray(m.loss_curve_)
    assert len(curve) == int(np.ravel(m.n_iter_)[0]) >= 1
    assert np.all(np.diff(curve) <= 1e-12)        # descent methods
    assert out.count("objective") == len(curve)
    # the last value is the objective of the fitted model (sum w l + penalty) / sum w
    if name.startswith("logit"):
        want = logistic_objective(X, y, m.coef_, m.intercept_, 1.0, sw) / sw.sum()
    else:
        loss = "mse" if name == "ridge_lbfgs" else "huber"
        total, _, _, _ = loss_gradient(X, y.reshape(-1, 1), sw, m.coef_.reshape(1, -1),
                                       [m.intercept_], loss)
        alpha = m.alpha
        want = (total + alpha * np.sum(m.coef_ ** 2)) / sw.sum()
    assert curve[-1] == pytest.approx(want, rel=1e-10)


def test_convergence_warning_when_max_iter_is_reached():
    X, y, _ = classification_data(n_classes=3, seed=19)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        m = lf.LogisticRegression(max_iter=2).fit(X, y)
    assert m.n_iter_[0] == 2


def test_input_errors():
    X, y, _ = regression_data()
    m = lf.LinearRegression()
    with pytest.raises(NotFittedError):
        m.predict(X)
    with pytest.raises(ValueError, match="Reshape your data"):
        m.fit(X[:, 0], y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        m.fit(X, y[:-1])
    with pytest.raises(ValueError, match="requires y to be passed"):
        m.fit(X, None)
    with pytest.raises(ValueError, match="0 feature"):
        m.fit(X[:, :0], y)
    with pytest.raises(ValueError, match="0 sample"):
        m.fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="Complex data not supported"):
        m.fit(X + 1j, y)
    with pytest.raises(ValueError, match="sample_weight.shape"):
        m.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="Negative values"):
        m.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        m.fit(X, y, sample_weight=np.zeros(len(y)))
    m.fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but LinearRegression is expecting"):
        m.predict(X[:, :2])


@pytest.mark.parametrize("make,match", [
    (lambda: lf.Ridge(alpha=-1.0), "alpha"),
    (lambda: lf.LinearRegression(solver="normal", loss="huber"), "squared_error"),
    (lambda: lf.LinearRegression(loss="rmse"), "rmse"),
    (lambda: lf.LinearRegression(loss="no_such_loss"), "unknown loss"),
    (lambda: lf.LinearRegression(max_iter=0), "max_iter"),
    (lambda: lf.LogisticRegression(C=0.0), "C must be"),
    (lambda: lf.LogisticRegression(penalty="l3"), "penalty"),
    (lambda: lf.LogisticRegression(tol=-1.0), "tol"),
    (lambda: lf.LogisticRegression(solver="liblinear"), "solver"),
    (lambda: lf.LinearRegression(solver="cholesky"), "solver"),
])
def test_bad_parameters_fail_in_fit_not_in_init(make, match):
    est = make()                                  # building never fails (scikit-learn rule)
    X, y, _ = classification_data()
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_l1_with_a_smooth_solver_is_an_error(solver):
    X, y, _ = classification_data()
    with pytest.raises(ValueError, match="does not support"):
        lf.LogisticRegression(l1_ratio=1.0, solver=solver).fit(X, y)


def test_params_repr_pickle_clone():
    from sklearn.base import clone
    m = lf.LogisticRegression(C=0.5, solver="newton")
    assert repr(m) == "LogisticRegression(C=0.5, solver='newton')"
    assert repr(lf.Ridge()) == "Ridge()"
    assert m.get_params()["C"] == 0.5
    assert m.set_params(C=2.0, max_iter=7) is m and m.C == 2.0 and m.max_iter == 7
    with pytest.raises(ValueError, match="Invalid parameter"):
        m.set_params(gamma=1)
    c = clone(m)
    assert c is not m and c.get_params() == m.get_params()
    X, y, _ = classification_data()
    m.fit(X, y)
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.predict_proba(X), m.predict_proba(X))
    assert lf.Ridge().alpha == 1.0 and lf.LinearRegression().alpha == 0.0
    assert isinstance(lf.Ridge(), lf.LinearRegression)


def test_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y, _ = classification_data(n=300, n_classes=3, seed=20)
    grid = {"logisticregression__C": [0.001, 0.1, 10.0]}
    searches = [GridSearchCV(make_pipeline(StandardScaler(), est(tol=1e-8)), grid, cv=3).fit(X, y)
                for est in (lf.LogisticRegression, sk_linear.LogisticRegression)]
    ours, sk = searches
    assert ours.best_params_ == sk.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               sk.cv_results_["mean_test_score"])
    assert ours.score(X, y) == sk.score(X, y)
    Xr, yr, _ = regression_data(seed=21)
    rs = GridSearchCV(lf.Ridge(), {"alpha": [0.1, 1e4]}, cv=3).fit(Xr, yr)
    assert rs.best_params_ == {"alpha": 0.1}
    assert rs.best_estimator_.score(Xr, yr) > 0.9


def test_feature_names_need_string_columns():
    # a minimal stand-in for a DataFrame: .columns and .iloc (pandas may be absent)
    class Frame(np.ndarray):
        columns = None
        iloc = None
    X, y, _ = regression_data(d=3)
    F = X.view(Frame)
    F.columns = ["a", "b", "c"]
    m = lf.LinearRegression().fit(F, y)
    assert list(m.feature_names_in_) == ["a", "b", "c"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        m.predict(X)
    G = X.view(Frame)
    G.columns = ["a", "c", "b"]
    with pytest.raises(ValueError, match="same order"):
        m.predict(G)
