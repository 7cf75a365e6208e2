"""Importing and using the estimators loads neither scikit-learn nor SciPy
(scikit-learn compatibility comes through __sklearn_tags__, which only
scikit-learn calls)."""
import os
import subprocess
import sys


def run_python(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), check=True)
    return out.stdout.strip()


HEAVY = "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"


def test_import_estimators_without_sklearn_or_scipy():
    out = run_python("import sys; import lossfast; "
                     "from lossfast import LogisticRegression, LinearRegression, Ridge; " + HEAVY)
    assert out == "[]"


def test_fit_predict_params_without_sklearn_or_scipy():
    code = """
import sys, warnings
import numpy as np
import lossfast as lf
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 4)); y = (X[:, 0] > 0).astype(int)
for est in (lf.LogisticRegression(), lf.LogisticRegression(solver="newton"),
            lf.LinearRegression(), lf.Ridge(solver="lbfgs"), lf.LinearRegression(loss="huber")):
    est.fit(X, y).predict(X); est.score(X, y); repr(est); est.set_params(**est.get_params())
with warnings.catch_warnings(record=True):
    warnings.simplefilter("always")
    lf.LinearRegression().fit(np.hstack([X, X]), y)          # least-squares fallback
    lf.LogisticRegression(max_iter=1).fit(X, y)                # ConvergenceWarning
try:
    lf.LogisticRegression().predict(X)
except lf.linear_model.NotFittedError:
    pass
""" + HEAVY
    assert run_python(code) == "[]"
