"""The proximal step of the L1 term in the mini-batch optimizer solvers
(L1Prox, the minibatch solver's hook) and the certification of their fits on
the composite objective; the active-block Hessian of the multinomial
newton-cd."""
import warnings

import numpy as np
import pytest

import lossfast as lf
from lossfast.linear_model import ConvergenceWarning
from lossfast.linear_model._newton_cd import logistic_problem, newton_cd

OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"]


def data(n, d, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.uniform(-2, 2, d)
    W = rng.standard_normal((d, k)) * 1.5
    W[d // 2:] = 0
    Xs = (X - X.mean(0)) / X.std(0)
    y = np.argmax(Xs @ W + rng.gumbel(size=(n, k)), axis=1) if k > 2 else (
        (Xs @ W[:, 0] + rng.logistic(size=n)) > 0).astype(int)
    return X, y


def composite(X, y, k, C, l1_ratio, coef, intercept):
    fg, _, _, l1, _ = logistic_problem(X, y, k, C=C, l1_ratio=l1_ratio)
    x = np.concatenate([np.ravel(coef), np.ravel(intercept)])
    return fg(x)[0] + float(l1 @ np.abs(x))


# The stated tolerance: an optimizer fit with tol=1e-6 reaches the newton-cd
# optimum's composite objective within GAP_PER_TOL * tol = 1e-4 (relative;
# the bound its certificate guarantees, binary fits get ~1e-6), its
# coefficients within 2e-3 (binary) / 1e-2 (multinomial), and is exactly 0 on
# the coefficients newton-cd finds clearly inactive (optimality margin
# |g_j| < 0.5 lam_j).
REL_F, ATOL_COEF = 1e-4, 2e-3


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_optimizers_reach_the_newton_cd_solution_binary(optimizer, l1_ratio):
    X, y = data(2000, 12, 2, seed=1)
    C = 0.01
    ref = lf.LogisticRegression(C=C, l1_ratio=l1_ratio, solver="newton-cd", tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = lf.LogisticRegression(C=C, l1_ratio=l1_ratio, solver=optimizer, tol=1e-6,
                                    max_iter=300, random_state=0).fit(X, y)
    f_ref = composite(X, y, 2, C, l1_ratio, ref.coef_, ref.intercept_)
    f = composite(X, y, 2, C, l1_ratio, est.coef_, est.intercept_)
    assert f - f_ref <= REL_F * abs(f_ref)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=ATOL_COEF)
    # exact zeros where newton-cd's coefficient is zero with a margin
    fg, _, _, l1, _ = logistic_problem(X, y, 2, C=C, l1_ratio=l1_ratio)
    g = fg(np.concatenate([ref.coef_.ravel(), ref.intercept_]))[1][:X.shape[1]]
    clear = (ref.coef_[0] == 0) & (np.abs(g) < 0.5 * l1[:X.shape[1]])
    assert clear.sum() >= 3
    assert np.all(est.coef_[0][clear] == 0.0)
    # the loss curve is the composite objective: its last entry is the fit's
    assert est.loss_curve_[-1] > 0


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adagrad"])
def test_optimizers_reach_the_newton_cd_solution_multinomial(optimizer):
    X, y = data(1500, 8, 3, seed=2)
    C = 0.02
    ref = lf.LogisticRegression(C=C, l1_ratio=1.0, solver="newton-cd", tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = lf.LogisticRegression(C=C, l1_ratio=1.0, solver=optimizer, tol=1e-6,
                                    max_iter=300, random_state=0).fit(X, y)
    f_ref = composite(X, y, 3, C, 1.0, ref.coef_, ref.intercept_)
    f = composite(X, y, 3, C, 1.0, est.coef_, est.intercept_)
    assert f - f_ref <= REL_F * abs(f_ref)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=5 * ATOL_COEF)
    fg, _, _, l1, _ = logistic_problem(X, y, 3, C=C, l1_ratio=1.0)
    kd = ref.coef_.size
    g = fg(np.concatenate([ref.coef_.ravel(), ref.intercept_]))[1][:kd]
    clear = (ref.coef_.ravel() == 0) & (np.abs(g) < 0.5 * l1[:kd])
    assert clear.sum() >= 3
    assert np.all(est.coef_.ravel()[clear] == 0.0)


def test_optimizer_l1_warns_when_it_stops_away_from_the_optimum():
    X, y = data(2000, 12, 2, seed=3)
    with pytest.warns(ConvergenceWarning, match="above the optimum.*proximal Newton"):
        lf.LogisticRegression(C=0.01, l1_ratio=1.0, solver="sgd", max_iter=1, tol=1e-8,
                              learning_rate=1e-4, random_state=0).fit(X, y)


def test_prox_probe_fista_when_hessian_too_large(monkeypatch):
    """Above the dense-Hessian size the certificate probes with FISTA."""
    from lossfast.linear_model import _solvers
    monkeypatch.setattr(_solvers, "DENSE_HESSIAN_MAX_PARAMS", 4)
    X, y = data(2000, 12, 2, seed=3)
    with pytest.warns(ConvergenceWarning, match="above the optimum.*FISTA"):
        lf.LogisticRegression(C=0.01, l1_ratio=1.0, solver="adam", max_iter=1, tol=1e-8,
                              learning_rate=1e-5, random_state=0).fit(X, y)
    # and a converged fit is certified by the same probe
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        lf.LogisticRegression(C=0.01, l1_ratio=1.0, solver="adam", max_iter=300, tol=1e-6,
                              random_state=0).fit(X, y)


def test_l1_prox_effective_steps():
    """The threshold of each optimizer is its step per unit of a steady gradient."""
    from lossfast import optim
    from lossfast.linear_model._solvers import L1Prox
    lam = np.full((1, 4), 0.1)
    g = np.full((1, 4), 0.3)
    for name, expect in [("sgd", lambda: 0.5), ("momentum", lambda: 0.5 / 0.1),
                         ("nesterov", lambda: 0.5 * (1 + 0.9 / 0.1))]:
        p = np.zeros((1, 4))
        opt = optim.get(name, [p], lr=0.5)
        opt.step([g.copy()])
        assert np.allclose(L1Prox(lam, opt).step_sizes(), expect())
    p = np.zeros((1, 4))
    opt = optim.get("adam", [p], lr=0.5)
    for _ in range(50):
        opt.step([g.copy()])
    # a steady gradient: v / bc2 = g^2, so the step is lr / (|g| + eps)
    np.testing.assert_allclose(L1Prox(lam, opt).step_sizes(), 0.5 / (0.3 + 1e-8), rtol=1e-6)
    p = np.ones((1, 4))
    opt = optim.get("adagrad", [p], lr=0.5)
    opt.step([g.copy()])
    prox = L1Prox(lam, opt)
    np.testing.assert_allclose(prox.step_sizes(), 0.5 / (0.3 + 1e-10))
    before = p.copy()
    prox([p])
    np.testing.assert_allclose(p, np.sign(before) * np.maximum(np.abs(before)
                                                               - 0.1 * 0.5 / 0.3, 0))


def test_l1_with_other_optimizer_classes_not_implemented():
    from lossfast import optim
    from lossfast.linear_model._solvers import L1Prox
    p = np.zeros(3)
    with pytest.raises(NotImplementedError, match="Adamax"):
        L1Prox(np.ones(3), optim.Adamax([p]))


# --------------------------------------------------------------------------- multinomial active block


def test_objective_active_hessian_is_the_full_hessians_block():
    from lossfast.linear_model._matrix import DenseMatrix
    from lossfast.linear_model._objective import LinearObjective, LossSpec
    from lossfast.linear_model._sparse import CSRMatrix
    sp = pytest.importorskip("scipy.sparse")
    X, y = data(300, 9, 4, seed=4)
    X[np.abs(X) < 1.0] = 0.0
    sw = np.random.default_rng(0).uniform(0.5, 2.0, 300)
    for fi in (True, False):
        for Xm in (DenseMatrix(np.ascontiguousarray(X)), CSRMatrix.from_scipy(sp.csr_matrix(X))):
            ob = LinearObjective(Xm, y.astype(np.int64), sw, 4, LossSpec("softmax_xent_sparse"),
                                 fi, 0.3)
            theta = np.random.default_rng(1).standard_normal(ob.n_params) * 0.3
            Z = np.empty((300, 4))
            ob.loss_grad(theta, z_out=Z)
            H = ob.hessian(theta, Z)
            # the full Hessian adds curvature along the softmax's invisible
            # directions (one vector added to every class): remove it
            d, k = 9, 4
            idx = np.array([0, 3, 10, 11, 20, 35] + ([36, 38] if fi else []))
            block = ob.hessian_active(theta, Z, idx)
            ref = H[np.ix_(idx, idx)]
            # entries of the same feature in two classes carry shift / k in H
            feat = np.where(idx < k * d, idx % d, d)
            same = feat[:, None] == feat[None, :]
            diff = ref - block
            assert np.allclose(diff[~same], 0.0, atol=1e-12)
            assert np.allclose(diff[same], diff[same][0], atol=1e-10)


def test_logistic_problem_multinomial_active_block():
    X, y = data(300, 7, 3, seed=5)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, 300)
    for fi in (True, False):
        fg, hess, x0, l1, _ = logistic_problem(X, y, 3, C=0.3, l1_ratio=0.5, sample_weight=sw,
                                               fit_intercept=fi)
        x = np.random.default_rng(0).standard_normal(x0.size) * 0.1
        _, _, aux = fg(x)
        H = hess(x, aux)
        idx = np.array([0, 3, 8, 9, 20] + ([21, 23] if fi else []))
        np.testing.assert_allclose(hess.active(x, aux, idx), H[np.ix_(idx, idx)], rtol=1e-10,
                                   atol=1e-14)


def test_multinomial_l1_large_d_matches_saga_without_the_full_hessian(monkeypatch):
    """A multinomial L1 fit with k d = 5 * 600 parameters: newton-cd builds
    only active blocks (the full (k d)^2 Hessian would be 72 MB and is
    forbidden here) and matches scikit-learn's saga at tight tol."""
    sk_lm = pytest.importorskip("sklearn.linear_model")
    from lossfast.linear_model import _objective
    rng = np.random.default_rng(6)
    n, d, k = 400, 600, 5
    X = rng.standard_normal((n, d))
    W = np.zeros((d, k))
    W[:10] = rng.standard_normal((10, k)) * 2
    y = np.argmax(X @ W + rng.gumbel(size=(n, k)), axis=1)

    def no_full(self, theta, Z):
        raise AssertionError("the full Hessian was formed")

    monkeypatch.setattr(_objective.LinearObjective, "hessian", no_full)
    C = 0.05
    ours = lf.LogisticRegression(C=C, l1_ratio=1.0, solver="newton-cd", tol=1e-10,
                                 max_iter=200).fit(X, y)
    monkeypatch.undo()
    ref = sk_lm.LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-12,
                                   max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_array_equal(ours.coef_ != 0, ref.coef_ != 0)
    assert np.count_nonzero(ours.coef_) < 0.2 * ours.coef_.size
