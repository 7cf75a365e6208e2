"""lasso_path / enet_path, LassoCV and ElasticNetCV against scikit-learn."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model import enet_path, lasso_path

sk_linear = pytest.importorskip("sklearn.linear_model")


def data(n=150, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d) + 1.0
    w = rng.standard_normal(d) * (rng.random(d) < 0.5)
    y = X @ w + 0.5 + rng.standard_normal(n)
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("shape", ["tall", "wide"])
def test_paths_match_sklearn(l1_ratio, shape):
    X, y, _ = data(*((150, 12) if shape == "tall" else (30, 50)))
    X = X - X.mean(axis=0)
    y = y - y.mean()
    ours = enet_path(X, y, l1_ratio=l1_ratio, alphas=20, tol=1e-12, max_iter=100000)
    ref = sk_linear.enet_path(X, y, l1_ratio=l1_ratio, alphas=20, tol=1e-12,
                              max_iter=100000)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], ref[1], atol=1e-7)
    if l1_ratio == 1.0:
        a = lasso_path(X, y, alphas=20, tol=1e-12, max_iter=100000)
        np.testing.assert_allclose(a[1], ours[1], atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_cv_matches_sklearn(weighted):
    X, y, sw = data(seed=1)
    sw = sw if weighted else None
    ours = lf.LassoCV(alphas=30, cv=4, tol=1e-10, max_iter=100000).fit(X, y, sample_weight=sw)
    ref = sk_linear.LassoCV(alphas=30, cv=4, tol=1e-10, max_iter=100000).fit(
        X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)


def test_elastic_net_cv_several_l1_ratios_matches_sklearn():
    X, y, _ = data(seed=2)
    kw = dict(l1_ratio=[0.2, 0.7, 1.0], alphas=15, cv=3, tol=1e-10, max_iter=100000)
    ours = lf.ElasticNetCV(**kw).fit(X, y)
    ref = sk_linear.ElasticNetCV(**kw).fit(X, y)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


def test_explicit_alpha_grid_and_splitter():
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y, _ = data(seed=3)
    cv = model_selection.KFold(3, shuffle=True, random_state=0)
    grid = np.logspace(-3, 0, 12)
    ours = lf.LassoCV(alphas=grid, cv=cv, tol=1e-10, max_iter=100000).fit(X, y)
    ref = sk_linear.LassoCV(alphas=grid, cv=cv, tol=1e-10, max_iter=100000).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)


def test_check_estimator():
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    from sklearn.exceptions import SkipTestWarning
    for est in (lf.LassoCV(cv=3), lf.ElasticNetCV(cv=3)):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                    category=UserWarning)
            warnings.simplefilter("ignore", SkipTestWarning)
            # scikit-learn's own LassoCV fails this check the same way (the refit at the
            # chosen alpha stops at max_iter=1000 with the same duality gap)
            results = estimator_checks.check_estimator(
                est, on_fail=None, expected_failed_checks={
                    "check_sample_weight_equivalence_on_dense_data":
                        "the refit at the chosen alpha does not converge in 1000 epochs, "
                        "as scikit-learn's",
                    "check_sample_weight_equivalence_on_sparse_data":
                        "the refit at the chosen alpha does not converge in 1000 epochs, "
                        "as scikit-learn's"})
        failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
                  if r["status"] == "failed"]
        assert not failed, "\n".join(failed)


@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_x_equals_dense_x_and_sklearn(weighted):
    """LassoCV / ElasticNetCV / the paths on CSR X (the residual CSC kernel)
    choose the dense fit's alpha and give its coefficients; and scikit-learn's
    on the same sparse X."""
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(5)
    n, d = 300, 40
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
    w = np.zeros(d)
    w[:6] = rng.standard_normal(6) * 2
    y = X @ w + 0.3 * rng.standard_normal(n) + 1.5
    sw = rng.uniform(0.5, 2.0, n) if weighted else None
    Xs = sp.csr_matrix(X)
    for make in (lambda: lf.LassoCV(cv=3, tol=1e-10, max_iter=100000, n_jobs=1),
                 lambda: lf.ElasticNetCV(cv=3, l1_ratio=[0.3, 0.8], tol=1e-10,
                                         max_iter=100000, n_jobs=1)):
        dense = make().fit(X, y, sample_weight=sw)
        sparse = make().fit(Xs, y, sample_weight=sw)
        assert sparse.alpha_ == pytest.approx(dense.alpha_, rel=1e-12)
        assert sparse.l1_ratio_ == dense.l1_ratio_
        np.testing.assert_allclose(sparse.mse_path_, dense.mse_path_, rtol=1e-6)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
        assert sparse.intercept_ == pytest.approx(dense.intercept_, rel=1e-6)
    skl = pytest.importorskip("sklearn.linear_model")
    ours = lf.LassoCV(cv=3, tol=1e-10, max_iter=100000).fit(Xs, y, sample_weight=sw)
    theirs = skl.LassoCV(cv=3, tol=1e-10, max_iter=100000).fit(Xs, y, sample_weight=sw)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-10)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-7)
    alphas_d, coefs_d, _ = lasso_path(X, y - y.mean(), tol=1e-12, max_iter=100000)
    alphas_s, coefs_s, _ = lasso_path(Xs, y - y.mean(), tol=1e-12, max_iter=100000)
    np.testing.assert_allclose(alphas_s, alphas_d, rtol=1e-12)
    np.testing.assert_allclose(coefs_s, coefs_d, rtol=1e-5, atol=1e-8)


class _Tagged(np.ndarray):
    """A dense array of a kind of its own, to plug in as another path kind."""


def test_a_registered_path_kind_is_used_for_the_grid_the_folds_and_the_path():
    from lossfast.linear_model import _coordinate_descent as cd
    from lossfast.linear_model import _cv_path

    calls = {"validate": 0, "path": 0, "moments": 0, "take_rows": 0}

    def validate(caller, X):
        calls["validate"] += 1
        return _cv_path._dense_validate(caller, np.asarray(X)).view(_Tagged)

    def path(X, Y, sw, **options):
        calls["path"] += 1
        assert isinstance(X, _Tagged)
        return _cv_path._path(np.asarray(X), Y, sw, **options)

    def moments(X, Y, sw, fit_intercept):
        calls["moments"] += 1
        return cd._moments(np.asarray(X), Y, sw, fit_intercept)

    def take_rows(X, idx):
        calls["take_rows"] += 1
        return np.ascontiguousarray(np.asarray(X)[idx]).view(_Tagged)

    X, y, sw = data(seed=3)
    tight = dict(tol=1e-12, max_iter=100000)
    _cv_path.register_path_kind("tagged", lambda X: isinstance(X, _Tagged), validate=validate,
                                path=path, moments=moments, take_rows=take_rows)
    try:
        plugged = lf.ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=12, cv=3, **tight).fit(
            X.view(_Tagged), y, sample_weight=sw)
        grid, coefs, gaps = enet_path(X.view(_Tagged), y, alphas=8)
    finally:
        del _cv_path._PATH_KINDS["tagged"]
    assert calls == {"validate": 2, "path": 2 * 3 + 1, "moments": 2, "take_rows": 2 * 2 * 3}
    # dense X with KFold-like folds runs on the folds' Grams (enet_cv_from_grams),
    # another algorithm for the same fits: equal at a tight tolerance
    dense = lf.ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=12, cv=3, **tight).fit(
        X, y, sample_weight=sw)
    np.testing.assert_allclose(plugged.alphas_, dense.alphas_, rtol=1e-12)
    np.testing.assert_allclose(plugged.mse_path_, dense.mse_path_, rtol=1e-9)
    np.testing.assert_allclose(plugged.coef_, dense.coef_, atol=1e-9)
    ref = enet_path(X, y, alphas=8)
    np.testing.assert_array_equal(grid, ref[0])
    np.testing.assert_array_equal(coefs, ref[1])


@pytest.mark.parametrize("splitter", ["group", "shuffle_split", "sparse", "sparse_no_gram"])
def test_cv_fold_grams_and_fallback_match_sklearn(splitter, monkeypatch):
    """KFold-like folds (GroupKFold, KFold) on dense or sparse X run on the
    folds' Grams (enet_cv_from_grams); ShuffleSplit and precompute=False
    keep the per-fold paths; all match scikit-learn's ElasticNetCV at a
    tight tolerance."""
    model_selection = pytest.importorskip("sklearn.model_selection")
    from lossfast.linear_model import _cv_path
    X, y, sw = data(n=180, d=10, seed=5)
    if splitter == "group":
        cv = list(model_selection.GroupKFold(3).split(X, y, np.arange(180) % 8))
    else:
        cv = list(model_selection.ShuffleSplit(3, test_size=0.25, train_size=0.6,
                                               random_state=1).split(X))
    Xf = X
    precompute = "auto"
    if splitter.startswith("sparse"):
        sp = pytest.importorskip("scipy.sparse")
        X = X.copy()
        X[np.abs(X) < 0.8] = 0.0
        Xf = sp.csr_matrix(X)
        cv = 3
        precompute = False if splitter == "sparse_no_gram" else "auto"
    used = []
    real = _cv_path.enet_cv_from_grams
    monkeypatch.setattr(_cv_path, "enet_cv_from_grams",
                        lambda *a: used.append(1) or real(*a))
    kw = dict(l1_ratio=[0.4, 1.0], alphas=12, cv=cv, tol=1e-12, max_iter=100000)
    ours = lf.ElasticNetCV(precompute=precompute, **kw).fit(Xf, y, sample_weight=sw)
    ref = sk_linear.ElasticNetCV(**kw).fit(Xf, y, sample_weight=sw)
    assert bool(used) == (splitter in ("group", "sparse"))
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
