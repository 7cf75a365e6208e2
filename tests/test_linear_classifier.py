"""LinearClassifier and LinearSVC: against scikit-learn on the same objective,
against a NumPy oracle of the objective minimised by SciPy, sparse vs dense,
finite differences of every loss's gradient inside the fit."""
import warnings

import numpy as np
import pytest

import lossfast as lf
import reference_classification as ref
from lossfast.linear_model import ConvergenceWarning
from lossfast.linear_model import _classifier

sp = pytest.importorskip("scipy.sparse")
sk_svm = pytest.importorskip("sklearn.svm")
sk_lm = pytest.importorskip("sklearn.linear_model")
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning  # noqa: E402


def _data(n=300, d=6, k=2, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((k, d))
    y = np.argmax(X @ W.T + 0.5 * rng.standard_normal((n, k)), axis=1) if k > 2 else \
        (X @ W[0] + 0.7 * rng.standard_normal(n) > 0.3).astype(int)
    return X.astype(dtype), y


def _sparse(X, density=0.3, seed=1):
    rng = np.random.default_rng(seed)
    Xs = np.where(rng.random(X.shape) < density, X, 0.0)
    return Xs, sp.csr_matrix(Xs)


# ------------------------------------------------------------------ vs scikit-learn


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("sparse", [False, True])
def test_linear_svc_matches_liblinear_without_intercept(k, penalty, sparse):
    """Without an intercept liblinear and lossfast solve the same problem:
    C sum max(0, 1 - y z)^2 + penalty; one-vs-rest for 3 classes."""
    X, y = _data(k=k, seed=k)
    if sparse:
        X, Xfit = _sparse(X)
    else:
        Xfit = X
    C = 0.3
    ours = lf.LinearSVC(penalty=penalty, C=C, fit_intercept=False, tol=1e-10,
                        max_iter=500).fit(Xfit, y)
    with warnings.catch_warnings():
        # liblinear's L1 solver reports its iteration cap even when it is at 1e-9
        warnings.simplefilter("ignore", SkConvergenceWarning)
        theirs = sk_svm.LinearSVC(penalty=penalty, C=C, fit_intercept=False, dual=False,
                                  tol=1e-12, max_iter=20000).fit(Xfit, y)
    assert ours.coef_.shape == theirs.coef_.shape
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.predict(Xfit), theirs.predict(Xfit))
    np.testing.assert_allclose(ours.decision_function(Xfit), theirs.decision_function(Xfit),
                               rtol=1e-5, atol=1e-6)


def test_linear_svc_class_weight_matches_liblinear():
    X, y = _data(k=3, seed=5)
    cw = {0: 2.0, 2: 0.5}
    ours = lf.LinearSVC(C=0.5, fit_intercept=False, class_weight=cw, tol=1e-10).fit(X, y)
    theirs = sk_svm.LinearSVC(C=0.5, fit_intercept=False, class_weight=cw, dual=False,
                              tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)


def _svc_objective(coef, b, X, t, C):
    m = np.maximum(1 - t * (X @ coef + b), 0)
    return C * np.sum(m * m) + 0.5 * coef @ coef


def test_linear_svc_intercept_is_not_penalised():
    """With an intercept, the fit minimises C sum l + 0.5 ||coef||^2 with a
    free intercept: no direction (coef or intercept) decreases it; liblinear
    (penalised intercept) reaches a higher value of this objective."""
    X, y = _data(seed=3)
    X = X + 2.0                                   # an offset the intercept must absorb
    t = np.where(y == 1, 1.0, -1.0)
    C = 0.1
    est = lf.LinearSVC(C=C, tol=1e-10).fit(X, y)
    coef, b = est.coef_[0].astype(float), float(est.intercept_[0])
    f0 = _svc_objective(coef, b, X, t, C)
    for h in (1e-4, -1e-4):
        assert _svc_objective(coef, b + h, X, t, C) >= f0 - 1e-12
    lib = sk_svm.LinearSVC(C=C, dual=False, tol=1e-12, max_iter=100000).fit(X, y)
    assert f0 < _svc_objective(lib.coef_[0], lib.intercept_[0], X, t, C)


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_log_loss_matches_logistic_regression(k, solver):
    X, y = _data(k=k, seed=10 + k)
    ours = lf.LinearClassifier("log_loss", C=0.7, solver=solver, tol=1e-10,
                               max_iter=1000).fit(X, y)
    theirs = sk_lm.LogisticRegression(C=0.7, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


# ------------------------------------------------------------------ a NumPy oracle


_REFS = {"squared_hinge": ref.squared_hinge, "modified_huber": ref.modified_huber,
         "focal": lambda t, f: ref.focal(t, f, 2.0, 0.25, True),
         "hinge": ref.hinge, "perceptron": ref.perceptron}


def _oracle_fit(loss, X, t, C, l2=True):
    """Minimise C sum l(t_i, z_i) + 0.5 ||coef||^2 (intercept free) with
    SciPy's L-BFGS on the NumPy reference loss."""
    from scipy.optimize import minimize
    fn = _REFS[loss]
    d = X.shape[1]

    def f(theta):
        z = X @ theta[:d] + theta[d]
        l, g = fn(t, z)
        l, g = np.asarray(l, float), np.asarray(g, float)
        grad = np.empty(d + 1)
        grad[:d] = C * X.T @ g + theta[:d]
        grad[d] = C * g.sum()
        return C * l.sum() + 0.5 * theta[:d] @ theta[:d], grad

    res = minimize(f, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20000})
    return res.x[:d], res.x[d]


@pytest.mark.parametrize("loss,solver", [("squared_hinge", "lbfgs"),
                                         ("squared_hinge", "newton"),
                                         ("modified_huber", "lbfgs"),
                                         ("modified_huber", "newton"),
                                         ("focal", "lbfgs")])
def test_smooth_losses_reach_the_oracle_minimum(loss, solver):
    X, y = _data(seed=21)
    t = np.where(y == 1, 1.0, -1.0) if loss != "focal" else y.astype(float)
    coef, b = _oracle_fit(loss, X, t, C=0.5)
    est = lf.LinearClassifier(loss, C=0.5, solver=solver, tol=1e-10, max_iter=2000).fit(X, y)
    np.testing.assert_allclose(est.coef_[0], coef, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.intercept_[0], b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", ["hinge", "perceptron"])
def test_nonsmooth_losses_by_subgradient_optimizer(loss):
    """Hinge and perceptron are fitted by the mini-batch optimizers (sub-
    gradients); L-BFGS / Newton refuse them with a ValueError."""
    X, y = _data(seed=4)
    for solver in ("lbfgs", "newton"):
        with pytest.raises(ValueError, match="does not support"):
            lf.LinearClassifier(loss, solver=solver).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # sub-gradient: approximate
        est = lf.LinearClassifier(loss, C=1.0, max_iter=60, random_state=0).fit(X, y)
    if loss == "perceptron":
        # its objective C sum max(0, -y z) + 0.5 ||coef||^2 is minimal (0) at coef = 0
        t = np.where(y == 1, 1.0, -1.0)
        z = est.decision_function(X)
        f = np.sum(np.maximum(-t * z, 0)) + 0.5 * float(est.coef_[0] @ est.coef_[0])
        assert f <= 1e-8
    else:
        assert est.score(X, y) > 0.8
        # within a few per cent of the SVM optimum (liblinear's dual solver, no intercept
        # penalty difference: compare without intercept)
        est = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = lf.LinearSVC(loss="hinge", C=1.0, fit_intercept=False, max_iter=200,
                               random_state=0).fit(X, y)
        lib = sk_svm.LinearSVC(loss="hinge", C=1.0, fit_intercept=False, dual=True,
                               tol=1e-10, max_iter=100000).fit(X, y)
        t = np.where(y == 1, 1.0, -1.0)

        def obj(w):
            return np.sum(np.maximum(1 - t * (X @ w), 0)) + 0.5 * w @ w
        f_ours, f_lib = obj(est.coef_[0].astype(float)), obj(lib.coef_[0])
        assert f_lib <= f_ours <= 1.05 * f_lib


def test_alpha_is_sgd_objective():
    """alpha (SGD's (1/n) sum l + alpha R) is C = 1 / (alpha n)."""
    X, y = _data(n=200, seed=6)
    a = lf.LinearClassifier("squared_hinge", alpha=0.01, tol=1e-10).fit(X, y)
    b = lf.LinearClassifier("squared_hinge", C=1.0 / (0.01 * 200), tol=1e-10).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)


# ------------------------------------------------------------------ finite differences


@pytest.mark.parametrize("loss", ["log_loss", "hinge", "squared_hinge", "modified_huber",
                                  "perceptron", "focal"])
@pytest.mark.parametrize("k", [2, 3])
def test_gradient_inside_the_fit_matches_finite_differences(loss, k, monkeypatch):
    """The objective each fit hands its solver: its gradient at a random point
    against central differences (points near a kink of hinge / perceptron
    moved off it)."""
    X, y = _data(n=120, d=4, k=k, seed=30 + k)
    seen = []
    original = _classifier.run_solver

    def checking(est, solver, objective, theta0, **kw):
        rng = np.random.default_rng(len(seen))
        theta = theta0 + 0.3 * rng.standard_normal(theta0.size)
        f, g = objective.loss_grad(theta)
        h = 1e-6
        fd = np.array([(objective.loss(theta + h * e) - objective.loss(theta - h * e)) / (2 * h)
                       for e in np.eye(theta.size)])
        seen.append(np.max(np.abs(fd - g)) / max(np.max(np.abs(g)), 1e-3))
        return original(est, solver, objective, theta0, **kw)

    monkeypatch.setattr(_classifier, "run_solver", checking)
    solver = "sgd" if loss in ("hinge", "perceptron") else "auto"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lf.LinearClassifier(loss, solver=solver, max_iter=3, random_state=0).fit(X, y)
    assert len(seen) == (1 if loss == "log_loss" or k == 2 else k)
    assert max(seen) < 1e-5


# ------------------------------------------------------------------ sparse vs dense, API


@pytest.mark.parametrize("loss", ["log_loss", "squared_hinge", "modified_huber", "focal"])
@pytest.mark.parametrize("k", [2, 3])
def test_sparse_equals_dense(loss, k):
    X, y = _data(n=200, k=k, seed=40 + k)
    Xd, Xs = _sparse(X)
    w = np.random.default_rng(0).random(200) + 0.5
    a = lf.LinearClassifier(loss, C=0.5, tol=1e-10, max_iter=1000).fit(Xd, y, sample_weight=w)
    b = lf.LinearClassifier(loss, C=0.5, tol=1e-10, max_iter=1000).fit(Xs, y, sample_weight=w)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.decision_function(Xd), b.decision_function(Xs), atol=1e-8)


def test_sample_weight_is_repetition():
    X, y = _data(n=100, k=3, seed=50)
    rep = np.arange(100) % 3
    a = lf.LinearClassifier("squared_hinge", tol=1e-10).fit(X, y, sample_weight=rep + 1)
    b = lf.LinearClassifier("squared_hinge", tol=1e-10).fit(np.repeat(X, rep + 1, axis=0),
                                                            np.repeat(y, rep + 1))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8)


def test_predict_proba_only_where_defined():
    X, y = _data(k=3, seed=60)
    for loss in ("log_loss", "modified_huber", "focal"):
        est = lf.LinearClassifier(loss, tol=1e-8).fit(X, y)
        P = est.predict_proba(X)
        assert P.shape == (X.shape[0], 3)
        np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
        assert np.mean(est.classes_[np.argmax(P, axis=1)] == est.predict(X)) > 0.95
    for est in (lf.LinearClassifier("squared_hinge"), lf.LinearSVC()):
        assert not hasattr(est.fit(X, y), "predict_proba")


def test_loss_objects_and_errors():
    X, y = _data(seed=70)
    a = lf.LinearClassifier(lf.losses.BinaryFocal(gamma=1.0, alpha=None, from_logits=True),
                            tol=1e-8).fit(X, y)
    assert a.score(X, y) > 0.8
    with pytest.raises(ValueError, match="from_logits"):
        lf.LinearClassifier(lf.losses.BinaryFocal()).fit(X, y)
    with pytest.raises(ValueError, match="loss must be one of"):
        lf.LinearClassifier("zero_one").fit(X, y)
    with pytest.raises(NotImplementedError, match="crammer_singer"):
        lf.LinearSVC(multi_class="crammer_singer").fit(X, y)
    with pytest.raises(ValueError, match="penalty='l1' and loss='hinge'"):
        lf.LinearSVC(penalty="l1", loss="hinge").fit(X, y)


def test_stopping_early_warns():
    X, y = _data(seed=80)
    with pytest.warns(ConvergenceWarning):
        lf.LinearSVC(max_iter=1, tol=1e-12).fit(X, y)


def test_float32_stays_float32():
    X, y = _data(k=3, seed=90, dtype=np.float32)
    est = lf.LinearSVC(tol=1e-8).fit(X, y)
    assert est.coef_.dtype == np.float32 and est.decision_function(X).dtype == np.float32
    ref64 = lf.LinearSVC(tol=1e-8).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(est.coef_, ref64.coef_, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ scikit-learn's checks


ESTIMATORS = {
    "LinearClassifier": lambda: lf.LinearClassifier(),
    "LinearClassifier-modified_huber-newton": lambda: lf.LinearClassifier(
        "modified_huber", solver="newton", tol=1e-8),
    "LinearSVC": lambda: lf.LinearSVC(),
    "LinearSVC-l1": lambda: lf.LinearSVC(penalty="l1"),
    "LinearSVC-hinge": lambda: lf.LinearSVC(loss="hinge", random_state=0),
}
# the dual coordinate descent visits a row of weight 2 once and its repetition
# twice: the same optimum, reached only to tol=1e-4 (the checks compare to 1e-7)
_DUAL_XFAIL = {
    "check_sample_weight_equivalence_on_dense_data": "the dual stops at tol",
    "check_sample_weight_equivalence_on_sparse_data": "the dual stops at tol"}
EXPECTED_FAILURES = {"LinearSVC": _DUAL_XFAIL, "LinearSVC-hinge": _DUAL_XFAIL}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_check_estimator(name):
    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        # lossfast's estimators do not inherit from sklearn.base.BaseEstimator
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                category=UserWarning)
        warnings.simplefilter("ignore", SkipTestWarning)
        # the checks' small data sets stop SGD / the optimizers at their max_iter
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", SkConvergenceWarning)
        results = check_estimator(ESTIMATORS[name](), on_fail=None,
                                  expected_failed_checks=EXPECTED_FAILURES.get(name))
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    assert len([r for r in results if r["status"] == "passed"]) >= 55


@pytest.mark.parametrize("loss", ["log_loss", "squared_hinge", "modified_huber"])
def test_l1_with_an_optimizer_reaches_newton_cd(loss):
    """The optimizers take the L1 term by their proximal step (binary and
    one-vs-rest): the newton-cd solution of the same objective to 5e-2 in
    the coefficients, with exactly its zeros, and no ConvergenceWarning;
    hinge / perceptron (no Hessian for the certificate) are refused."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 20))
    w = np.zeros(20)
    w[:4] = [2, -1, 1.5, 1]
    y = (X @ w + 0.5 * rng.standard_normal(2000) > 0).astype(int)
    ref = lf.LinearClassifier(loss=loss, C=0.1, l1_ratio=0.7, solver="newton-cd", tol=1e-10,
                              max_iter=1000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = lf.LinearClassifier(loss=loss, C=0.1, l1_ratio=0.7, solver="sgd",
                                  max_iter=300, random_state=0).fit(X, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=5e-2)
    assert np.all(est.coef_[np.abs(ref.coef_) == 0] == 0)
    assert np.count_nonzero(est.coef_) == np.count_nonzero(ref.coef_)
    with pytest.raises(NotImplementedError, match="loss='hinge'"):
        lf.LinearClassifier(loss="hinge", C=0.1, l1_ratio=0.5, solver="sgd").fit(X, y)


# ------------------------------------------------------------------ the dual solver


def _fit_quiet(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        return est.fit(X, y, **kw)


def _hinge_dual_oracle(X, t, C):
    """coef of the hinge SVM without intercept from SciPy's L-BFGS-B on its
    box-constrained dual: min 0.5 ||X^T (a t)||^2 - sum a, 0 <= a <= C."""
    from scipy.optimize import minimize
    Xt = X * t[:, None]

    def f(a):
        v = Xt.T @ a
        return 0.5 * v @ v - a.sum(), Xt @ v - 1.0
    res = minimize(f, np.zeros(len(t)), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, C)] * len(t),
                   options=dict(ftol=1e-15, gtol=1e-12, maxiter=100000, maxfun=100000))
    return Xt.T @ res.x


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("sparse", [False, True])
def test_dual_without_intercept_matches_oracles(k, loss, sparse):
    """The dual coordinate descent (liblinear's algorithm, its own row
    order): squared hinge reaches liblinear's solution of the same problem;
    the exact hinge SVM, the SciPy oracle of its dual (liblinear's hinge at
    tol=1e-12 still moves by 1e-2 between row orders on these data)."""
    X, y = _data(k=k, seed=20 + k)
    Xd, Xs = _sparse(X)
    Xfit = Xs if sparse else Xd
    ours = lf.LinearSVC(loss=loss, C=0.2, fit_intercept=False, tol=1e-10,
                        max_iter=1000000).fit(Xfit, y)
    if loss == "squared_hinge":
        # liblinear's row order pinned: with random_state=None it came from
        # NumPy's global state left by other tests, and one order stopped 1e-2 short
        expected = _fit_quiet(sk_svm.LinearSVC(loss=loss, C=0.2, fit_intercept=False,
                                               dual=True, tol=1e-12, max_iter=1000000,
                                               random_state=0),
                              Xfit, y).coef_
    else:
        classes = [1] if k == 2 else range(k)
        expected = np.array([_hinge_dual_oracle(Xd, np.where(y == c, 1.0, -1.0), 0.2)
                             for c in classes])
    np.testing.assert_allclose(ours.coef_, expected, rtol=1e-5, atol=1e-6)
    assert ours.n_iter_[0] > 0


@pytest.mark.parametrize("sparse", [False, True])
def test_dual_hinge_with_intercept_beats_libsvm(sparse):
    """With a free intercept the hinge SVM is libsvm's problem
    (SVC(kernel="linear")): lossfast's solution is libsvm's to 1e-3, its
    objective libsvm's to 2e-7, and no change of the intercept lowers it.
    (The intercept's search stops at |sum alpha_i y_i| <= tol sum alpha_i:
    over the row orders of random_state 0..19 the objective came within
    1.14e-7 of libsvm's at tol 1e-5; the test fixes the order.)
    (At the optimal intercept the hinge's dual is degenerate -- alphas can
    slide along sum alpha_i y_i = 0 -- and coordinate descent crawls:
    tol=1e-5 is where it still converges in reasonable passes.)"""
    X, y = _data(n=200, seed=30)
    X = X + 0.5
    Xd, Xs = _sparse(X, density=0.6)
    t = np.where(y == 1, 1.0, -1.0)

    def F(coef, b):
        return 0.5 * coef @ coef + 0.5 * np.maximum(0, 1 - t * (Xd @ coef + b)).sum()
    ours = lf.LinearSVC(loss="hinge", C=0.5, tol=1e-5, max_iter=100000, random_state=0).fit(
        Xs if sparse else Xd, y)
    theirs = sk_svm.SVC(kernel="linear", C=0.5, tol=1e-12).fit(Xd, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-3, atol=1e-4)
    f = F(ours.coef_[0], ours.intercept_[0])
    assert f <= F(theirs.coef_[0], theirs.intercept_[0]) * (1 + 2e-7)
    for h in (1e-3, -1e-3):
        assert F(ours.coef_[0], ours.intercept_[0] + h) >= f - 1e-12


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_dual_squared_hinge_with_intercept_matches_primal_newton(k, sparse):
    """The intercept's outer loop reaches the primal Newton solution of the
    same objective (free intercept), with class and sample weights."""
    X, y = _data(k=k, seed=40 + k)
    X = X - 1.0
    Xfit = _sparse(X)[1] if sparse else X
    sw = np.random.default_rng(4).random(X.shape[0]) + 0.5
    kw = dict(C=0.3, tol=1e-10, max_iter=100000, class_weight={0: 2.0})
    dual = lf.LinearSVC(**kw).fit(Xfit, y, sample_weight=sw)
    primal = lf.LinearSVC(dual=False, **kw).fit(Xfit, y, sample_weight=sw)
    np.testing.assert_allclose(dual.coef_, primal.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dual.intercept_, primal.intercept_, rtol=1e-6, atol=1e-7)


def test_dual_sparse_equals_dense_and_float32():
    X, y = _data(k=3, seed=50)
    Xd, Xs = _sparse(X, density=0.5)
    a = lf.LinearSVC(loss="hinge", C=0.4, tol=1e-10, random_state=1).fit(Xd, y)
    b = lf.LinearSVC(loss="hinge", C=0.4, tol=1e-10, random_state=1).fit(Xs, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-7, atol=1e-9)
    c = lf.LinearSVC(C=0.4, tol=1e-6).fit(Xd.astype(np.float32), y)
    assert c.coef_.dtype == np.float32 and c.intercept_.dtype == np.float32
    ref64 = lf.LinearSVC(C=0.4, tol=1e-6).fit(Xd, y)
    np.testing.assert_allclose(c.coef_, ref64.coef_, rtol=1e-3, atol=1e-4)


def test_dual_options():
    X, y = _data(seed=60)
    with pytest.raises(ValueError, match="penalty='l1' is not supported when dual=True"):
        lf.LinearSVC(penalty="l1", dual=True).fit(X, y)
    with pytest.raises(ValueError, match="dual must be"):
        lf.LinearSVC(dual="yes").fit(X, y)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        lf.LinearSVC(loss="hinge", C=10.0, tol=1e-12, max_iter=2).fit(X, y)
    # sample_weight 2 is the row twice (the primal's C_i)
    w = np.ones(len(y))
    w[:50] = 2.0
    a = lf.LinearSVC(C=0.3, tol=1e-11).fit(X, y, sample_weight=w)
    b = lf.LinearSVC(C=0.3, tol=1e-11).fit(np.vstack([X, X[:50]]),
                                           np.concatenate([y, y[:50]]))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)


def test_dual_auto_rule():
    """dual="auto" for squared hinge: on dense X the dual where
    2 C mean_i(sw_i ||x_i||^2) <= 1 (with or without an intercept), else
    Newton; on sparse X the dual without an intercept and n < d only, primal
    Newton with n >= d (scikit-learn's rule for "auto"; the dual's scattered
    rows lose to Newton's streamed products there) or an intercept: the fit
    is exactly the chosen solver's, and both reach liblinear's
    coefficients (without an intercept, where both solve the same problem)."""
    rng = np.random.default_rng(61)
    # mean ||x||^2 = 6 for (300, 20) at density 0.3: 2 C 6 = 0.12 / 1.2 / 12
    for n, d, sparse, C, fi, sw, dual in (
            (300, 20, False, 0.01, False, None, True),
            (300, 20, False, 0.01, True, None, True),
            (300, 20, False, 0.1, False, None, False),
            (300, 20, False, 0.1, True, None, False),
            (300, 20, False, 0.05, False, 3.0, False),   # the weights scale C
            (300, 20, False, 1.0, False, None, False),
            (300, 20, True, 0.01, False, None, False),
            (40, 200, True, 0.1, False, None, True),
            (40, 200, True, 0.1, True, None, False)):
        X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
        y = (X @ rng.standard_normal(d) > 0).astype(int)
        Xf = sp.csr_matrix(X) if sparse else X
        w = None if sw is None else np.full(n, sw)
        auto = lf.LinearSVC(C=C, fit_intercept=fi, tol=1e-10, random_state=0,
                            max_iter=100_000).fit(Xf, y, sample_weight=w)
        chosen = lf.LinearSVC(C=C, fit_intercept=fi, tol=1e-10, dual=dual, random_state=0,
                              max_iter=100_000).fit(Xf, y, sample_weight=w)
        np.testing.assert_array_equal(auto.coef_, chosen.coef_)
        assert auto.n_iter_[0] == chosen.n_iter_[0]
        if not fi:
            ref = sk_svm.LinearSVC(C=C, fit_intercept=False, tol=1e-10, max_iter=100_000,
                                   dual=not dual, random_state=0).fit(X, y, sample_weight=w)
            np.testing.assert_allclose(auto.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


def test_svm_dual_intercept_feature_equals_a_constant_column():
    """svm_dual_cd with iscale = s solves the dual of X with a constant
    column of value s appended (its weight in w's last entry)."""
    from lossfast import _lossfast as core
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 7))
    y = np.where(rng.standard_normal(300) + X[:, 0] > 0.3, 1.0, -1.0)
    cost = np.full(300, 0.05)
    out = []
    for Xk, s in ((X, 0.7), (np.hstack([X, np.full((300, 1), 0.7)]), 0.0)):
        Xk = np.ascontiguousarray(Xk)
        rows = np.arange(300, dtype=np.int64)
        rv = np.zeros((300, 4))
        rv[:, 0], rv[:, 1] = y, cost
        w = np.zeros(8)
        st = core.svm_dual_cd(Xk, 0, 1e-10, 100000, True, np.array([5], dtype=np.uint64),
                              rv, 0.2, rows, w, s)
        assert st[0] == 0
        out.append((rv[:, 3], w))
    np.testing.assert_allclose(out[0][0], out[1][0], atol=1e-7)
    np.testing.assert_allclose(out[0][1], out[1][1], atol=1e-7)


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_dual_intercept_proximal_steps_agree_with_the_secant_search(monkeypatch, loss):
    """The proximal intercept steps and the secant search (forced by zero
    proximal steps) reach the same objective."""
    from lossfast.linear_model import _svm_dual
    rng = np.random.default_rng(4)
    X = rng.standard_normal((2000, 10)) + 0.5
    y = (X @ rng.standard_normal(10) + 0.8 + rng.standard_normal(2000) > 0).astype(int)
    t = np.where(y == 1, 1.0, -1.0)

    def objective(m):
        r = np.maximum(1 - t * (X @ m.coef_.ravel() + m.intercept_[0]), 0)
        return 0.01 * (r @ r if loss == "squared_hinge" else r.sum()) + 0.5 * m.coef_.ravel() @ m.coef_.ravel()
    est = lambda: lf.LinearSVC(C=0.01, loss=loss, dual=True, tol=1e-8, max_iter=100000,
                               random_state=0)
    f_prox = objective(est().fit(X, y))
    monkeypatch.setattr(_svm_dual, "_PROX_STEPS", 0)
    f_secant = objective(est().fit(X, y))
    assert abs(f_prox - f_secant) <= 1e-7 * abs(f_secant)
