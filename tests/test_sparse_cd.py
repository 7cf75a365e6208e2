"""Lasso / ElasticNet on sparse X (residual CD over CSC columns, implicit
centring) against the dense fits, scikit-learn's sparse fits and the CSC
kernels against NumPy."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast
from lossfast.linear_model import ConvergenceWarning
from lossfast.linear_model._coordinate_descent import (CSCData, _moments, as_csc, fit_enet,
                                                       validate_cd_X)

sp = pytest.importorskip("scipy.sparse")
sk_lm = pytest.importorskip("sklearn.linear_model")

TIGHT = dict(tol=1e-12, max_iter=100_000)


def sparse_data(n=300, d=40, density=0.15, seed=0, k=None, dtype=np.float64, n_informative=8):
    """Non-negative sparse X (means far from 0: the centring matters), an
    empty column, y with an offset, positive weights."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csc", random_state=seed,
                  data_rvs=lambda m: rng.uniform(0.5, 3.0, m)).astype(dtype)
    X.data[X.indptr[3]:X.indptr[4]] = 0.0      # an empty column
    X.eliminate_zeros()
    X = sp.csr_matrix(X)
    W = np.zeros((d, k or 1))
    W[:n_informative] = rng.standard_normal((n_informative, k or 1)) * 2
    Y = X @ W + 1.5 + 0.3 * rng.standard_normal((n, k or 1))
    y = Y[:, 0] if k is None else Y
    return X, y.astype(dtype), rng.uniform(0.2, 3.0, n).astype(dtype)


def assert_same_fit(ours, ref, atol=1e-6):
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=atol)
    np.testing.assert_array_equal(np.asarray(ours.coef_) != 0, np.asarray(ref.coef_) != 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_sparse_equals_dense_and_sklearn_sparse(dtype, weighted, fit_intercept, l1_ratio):
    X, y, sw = sparse_data(dtype=dtype, seed=1)
    sw = sw if weighted else None
    kw = dict(alpha=0.02, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT)
    ours = lf.ElasticNet(**kw).fit(X, y, sample_weight=sw)
    dense = lf.ElasticNet(**kw).fit(X.toarray(), y, sample_weight=sw)
    # scikit-learn's sparse solver in float64 (its float32 path is float32 CD)
    X64 = X.astype(np.float64)
    ref = sk_lm.ElasticNet(**kw).fit(X64, y.astype(np.float64),
                                     sample_weight=None if sw is None else sw.astype(np.float64))
    atol = 1e-6 if dtype == np.float64 else 2e-5
    assert ours.coef_.dtype == dtype
    assert_same_fit(ours, dense, atol=atol)
    assert_same_fit(ours, ref, atol=atol)
    assert 0 < np.count_nonzero(ours.coef_) < X.shape[1]
    assert float(ours.dual_gap_) <= 1e-12 * float(np.var(y)) * 10 + 1e-10
    np.testing.assert_allclose(ours.predict(X), dense.predict(X.toarray()),
                               rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-5)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("selection", ["cyclic", "random"])
def test_lasso_sparse_matches_sklearn(positive, selection):
    X, y, _ = sparse_data(seed=2, n=200, d=60)
    kw = dict(alpha=0.01, positive=positive, selection=selection, random_state=0, **TIGHT)
    ours = lf.Lasso(**kw).fit(X, y)
    ref = sk_lm.Lasso(**kw).fit(X, y)
    assert_same_fit(ours, ref)
    assert abs(ours.dual_gap_ - ref.dual_gap_) <= 1e-8


def test_sparse_wide_and_multi_output():
    X, Y, sw = sparse_data(n=60, d=150, seed=3, k=3)
    kw = dict(alpha=0.05, l1_ratio=0.7, **TIGHT)
    ours = lf.ElasticNet(**kw).fit(X, Y, sample_weight=sw)
    dense = lf.ElasticNet(**kw).fit(X.toarray(), Y, sample_weight=sw)
    ref = sk_lm.ElasticNet(**kw).fit(X, Y, sample_weight=sw)
    assert ours.coef_.shape == (3, 150) and ours.intercept_.shape == (3,)
    assert len(ours.n_iter_) == 3 and ours.dual_gap_.shape == (3,)
    assert_same_fit(ours, dense)
    assert_same_fit(ours, ref)
    assert ours.predict(X).shape == (60, 3)


def test_irregular_sparse_inputs_give_the_same_fit():
    """Unsorted indices, duplicates (summed), explicit zeros, empty columns,
    int64 indices, CSC / COO / *_array input: one fit."""
    X, y, sw = sparse_data(seed=4)
    ref = lf.ElasticNet(alpha=0.02, **TIGHT).fit(X, y, sample_weight=sw)
    coo = X.tocoo()
    rng = np.random.default_rng(0)
    # split every entry into two duplicates and add explicit zeros, shuffled
    half = coo.data * 0.25
    rows = np.concatenate([coo.row, coo.row, rng.integers(0, X.shape[0], 50)])
    cols = np.concatenate([coo.col, coo.col, rng.integers(0, X.shape[1], 50)])
    vals = np.concatenate([coo.data - half, half, np.zeros(50)])
    perm = rng.permutation(rows.size)
    rows, cols, vals = rows[perm], cols[perm], vals[perm]
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    irregular = sp.csr_matrix((vals[order], cols[order].astype(np.int64), np.cumsum(indptr)),
                              shape=X.shape)
    assert not irregular.has_canonical_format
    inputs = [irregular, X.tocsc(), X.tocoo(), sp.csr_array(X), sp.csc_array(X),
              sp.coo_matrix((vals, (rows, cols)), shape=X.shape)]
    # a non-canonical CSC (duplicates, unsorted) taken directly
    csc_dup = sp.csc_matrix((vals, (rows, cols)), shape=X.shape)
    csc_dup = sp.csc_matrix((csc_dup.data, csc_dup.indices, csc_dup.indptr), shape=X.shape)
    inputs.append(sp.csc_matrix(irregular.tocsc()))
    inputs.append(csc_dup)
    for Xi in inputs:
        before = Xi.copy()
        m = lf.ElasticNet(alpha=0.02, **TIGHT).fit(Xi, y, sample_weight=sw)
        np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-9)
        np.testing.assert_allclose(m.intercept_, ref.intercept_, atol=1e-9)
        # the input is never modified
        assert (abs(Xi - before)).max() == 0 and Xi.format == before.format


def test_as_csc_copies_once_and_keeps_dtype():
    X, _, _ = sparse_data(seed=5, dtype=np.float32)
    C = X.tocsc()
    Xs = as_csc(C)
    assert Xs.data is C.data or np.shares_memory(Xs.data, C.data)   # canonical CSC: no copy
    assert Xs.dtype == np.float32
    Xi = sp.csr_matrix(np.round(X.toarray() * 3).astype(np.int64))
    Xs2 = as_csc(Xi)
    assert Xs2.dtype == np.float64
    np.testing.assert_array_equal(Xs2.matvec(np.ones(X.shape[1])), Xi @ np.ones(X.shape[1]))
    # take_rows (the folds of a cross-validated path) equals slicing
    idx = np.array([5, 0, 17, 3, 250])
    sub = Xs.take_rows(idx)
    np.testing.assert_array_equal(sp.csc_matrix((sub.data, sub.indices, sub.indptr),
                                                shape=sub.shape).toarray(), C[idx].toarray())


def test_warm_start_and_convergence_warning_on_sparse():
    X, y, _ = sparse_data(seed=6)
    m = lf.Lasso(alpha=0.01, warm_start=True, tol=1e-10).fit(X, y)
    m.fit(X, y)
    assert m.n_iter_ <= 2
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        lf.Lasso(alpha=1e-4, max_iter=2, tol=1e-14).fit(X, y)


def test_sparse_errors():
    X, y, _ = sparse_data(seed=7)
    bad = X.copy()
    bad.data[2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        lf.Lasso().fit(bad, y)
    with pytest.raises(ValueError, match="inconsistent"):
        lf.Lasso().fit(X, y[:-1])
    m = lf.Lasso(alpha=0.01).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :5])
    with pytest.raises(ValueError, match="0 sample"):
        lf.Lasso().fit(X[:0], y[:0])


def test_path_core_on_sparse_matches_dense():
    """The functions a regularisation path calls (validate_cd_X, _moments,
    fit_enet), warm-started along a grid, on sparse and dense X."""
    X, y, sw = sparse_data(seed=8)

    class Caller:
        pass

    Xs = validate_cd_X(Caller(), X, reset=True)
    assert isinstance(Xs, CSCData)
    Xd = X.toarray()
    Y = y.reshape(-1, 1)
    n, d = X.shape
    ms = _moments(Xs, Y, sw, True)
    md = _moments(Xd, Y, sw, True)
    np.testing.assert_allclose(ms["q"], md["q"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(ms["norms"], md["norms"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(ms["yy"], md["yy"], rtol=1e-12)
    Ws = Wd = np.zeros((1, d))
    for alpha in np.geomspace(0.2, 0.002, 6):
        a, b = alpha * 0.8 * n, alpha * 0.2 * n
        Ws, gs, _ = fit_enet(Xs, Y, sw, ms, Ws, a, b, False, False, 1, 10_000, 1e-12)
        Wd, gd, _ = fit_enet(Xd, Y, sw, md, Wd, a, b, False, False, 1, 10_000, 1e-12)
        np.testing.assert_allclose(Ws, Wd, atol=1e-7)
        assert gs[0] <= 1e-12 * ms["yy"][0]


def test_check_estimator_sparse_tag():
    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator
    est = lf.ElasticNet()
    assert est.__sklearn_tags__().input_tags.sparse
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                category=UserWarning)
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(est, on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    assert any(r["check_name"] == "check_estimator_sparse_array" and r["status"] == "passed"
               for r in results)


# --------------------------------------------------------------------------- kernels


def reference_csc_cd(X, y, W, xm, norms, w, a, b, epochs):
    """Plain NumPy CD epochs on the explicitly centred, weighted problem."""
    Xc = X - xm
    w = w.copy()
    for _ in range(epochs):
        for j in range(X.shape[1]):
            if norms[j] == 0:
                continue
            r = y - Xc @ w
            tmp = Xc[:, j] @ (W * r) + w[j] * norms[j]
            w[j] = np.sign(tmp) * max(abs(tmp) - a, 0.0) / (norms[j] + b)
    return w


@pytest.mark.parametrize("idx", [np.int32, np.int64])
@pytest.mark.parametrize("weighted", [False, True])
def test_csc_kernel_matches_numpy(simd_level, dtype, idx, weighted):
    X, y, sw = sparse_data(n=80, d=12, seed=9, dtype=dtype, density=0.3)
    C = X.tocsc()
    n, d = X.shape
    Xd = X.toarray().astype(np.float64)
    W = sw.astype(np.float64) if weighted else np.ones(n)
    W *= n / W.sum()        # the kernel's precondition: weights summing to n
    xm = W @ Xd / n
    yc = y.astype(np.float64) - W @ y / n
    norms = np.einsum("i,ij,ij->j", W, Xd - xm, Xd - xm)
    s1, s2, xy = np.empty(d), np.empty(d), np.empty((d, 1))
    _lossfast.cd_csc_moments(C.data, C.indices.astype(idx), C.indptr.astype(idx), n,
                             W if weighted else None, yc.reshape(1, n).copy(), s1, s2, xy)
    np.testing.assert_allclose(s1, W @ Xd, rtol=1e-12)
    np.testing.assert_allclose(s2, W @ Xd**2, rtol=1e-12)
    np.testing.assert_allclose(xy[:, 0], (W * yc) @ Xd, rtol=1e-10, atol=1e-12)
    w = np.zeros(d)
    a, b = 0.05 * n, 0.01 * n
    it, gap = _lossfast.cd_enet_csc(C.data, C.indices.astype(idx), C.indptr.astype(idx), n,
                                    W if weighted else None, xm, yc, norms, w, a, b, False,
                                    False, False, np.array([1], np.uint64), 3, 0.0, 0.0)
    assert it == 3
    np.testing.assert_allclose(w, reference_csc_cd(Xd, yc, W, xm, norms, np.zeros(d), a, b, 3),
                               rtol=1e-10, atol=1e-12)


def test_csc_kernel_same_result_for_any_thread_count():
    X, y, _ = sparse_data(n=3000, d=400, seed=10, density=0.05)
    res = []
    for t in (1, 2):
        with lf.num_threads(t):
            m = lf.ElasticNet(alpha=0.005, tol=1e-10).fit(X, y)
        res.append(m.coef_.copy())
    np.testing.assert_array_equal(res[0], res[1])


@pytest.mark.parametrize("idx", [np.int32, np.int64])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (500, 40), (3000, 700)])
def test_csr_to_csc_kernel_equals_scipy(dtype, idx, shape):
    n, d = shape
    X = sp.random(n, d, density=0.1, format="csr", random_state=n + d, dtype=dtype)
    if n > 10:
        X = sp.csr_matrix(X[np.r_[0:n // 2, n // 2 + 3:n]])      # rows removed
        X = sp.vstack([X, sp.csr_matrix((3, d), dtype=dtype)], format="csr")  # empty rows
    ref = X.tocsc()
    ref.sort_indices()
    for t in (1, 2):
        out_data = np.empty_like(X.data)
        out_indices = np.empty(X.nnz, dtype=idx)
        out_indptr = np.empty(d + 1, dtype=idx)
        with lf.num_threads(t):
            _lossfast.cd_csr_to_csc(X.data, X.indices.astype(idx), X.indptr.astype(idx), d,
                                    out_data, out_indices, out_indptr)
        np.testing.assert_array_equal(out_indptr, ref.indptr)
        np.testing.assert_array_equal(out_indices, ref.indices)
        np.testing.assert_array_equal(out_data, ref.data)
    Xs = as_csc(X)
    np.testing.assert_array_equal(Xs.indices, ref.indices)
    assert Xs.dtype == dtype


def test_a_fold_of_the_path_core_on_csc_data():
    """What a cross-validated path does with sparse X: the rows of a fold
    (take_rows), its path fit, held-out predictions (matvec) and the refit
    of ElasticNet on the converted data (validate_cd_X takes a CSCData)."""
    X, y, _ = sparse_data(seed=11)

    class Caller:
        pass

    Xs = validate_cd_X(Caller(), X, reset=True)
    assert len(Xs) == X.shape[0]
    train, test = np.arange(0, 300, 2), np.arange(1, 300, 2)
    Xtr = Xs.take_rows(train)
    Y = y[train].reshape(-1, 1)
    mom = _moments(Xtr, Y, None, True)
    n, d = Xtr.shape
    W, _, _ = fit_enet(Xtr, Y, None, mom, np.zeros((1, d)), 0.02 * n, 0.0, False, False, 1,
                       10_000, 1e-12)
    ref = lf.Lasso(alpha=0.02, tol=1e-12, max_iter=10_000).fit(X[train], y[train])
    np.testing.assert_allclose(W[0], ref.coef_, atol=1e-8)
    b = mom["y_mean"] - W @ mom["x_mean"]
    np.testing.assert_allclose(Xs.take_rows(test).matvec(W, b)[:, 0], ref.predict(X[test]),
                               rtol=1e-9, atol=1e-9)
    refit = lf.Lasso(alpha=0.02, tol=1e-12, max_iter=10_000).fit(Xtr, y[train])
    np.testing.assert_allclose(refit.coef_, ref.coef_, atol=1e-9)
