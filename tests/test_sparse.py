"""Sparse X in every estimator: fits equal dense fits on X.toarray(), every
SciPy format and irregular input, parity with scikit-learn, bit-identical
threads, and no densifying (tracemalloc)."""
import tracemalloc
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast as core
from lossfast.linear_model._matrix import DenseMatrix, design_matrix
from lossfast.linear_model._objective import LossSpec
from lossfast.linear_model._sparse import CSRMatrix

sp = pytest.importorskip("scipy.sparse")

OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"]


def sparse_data(n=300, d=25, density=0.15, seed=0, dtype=np.float64, k=None, classes=None):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, random_state=seed, format="csr", dtype=np.float64)
    X.data = rng.standard_normal(X.nnz) * 2.0 + 0.5
    X = X.astype(dtype)
    Xd = X.toarray()
    if classes is not None:
        W = rng.standard_normal((d, classes))
        y = np.argmax(Xd @ W + rng.gumbel(size=(n, classes)), axis=1)
    else:
        coef = rng.standard_normal((d,) if k is None else (d, k))
        y = Xd @ coef + 1.0 + 0.1 * rng.standard_normal((n,) if k is None else (n, k))
    return X, y, rng.uniform(0.5, 2.0, n)


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# --------------------------------------------------------------------------- kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("itype", [np.int32, np.int64])
@pytest.mark.parametrize("case", ["mse", "bce", "softmax"])
def test_csr_kernels_equal_dense_kernels(dtype, itype, case):
    rng = np.random.default_rng(1)
    X, _, w = sparse_data(n=1500, d=40, dtype=dtype, seed=2)
    X.indices = X.indices.astype(itype)
    X.indptr = X.indptr.astype(itype)
    Xd = X.toarray()
    k = {"mse": 2, "bce": 1, "softmax": 4}[case]
    if case == "mse":
        y = rng.standard_normal((1500, k)).astype(dtype)
        spec = LossSpec("mse")
    elif case == "bce":
        y = (rng.random((1500, 1)) < 0.5).astype(dtype)
        spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    else:
        y = rng.integers(0, k, 1500).astype(np.int64)
        spec = LossSpec("softmax_xent_sparse")
    coef = rng.standard_normal((k, 40)) * 0.3
    b = rng.standard_normal(k)
    S, D = CSRMatrix.from_scipy(X), DenseMatrix(np.ascontiguousarray(Xd))
    w = w.astype(dtype)
    Zs, Zd = np.empty((1500, k), dtype), np.empty((1500, k), dtype)
    vs, gs, bs = S.loss_gradient(y, w, coef, b, spec, z_out=Zs)
    vd, gd, bd = D.loss_gradient(y, w, coef, b, spec, z_out=Zd)
    assert vs == pytest.approx(vd, rel=1e-12)
    np.testing.assert_allclose(gs, gd, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(bs, bd, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(Zs, Zd, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-12)
    np.testing.assert_allclose(S.matvec(coef, b), Xd.astype(np.float64) @ coef.T + b,
                               rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-5)
    R = rng.standard_normal((1500, k))
    np.testing.assert_allclose(S.rmatvec(R), R.T @ Xd.astype(np.float64), rtol=1e-11,
                               atol=1e-11)
    Y = rng.standard_normal((1500, 2)).astype(dtype)
    Wm = rng.random((1500, 3)).astype(dtype)
    shift = rng.standard_normal(42)
    np.testing.assert_allclose(S.gram(Wm, shift=shift, ones=True, Y=Y),
                               D.gram(Wm, shift=shift, ones=True, Y=Y), rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(S.gram(None), D.gram(None), rtol=1e-11, atol=1e-10)
    mean_s, var_s = S.column_moments(w)
    mean_d, var_d = D.column_moments(w)
    np.testing.assert_allclose(mean_s, mean_d, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(var_s, var_d, rtol=1e-7, atol=1e-10)
    mean_s, var_s = S.column_moments(None)
    mean_d, var_d = D.column_moments(None)
    np.testing.assert_allclose(mean_s, mean_d, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(var_s, var_d, rtol=1e-7, atol=1e-10)
    idx = np.array([5, 0, 1499, 7, 7, 300])
    np.testing.assert_array_equal(S.take_rows(idx).toarray(), Xd[idx])


@pytest.mark.parametrize("case", ["bce", "softmax"])
def test_csr_loss_gradient_of_given_decision_values(case):
    """z_given: the pass takes the decision values from z_out instead of X
    coef^T + b.  At Z = X coef^T + b it is the usual pass; at any other Z
    the loss and the gradient R^T X, sum R of that Z (the NumPy reference);
    float32 data refuse it (their z_out is float32)."""
    rng = np.random.default_rng(7)
    n, d = 900, 30
    X, _, w = sparse_data(n=n, d=d, seed=8)
    Xd = X.toarray()
    S = CSRMatrix.from_scipy(X)
    assert S.takes_decision_values
    if case == "bce":
        k, y = 1, (rng.random((n, 1)) < 0.5).astype(np.float64)
        spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    else:
        k, y = 3, rng.integers(0, 3, n).astype(np.int64)
        spec = LossSpec("softmax_xent_sparse")
    coef, b = rng.standard_normal((k, d)) * 0.3, rng.standard_normal(k)
    Z = np.empty((n, k))
    v0, g0, b0 = (np.copy(a) if isinstance(a, np.ndarray) else a
                  for a in S.loss_gradient(y, w, coef, b, spec, z_out=Z))
    v1, g1, b1 = S.loss_gradient(y, w, coef, b, spec, z_out=Z.copy(), z_given=True)
    assert v1 == pytest.approx(v0, rel=1e-13)
    np.testing.assert_allclose(g1, g0, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(b1, b0, rtol=1e-12, atol=1e-13)
    # another Z: coef is ignored, the loss and gradient are those of Z
    Zo = rng.standard_normal((n, k))
    v2, g2, b2 = S.loss_gradient(y, w, coef, b, spec, z_out=Zo.copy(), z_given=True)
    if case == "bce":
        t = y[:, 0]
        p = 1.0 / (1.0 + np.exp(-Zo[:, 0]))
        loss = np.logaddexp(0.0, Zo[:, 0]) - t * Zo[:, 0]
        R = (w * (p - t))[:, None]
    else:
        P = np.exp(Zo - Zo.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        loss = -np.log(P[np.arange(n), y])
        R = w[:, None] * (P - np.eye(k)[y])
    assert v2 == pytest.approx(float(w @ loss), rel=1e-12)
    np.testing.assert_allclose(g2, R.T @ Xd, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(b2, R.sum(axis=0), rtol=1e-11, atol=1e-12)
    S32 = CSRMatrix.from_scipy(X.astype(np.float32))
    assert not S32.takes_decision_values
    with pytest.raises(ValueError, match="z_given"):
        S32.loss_gradient(y if case != "bce" else y.astype(np.float32), w.astype(np.float32),
                          coef, b, spec, z_out=Z.astype(np.float32), z_given=True)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
def test_moments_with_the_zero_start_gradient(fit_intercept, weighted):
    """CSRMatrix.moments_and_zero_gradient: the column moments and the loss /
    gradient at coef 0, intercept 0 from one scatter equal column_moments and
    the plain pass; LinearObjective serves its start from them (no pass of
    its own there), and an X whose column_moments was replaced (a path's
    shared moments) keeps them and gets no fused pass."""
    X, y, w = sparse_data(n=700, d=40, seed=9)
    sw = w if weighted else None
    yk = (y > np.median(y)).astype(np.float64).reshape(-1, 1)
    spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    S = CSRMatrix.from_scipy(X)
    mean, var, (val, gc, gb) = S.moments_and_zero_gradient(yk, sw, spec, fit_intercept)
    m2, v2 = S.column_moments(sw)
    np.testing.assert_allclose(mean, m2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(var, v2, rtol=1e-10, atol=1e-15)
    v0, g0, b0 = S.loss_gradient(yk, sw, np.zeros((1, 40)),
                                 np.zeros(1) if fit_intercept else None, spec)
    assert val == pytest.approx(v0, rel=1e-13)
    np.testing.assert_allclose(gc, g0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, b0, rtol=1e-12, atol=1e-14)
    from lossfast.linear_model._objective import LinearObjective
    obj = LinearObjective(S, yk, sw, 1, spec, fit_intercept, 0.5)
    f, g = obj.loss_grad(np.zeros(obj.n_params))
    assert obj.n_evals == 0
    plain = LinearObjective(S, yk, sw, 1, spec, fit_intercept, 0.5,
                            center=obj.center, scale=obj.scale)
    f2, g2 = plain.loss_grad(np.zeros(obj.n_params))
    assert plain.n_evals == 1
    assert f == pytest.approx(f2, rel=1e-13)
    np.testing.assert_allclose(g, g2, rtol=1e-12, atol=1e-14)
    S.column_moments = lambda sample_weight=None: (m2, v2)
    assert S.moments_and_zero_gradient(yk, sw, spec, fit_intercept) is None
    assert CSRMatrix.from_scipy(X.astype(np.float32)).moments_and_zero_gradient(
        yk.astype(np.float32), sw, spec, fit_intercept) is None


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("loss", ["squared_hinge", "log_loss"])
def test_newton_cg_with_given_decision_values(monkeypatch, fit_intercept, loss):
    """Newton-CG on CSR float64 evaluates its trial points at Z + t X s (the
    step's change of the decision values summed from the CG products) and
    its zero start at the intercepts, so those passes skip X coef^T: the fit
    equals the one recomputing Z from X (the kind without
    takes_decision_values) to rounding, and most passes take the given Z."""
    X, y, w = sparse_data(n=2000, d=1500, density=0.01, seed=11)
    yb = (y > np.median(y)).astype(int)
    calls = []
    real = CSRMatrix.loss_gradient

    def counted(self, *args, z_given=False, **kw):
        calls.append(z_given)
        return real(self, *args, z_given=z_given, **kw)

    monkeypatch.setattr(CSRMatrix, "loss_gradient", counted)
    Est = lf.LinearSVC if loss == "squared_hinge" else lf.LogisticRegression
    kw = dict(C=0.5, tol=1e-10, fit_intercept=fit_intercept, max_iter=200)
    if Est is lf.LinearSVC:
        kw["dual"] = False
    else:
        kw["solver"] = "newton"
    given = Est(**kw).fit(X, yb, sample_weight=w)
    assert calls[0] and sum(calls) >= len(calls) - 1 - len(calls) // 16
    monkeypatch.setattr(CSRMatrix, "takes_decision_values", property(lambda self: False))
    calls.clear()
    computed = Est(**kw).fit(X, yb, sample_weight=w)
    assert not any(calls)
    # both stop at max|grad| ~2e-11 (standardised coordinates), which fixes the
    # coefficients to about 1e-9 here: the two runs' rounding (summed vs
    # recomputed decision values, squared hinge's active set) moves them that
    # much (seen on AVX2: 1e-9 absolute, 2.5e-7 relative on a 1e-3 entry);
    # their objectives agree to rounding
    np.testing.assert_allclose(given.coef_, computed.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(given.intercept_, computed.intercept_, rtol=1e-6, atol=1e-8)
    ys = 2.0 * yb - 1

    def primal(est):
        m = ys * (X @ est.coef_.ravel() + est.intercept_[0])
        per_row = (np.maximum(1 - m, 0) ** 2 if loss == "squared_hinge"
                   else np.logaddexp(0, -m))
        return 0.5 * est.coef_.ravel() @ est.coef_.ravel() + 0.5 * (w @ per_row)
    assert primal(given) == pytest.approx(primal(computed), rel=1e-13)


@pytest.mark.parametrize("case", ["bce", "softmax"])
def test_csr_threads_bit_identical(case):
    rng = np.random.default_rng(4)
    X, _, w = sparse_data(n=40000, d=300, density=0.05, seed=5)
    S = CSRMatrix.from_scipy(X)
    k = 1 if case == "bce" else 5
    if case == "bce":
        y = (rng.random((40000, 1)) < 0.5).astype(np.float64)
        spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    else:
        y = rng.integers(0, k, 40000).astype(np.int64)
        spec = LossSpec("softmax_xent_sparse")
    coef = rng.standard_normal((k, 300)) * 0.1
    out = []
    for threads in (1, 2):
        with lf.num_threads(threads):
            v, g, b = S.loss_gradient(y, w, coef, np.zeros(k), spec)
            G = S.gram(w.reshape(-1, 1)[:, [0, 0]], ones=True)
            out.append((v, g.copy(), b.copy(), S.rmatvec(np.ones((40000, k))), G))
    for a, b in zip(*out):
        assert np.array_equal(a, b)


# --------------------------------------------------------------------------- input handling


def formats(X):
    yield "csr", X.tocsr()
    yield "csc", X.tocsc()
    yield "coo", X.tocoo()
    yield "lil", X.tolil()
    yield "csr_array", sp.csr_array(X)
    yield "coo_array", sp.coo_array(X)


def test_every_format_and_irregular_input_equals_dense():
    X, y, _ = sparse_data(n=120, d=12, seed=7)
    Xd = X.toarray()
    Xd[:, 3] = 0.0                      # an empty column
    Xd[10] = 0.0                        # an empty row
    X = sp.csr_matrix(Xd)
    want = lf.Ridge(alpha=0.3).fit(Xd, y)
    for name, Xf in formats(X):
        got = lf.Ridge(alpha=0.3).fit(Xf, y)
        assert rel(got.coef_, want.coef_) < 1e-10, name
        np.testing.assert_allclose(got.predict(Xf), want.predict(Xd), rtol=1e-10, atol=1e-10)
    # unsorted indices, duplicates (summed, as SciPy does) and explicit zeros
    coo = X.tocoo()
    r, c, v = coo.row, coo.col, coo.data
    half = v / 2
    rows = np.concatenate([r, r, [0, 5]])
    cols = np.concatenate([c, c, [1, 2]])
    vals = np.concatenate([half, v - half, [0.0, 0.0]])
    order = np.random.default_rng(0).permutation(len(vals))
    messy = sp.csr_matrix((vals[order], (rows[order], cols[order])), shape=X.shape)
    messy = sp.csr_matrix((messy.data, messy.indices, messy.indptr), shape=X.shape)
    unsorted = sp.csr_matrix((vals[order], cols[order],
                              np.searchsorted(np.sort(rows), np.arange(X.shape[0] + 1))),
                             shape=X.shape)
    unsorted.data, unsorted.indices = _row_grouped(rows, cols, vals, X.shape[0])
    assert not unsorted.has_sorted_indices
    for Xm in (messy, unsorted):
        got = lf.Ridge(alpha=0.3).fit(Xm, y)
        assert rel(got.coef_, want.coef_) < 1e-10
    # int64 indices
    big = X.copy()
    big.indices = big.indices.astype(np.int64)
    big.indptr = big.indptr.astype(np.int64)
    assert rel(lf.Ridge(alpha=0.3).fit(big, y).coef_, want.coef_) < 1e-10


def _row_grouped(rows, cols, vals, n):
    """data / indices of CSR rows in an unsorted order within each row."""
    order = np.lexsort((-cols, rows))          # columns descending within a row
    return vals[order], cols[order].astype(np.int32)


def test_canonical_csr_is_not_copied():
    X, y, _ = sparse_data()
    X.sort_indices()
    Xm = design_matrix(lf.Ridge(), X, reset=True)
    assert np.shares_memory(Xm.data, X.data) and np.shares_memory(Xm.indices, X.indices)


def test_float32_stays_float32_and_integer_data_become_float64():
    X, y, _ = sparse_data(dtype=np.float32)
    m = lf.Ridge().fit(X, y)
    assert m.coef_.dtype == np.float32 and m.predict(X).dtype == np.float32
    clf = lf.LogisticRegression().fit(X, (y > np.median(y)).astype(int))
    assert clf.predict_proba(X).dtype == np.float32
    Xi = sp.csr_matrix(np.round(X.toarray()).astype(np.int64))
    assert lf.Ridge().fit(Xi, y).coef_.dtype == np.float64


def test_sparse_errors():
    X, y, _ = sparse_data()
    bad = X.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        lf.Ridge().fit(bad, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        lf.LogisticRegression().fit(bad, y > 0)
    with pytest.raises(ValueError, match="0 sample"):
        lf.Ridge().fit(X[:0], y[:0])
    m = lf.Ridge().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :5])


# --------------------------------------------------------------------------- estimators


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", ["normal", "cg", "lbfgs", "newton"])
def test_regression_sparse_equals_dense(dtype, weighted, fit_intercept, solver):
    X, y, sw = sparse_data(dtype=dtype, k=2 if solver != "newton" else None)
    sw = sw if weighted else None
    kw = {} if solver == "normal" else {"tol": 1e-10, "max_iter": 1000}
    a = lf.Ridge(alpha=0.7, solver=solver, fit_intercept=fit_intercept, **kw).fit(
        X, y, sample_weight=sw)
    b = lf.Ridge(alpha=0.7, solver=solver, fit_intercept=fit_intercept, **kw).fit(
        X.toarray(), y, sample_weight=sw)
    assert rel(a.coef_, b.coef_) < (1e-10 if solver == "normal" else 1e-8)
    if solver != "normal":
        assert a.loss_curve_[-1] == pytest.approx(b.loss_curve_[-1], rel=1e-9)


@pytest.mark.parametrize("loss", ["huber", "log_cosh"])
def test_robust_losses_on_sparse(loss):
    X, y, sw = sparse_data()
    a = lf.LinearRegression(loss=loss, tol=1e-10).fit(X, y, sample_weight=sw)
    b = lf.LinearRegression(loss=loss, tol=1e-10).fit(X.toarray(), y, sample_weight=sw)
    assert a.loss_curve_[-1] == pytest.approx(b.loss_curve_[-1], rel=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("classes", [2, 4])
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_sparse_equals_dense(dtype, classes, solver, weighted):
    X, y, sw = sparse_data(dtype=dtype, classes=classes, seed=11)
    sw = sw if weighted else None
    a = lf.LogisticRegression(C=2.0, solver=solver, tol=1e-10).fit(X, y, sample_weight=sw)
    b = lf.LogisticRegression(C=2.0, solver=solver, tol=1e-10).fit(X.toarray(), y,
                                                                   sample_weight=sw)
    assert a.loss_curve_[-1] == pytest.approx(b.loss_curve_[-1], rel=1e-9)
    # float32: probabilities and logits carry float32 rounding (the dense path
    # multiplies in float32 BLAS, the CSR kernel in float64 and rounds once)
    atol = 2e-6 if dtype == np.float32 else 1e-7
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()), atol=atol)
    assert np.mean(a.predict(X) == b.predict(X.toarray())) >= 0.99
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X.toarray()),
                               rtol=1e-5, atol=1e-5)


def test_newton_cg_on_many_features_equals_dense_newton(monkeypatch):
    from lossfast.linear_model import _solvers
    X, y, sw = sparse_data(n=400, d=60, classes=3, seed=12)
    dense = lf.LogisticRegression(solver="newton", tol=1e-10).fit(X, y, sample_weight=sw)
    monkeypatch.setattr(_solvers, "DENSE_HESSIAN_CSR", 10)   # force Newton-CG
    cg = lf.LogisticRegression(solver="newton", tol=1e-10).fit(X, y, sample_weight=sw)
    assert cg.loss_curve_[-1] == pytest.approx(dense.loss_curve_[-1], rel=1e-10)
    np.testing.assert_allclose(cg.predict_proba(X), dense.predict_proba(X), atol=1e-7)


def test_auto_solver_rule_for_sparse():
    from lossfast.linear_model import _solvers
    assert _solvers.resolve_solver("auto", loss="squared_error", kind="csr",
                                   n_features=100, auto=("normal", "cg", "lbfgs")).name == "normal"
    assert _solvers.resolve_solver("auto", loss="squared_error", kind="csr",
                                   n_features=50000, auto=("normal", "cg", "lbfgs")).name == "cg"
    assert _solvers.resolve_solver("auto", loss="squared_error", kind="dense",
                                   n_features=50000, auto=("normal", "cg", "lbfgs")).name == "normal"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_on_sparse_follow_the_dense_trajectory(name):
    X, y, sw = sparse_data(classes=3, seed=13)
    runs = []
    for Xin in (X, X.toarray()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # a few epochs: far from converged
            runs.append(lf.LogisticRegression(solver=name, max_iter=4, batch_size=50,
                                              random_state=0).fit(Xin, y, sample_weight=sw))
    a, b = runs
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("est", [lambda: lf.Ridge(alpha=1.0), lambda: lf.LogisticRegression()])
def test_parity_with_sklearn_on_sparse(est):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, sw = sparse_data(n=500, d=40, seed=14)
    if isinstance(est(), lf.LogisticRegression):
        y = (y > np.median(y)).astype(int)
        ours = lf.LogisticRegression(tol=1e-10).fit(X, y, sample_weight=sw)
        ref = sk.LogisticRegression(tol=1e-10, max_iter=10000).fit(X, y, sample_weight=sw)
    else:
        ours = lf.Ridge(alpha=1.0).fit(X, y, sample_weight=sw)
        ref = sk.Ridge(alpha=1.0, solver="sparse_cg", tol=1e-12, max_iter=100000).fit(
            X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-7)


def test_fit_allocates_nothing_of_the_size_of_X():
    X, y, _ = sparse_data(n=20000, d=2000, density=0.01, seed=15)
    X.sort_indices()
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    yc = (y > np.median(y)).astype(int)
    lf.LogisticRegression().fit(X[:100], yc[:100])     # warm-up (imports)
    for fit in (lambda: lf.LogisticRegression(tol=1e-6).fit(X, yc),
                lambda: lf.Ridge(solver="cg").fit(X, y)):
        tracemalloc.start()
        fit()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 0.5 * x_bytes, (peak, x_bytes)
