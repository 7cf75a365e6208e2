"""LogisticRegressionCV(scoring=callable) on Dask arrays (threaded scheduler
and a LocalCluster): the scorer gets each fold's model with the held-out
rows as lazy Dask arrays and computes its score from lazy predictions; the
scores equal the in-memory LogisticRegressionCV's (to the 1e-6 relative of
the paths' coefficients: the Dask fold models are fitted on all rows with
the held-out rows at weight zero), and so do C_ and the refit; X is never
materialised in the client (the guards of test_dask: the held-out X of a
fold has more rows than a chunk, so computing it raises)."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
sklearn_metrics = pytest.importorskip("sklearn.metrics")

import lossfast as lf  # noqa: E402
from test_dask import (_lazy_X, _no_client_compute_of_X, _numpy_X, _rel,  # noqa: E402,F401
                       _split, _targets, cluster, scheduler)


def _true_class_probability(est, X, y):
    """A custom scorer: the mean predicted probability of the true class."""
    p = np.asarray(est.predict_proba(X))
    idx = np.searchsorted(est.classes_, np.asarray(y))
    return float(np.mean(p[np.arange(len(idx)), idx]))


@pytest.mark.parametrize("target", ["binary", "multinomial"])
def test_logistic_regression_cv_scoring(scheduler, target):
    Xn = _numpy_X()
    _, yb, y3, sw = _targets(Xn)
    y = yb if target == "binary" else y3
    Xd = _lazy_X("worker" if scheduler == "distributed" else "any")
    Cs = np.logspace(-3, 1, 4)
    seen = []

    def recording(est, X, y_test):
        seen.append((type(X), type(y_test), X.shape, y_test.shape, X.dtype))
        return _true_class_probability(est, X, y_test)

    from sklearn.model_selection import KFold, StratifiedKFold
    # splitters: their test indices come to the client (not X); KFold's
    # contiguous folds leave some chunks without held-out rows
    cases = [(sklearn_metrics.get_scorer("neg_log_loss"), sw, 3),
             (recording, None, 3),
             (_true_class_probability, sw, StratifiedKFold(3, shuffle=True, random_state=0)),
             (sklearn_metrics.get_scorer("neg_log_loss"), None, KFold(3))]
    for scoring, s, cv in cases:
        kw = dict(Cs=Cs, cv=cv, tol=1e-8, scoring=scoring)
        ref = lf.LogisticRegressionCV(**kw).fit(Xn, y, sample_weight=s)
        seen.clear()
        dk = lf.LogisticRegressionCV(**kw).fit(Xd, _split(y),
                                              sample_weight=None if s is None else _split(s))
        if scoring is recording:
            calls = list(seen)          # the Dask fit's calls
        for label in ref.scores_:
            np.testing.assert_allclose(dk.scores_[label], ref.scores_[label], rtol=1e-6)
        np.testing.assert_array_equal(dk.C_, ref.C_)
        assert _rel(dk.coef_, ref.coef_) < 1e-6
        # the scores vary over C (the choice is not trivial)
        assert np.ptp(ref.scores_[ref.classes_[-1]].mean(axis=0)) > 0
    # what the scorer received: lazy Dask arrays of each fold's held-out rows
    folds = [len(test) for _, test in
             lf.linear_model._logistic_cv.stratified_folds(np.searchsorted(np.unique(y), y),
                                                           3)]
    assert len(calls) == 3 * len(Cs)
    assert all(tx is da.Array and ty is da.Array for tx, ty, *_ in calls)
    assert [xs for _, _, xs, _, _ in calls[::len(Cs)]] == [(m, Xn.shape[1]) for m in folds]
    assert [ys for _, _, _, ys, _ in calls[::len(Cs)]] == [(m,) for m in folds]
    assert all(dt == Xn.dtype for *_, dt in calls)


def test_held_out_rows_and_labels():
    """The held-out arrays hold exactly the fold's rows and labels (string
    labels keep their dtype), in X's row order, without empty chunks
    (KFold's contiguous folds leave chunks without rows of a fold)."""
    from lossfast.linear_model import _dask, _dask_cv, _dask_scoring
    Xn = _numpy_X()
    _, _, y3, _ = _targets(Xn)
    labels = np.array(["a", "b", "c"])[y3]
    with dask.config.set(scheduler="threads"):
        M = _dask.DaskMatrix(da.from_array(Xn, chunks=(400, Xn.shape[1])))
        classes, yk, _ = M.classification_targets(None, _split(labels), None)
        for ids, n_folds in (_dask_cv.stratified_ids(M, yk, len(classes), 3),
                             _dask_cv.kfold_ids(M, 3)):
            scorer = _dask_scoring.FoldScorer(None, M, _split(labels), ids, n_folds,
                                              (n_folds, 1, 1))
            fold_of = ids.array.compute()
            for f in range(n_folds):
                Xt, yt = scorer.held_out(f)
                assert 0 not in Xt.chunks[0] and Xt.chunks[0] == yt.chunks[0]
                got_X, got = dask.compute(Xt, yt)     # (Xt.compute() is guarded)
                np.testing.assert_array_equal(got_X, Xn[fold_of == f])
                assert got.dtype == labels.dtype
                np.testing.assert_array_equal(got, labels[fold_of == f])
