"""Property-based tests of the estimator entry points (issue 9, point 5):
``LinearRegression``, ``Ridge`` and ``LogisticRegression`` ``fit`` /
``predict`` / ``score`` / ``predict_proba`` on X of any shape from 1 x 1 up,
float32 / float64 / integer dtypes, every layout (C, Fortran, strided,
reversed, read-only), sample weights, and NaN / inf in X, y or the weights.

Oracles: the objective reached equals the objective of the exact minimiser
(least squares on the centred data, tests/reference_linear.py; for logistic
regression, scikit-learn's lbfgs run to a tight tolerance, compared through
the objective); predictions are X coef + intercept; probabilities are a
softmax / sigmoid of the decision function; R^2 and accuracy by their
definitions.  Bad input is scikit-learn's ValueError / TypeError.  A
LinAlgWarning (singular normal equations) or ConvergenceWarning is an accepted
outcome (the solution is then not compared), never a silent wrong answer.
"""
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lossfast as lf
import reference_linear as RL
from fuzz_strategies import FUZZ, arrays, casts_may_overflow

# each example fits an estimator (and scikit-learn's): half the examples of the kernels' tests
FIT = settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 2))
ACCEPTED_WARNINGS = (lf.linear_model.LinAlgWarning, lf.linear_model.ConvergenceWarning)


@st.composite
def design(draw, min_rows=1, scale=1e3):
    n = draw(st.sampled_from([1, 2, 3, 17]) | st.integers(1, 40))
    d = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32, np.int64]).map(np.dtype))
    X = draw(arrays((n, d), dtype, "moderate"))
    if dtype.kind == "f" and scale != 1e3:
        X = (X / 1e3 * scale).astype(dtype)
    bad = None
    if draw(st.integers(0, 9)) == 0:
        bad = draw(st.sampled_from(["nan", "inf", "-inf"]))
        X = X.astype(dtype if dtype.kind == "f" else np.float64)
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = float(bad)
        X = draw(st.sampled_from([X, np.asfortranarray(X)]))
    return X, bad


def _weights(draw, n):
    kind = draw(st.sampled_from(["none", "none", "positive", "with_zeros", "bad"]))
    if kind == "none":
        return None, None
    w = np.array(draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n)))
    if kind == "with_zeros" and n > 1:
        w[draw(st.integers(0, n - 1))] = 0.0
    if kind == "bad":
        which = draw(st.sampled_from(["nan", "negative", "zeros", "shape"]))
        if which == "nan":
            w[0] = np.nan
        elif which == "negative":
            w[0] = -1.0
        elif which == "zeros":
            w[:] = 0
        else:
            w = np.ones(n + 1)
        return w, which
    return w, None


_W_ERRORS = {"nan": "sample_weight contains NaN", "negative": "Negative values",
             "zeros": "at least one non-zero", "shape": "sample_weight.shape"}


def _fit(est, X, y, w):
    with warnings.catch_warnings(record=True) as caught, casts_may_overflow():
        warnings.simplefilter("always")
        est.fit(X, y, sample_weight=w)
    unexpected = [c for c in caught if not issubclass(c.category, ACCEPTED_WARNINGS)]
    assert not unexpected, [str(c.message) for c in unexpected]
    return bool(caught)


def _ls_objective(X, Y, w, coef, intercept, alpha):
    R = Y - RL.decision(X, coef, intercept)
    ww = np.ones(len(X)) if w is None else w
    return float(np.sum(ww[:, None] * R ** 2) + alpha * np.sum(np.asarray(coef) ** 2))


@pytest.mark.parametrize("estimator", ["LinearRegression", "Ridge", "Ridge_lbfgs",
                                       "LinearRegression_noint"])
@FIT
@given(data=st.data())
def test_linear_regression_entry_points(estimator, data):
    X, bad = data.draw(design())
    n, d = X.shape
    k = data.draw(st.sampled_from([None, 1, 2]))
    y = data.draw(arrays((n,) if k is None else (n, k), np.dtype(np.float64), "moderate"))
    y_bad = data.draw(st.integers(0, 11)) == 0
    if y_bad:
        y = np.array(y)
        y.flat[0] = np.nan
    w, w_bad = _weights(data.draw, n)
    alpha = data.draw(st.sampled_from([0.5, 3.0])) if estimator.startswith("Ridge") else 0.0
    fit_intercept = estimator != "LinearRegression_noint"
    if estimator == "Ridge_lbfgs":
        est = lf.Ridge(alpha=alpha, solver="lbfgs", max_iter=500, tol=1e-10)
    elif estimator.startswith("Ridge"):
        est = lf.Ridge(alpha=alpha)
    else:
        est = lf.LinearRegression(fit_intercept=fit_intercept)
    # several inputs may be bad at once: any of their errors may be reported
    # (X's NaN/inf check rides on the solver's first pass, after y and the weights)
    errors = ((["Input X contains (NaN|infinity)"] if bad is not None else [])
              + (["Input y contains NaN"] if y_bad else [])
              + ([_W_ERRORS[w_bad]] if w_bad is not None else []))
    if errors:
        with pytest.raises(ValueError, match="|".join(errors)):
            _fit(est, X, y, w)
        return
    X_before = X.copy()
    warned = _fit(est, X, y, w)
    np.testing.assert_array_equal(X, X_before)
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    assert est.coef_.dtype == dtype and est.n_features_in_ == d
    assert est.coef_.shape == ((d,) if k is None else (k, d))
    pred = est.predict(X)
    assert pred.shape == y.shape and pred.dtype == dtype
    Y = y.reshape(n, -1)
    coef = est.coef_.reshape(-1, d)
    b = np.asarray(est.intercept_, np.float64).reshape(-1)
    np.testing.assert_allclose(pred.reshape(n, -1), RL.decision(X, coef, b),
                               rtol=1e-4 if dtype == np.float32 else 1e-10,
                               atol=(1e-3 if dtype == np.float32 else 1e-9)
                               * (1 + np.max(np.abs(RL.decision(X, coef, b)))))
    # the objective reached is the minimum (the fitted values are unique even
    # when X is rank deficient)
    c_ref, b_ref = RL.ridge(X, Y, w, alpha=alpha, fit_intercept=fit_intercept)
    j_ref = _ls_objective(X, Y, w, c_ref, b_ref, alpha)
    j = _ls_objective(X, Y, w, coef, b, alpha)
    scale = float(np.sum((np.ones(n) if w is None else w)[:, None] * Y ** 2)) + 1.0
    # L-BFGS included: it works in standardised coordinates (centred, scaled)
    tol = 1e-3 if dtype == np.float32 else 1e-7
    if not warned:
        assert j <= j_ref + tol * scale, (estimator, j, j_ref)
    # score is R^2 of the predictions
    s = est.score(X, y, sample_weight=w)
    ww = np.ones(n) if w is None else w
    P = pred.reshape(n, -1).astype(np.float64)
    ss_res = np.sum(ww[:, None] * (Y - P) ** 2, axis=0)
    ss_tot = np.sum(ww[:, None] * (Y - np.average(Y, axis=0, weights=ww)) ** 2, axis=0)
    with np.errstate(all="ignore"):
        r2 = np.where(ss_tot > 0, 1 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    np.testing.assert_allclose(s, float(np.mean(r2)), rtol=1e-3 if dtype == np.float32
                               else 1e-7, atol=1e-3 if dtype == np.float32 else 1e-7)
    # predict checks its input like fit
    with pytest.raises(ValueError, match="features"):
        est.predict(np.ones((2, d + 1)))
    Xn = np.array(X, dtype=np.float64)
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        est.predict(Xn)


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
@FIT
@given(data=st.data())
def test_logistic_regression_entry_points(solver, data):
    X, bad = data.draw(design(scale=10.0))
    n, d = X.shape
    n_classes = data.draw(st.sampled_from([2, 2, 3]))
    labels = data.draw(st.sampled_from([np.array([0, 1, 2]), np.array([-1, 1, 5]),
                                        np.array(["a", "b", "c"])]))[:n_classes]
    y = labels[np.array(data.draw(st.lists(st.integers(0, n_classes - 1), min_size=n,
                                           max_size=n)))]
    w, w_bad = _weights(data.draw, n)
    C = data.draw(st.sampled_from([0.1, 1.0, 10.0]))
    est = lf.LogisticRegression(C=C, solver=solver, max_iter=200, tol=1e-8)
    present = np.unique(y if w is None or w_bad else y[w > 0] if np.any(w > 0) else y)
    one_class = "at least 2 classes"
    # several inputs may be bad at once: any of their errors may be reported
    errors = ((["Input X contains (NaN|infinity)"] if bad is not None else [])
              + ([_W_ERRORS[w_bad]] if w_bad is not None else []))
    if errors:
        with np.errstate(invalid="ignore"):
            ok_w = w is not None and np.shape(w) == y.shape
            positive = np.unique(y[np.asarray(w) > 0]) if ok_w else np.unique(y)
        if len(np.unique(y)) < 2 or len(positive) < 2:
            errors.append(one_class)
        with pytest.raises(ValueError, match="|".join(errors)):
            _fit(est, X, y, w)
        return
    if len(np.unique(y)) < 2:
        with pytest.raises(ValueError, match=one_class + r".*only one class: '?-?\w+'?$"):
            _fit(est, X, y, w)
        return
    assume(len(present) == len(np.unique(y)))
    warned = _fit(est, X, y, w)
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    classes = np.unique(y)
    np.testing.assert_array_equal(est.classes_, classes)
    proba = est.predict_proba(X)
    assert proba.shape == (n, len(classes)) and proba.dtype == dtype
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5 if dtype == np.float32
                               else 1e-12)
    Z = RL.decision(X, np.atleast_2d(est.coef_), est.intercept_)
    if len(classes) == 2:
        want = np.column_stack([1 / (1 + np.exp(Z[:, 0])), 1 / (1 + np.exp(-Z[:, 0]))])
    else:
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        want = E / E.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, want, rtol=1e-4 if dtype == np.float32 else 1e-9,
                               atol=1e-6 if dtype == np.float32 else 1e-12)
    pred = est.predict(X)
    np.testing.assert_array_equal(pred, classes[np.argmax(est.decision_function(X).reshape(
        n, -1), axis=1)] if len(classes) > 2 else classes[(est.decision_function(X) > 0)
                                                          .astype(int)])
    np.testing.assert_allclose(est.score(X, y), np.mean(pred == y), rtol=1e-12)
    if warned:
        return
    # the objective reached is scikit-learn's minimum (coefficients can differ
    # along flat directions only within the tolerance of the objective)
    sklearn_lm = pytest.importorskip("sklearn.linear_model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = sklearn_lm.LogisticRegression(C=C, tol=1e-12, max_iter=20000).fit(
            X.astype(np.float64), y, sample_weight=w)
    j = RL.logistic_objective(X, y, est.coef_, est.intercept_, C=C, sample_weight=w)
    j_sk = RL.logistic_objective(X, y, sk.coef_, sk.intercept_, C=C, sample_weight=w)
    tol = 1e-3 if dtype == np.float32 else 1e-6
    assert j <= j_sk + tol * (abs(j_sk) + 1), (j, j_sk)


@FUZZ
@given(data=st.data(), estimator=st.sampled_from(["LinearRegression", "Ridge",
                                                  "LogisticRegression"]),
       bad=st.sampled_from(["1d", "3d", "empty_rows", "empty_cols", "complex", "strings",
                            "length"]))
def test_estimators_reject_bad_X(data, estimator, bad):
    n = data.draw(st.integers(2, 10))
    y = np.arange(n) % 2
    X = np.ones((n, 2))
    if bad == "1d":
        X, match, err = np.ones(n), "Expected 2D array", ValueError
    elif bad == "3d":
        X, match, err = np.ones((n, 2, 2)), "dim 3", ValueError
    elif bad == "empty_rows":
        X, y, match, err = np.ones((0, 2)), y[:0], "0 sample", ValueError
    elif bad == "empty_cols":
        X, match, err = np.ones((n, 0)), "0 feature", ValueError
    elif bad == "complex":
        X, match, err = X.astype(complex), "Complex data", ValueError
    elif bad == "strings":
        X, match, err = np.full((n, 2), "abc"), "could not convert", ValueError
    else:
        y, match, err = y[:-1], "inconsistent numbers of samples", ValueError
    with pytest.raises(err, match=match):
        getattr(lf, estimator)().fit(X, y)
