"""scikit-learn-style linear models on lossfast's fused kernels.

``LinearRegression`` / ``Ridge`` (normal equation, L-BFGS or mini-batch
optimizers, any regression loss) and ``LogisticRegression`` (binary and
multinomial; L-BFGS, Newton or mini-batch optimizers).  Importing this
module imports neither scikit-learn nor SciPy.
"""
from . import _dask  # noqa: F401  (registers the Dask kind; imports dask only when used)
from ._base import ConvergenceWarning, DataConversionWarning, LinAlgWarning, NotFittedError
from ._linear import LinearRegression, Ridge
from ._chunked import ChunkedMatrix
from ._logistic import LogisticRegression
from ._logistic_cv import LogisticRegressionCV
from ._classifier import LinearClassifier, LinearSVC
from ._sgd import SGDClassifier, SGDRegressor
from ._coordinate_descent import ElasticNet, Lasso
from ._cv_path import ElasticNetCV, LassoCV, enet_path, lasso_path
from ._ridge_cv import RidgeCV

__all__ = ["LinearRegression", "Ridge", "RidgeCV", "Lasso", "ElasticNet", "LassoCV",
           "ElasticNetCV", "lasso_path", "enet_path", "LogisticRegression", "LogisticRegressionCV",
           "LinearClassifier", "LinearSVC", "SGDClassifier", "SGDRegressor",
           "ChunkedMatrix", "LinAlgWarning", "ConvergenceWarning", "DataConversionWarning",
           "NotFittedError"]


def __dir__():
    return sorted(__all__)
