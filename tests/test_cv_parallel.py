"""Cross-validation folds in threads (linear_model/_parallel.py): the same
bits as the serial run, and the choice of workers / kernel threads."""
import threading

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast
from lossfast.linear_model import _parallel


def regression(n=400, d=15, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d) + 1.0
    y = X @ (rng.standard_normal(d) * (rng.random(d) < 0.5)) + rng.standard_normal(n)
    return X, y, rng.uniform(0.5, 2.0, n)


def _fitted_arrays(est, names):
    return [np.asarray(getattr(est, name)) for name in names]


@pytest.mark.parametrize("precompute", ["auto", False])
@pytest.mark.parametrize("weighted", [False, True])
def test_elastic_net_cv_threads_same_bits_as_serial(precompute, weighted):
    X, y, sw = regression()
    sw = sw if weighted else None
    names = ["alpha_", "l1_ratio_", "alphas_", "mse_path_", "coef_", "intercept_"]
    runs = []
    for n_jobs in (1, 2, 3, None):
        est = lf.ElasticNetCV(l1_ratio=[0.3, 0.9], alphas=15, cv=4, precompute=precompute,
                              n_jobs=n_jobs).fit(X, y, sample_weight=sw)
        runs.append(_fitted_arrays(est, names))
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


def test_lasso_cv_random_selection_with_an_int_seed_same_bits():
    X, y, _ = regression(seed=1)
    serial = lf.LassoCV(alphas=10, cv=3, selection="random", random_state=7, n_jobs=1).fit(X, y)
    threaded = lf.LassoCV(alphas=10, cv=3, selection="random", random_state=7, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.mse_path_, threaded.mse_path_)
    np.testing.assert_array_equal(serial.coef_, threaded.coef_)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_cv_threads_same_bits_as_serial(n_classes):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 6))
    y = np.argmax(X @ rng.standard_normal((6, n_classes)) + rng.standard_normal((300, n_classes)),
                  axis=1)
    names = ["C_", "coef_", "intercept_"]
    runs = []
    for n_jobs in (1, 2, -1, None):
        est = lf.LogisticRegressionCV(Cs=5, cv=4, n_jobs=n_jobs).fit(X, y)
        key = est.classes_[-1]
        runs.append(_fitted_arrays(est, names) + [est.scores_[key], est.coefs_paths_[key]])
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


def test_folds_really_run_in_several_threads(monkeypatch):
    """With n_jobs=2 the fold function runs on worker threads, the kernels
    get threads // workers threads each meanwhile, and the setting is
    restored afterwards."""
    seen = []
    before = _lossfast.num_threads_setting()

    def fold(task):
        seen.append((threading.get_ident(), lf.get_num_threads()))
        return task * 2

    with lf.num_threads(2):
        out = _parallel.run_folds(fold, range(6), n_jobs=2)
        assert lf.get_num_threads() == 2
    assert out == [0, 2, 4, 6, 8, 10]
    assert all(ident != threading.get_ident() for ident, _ in seen)
    assert {threads for _, threads in seen} == {1}
    assert _lossfast.num_threads_setting() == before


def test_resolve_workers_rules():
    with lf.num_threads(4):
        assert _parallel.resolve_workers(None, 5) == (4, 1)
        assert _parallel.resolve_workers(None, 2) == (2, 2)
        assert _parallel.resolve_workers(2, 5) == (2, 2)
        assert _parallel.resolve_workers(1, 5) == (1, 4)
        assert _parallel.resolve_workers(-1, 5) == (4, 1)
        assert _parallel.resolve_workers(-2, 5) == (3, 1)
        assert _parallel.resolve_workers(8, 1) == (1, 4)
        for bad in (0, 1.5, True, "2"):
            with pytest.raises(ValueError, match="n_jobs"):
                _parallel.resolve_workers(bad, 5)
    assert _parallel.shared_random_state(np.random.RandomState(0))
    assert _parallel.shared_random_state(None)
    assert not _parallel.shared_random_state(3)
    assert not _parallel.shared_random_state(np.random.RandomState(0), selection="cyclic")
