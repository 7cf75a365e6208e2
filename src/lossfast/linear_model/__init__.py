"""scikit-learn-style linear models on lossfast's fused kernels.

``LinearRegression`` / ``Ridge`` (normal equation, L-BFGS or mini-batch
optimizers, any regression loss) and ``LogisticRegression`` (binary and
multinomial; L-BFGS, Newton or mini-batch optimizers).  Importing this
module imports neither scikit-learn nor SciPy.
"""
from ._base import ConvergenceWarning, DataConversionWarning, LinAlgWarning, NotFittedError
from ._linear import LinearRegression, Ridge
from ._logistic import LogisticRegression

__all__ = ["LinearRegression", "Ridge", "LogisticRegression", "LinAlgWarning",
           "ConvergenceWarning", "DataConversionWarning", "NotFittedError"]


def __dir__():
    return sorted(__all__)
