"""lossfast: batched losses and gradients, fused optimizer steps and linear
models on SIMD + OpenMP C kernels.

Submodules load on first use, so ``import lossfast`` stays cheap:
``lf.losses``, ``lf.activations``, ``lf.optim`` and the estimators
``lf.LinearRegression``, ``lf.Ridge``, ``lf.LogisticRegression``.
"""
import importlib as _importlib

from ._config import _check_simd_env, get_num_threads, num_threads, set_num_threads, show_config

__version__ = "0.1.0"

_SUBMODULES = {"losses", "activations", "optim", "linear_model", "datasets"}
_ESTIMATORS = {"LinearRegression": "linear_model", "Ridge": "linear_model",
               "RidgeCV": "linear_model", "LogisticRegression": "linear_model",
               "Lasso": "linear_model", "ElasticNet": "linear_model",
               "LassoCV": "linear_model", "ElasticNetCV": "linear_model",
               "LogisticRegressionCV": "linear_model", "LinearClassifier": "linear_model",
               "LinearSVC": "linear_model", "SGDClassifier": "linear_model",
               "SGDRegressor": "linear_model"}

__all__ = ["__version__", "show_config", "get_num_threads", "set_num_threads", "num_threads",
           *sorted(_SUBMODULES), *sorted(_ESTIMATORS)]

_check_simd_env()
del _check_simd_env


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    if name in _ESTIMATORS:
        return getattr(_importlib.import_module(f".{_ESTIMATORS[name]}", __name__), name)
    raise AttributeError(f"module 'lossfast' has no attribute {name!r}")


def __dir__():
    """The public API only (``__all__``): imports and private helpers stay hidden."""
    return sorted(__all__)
