"""LogisticRegressionCV against scikit-learn."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model._logistic_cv import _partitions, stratified_folds

sk_linear = pytest.importorskip("sklearn.linear_model")
model_selection = pytest.importorskip("sklearn.model_selection")


def data(n=300, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d)
    W = rng.standard_normal((d, k))
    y = np.argmax(0.7 * X @ W + rng.gumbel(size=(n, k)), axis=1)
    return X, y


@pytest.mark.parametrize("n, k, n_splits, labels", [(257, 4, 5, "int"), (100, 2, 3, "int"),
                                                     (311, 6, 4, "str"), (50, 3, 2, "str")])
def test_stratified_folds_equal_sklearn(n, k, n_splits, labels):
    _, y = data(n=n, k=k, seed=1)
    if labels == "str":                  # classes numbered by first appearance, not by value
        y = np.array(["zyx"[i % 3] + str(v) for i, v in enumerate(y)])
    ours = stratified_folds(y, n_splits)
    ref = list(model_selection.StratifiedKFold(n_splits).split(np.zeros(len(y)), y))
    assert len(ours) == len(ref)
    for (a_tr, a_te), (b_tr, b_te) in zip(ours, ref):
        np.testing.assert_array_equal(a_te, b_te)
        np.testing.assert_array_equal(a_tr, b_tr)


def test_partitions():
    """The fold-order layout only for test folds partitioning the rows with
    each training set exactly the rest (any order)."""
    n = 20
    tests = [np.arange(f * 5, f * 5 + 5) for f in range(4)]
    splits = [(np.setdiff1d(np.arange(n), te)[::-1], te) for te in tests]
    order = np.concatenate(tests)
    assert _partitions(splits, tests, order, n)
    dup = list(splits)
    dup[0] = (np.r_[splits[0][0][:-1], splits[0][0][0]], tests[0])    # a row twice, one missing
    assert not _partitions(dup, tests, order, n)
    leak = list(splits)
    leak[1] = (np.r_[splits[1][0][:-1], tests[1][0]], tests[1])       # a test row in training
    assert not _partitions(leak, tests, order, n)
    short = list(splits)
    short[2] = (splits[2][0][:-1], tests[2])                          # a row left out
    assert not _partitions(short, tests, order, n)
    overlap = [te.copy() for te in tests]
    overlap[0][0] = 7                                                 # test folds overlap
    assert not _partitions(splits, overlap, np.concatenate(overlap), n)
    assert not _partitions(splits, tests, order, n + 1)               # a row in no test fold


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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_per_output_kernel(dtype):
    """lm_loss_gradient's loss_per_output: the loss of each of k outputs
    (the models of k folds in one pass) equals k single-output passes, their
    sum is the returned loss, and the gradients are those of the plain pass."""
    from lossfast import _lossfast as core
    from lossfast.linear_model._objective import LossSpec
    rng = np.random.default_rng(4)
    n, d, k = 1003, 7, 3
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (rng.random((n, k)) > 0.4).astype(dtype)
    w = rng.uniform(0.5, 2.0, n).astype(dtype)
    coef = rng.standard_normal((k, d))
    b = rng.standard_normal(k)
    spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    G, gb, L = np.empty((k, d)), np.empty(k), np.empty(k)
    total = core.lm_loss_gradient(X, y, w, coef, b, spec.kernel, spec.params, G, gb, None, L)
    G0, gb0 = np.empty((k, d)), np.empty(k)
    plain = core.lm_loss_gradient(X, y, w, coef, b, spec.kernel, spec.params, G0, gb0, None)
    np.testing.assert_allclose(G, G0, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(gb, gb0, rtol=1e-13, atol=1e-12)
    assert total == pytest.approx(plain, rel=1e-13)
    assert total == pytest.approx(L.sum(), rel=1e-15)
    for c in range(k):
        g1, b1 = np.empty((1, d)), np.empty(1)
        one = core.lm_loss_gradient(X, np.ascontiguousarray(y[:, c:c + 1]), w, coef[c:c + 1],
                                    b[c:c + 1], spec.kernel, spec.params, g1, b1, None)
        assert L[c] == pytest.approx(one, rel=1e-13)
        np.testing.assert_allclose(G[c], g1[0], rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_per_group_kernel(dtype):
    """Row-wise (softmax) loss with groups=K: K models of c classes as the
    K c outputs of one pass, each row's label and weight repeated per model;
    each group's loss and gradient rows equal a single-model pass."""
    from lossfast import _lossfast as core
    from lossfast.linear_model._objective import LossSpec
    rng = np.random.default_rng(7)
    n, d, c, K = 517, 6, 3, 4
    X = rng.standard_normal((n, d)).astype(dtype)
    labels = rng.integers(0, c, n)
    w = rng.uniform(0.5, 2.0, n).astype(dtype)
    coef = rng.standard_normal((K * c, d))
    b = rng.standard_normal(K * c)
    soft = LossSpec("softmax_xent_sparse")
    G, gb, L = np.empty((K * c, d)), np.empty(K * c), np.empty(K)
    Z = np.empty((n, K * c), dtype=dtype)
    total = core.lm_loss_gradient(X, np.repeat(labels, K), np.repeat(w, K), coef, b,
                                  soft.kernel, soft.params, G, gb, Z, L, K)
    assert total == pytest.approx(L.sum(), rel=1e-15)
    for q in range(K):
        rows = slice(q * c, (q + 1) * c)
        g1, b1, z1 = np.empty((c, d)), np.empty(c), np.empty((n, c), dtype=dtype)
        one = core.lm_loss_gradient(X, labels, w, coef[rows], b[rows], soft.kernel,
                                    soft.params, g1, b1, z1)
        assert L[q] == pytest.approx(one, rel=1e-13)
        np.testing.assert_allclose(G[rows], g1, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gb[rows], b1, rtol=1e-12, atol=1e-12)
        # the forward blocks the outputs into SIMD lanes: 12 outputs and 3 take
        # different lanes (on AVX2, different accumulation orders), so the
        # decision values agree to rounding, not bit for bit
        np.testing.assert_allclose(Z[:, rows], z1, rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError):          # groups must divide the outputs
        core.lm_loss_gradient(X, np.repeat(labels, 5), np.repeat(w, 5), coef, b, soft.kernel,
                              soft.params, G, gb, None, np.empty(5), 5)


@pytest.mark.parametrize("solver, n_classes", [("lbfgs", 2), ("newton", 2), ("lbfgs", 3),
                                               ("newton", 3)])
def test_shared_passes_equal_separate_passes(solver, n_classes):
    """The folds' batched passes (SharedPasses: two classes, k-fold
    partitions, no class_weight) give the paths of the per-fold passes
    (forced here by a class_weight of ones: the same objective), with
    sample weights."""
    from lossfast.linear_model import _logistic_cv
    X, y = data(n=500, d=5, k=n_classes, seed=5)
    sw = np.random.default_rng(5).uniform(0.5, 2.0, len(y))
    kw = dict(Cs=np.logspace(-3, 2, 5), cv=5, tol=1e-10, max_iter=1000, solver=solver)
    calls = []
    real = _logistic_cv.SharedPasses._passes

    def counted(self, folds, reqs):
        calls.append(len(folds))
        return real(self, folds, reqs)

    _logistic_cv.SharedPasses._passes = counted
    try:
        batched = lf.LogisticRegressionCV(**kw).fit(X, y, sample_weight=sw)
    finally:
        _logistic_cv.SharedPasses._passes = real
    assert calls and max(calls) == 5           # evaluations of all 5 folds at once
    separate = lf.LogisticRegressionCV(class_weight={c: 1.0 for c in range(n_classes)},
                                       **kw).fit(X, y, sample_weight=sw)
    # (the same objective summed in another order: the solvers may stop one
    # step apart on the relative-reduction rule.  At tol 1e-10 the objective is
    # within ~1e-10 of its optimum, so the coefficients within ~sqrt(1e-10):
    # 1.2e-7 absolute (9e-6 relative) was seen on an AMD EPYC at C = 100, the
    # weakest penalty; 1e-6 still fails a wrong fold by orders of magnitude)
    for key in batched.coefs_paths_:
        np.testing.assert_allclose(batched.coefs_paths_[key], separate.coefs_paths_[key],
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(batched.scores_[key], separate.scores_[key])
    np.testing.assert_allclose(batched.coef_, separate.coef_, rtol=1e-5, atol=1e-6)
    assert batched.C_[0] == separate.C_[0]


def test_shared_passes_error_in_a_fold_is_raised():
    """A fold that fails (its training rows lack a class) raises its error;
    the folds batched with it do not wait for it forever."""
    X, y = data(n=200, d=4, k=2, seed=6)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    # fold 0's test block holds every sample of class 0: its training rows
    # have one class, the other folds' have both
    n0 = int(np.sum(y == 0))
    idx = np.arange(len(y))
    splits = [(idx[n0:], idx[:n0])]
    rest = np.array_split(idx[n0:], 3)
    for te in rest:
        splits.append((np.setdiff1d(idx, te), te))
    with pytest.raises(ValueError, match="lacks a class|at least 2 classes"):
        lf.LogisticRegressionCV(Cs=3, cv=splits).fit(X, y)


def test_shared_passes_fold_lacking_one_of_three_classes():
    """With three classes, a training fold with two of them would fit a binary
    model beside the others' softmax ones: it is refused before any pass."""
    X, _ = data(n=300, d=4, k=3, seed=8)
    y = np.repeat([0, 1, 2], 100)
    blocks = [np.arange(0, 100), np.arange(100, 200), np.arange(200, 300)]
    splits = [(np.setdiff1d(np.arange(300), te), te) for te in blocks]
    with pytest.raises(ValueError, match="lacks a class"):
        lf.LogisticRegressionCV(Cs=3, cv=splits).fit(X, y)


@pytest.mark.parametrize("k, ratios", [(2, (0.0,)), (3, (0.0,)), (2, (0.0, 0.5))])
def test_batched_accuracies_without_intercept(k, ratios):
    """The folds' accuracies (scored after the paths from the stored
    coefficients, every (C, l1_ratio) at once) equal each separately fitted
    model's, without an intercept, for a multinomial model and over two
    l1_ratios."""
    X, y = data(n=240, k=k, seed=5)
    Cs = np.logspace(-2, 2, 4)
    ours = lf.LogisticRegressionCV(Cs=Cs, cv=3, l1_ratios=ratios, fit_intercept=False,
                                   tol=1e-10, max_iter=1000).fit(X, y)
    key = ours.classes_[1] if k == 2 else ours.classes_[0]
    for f, (train, test) in enumerate(stratified_folds(y, 3)):
        for c, C in enumerate(Cs):
            for r, l1_ratio in enumerate(ratios):
                ref = lf.LogisticRegression(C=C, l1_ratio=l1_ratio, fit_intercept=False,
                                            tol=1e-10, max_iter=1000).fit(X[train], y[train])
                acc = np.mean(ref.predict(X[test]) == y[test])
                assert ours.scores_[key][f, c, r] == pytest.approx(acc)
