"""LinearSVC and SGDClassifier against scikit-learn (liblinear and its SGD).

    PYTHONPATH=src python -m pytest bench/bench_linear_classifiers.py --benchmark-columns=median

Groups (the SIMD level in use is in the group name):
  LinearSVC (squared hinge and hinge, L2, C=1e-3), dense 1e5 x 100 and CSR
  1e5 x 2e4 (~50 nonzeros per row): without intercept both solve the same
  problem; with one, liblinear penalises it (as the weight of a constant
  feature of value intercept_scaling) and lossfast does not, so liblinear
  runs with intercept_scaling=100: its intercept's penalty (b / 100)^2 / 2
  is then below 1e-6 of the objective, the same problem to that accuracy.
  lossfast's default (dual coordinate descent) and its primal Newton
  against liblinear's primal (dual=False) and dual (dual=True), all at
  tol=1e-4 (Newton at 1e-6); lossfast's objective must be at most the best
  of scikit-learn's
  times (1 + 1e-6) (checked: the benchmark fails if not; the objectives are
  in extra_info).
  SGDClassifier (hinge, L2, "optimal" schedule), dense and CSR as above:
  both run exactly 5 epochs (tol=None), so the ratio is per epoch; with
  shuffle=False the trajectory is the same, with shuffle=True each shuffles
  its rows with its own generator (the same work, rows in a random order:
  the memory access pattern of a default fit).
Targets (issue #16): >= 3x scikit-learn LinearSVC and >= 3x SGDClassifier per epoch.
"""
import numpy as np
import pytest

from benchutil import run
from lossfast import _lossfast as core
import lossfast as lf

sp = pytest.importorskip("scipy.sparse")
sk_svm = pytest.importorskip("sklearn.svm")
sk_lm = pytest.importorskip("sklearn.linear_model")

N, D = 100_000, 100
N_SP, D_SP, NNZ_ROW = 100_000, 20_000, 50
C = 1e-3
EPOCHS = 5
ROUNDS = 3


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(D)
    y = (X @ w + rng.standard_normal(N) > 0).astype(np.int64)
    rows = np.repeat(np.arange(N_SP), NNZ_ROW)
    cols = rng.integers(0, D_SP, N_SP * NNZ_ROW)
    vals = rng.standard_normal(N_SP * NNZ_ROW)
    Xs = sp.csr_matrix((vals, (rows, cols)), shape=(N_SP, D_SP))
    Xs.sum_duplicates()
    ws = rng.standard_normal(D_SP)
    ys = (Xs @ ws + 0.5 * rng.standard_normal(N_SP) > 0).astype(np.int64)
    return {"dense": (X, y), "csr": (Xs, ys)}


def _svc_objective(coef, intercept, X, y, loss):
    t = np.where(y == 1, 1.0, -1.0)
    m = np.maximum(1 - t * (X @ coef.ravel() + intercept), 0)
    lsum = float(m @ m) if loss == "squared_hinge" else float(m.sum())
    return C * lsum + 0.5 * float(coef.ravel() @ coef.ravel())


def _group(what, kind):
    return f"{what} {kind} [{core.simd_level()}]"


def _sk_svc(loss, dual, tol, fit_intercept):
    return sk_svm.LinearSVC(C=C, loss=loss, fit_intercept=fit_intercept, dual=dual, tol=tol,
                            intercept_scaling=100.0, max_iter=5000)


def _intercept(est):
    return float(np.ravel(est.intercept_)[0]) if est.fit_intercept else 0.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["no-intercept", "intercept"])
@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("loss", ["squared_hinge", "hinge"])
@pytest.mark.parametrize("who", ["lossfast", "lossfast-newton", "sklearn", "sklearn-dual"])
def test_linear_svc(benchmark, data, kind, loss, who, fit_intercept):
    """lossfast's default (the dual coordinate descent) and its primal Newton
    against liblinear's primal (scikit-learn's choice for n > d) and dual
    solvers.  lossfast runs at a tolerance at which its objective is at
    least as low as the best of scikit-learn's (checked)."""
    X, y = data[kind]
    if loss == "hinge" and who in ("lossfast-newton", "sklearn"):
        pytest.skip("no primal solver of the exact hinge")
    fi = fit_intercept
    # scikit-learn's tol: at 1e-2 the dual stopped 2.7e-6 above liblinear's hinge
    # objective on the dense data, and the intercept's outer search needs 1e-4
    est = {"lossfast": lambda: lf.LinearSVC(C=C, loss=loss, fit_intercept=fi, tol=1e-4),
           "lossfast-newton": lambda: lf.LinearSVC(C=C, loss=loss, fit_intercept=fi,
                                                   dual=False, tol=1e-6),
           "sklearn": lambda: _sk_svc(loss, False, 1e-4, fi),
           "sklearn-dual": lambda: _sk_svc(loss, True, 1e-4, fi)}[who]()
    what = f"LinearSVC {loss}{' intercept' if fi else ''}"
    run(benchmark, _group(what, kind), who, lambda: est.fit(X, y), rounds=ROUNDS)
    f = _svc_objective(est.coef_, _intercept(est), X, y, loss)
    benchmark.extra_info["objective"] = f
    if who.startswith("lossfast"):
        refs = [_sk_svc(loss, True, 1e-4, fi).fit(X, y)]
        if loss == "squared_hinge":
            refs.append(_sk_svc(loss, False, 1e-4, fi).fit(X, y))
        f_ref = min(_svc_objective(r.coef_, _intercept(r), X, y, loss) for r in refs)
        benchmark.extra_info["sklearn_objective"] = f_ref
        assert f <= f_ref * (1 + 1e-6), (f, f_ref)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("who", ["lossfast", "sklearn"])
def test_sgd_classifier_epochs(benchmark, data, kind, who, shuffle):
    X, y = data[kind]
    params = dict(loss="hinge", alpha=1e-4, max_iter=EPOCHS, tol=None, shuffle=shuffle,
                  random_state=0)
    est = (lf.SGDClassifier if who == "lossfast" else sk_lm.SGDClassifier)(**params)
    what = f"SGDClassifier hinge {EPOCHS} epochs{' shuffled' if shuffle else ''}"
    run(benchmark, _group(what, kind), who,
        lambda: est.fit(X, y), rounds=ROUNDS)
    assert est.n_iter_ == EPOCHS
    benchmark.extra_info["coef_norm"] = float(np.linalg.norm(est.coef_))
