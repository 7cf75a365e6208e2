"""The chunked kind (ChunkedMatrix) and partial_fit.

Oracles: the in-memory (DenseMatrix) fit of the same rows, NumPy sums, and
for LogisticRegression.partial_fit a NumPy replay of the epoch with
lossfast.optim.SGD.

What is asserted:
- normal equation on row blocks == in memory to 1e-10 relative (the Grams
  are summed in a different order, nothing else differs);
- L-BFGS / Newton: the same iteration count and the loss curves equal to
  1e-12 relative at every iteration (the chunk sums are ordered and
  deterministic; they round differently from the one-block kernel, so the
  iterates agree to rounding, not bit-for-bit); coefficients to 1e-8;
- a ChunkedMatrix is deterministic: the same bits for 1 and 2 threads;
- partial_fit over k chunks == fit on all rows to 1e-10 relative.
"""
import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model import ChunkedMatrix, LinearRegression, LogisticRegression, Ridge
from lossfast.linear_model._chunked import tree_sum


def _data(n=2500, d=6, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.uniform(-20, 20, d))
    w = rng.standard_normal(d)
    y = X @ w + 3.0 + 0.3 * rng.standard_normal(n)
    z = (X - X.mean(0)) / X.std(0) @ w
    yb = (z + 0.5 * rng.standard_normal(n) > 0).astype(np.int64)
    y3 = np.digitize(z + 0.5 * rng.standard_normal(n), [-0.7, 0.7])
    sw = rng.uniform(0.0, 2.0, n)
    return X.astype(dtype), y.astype(dtype), yb, y3, sw.astype(dtype)


def _blocks(X, k=5):
    return np.array_split(X, k)


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def test_tree_sum_order():
    parts = [np.array([float(i)]) for i in range(20)]
    # groups of 8 added in order, then the groups' sums
    expected = sum(sum(range(a, min(a + 8, 20))) for a in range(0, 20, 8))
    assert tree_sum(parts)[0] == expected


def test_matrix_operations_equal_dense():
    X, y, _, _, sw = _data(n=1000)
    C = ChunkedMatrix(_blocks(X, 4))
    D = lf.linear_model._matrix.DenseMatrix(X)
    assert C.shape == X.shape and C.dtype == X.dtype
    coef = np.random.default_rng(1).standard_normal((2, X.shape[1]))
    np.testing.assert_allclose(C.matvec(coef, np.ones(2)), D.matvec(coef, np.ones(2)),
                               rtol=1e-14)
    R = np.random.default_rng(2).standard_normal((X.shape[0], 2))
    np.testing.assert_allclose(C.rmatvec(R), D.rmatvec(R), rtol=1e-12)
    shift = np.concatenate([C.centre_estimate(sw), [1.0]])
    G1 = C.gram(sw.reshape(-1, 1), shift=shift, ones=True, Y=y.reshape(-1, 1))
    G2 = D.gram(sw.reshape(-1, 1), shift=shift, ones=True, Y=y.reshape(-1, 1))
    np.testing.assert_allclose(G1, G2, rtol=1e-12)
    m1, v1 = C.column_moments(sw)
    mw = np.average(X, axis=0, weights=sw)
    np.testing.assert_allclose(m1, mw, rtol=1e-12)
    np.testing.assert_allclose(v1, np.average((X - mw) ** 2, axis=0, weights=sw), rtol=1e-10)
    idx = np.array([999, 3, 250, 251, 0, 600])
    np.testing.assert_array_equal(C.take_rows(idx).X, X[idx])


def test_blocks_memmap_and_validation(tmp_path):
    X, y, _, _, _ = _data(n=600)
    path = tmp_path / "X.f64"
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    ro = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    C = ChunkedMatrix([ro[:200], ro[200:450], ro[450:]])
    a = LinearRegression().fit(C, y)
    b = LinearRegression().fit(X, y)
    assert _rel(a.coef_, b.coef_) < 1e-10
    with pytest.raises(ValueError, match="columns"):
        ChunkedMatrix([X[:10], X[10:20, :3]])
    with pytest.raises(ValueError, match="at least one"):
        ChunkedMatrix([X[:0]])
    bad = X.copy()
    bad[500, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LinearRegression().fit(ChunkedMatrix(_blocks(bad)), y)
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(ChunkedMatrix(_blocks(bad)), (y > np.median(y)))
    est = LinearRegression().fit(ChunkedMatrix(_blocks(X)), y)
    with pytest.raises(ValueError, match="features"):
        est.predict(ChunkedMatrix([X[:, :3]]))
    np.testing.assert_allclose(est.predict(X), est.predict(ChunkedMatrix(_blocks(X, 3))),
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_normal_equation_equals_in_memory(dtype, weighted, fit_intercept):
    X, y, _, _, sw = _data(dtype=dtype)
    sw = sw if weighted else None
    y2 = np.column_stack([y, 2 * y - 1]).astype(dtype)
    for est in (LinearRegression(fit_intercept=fit_intercept), Ridge(3.0, fit_intercept=fit_intercept)):
        a = est.fit(X, y2, sample_weight=sw)
        ca, ia = a.coef_.copy(), np.copy(a.intercept_)
        b = est.fit(ChunkedMatrix(_blocks(X, 7)), y2, sample_weight=sw)
        # float32 X: the Grams are float64 sums of the same float32 numbers
        assert b.coef_.dtype == dtype
        # float32: the float64 solutions agree to 1e-10, then are rounded to float32
        tol = 1e-10 if dtype == np.float64 else 2.5e-7
        assert _rel(b.coef_, ca) < tol
        if fit_intercept:
            assert _rel(b.intercept_, ia) < tol


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("target", ["binary", "multinomial"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logistic_same_iterates(solver, target, weighted, dtype):
    X, _, yb, y3, sw = _data(dtype=dtype)
    y = yb if target == "binary" else y3
    sw = sw if weighted else None
    a = LogisticRegression(solver=solver, C=0.5).fit(X, y, sample_weight=sw)
    b = LogisticRegression(solver=solver, C=0.5).fit(ChunkedMatrix(_blocks(X, 6)), y,
                                                     sample_weight=sw)
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-12)
    assert b.coef_.dtype == dtype
    assert _rel(b.coef_, a.coef_) < (1e-8 if dtype == np.float64 else 1e-5)
    np.testing.assert_array_equal(b.classes_, a.classes_)
    np.testing.assert_allclose(b.predict_proba(ChunkedMatrix(_blocks(X, 3))),
                               a.predict_proba(X), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_regression_lbfgs_same_iterates(loss):
    X, y, _, _, sw = _data()
    a = LinearRegression(solver="lbfgs", loss=loss).fit(X, y, sample_weight=sw)
    b = LinearRegression(solver="lbfgs", loss=loss).fit(ChunkedMatrix(_blocks(X)), y,
                                                        sample_weight=sw)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-12)
    assert _rel(b.coef_, a.coef_) < 1e-8


def test_minibatch_solver_runs_on_chunks():
    X, _, yb, _, _ = _data(n=1200)
    a = LogisticRegression(solver="adam", random_state=0, max_iter=300).fit(X, yb)
    b = LogisticRegression(solver="adam", random_state=0, max_iter=300).fit(
        ChunkedMatrix(_blocks(X, 4)), yb)
    # the same permutations and batches: mini-batches gathered across blocks
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-9)


def test_chunked_deterministic_over_threads():
    X, _, _, y3, sw = _data(n=3000)
    out = []
    for t in (1, 2):
        with lf.num_threads(t):
            est = LogisticRegression(solver="lbfgs").fit(ChunkedMatrix(_blocks(X, 5)), y3,
                                                         sample_weight=sw)
        out.append(est.coef_)
    np.testing.assert_array_equal(out[0], out[1])


# --------------------------------------------------------------------------- partial_fit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_partial_fit_normal_equation(dtype, fit_intercept):
    X, y, _, _, sw = _data(n=3000, dtype=dtype)
    for est in (LinearRegression(fit_intercept=fit_intercept), Ridge(2.0, fit_intercept=fit_intercept)):
        full = est.__class__(**est.get_params()).fit(X, y, sample_weight=sw)
        for Xb, yb, sb in zip(np.array_split(X, 4), np.array_split(y, 4), np.array_split(sw, 4)):
            est.partial_fit(Xb, yb, sample_weight=sb)
        assert est.coef_.shape == full.coef_.shape and est.coef_.dtype == dtype
        tol = 1e-10 if dtype == np.float64 else 2.5e-7      # float32: rounding of coef_
        assert _rel(est.coef_, full.coef_) < tol
        if fit_intercept:
            assert abs(est.intercept_ - full.intercept_) <= tol * abs(full.intercept_) + 1e-12
        # fit discards the sums; the next partial_fit starts over
        est.fit(X[:100], y[:100])
        est.partial_fit(X[:100], y[:100])
        assert _rel(est.coef_, est.__class__(**est.get_params()).fit(X[:100], y[:100]).coef_) < 1e-10


def test_partial_fit_sources(tmp_path):
    """A memmap read chunk by chunk and a generator of chunks give the fit on all rows."""
    X, y, _, _, _ = _data(n=2000)
    Y = np.column_stack([y, -y])
    path = tmp_path / "X.f64"
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    ro = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    full = Ridge(0.5).fit(X, Y)
    a = Ridge(0.5)
    for i in range(0, 2000, 300):
        a.partial_fit(ro[i:i + 300], Y[i:i + 300])
    assert _rel(a.coef_, full.coef_) < 1e-10
    assert a.coef_.shape == (2, X.shape[1])

    def chunks():
        for i in range(0, 2000, 450):
            yield X[i:i + 450], Y[i:i + 450]

    b = Ridge(0.5)
    for Xb, Yb in chunks():
        b.partial_fit(Xb, Yb)
    assert _rel(b.coef_, full.coef_) < 1e-10
    # coef_ is current after every call: after the first chunk, the fit of that chunk
    c = Ridge(0.5).partial_fit(X[:450], Y[:450])
    assert _rel(c.coef_, Ridge(0.5).fit(X[:450], Y[:450]).coef_) < 1e-10
    # alpha may change between calls: it enters at the solve
    c.set_params(alpha=5.0).partial_fit(X[450:], Y[450:])
    assert _rel(c.coef_, Ridge(5.0).fit(X, Y).coef_) < 1e-10


def test_partial_fit_errors():
    X, y, _, _, _ = _data(n=300)
    # solvers / losses that cannot stream have no partial_fit (as available_if)
    assert not hasattr(LinearRegression(solver="lbfgs"), "partial_fit")
    assert not hasattr(LinearRegression(loss="huber"), "partial_fit")
    assert hasattr(Ridge(), "partial_fit") and hasattr(LinearRegression, "partial_fit")
    est = LinearRegression().partial_fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="fit_intercept"):
        est.set_params(fit_intercept=False).partial_fit(X, y)


def _sgd_epoch_reference(X, y, params, lr, order, batch, C, center, scale, sw_total):
    """One epoch of plain SGD on the standardised binary logistic objective
    (NumPy): z = ((x - m) / s) . w' + b', F = (sum l + 0.5 / C ||w' / s||^2) / n."""
    w, b = params
    for start in range(0, len(order), batch):
        rows = np.sort(order[start:start + batch])
        Xs = (X[rows] - center) / scale
        z = Xs @ w + b
        r = 1.0 / (1.0 + np.exp(-z)) - y[rows]
        gw = Xs.T @ r / len(rows) + (w / scale ** 2) / C / sw_total
        gb = r.sum() / len(rows)
        w = w - lr * gw
        b = b - lr * gb
    return w, b


def test_logistic_partial_fit_one_epoch_per_call():
    X, _, yb, _, _ = _data(n=900, d=4)
    chunks = [(X[:450], yb[:450]), (X[450:], yb[450:])]
    est = LogisticRegression(solver="sgd", learning_rate=0.05, batch_size=50, random_state=3,
                             C=1.0)
    for Xc, yc in chunks:
        est.partial_fit(Xc, yc, classes=[0, 1])
    # replay: coordinates from the first chunk, the same row orders (one
    # permutation per call from the estimator's random state), NumPy SGD
    from lossfast.linear_model._objective import LinearObjective
    rng = np.random.RandomState(3)
    X0 = X[:450]
    center = X0.mean(0)
    scale = np.sqrt(X0.var(0) + 1.0 / 450)
    w, b = np.zeros(4), 0.0
    for Xc, yc in chunks:
        w, b = _sgd_epoch_reference(Xc, yc.astype(float), (w, b), 0.05,
                                    rng.permutation(len(yc)), 50, 1.0, center, scale, len(yc))
    coef = w / scale
    np.testing.assert_allclose(est.coef_[0], coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_[0], b - coef @ center, rtol=1e-9, atol=1e-12)
    assert est.n_iter_[0] == 2 and len(est.loss_curve_) == 2
    assert LinearObjective  # the objective the estimator used is the documented one


def test_logistic_partial_fit_streams_to_the_optimum():
    X, _, _, y3, _ = _data(n=2000)
    full = LogisticRegression(C=1.0).fit(X[:500], y3[:500])
    est = LogisticRegression(solver="adam", random_state=0, C=1.0)
    for _ in range(40):
        est.partial_fit(X[:500], y3[:500], classes=np.array([0, 1, 2]))
    # the same objective as fit on that chunk: the epochs approach its optimum
    # (a constant learning rate: within mini-batch noise of it)
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert full.loss_curve_[-1] <= est.loss_curve_[-1] <= full.loss_curve_[-1] * 1.08
    assert (est.predict(X[:500]) == full.predict(X[:500])).mean() > 0.97


def test_logistic_partial_fit_errors():
    X, _, yb, y3, _ = _data(n=300)
    with pytest.raises(ValueError, match="classes must be passed"):
        LogisticRegression(solver="sgd").partial_fit(X, yb)
    assert not hasattr(LogisticRegression(solver="lbfgs"), "partial_fit")
    assert not hasattr(LogisticRegression(solver="newton"), "partial_fit")
    est = LogisticRegression(solver="sgd", random_state=0).partial_fit(X, yb, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes"):
        est.partial_fit(X, y3)
    with pytest.raises(ValueError, match="not the same"):
        est.partial_fit(X, yb, classes=[0, 1, 2])
    # a chunk with one class only is fine once the classes are known
    est.partial_fit(X[yb == 1], yb[yb == 1])
    assert est.n_iter_[0] == 2


def test_logistic_partial_fit_after_fit_continues():
    X, _, yb, _, _ = _data(n=600)
    est = LogisticRegression(solver="sgd", random_state=0, max_iter=300).fit(X, yb)
    coef = est.coef_.copy()
    est.set_params(learning_rate=1e-12).partial_fit(X, yb)     # classes_ from fit
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-8)
    assert est.n_iter_[0] == 1


def test_blockwise_epoch_order():
    """shuffle="blocks": an epoch is a permutation of all rows visiting the
    blocks one at a time (a batch spans at most two blocks), and the fit
    equals an in-memory fit given the same row order."""
    from lossfast.linear_model._chunked import blockwise_order
    from lossfast.linear_model._matrix import DenseMatrix
    X, _, yb, _, _ = _data(n=1200)
    sizes = [len(b) for b in _blocks(X, 4)]
    order = blockwise_order(np.random.default_rng(1), sizes)
    np.testing.assert_array_equal(np.sort(order), np.arange(X.shape[0]))
    block_of = np.searchsorted(np.cumsum(sizes), order, side="right")
    assert np.count_nonzero(np.diff(block_of)) == len(sizes) - 1
    with pytest.raises(ValueError, match="shuffle"):
        ChunkedMatrix(_blocks(X), shuffle="columns")

    class Ordered(DenseMatrix):
        def epoch_order(self, rng):
            return blockwise_order(rng, sizes)

    kw = dict(solver="adam", random_state=0, max_iter=300)
    a = LogisticRegression(**kw).fit(Ordered(X), yb)
    b = LogisticRegression(**kw).fit(ChunkedMatrix(_blocks(X, 4), shuffle="blocks"), yb)
    assert a.n_iter_[0] == b.n_iter_[0]
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-9)
