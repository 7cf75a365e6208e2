"""LinearClassifier / LinearSVC on Dask arrays (threaded scheduler and a
LocalCluster): the full-batch solvers on the Dask objective give the
in-memory fit's iterates (same iteration counts, loss curves to 1e-10
relative), binary and one-vs-rest, with sample and class weights; the
mini-batch optimizers equal ChunkedMatrix(..., shuffle="blocks") of the same
chunks; X is never materialised in the client (the guards of test_dask)."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from lossfast.linear_model import ChunkedMatrix, LinearClassifier, LinearSVC  # noqa: E402
from test_dask import (_chunks, _lazy_X, _no_client_compute_of_X, _numpy_X, _rel,  # noqa: E402,F401
                       _split, _targets, cluster, scheduler)


def _check_same_fit(dk, ref, rtol=1e-10):
    np.testing.assert_array_equal(dk.classes_, ref.classes_)
    assert dk.coef_.shape == ref.coef_.shape and dk.coef_.dtype == ref.coef_.dtype
    assert dk.n_iter_[0] == ref.n_iter_[0]
    np.testing.assert_allclose(dk.loss_curve_, ref.loss_curve_, rtol=rtol)
    assert _rel(dk.coef_, ref.coef_) < 1e-8
    assert _rel(dk.intercept_, ref.intercept_) < 1e-8


@pytest.mark.parametrize("target", ["binary", "ovr"])
def test_linear_classifier_full_batch(scheduler, target):
    Xn = _numpy_X()
    _, yb, y3, sw = _targets(Xn)
    y = yb if target == "binary" else y3
    Xd = _lazy_X("worker" if scheduler == "distributed" else "any")
    cases = [dict(loss="squared_hinge", solver="newton"),
             dict(loss="modified_huber", solver="lbfgs", class_weight="balanced"),
             dict(loss="log_loss", solver="lbfgs", class_weight={1: 2.0})]
    for kw in cases:
        for s in (None, sw):
            ref = LinearClassifier(C=0.3, **kw).fit(Xn, y, sample_weight=s)
            dk = LinearClassifier(C=0.3, **kw).fit(Xd, _split(y),
                                                   sample_weight=None if s is None
                                                   else _split(s))
            _check_same_fit(dk, ref)
    # predictions of the Dask-fitted model are those of the in-memory one
    np.testing.assert_array_equal(np.asarray(dk.predict(Xn)), ref.predict(Xn))
    svc_ref = LinearSVC(C=0.5).fit(Xn, y, sample_weight=sw)
    svc = LinearSVC(C=0.5).fit(Xd, _split(y), sample_weight=_split(sw))
    _check_same_fit(svc, svc_ref)
    # warm start from the previous fit takes the in-memory path's iterates
    ref = LinearSVC(C=0.5, warm_start=True, tol=1e-6).fit(Xn, y).set_params(C=2.0).fit(Xn, y)
    dk = LinearSVC(C=0.5, warm_start=True, tol=1e-6).fit(Xd, _split(y)).set_params(C=2.0)
    _check_same_fit(dk.fit(Xd, _split(y)), ref)


def test_linear_classifier_class_weight_and_float32():
    with dask.config.set(scheduler="threads"):
        Xn = _numpy_X(np.float32)
        _, yb, y3, sw = _targets(Xn.astype(np.float64))
        Xd = _lazy_X(dtype=np.float32)
        for cw in ("balanced", {0: 3.0, 2: 0.5}):
            ref = LinearClassifier(loss="squared_hinge", class_weight=cw).fit(
                Xn, y3, sample_weight=sw)
            dk = LinearClassifier(loss="squared_hinge", class_weight=cw).fit(
                Xd, _split(y3), sample_weight=_split(sw))
            assert dk.coef_.dtype == np.float32
            _check_same_fit(dk, ref, rtol=1e-9)
        with pytest.raises(ValueError, match="all zero"):
            LinearClassifier(loss="squared_hinge", class_weight={0: 0.0, 1: 0.0}).fit(
                Xd, _split(yb))


@pytest.mark.filterwarnings("ignore:.*did not converge")
def test_linear_classifier_minibatch(scheduler):
    """hinge by "sgd" on a Dask array: the chunks streamed in the order of
    ChunkedMatrix(..., shuffle="blocks"), whose fit it equals bit for bit."""
    Xn = _numpy_X()
    _, yb, y3, _ = _targets(Xn)
    Xd = _lazy_X("worker" if scheduler == "distributed" else "any")
    blocks = np.split(Xn, np.cumsum(_chunks()[0])[:-1])
    for y in (yb, y3):
        kw = dict(loss="hinge", solver="sgd", random_state=0, max_iter=3, batch_size=64)
        ch = LinearClassifier(**kw).fit(ChunkedMatrix(blocks, shuffle="blocks"), y)
        dk = LinearClassifier(**kw).fit(Xd, _split(y))
        assert dk.loss_curve_ == ch.loss_curve_
        np.testing.assert_array_equal(dk.coef_, ch.coef_)
        np.testing.assert_array_equal(dk.intercept_, ch.intercept_)


def test_linear_classifier_predict_is_lazy():
    with dask.config.set(scheduler="threads"):
        Xn = _numpy_X()
        _, yb, y3, _ = _targets(Xn)
        Xd = _lazy_X()
        est = LinearClassifier(loss="modified_huber").fit(Xd, _split(y3))
        s = est.decision_function(Xd)
        assert isinstance(s, da.Array) and s.shape == (Xn.shape[0], 3)
        ref = LinearClassifier(loss="modified_huber").fit(Xn, y3)
        np.testing.assert_allclose(s.compute(), ref.decision_function(Xn), rtol=1e-8,
                                   atol=1e-10)
        p = est.predict_proba(Xd)
        lab = est.predict(Xd)
        lp = est.predict_log_proba(Xd)
        assert all(isinstance(o, da.Array) for o in (p, lab, lp))
        assert p.shape == (Xn.shape[0], 3) and lab.shape == (Xn.shape[0],)
        np.testing.assert_allclose(p.compute(), ref.predict_proba(Xn), rtol=1e-8, atol=1e-12)
        np.testing.assert_array_equal(lab.compute(), ref.predict(Xn))
        np.testing.assert_allclose(np.exp(lp.compute()), p.compute(), rtol=1e-10, atol=1e-12)
        svc = LinearSVC().fit(Xd, _split(yb))
        assert isinstance(svc.predict(Xd), da.Array)
        np.testing.assert_array_equal(svc.predict(Xd).compute(),
                                      LinearSVC().fit(Xn, yb).predict(Xn))


@pytest.mark.filterwarnings("ignore:Maximum number of iteration")
def test_sgd_estimators_on_dask(scheduler):
    """SGDClassifier / SGDRegressor on a Dask array: each chunk's part of an
    epoch runs on its worker with the state passed along, so with
    shuffle=False the fit is the in-memory fit's bit for bit (binary,
    one-vs-rest, regression, weights, averaging, L1); partial_fit too."""
    from lossfast.linear_model import SGDClassifier, SGDRegressor
    Xn = _numpy_X() * 0.1
    y, yb, y3, sw = _targets(Xn * 10)
    Xd = _lazy_X("worker" if scheduler == "distributed" else "any") * 0.1
    cases = [(SGDClassifier, yb, dict()), (SGDClassifier, y3, dict(average=True)),
             (SGDClassifier, yb, dict(loss="log_loss", penalty="elasticnet")),
             (SGDRegressor, y, dict(average=10))]
    for Est, target, extra in cases:
        kw = dict(shuffle=False, random_state=0, max_iter=4, tol=None, **extra)
        for s in (None, sw):
            ref = Est(**kw).fit(Xn, target, sample_weight=s)
            dk = Est(**kw).fit(Xd, _split(target), sample_weight=None if s is None
                               else _split(s))
            assert dk.n_iter_ == ref.n_iter_
            np.testing.assert_array_equal(dk.coef_, ref.coef_)
            np.testing.assert_array_equal(dk.intercept_, ref.intercept_)
    # with its stopping rule (tol): the same epochs
    ref = SGDClassifier(shuffle=False, random_state=0).fit(Xn, y3)
    dk = SGDClassifier(shuffle=False, random_state=0).fit(Xd, _split(y3))
    assert dk.n_iter_ == ref.n_iter_ and 1 < ref.n_iter_ < 1000
    np.testing.assert_array_equal(dk.coef_, ref.coef_)
    # partial_fit: one epoch over the chunks per call
    ref, dk = SGDRegressor(shuffle=False), SGDRegressor(shuffle=False)
    for _ in range(2):
        ref.partial_fit(Xn, y)
        dk.partial_fit(Xd, _split(y))
    np.testing.assert_array_equal(dk.coef_, ref.coef_)
    # shuffle=True: deterministic for a random_state, the in-memory fit's
    # quality, and with one chunk the in-memory fit itself
    a = SGDClassifier(random_state=3).fit(Xd, _split(yb))
    b = SGDClassifier(random_state=3).fit(Xd, _split(yb))
    np.testing.assert_array_equal(a.coef_, b.coef_)
    mem = SGDClassifier(random_state=3).fit(Xn, yb)
    assert abs(a.score(Xn, yb) - mem.score(Xn, yb)) < 0.05
    X1 = da.from_array(Xn, chunks=(len(Xn), Xn.shape[1]))
    one = SGDRegressor(random_state=3, max_iter=5, tol=None).fit(X1, y)
    np.testing.assert_array_equal(
        one.coef_, SGDRegressor(random_state=3, max_iter=5, tol=None).fit(Xn, y).coef_)


@pytest.mark.filterwarnings("ignore:Maximum number of iteration")
def test_sgd_predict_is_lazy(scheduler):
    """SGDClassifier / SGDRegressor fitted on a Dask array: predict,
    decision_function, predict_proba and predict_log_proba of a Dask array
    are lazy Dask arrays (nothing computed: X's generator is not called),
    equal to the in-memory fit's predictions (binary and one-vs-rest,
    float32 too)."""
    import test_dask
    from lossfast.linear_model import SGDClassifier, SGDRegressor
    where = "worker" if scheduler == "distributed" else "any"
    for dtype in (np.float64, np.float32):
        Xn = _numpy_X(dtype) * dtype(0.1)
        y, yb, y3, _ = _targets(Xn.astype(np.float64) * 10)
        Xd = _lazy_X(where, dtype) * dtype(0.1)
        for Est, target, kw in ((SGDClassifier, yb, dict(loss="log_loss")),
                                (SGDClassifier, y3, dict(loss="modified_huber")),
                                (SGDClassifier, yb, dict()),
                                (SGDRegressor, y, dict())):
            kw = dict(shuffle=False, random_state=0, max_iter=3, tol=None, **kw)
            ref = Est(**kw).fit(Xn, target)
            dk = Est(**kw).fit(Xd, _split(target))
            methods = ["predict"]
            if Est is SGDClassifier:
                methods.append("decision_function")
                if kw.get("loss") in ("log_loss", "modified_huber"):
                    methods += ["predict_proba", "predict_log_proba"]
            before = test_dask._CALLS["n"]
            outs = [getattr(dk, m)(Xd) for m in methods]
            assert all(isinstance(o, da.Array) for o in outs)
            if scheduler == "threads":
                assert test_dask._CALLS["n"] == before            # nothing computed
            got = dask.compute(*outs)
            for m, o, g in zip(methods, outs, got):
                want = getattr(ref, m)(Xn)
                assert o.shape == want.shape and g.dtype == want.dtype, m
                if m == "predict" and Est is SGDClassifier:
                    np.testing.assert_array_equal(g, want)
                else:
                    np.testing.assert_allclose(g, want, rtol=1e-6 if dtype == np.float32
                                               else 1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Maximum number of iteration")
def test_sgd_targets_and_weights_placed_once(cluster, monkeypatch):
    """On a distributed cluster the kernel's targets and the sample weights
    are scattered once per fit, each chunk's slice to the worker holding
    that chunk of X, and every epoch's chunk task takes its own slices'
    futures (not the client's arrays); the fit stays the in-memory one."""
    from distributed import Future
    from lossfast.linear_model import SGDClassifier, SGDRegressor, _dask_sgd
    seen = []
    real_placed = _dask_sgd.DaskRows.placed

    def placed(self, v):
        seen.append(self)
        return real_placed(self, v)

    monkeypatch.setattr(_dask_sgd.DaskRows, "placed", placed)
    Xn = _numpy_X() * 0.1
    y, yb, y3, sw = _targets(Xn * 10)
    Xd = _lazy_X("worker") * 0.1
    n_chunks = len(_chunks()[0])
    with cluster.as_current():
        for Est, target, n_targets in ((SGDClassifier, yb, 1), (SGDClassifier, y3, 3),
                                       (SGDRegressor, y, 1)):
            kw = dict(shuffle=False, random_state=0, max_iter=4, tol=None)
            seen.clear()
            ref = Est(**kw).fit(Xn, target, sample_weight=sw)
            dk = Est(**kw).fit(Xd, _split(target), sample_weight=_split(sw))
            np.testing.assert_array_equal(dk.coef_, ref.coef_)
            assert len(set(map(id, seen))) == 1                # one DaskRows per fit
            # the targets once per class and the weights once, 4 epochs each
            assert seen[0].scattered == (n_targets + 1) * n_chunks
            # what the chunk tasks were given: futures of slices on the workers
            assert all(isinstance(f, Future) for _, parts in seen[0]._placed for f in parts)
            # each placed on a worker holding its chunk of X.  Either may since
            # have been copied to the other worker too (work stealing moves a
            # chunk task and its inputs), so neither holder set need contain
            # the other: they share a worker.
            x_futures = seen[0].Xm._chunk_futures([], True)[0]
            where = cluster.who_has(x_futures)
            for _, parts in seen[0]._placed:
                held = cluster.who_has(parts)
                assert all(set(where[x.key]) & set(held[f.key])
                           for f, x in zip(parts, x_futures))


def test_predictions_on_an_empty_chunk():
    """A Dask array with an empty row chunk (e.g. filtered by rows): the lazy
    predictions are the in-memory ones (the per-chunk method never gets 0
    rows, which the in-memory estimators refuse)."""
    from lossfast.linear_model import SGDClassifier
    Xn = _numpy_X()[:600]
    _, yb, y3, _ = _targets(_numpy_X())
    Xd = da.from_array(Xn, chunks=((200, 0, 400), (Xn.shape[1],)))
    with dask.config.set(scheduler="threads"):
        for est in (LinearClassifier(loss="modified_huber").fit(Xn, y3[:600]),
                    SGDClassifier(loss="log_loss", random_state=0).fit(Xn * 0.1, yb[:600])):
            for m in ("predict", "predict_proba", "predict_log_proba"):
                got = getattr(est, m)(Xd)
                assert isinstance(got, da.Array)
                want = getattr(est, m)(Xn)
                got = got.compute()
                assert got.dtype == want.dtype
                if want.dtype.kind == "f":
                    np.testing.assert_allclose(got, want, rtol=1e-12)
                else:
                    np.testing.assert_array_equal(got, want)
