"""scikit-learn's own estimator checks (sklearn.utils.estimator_checks) on
the three estimators and on the other solvers."""
import warnings

import pytest

import lossfast as lf
from lossfast.linear_model import LinAlgWarning

pytest.importorskip("sklearn")
from sklearn.exceptions import SkipTestWarning  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

ESTIMATORS = {
    "LinearRegression": lambda: lf.LinearRegression(),
    "Ridge": lambda: lf.Ridge(),
    "LogisticRegression": lambda: lf.LogisticRegression(),
    "Ridge-lbfgs": lambda: lf.Ridge(solver="lbfgs", tol=1e-10),
    "LinearRegression-huber": lambda: lf.LinearRegression(loss="huber", tol=1e-10),
    "LogisticRegression-newton": lambda: lf.LogisticRegression(solver="newton", tol=1e-10),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_check_estimator(name):
    est = ESTIMATORS[name]()
    with warnings.catch_warnings():
        # lossfast's estimators do not inherit from sklearn.base.BaseEstimator (importing
        # lossfast must not import scikit-learn); check_estimator warns about it once.
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base",
                                category=UserWarning)
        # checks that need pandas or SCIPY_ARRAY_API are reported as skipped
        warnings.simplefilter("ignore", SkipTestWarning)
        # check_fit2d_1sample and the 15 x 30 sample-weight data are rank deficient: the
        # normal equation takes its documented least-squares fallback, with this warning
        warnings.simplefilter("ignore", LinAlgWarning)
        results = check_estimator(est, on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']!r}" for r in results
              if r["status"] == "failed"]
    assert not failed, "\n".join(failed)
    passed = [r for r in results if r["status"] == "passed"]
    assert len(passed) >= 55
