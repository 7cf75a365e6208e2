"""RidgeCV against scikit-learn and brute-force leave-one-out."""
import warnings

import numpy as np
import pytest

import lossfast as lf

sk_linear = pytest.importorskip("sklearn.linear_model")


def data(n=120, d=6, k=None, seed=0, offset=5.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + offset
    coef = rng.standard_normal((d,) if k is None else (d, k))
    y = X @ coef + 1.0 + rng.standard_normal((n,) if k is None else (n, k))
    return X, y, rng.uniform(0.3, 2.0, n)


ALPHAS = np.logspace(-3, 3, 13)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("multi", [False, True])
def test_loo_matches_sklearn(weighted, fit_intercept, shape, multi):
    n, d = (120, 6) if shape == "tall" else (25, 40)
    X, y, sw = data(n=n, d=d, k=3 if multi else None)
    sw = sw if weighted else None
    ours = lf.RidgeCV(alphas=ALPHAS, fit_intercept=fit_intercept, store_cv_results=True).fit(
        X, y, sample_weight=sw)
    ref = sk_linear.RidgeCV(alphas=ALPHAS, fit_intercept=fit_intercept,
                            store_cv_results=True).fit(X, y, sample_weight=sw)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-7, atol=1e-10)


def test_loo_equals_brute_force_leave_one_out():
    X, y, sw = data(n=40, d=4, seed=3)
    est = lf.RidgeCV(alphas=ALPHAS, store_cv_results=True).fit(X, y, sample_weight=sw)
    for a, alpha in enumerate(ALPHAS[::4]):
        errs = []
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            m = lf.Ridge(alpha=alpha).fit(X[keep], y[keep], sample_weight=sw[keep])
            errs.append(sw[i] * (y[i] - m.predict(X[i:i + 1])[0]) ** 2)
        np.testing.assert_allclose(est.cv_results_[:, 4 * a], errs, rtol=1e-8)


def test_alpha_per_target_and_scoring():
    X, Y, _ = data(k=3)
    Y[:, 2] += 5 * np.random.default_rng(1).standard_normal(len(Y))     # a noisy target
    ours = lf.RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, Y)
    ref = sk_linear.RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, Y)
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    metrics = pytest.importorskip("sklearn.metrics")
    scorer = metrics.get_scorer("neg_mean_absolute_error")
    X1, y1, _ = data()
    ours = lf.RidgeCV(alphas=ALPHAS, scoring=scorer).fit(X1, y1)
    ref = sk_linear.RidgeCV(alphas=ALPHAS, scoring=scorer).fit(X1, y1)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)


@pytest.mark.parametrize("cv", [5, "splitter"])
@pytest.mark.parametrize("weighted", [False, True])
def test_kfold_matches_sklearn(cv, weighted):
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y, sw = data(n=150, d=5, seed=4)
    sw = sw if weighted else None
    if cv == "splitter":
        cv = model_selection.KFold(4, shuffle=True, random_state=0)
    ours = lf.RidgeCV(alphas=ALPHAS, cv=cv).fit(X, y, sample_weight=sw)
    ref = sk_linear.RidgeCV(alphas=ALPHAS, cv=cv).fit(X, y, sample_weight=sw)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8)


@pytest.mark.parametrize("splitter", ["group", "shuffle_split", "scorer"])
def test_kfold_both_branches_match_sklearn(splitter, monkeypatch):
    """GroupKFold takes the fold Grams of one pass (FoldGrams.in_memory);
    ShuffleSplit (overlapping test folds, rows in neither set) and a scoring
    callable take the per-split Gram and the fold's rows."""
    model_selection = pytest.importorskip("sklearn.model_selection")
    metrics = pytest.importorskip("sklearn.metrics")
    from lossfast.linear_model import _fold_grams
    X, y, sw = data(n=160, d=6, seed=7)
    groups = np.arange(160) % 7
    scoring = None
    if splitter == "group":
        cv = list(model_selection.GroupKFold(4).split(X, y, groups))
    else:
        cv = list(model_selection.ShuffleSplit(4, test_size=0.3, train_size=0.5,
                                               random_state=0).split(X))
    if splitter == "scorer":
        cv = 4
        scoring = metrics.get_scorer("neg_mean_squared_error")
    used = []
    real = _fold_grams.FoldGrams.in_memory.__func__
    monkeypatch.setattr(_fold_grams.FoldGrams, "in_memory",
                        classmethod(lambda cls, *a: used.append(1) or real(cls, *a)))
    ours = lf.RidgeCV(alphas=ALPHAS, cv=cv, scoring=scoring).fit(X, y, sample_weight=sw)
    ref = sk_linear.RidgeCV(alphas=ALPHAS, cv=cv, scoring=scoring).fit(X, y, sample_weight=sw)
    assert bool(used) == (splitter == "group")
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)


def test_sparse_equals_dense():
    sp = pytest.importorskip("scipy.sparse")
    X, y, sw = data(n=200, d=8, offset=0.0)
    X[np.abs(X) < 1.0] = 0.0
    for cv in (None, 4):
        a = lf.RidgeCV(alphas=ALPHAS, cv=cv).fit(sp.csr_matrix(X), y, sample_weight=sw)
        b = lf.RidgeCV(alphas=ALPHAS, cv=cv).fit(X, y, sample_weight=sw)
        assert a.alpha_ == b.alpha_
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cv", [None, 4])
def test_chunked_matrix_equals_numpy(cv):
    from lossfast.linear_model import ChunkedMatrix
    X, y, sw = data(n=300, d=7, seed=9)
    C = ChunkedMatrix([X[:120], X[120:250], X[250:]])
    a = lf.RidgeCV(alphas=ALPHAS, cv=cv).fit(C, y, sample_weight=sw)
    b = lf.RidgeCV(alphas=ALPHAS, cv=cv).fit(X, y, sample_weight=sw)
    assert a.alpha_ == b.alpha_
    assert a.best_score_ == pytest.approx(b.best_score_, rel=1e-12)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)


def test_check_estimator_and_errors():
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    from sklearn.exceptions import SkipTestWarning
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                category=UserWarning)
        warnings.simplefilter("ignore", SkipTestWarning)
        results = estimator_checks.check_estimator(lf.RidgeCV(), on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    X, y, _ = data()
    with pytest.raises(ValueError, match="alphas"):
        lf.RidgeCV(alphas=[0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="incompatible"):
        lf.RidgeCV(cv=3, store_cv_results=True).fit(X, y)


# ---- the leave-one-out pass of the C kernel (csrc/ridge_loo.c)

@pytest.mark.parametrize("lam_kind", ["spread", "zeros", "huge"])
def test_inverse_factors_exact_to_rounding(lam_kind):
    """R @ C reproduces every entry of 1 / (lam + alpha) to a few ulps, both
    when the series take over (eigenvalues far from the alphas) and when the
    pairs in between are kept."""
    from lossfast.linear_model._ridge_cv import _inverse_factors
    rng = np.random.default_rng(4)
    lam = {"spread": np.sort(10.0 ** rng.uniform(-4, 8, 30)),
           "zeros": np.concatenate([np.zeros(3), np.sort(rng.uniform(1e5, 2e5, 20))]),
           "huge": np.sort(10.0 ** rng.uniform(150, 300, 10))}[lam_kind]
    alphas = np.logspace(-3, 3, 50)
    R, C = _inverse_factors(lam, alphas)
    exact = 1.0 / (lam[:, None] + alphas[None, :])
    if C is None:
        np.testing.assert_array_equal(R, exact)
    else:
        assert R.shape[1] < len(alphas)
        np.testing.assert_allclose(R @ C, exact, rtol=4e-16 * (R.shape[1] + 4), atol=0)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [None, 2])
def test_loo_kernel_series_path_matches_sklearn(weighted, dtype, k):
    """n >> alphas: every eigenvalue is far above the alphas, so the kernel
    runs on the 9-column series factor; scores, choice and the stored
    residuals equal scikit-learn's (1e-8)."""
    from lossfast.linear_model._ridge_cv import _inverse_factors
    X, y, sw = data(n=3001, d=13, k=k, seed=5, offset=3.0)
    # the weights in X's dtype, as lossfast takes them
    X, y, sw = X.astype(dtype), y.astype(dtype), sw.astype(dtype) if weighted else None
    alphas = np.logspace(-3, 1, 30)
    Xc = X.astype(np.float64) - X.mean(0)
    R, C = _inverse_factors(np.linalg.eigvalsh(Xc.T @ Xc), alphas)
    assert C is not None and R.shape[1] == 9
    ours = lf.RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight=sw)
    ref = sk_linear.RidgeCV(alphas=alphas, store_cv_results=True).fit(
        X.astype(np.float64), y.astype(np.float64), sample_weight=sw)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-7, atol=1e-12)
    # a scorer (unweighted: scikit-learn hands it the weights otherwise)
    scored = lf.RidgeCV(alphas=alphas, scoring=_neg_mse).fit(X, y)
    ref_scored = sk_linear.RidgeCV(alphas=alphas, scoring=_neg_mse).fit(
        X.astype(np.float64), y.astype(np.float64))
    assert scored.alpha_ == ref_scored.alpha_
    assert scored.best_score_ == pytest.approx(ref_scored.best_score_, rel=1e-8)


def _neg_mse(est, X, y):
    return -float(np.mean((est.predict(X) - y) ** 2))


def test_loo_kernel_same_bits_for_any_thread_count():
    X, y, sw = data(n=20011, d=17, k=3, seed=6)
    runs = []
    for threads in (1, 2):
        with lf.num_threads(threads):
            est = lf.RidgeCV(alphas=np.logspace(-2, 5, 40), store_cv_results=True).fit(
                X, y, sample_weight=sw)
        runs.append((est.best_score_, est.cv_results_, est.coef_))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
