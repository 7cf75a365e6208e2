"""LogisticRegressionCV against scikit-learn."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model._logistic_cv import stratified_folds

sk_linear = pytest.importorskip("sklearn.linear_model")
model_selection = pytest.importorskip("sklearn.model_selection")


def data(n=300, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d)
    W = rng.standard_normal((d, k))
    y = np.argmax(0.7 * X @ W + rng.gumbel(size=(n, k)), axis=1)
    return X, y


def test_stratified_folds_equal_sklearn():
    _, y = data(n=257, k=4, seed=1)
    ours = stratified_folds(y, 5)
    ref = list(model_selection.StratifiedKFold(5).split(np.zeros(len(y)), y))
    for (a_tr, a_te), (b_tr, b_te) in zip(ours, ref):
        np.testing.assert_array_equal(a_te, b_te)
        np.testing.assert_array_equal(a_tr, b_tr)


@pytest.mark.parametrize("k", [2, 3])
def test_logistic_cv_matches_sklearn(k):
    X, y = data(k=k)
    Cs = np.logspace(-3, 2, 6)
    ours = lf.LogisticRegressionCV(Cs=Cs, cv=4, tol=1e-10, max_iter=1000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = sk_linear.LogisticRegressionCV(Cs=Cs, cv=4, tol=1e-10, max_iter=10000,
                                             scoring="accuracy", l1_ratios=(0.0,)).fit(X, y)
    np.testing.assert_allclose(ours.C_, ref.C_)
    key = ours.classes_[-1]
    np.testing.assert_allclose(ours.scores_[key].reshape(ref.scores_[key].shape),
                               ref.scores_[key], atol=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-5, atol=1e-6)
    ref_paths = np.asarray(ref.coefs_paths_[key]).reshape(ours.coefs_paths_[key].shape)
    np.testing.assert_allclose(ours.coefs_paths_[key], ref_paths, rtol=1e-4, atol=1e-5)


def test_l1_ratios_refit_false_scorer_and_sparse():
    sp = pytest.importorskip("scipy.sparse")
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = data(k=2, seed=2)
    X[np.abs(X) < 0.5] = 0.0
    kw = dict(Cs=4, l1_ratios=(0.0, 0.5, 1.0), cv=3, tol=1e-8)
    a = lf.LogisticRegressionCV(**kw).fit(X, y)
    b = lf.LogisticRegressionCV(**kw).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    assert a.scores_[1].shape == (3, 4, 3)
    assert a.l1_ratio_[0] in (0.0, 0.5, 1.0)
    c = lf.LogisticRegressionCV(refit=False, **kw).fit(X, y)
    assert c.coef_.shape == a.coef_.shape and c.predict(X).shape == y.shape
    d = lf.LogisticRegressionCV(scoring=metrics.get_scorer("neg_log_loss"), **kw).fit(X, y)
    assert np.all(d.scores_[1] < 0)


def test_check_estimator():
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    from sklearn.exceptions import SkipTestWarning
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                category=UserWarning)
        warnings.simplefilter("ignore", SkipTestWarning)
        results = estimator_checks.check_estimator(lf.LogisticRegressionCV(Cs=3, cv=3),
                                                   on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("splitter", ["kfold", "shuffle"])
def test_fold_paths_equal_separate_fits(splitter):
    """Each fold's path equals LogisticRegression fitted on that fold's rows,
    whether the folds partition the rows (one copy of X in fold order, each
    training set two views of it) or not (ShuffleSplit: rows gathered per
    fold)."""
    X, y = data(n=240, k=2, seed=3)
    if splitter == "kfold":
        cv = 3
        splits = stratified_folds(y, 3)
    else:
        cv = model_selection.ShuffleSplit(3, test_size=0.3, random_state=0)
        splits = list(cv.split(X, y))
    Cs = np.logspace(-2, 2, 4)
    ours = lf.LogisticRegressionCV(Cs=Cs, cv=cv, tol=1e-10, max_iter=1000).fit(X, y)
    paths = ours.coefs_paths_[1]
    for f, (train, test) in enumerate(splits):
        for c, C in enumerate(Cs):
            ref = lf.LogisticRegression(C=C, tol=1e-10, max_iter=1000).fit(X[train], y[train])
            # coefs_paths_[label]: (n_folds, n_Cs, n_l1_ratios, n_features + 1)
            np.testing.assert_allclose(paths[f, c, 0, :-1], ref.coef_[0], rtol=1e-6, atol=1e-8)
            np.testing.assert_allclose(paths[f, c, 0, -1], ref.intercept_[0], rtol=1e-6,
                                       atol=1e-8)
            acc = np.mean(ref.predict(X[test]) == y[test])
            assert ours.scores_[1][f, c, 0] == pytest.approx(acc)
