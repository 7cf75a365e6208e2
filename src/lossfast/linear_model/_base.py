"""What the three estimators share: the scikit-learn estimator protocol
without importing scikit-learn, input validation with scikit-learn's
messages, and the warning / error classes.

``get_params`` / ``set_params`` / ``__repr__`` follow ``sklearn.base.BaseEstimator``
and are built from the ``__init__`` signature.  Tags are given to
scikit-learn through ``__sklearn_tags__``, the only place scikit-learn is
imported (scikit-learn calls it itself, so it is already loaded).
"""
import inspect
import numbers
import sys
import warnings

import numpy as np

from .. import _lossfast as _core
from .._validation import show


class LinAlgWarning(UserWarning):
    """The normal equations were singular or ill-conditioned; a least-squares
    solve was used instead."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped before reaching its tolerance."""


class DataConversionWarning(UserWarning):
    """The input was converted (for example a column-vector ``y`` raveled)."""


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (subclasses ValueError and
    AttributeError, as scikit-learn's NotFittedError)."""


_SK_TWINS = {}


def sk_compatible(cls):
    """`cls`, or -- when scikit-learn is already imported -- a subclass of both
    `cls` and scikit-learn's class of the same name, so that code catching or
    filtering either one (``except sklearn.exceptions.NotFittedError``,
    ``ignore_warnings(category=ConvergenceWarning)``) sees lossfast's.
    Never imports scikit-learn."""
    mod = sys.modules.get("sklearn.exceptions")
    sk = getattr(mod, cls.__name__, None) if mod is not None else None
    if sk is None or not isinstance(sk, type):
        return cls
    twin = _SK_TWINS.get(cls)
    if twin is None or not issubclass(twin, sk):
        twin = type(cls.__name__, (cls, sk), {"__module__": cls.__module__,
                                              "__doc__": cls.__doc__})
        _SK_TWINS[cls] = twin
    return twin


# --------------------------------------------------------------------------- estimator protocol


class _Estimator:
    """get_params / set_params / repr / tags from the ``__init__`` signature."""

    _estimator_type = None

    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        names = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise RuntimeError(f"{cls.__name__}.__init__ must not take *args / **kwargs")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep=True):
        """Parameters of this estimator (``deep=True``: also those of nested
        objects that have ``get_params``, as ``name__param``)."""
        out = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for k, v in value.get_params().items():
                    out[f"{key}__{k}"] = v
            out[key] = value
        return out

    def set_params(self, **params):
        """Set parameters (``name`` or ``nested__name``); returns self."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            key, sep, sub = key.partition("__")
            if key not in valid:
                names = self._get_param_names()
                raise ValueError(f"Invalid parameter {key!r} for estimator {self}. "
                                 f"Valid parameters are: {names!r}.")
            if sep:
                nested.setdefault(key, {})[sub] = value
            else:
                setattr(self, key, value)
                valid[key] = value
        for key, sub_params in nested.items():
            valid[key].set_params(**sub_params)
        return self

    def __repr__(self):
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name in self._get_param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, None)
            if _is_default(value, default):
                continue
            parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coef_")

    def _more_tags(self):
        # pre-1.6 scikit-learn tags
        return {"multioutput": self._estimator_type == "regressor", "requires_y": True,
                "poor_score": False, "allow_nan": False}

    def __sklearn_tags__(self):
        # Called by scikit-learn (>= 1.6) only, so importing it here costs nothing extra.
        from sklearn.utils import (ClassifierTags, InputTags, RegressorTags, Tags,
                                   TargetTags)
        is_clf = self._estimator_type == "classifier"
        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=True, multi_output=not is_clf,
                                   single_output=True),
            classifier_tags=ClassifierTags(multi_class=True) if is_clf else None,
            regressor_tags=None if is_clf else RegressorTags(),
            input_tags=InputTags(two_d_array=True, sparse=True, allow_nan=False),
        )


class available_if:
    """A method that exists only when ``check(self)`` is true (scikit-learn's
    ``available_if``, without importing scikit-learn): otherwise reading it
    raises AttributeError, so ``hasattr`` is False -- e.g. ``partial_fit``
    of an estimator whose solver cannot stream."""

    def __init__(self, check):
        self.check = check

    def __call__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        return self

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.fn
        if not self.check(obj):
            raise AttributeError(f"This {type(obj).__name__} has no attribute "
                                 f"{self.fn.__name__!r} with its current parameters")
        return self.fn.__get__(obj, owner)


def _is_default(value, default):
    if value is default:
        return True
    if isinstance(value, (np.ndarray, list, tuple, dict)) or isinstance(default, np.ndarray):
        return False
    try:
        return bool(type(value) is type(default) and value == default)
    except Exception:
        return False


def check_is_fitted(est):
    if not hasattr(est, "coef_"):
        raise sk_compatible(NotFittedError)(
            f"This {type(est).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator.")


# --------------------------------------------------------------------------- validation

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _is_sparse(X):
    mod = type(X).__module__ or ""
    return mod.startswith("scipy.sparse") or (hasattr(X, "tocsr") and hasattr(X, "nnz"))


def _feature_names(X):
    cols = getattr(X, "columns", None)
    if cols is None or not hasattr(X, "iloc"):
        return None
    names = np.asarray(list(cols), dtype=object)
    if len(names) == 0:
        return None
    types = sorted({type(v).__qualname__ for v in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. "
            "If you want feature names to be stored and validated, you must convert "
            "them all to strings, by using X.columns = X.columns.astype(str) for example.")
    if types == ["str"]:
        return names
    return None


def check_finite(arr, name):
    """ValueError (scikit-learn's message) if arr has NaN or +-inf.  One
    parallel pass in C for C-contiguous float arrays."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    if arr.dtype in _FLOATS and arr.flags.c_contiguous:
        bad = _core.lm_count_nonfinite(arr.reshape(-1))
    else:
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if bad:
        if np.isnan(arr).any():
            raise ValueError(f"Input {name} contains NaN.")
        raise ValueError(f"Input {name} contains infinity or a value too large for "
                         f"{arr.dtype!r}.")


def check_finite_after(X, *results):
    """The deferred NaN/inf check of X: `results` are arrays computed from X
    that cannot be finite if X is not -- a gradient sum_i r_i x_i or a Gram
    matrix sum_i w_i x_i x_i^T (r * inf and 0 * inf are not finite, and NaN
    propagates).  Only when one of them is not finite is X scanned, so a
    finite X costs nothing; a non-finite X raises scikit-learn's error."""
    if all(np.all(np.isfinite(r)) for r in results):
        return
    check_finite(X, "X")


def _as_float_array(x, name, estimator_name, dtype=None):
    if _is_sparse(x):
        raise TypeError(f"Sparse data was passed for {name}, but dense data is required "
                        f"by {estimator_name}. Use '.toarray()' to convert to a dense "
                        "numpy array.")
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "c":
        raise ValueError(f"Complex data not supported\n{arr!r}\n")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in _FLOATS else np.dtype(np.float64)
    if arr.dtype != dtype:
        if kind in "OUS":
            if kind == "O" and any(isinstance(v, complex) for v in arr.ravel()[:100]):
                raise ValueError(f"Complex data not supported\n{arr!r}\n")
            arr = arr.astype(np.float64).astype(dtype, copy=False)
        else:
            arr = arr.astype(dtype)
    return arr


def validate_X(est, X, *, reset, finite=True):
    """X as a C-contiguous float32 / float64 2-D array (other dtypes become
    float64), finite, with n_features_in_ / feature_names_in_ set (reset) or
    checked against the fitted ones.

    ``finite=False`` leaves the NaN/inf check to the caller, which must then
    call ``check_finite_after(X, result)`` on a quantity that is not finite
    whenever X is not (see there): it saves a pass over X in ``fit``."""
    name = type(est).__name__
    names = _feature_names(X)
    arr = _as_float_array(X, "X", name)
    if arr.ndim == 0 or arr.ndim == 1:
        raise ValueError(
            f"Expected 2D array, got {'scalar' if arr.ndim == 0 else '1D'} array instead:\n"
            f"array={arr!r}.\nReshape your data either using array.reshape(-1, 1) if your "
            "data has a single feature or array.reshape(1, -1) if it contains a single sample.")
    if arr.ndim > 2:
        raise ValueError(f"Found array with dim {arr.ndim}. {name} expected <= 2.")
    arr = np.ascontiguousarray(arr)
    if finite:
        check_finite(arr, "X")
    record_features(est, arr.shape, names, reset=reset)
    return arr


def record_features(est, shape, names, *, reset):
    """The shape checks every kind of X shares (at least one sample and one
    feature, scikit-learn's messages), then n_features_in_ /
    feature_names_in_ set (reset) or checked against the fitted ones."""
    name = type(est).__name__
    n, d = shape
    if n < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={tuple(shape)}) while a "
                         f"minimum of 1 is required by {name}.")
    if d < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={tuple(shape)}) while a "
                         f"minimum of 1 is required by {name}.")
    if reset:
        est.n_features_in_ = d
        if names is not None:
            est.feature_names_in_ = names
        elif hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    else:
        _check_feature_names(est, names)
        if d != est.n_features_in_:
            raise ValueError(f"X has {d} features, but {name} is expecting "
                             f"{est.n_features_in_} features as input.")


def _check_feature_names(est, names):
    fitted = getattr(est, "feature_names_in_", None)
    cls = type(est).__name__
    if fitted is None and names is None:
        return
    if names is not None and fitted is None:
        warnings.warn(f"X has feature names, but {cls} was fitted without feature names",
                      UserWarning, stacklevel=4)
        return
    if names is None:
        warnings.warn(f"X does not have valid feature names, but {cls} was fitted with "
                      "feature names", UserWarning, stacklevel=4)
        return
    if len(fitted) != len(names) or np.any(fitted != names):
        unexpected = sorted(set(names) - set(fitted))
        missing = sorted(set(fitted) - set(names))
        msg = "The feature names should match those that were passed during fit.\n"
        if unexpected:
            msg += "Feature names unseen at fit time:\n" + "".join(
                f"- {v}\n" for v in unexpected[:5])
        if missing:
            msg += "Feature names seen at fit time, yet now missing:\n" + "".join(
                f"- {v}\n" for v in missing[:5])
        if not unexpected and not missing:
            msg += "Feature names must be in the same order as they were in fit.\n"
        raise ValueError(msg)


def check_y_present(est, y):
    if y is None:
        raise ValueError(f"{type(est).__name__} requires y to be passed, but the target y "
                         "is None.")


def check_consistent_length(n, y_len):
    if n != y_len:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{n}, {y_len}]")


def validate_sample_weight(sample_weight, n, dtype):
    """None, or a C-contiguous (n,) array of `dtype`: finite, >= 0, not all 0."""
    if sample_weight is None:
        return None
    if _is_sparse(sample_weight):
        raise TypeError("Sparse data was passed for sample_weight, but dense data is required.")
    sw = np.asarray(sample_weight)
    if sw.ndim == 0:
        sw = np.full(n, sw, dtype=dtype)
    if sw.dtype.kind not in "fiub":
        sw = sw.astype(np.float64)
    if sw.ndim != 1:
        raise ValueError("Sample weights must be 1D array or scalar")
    if sw.shape != (n,):
        raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
    sw = np.ascontiguousarray(sw, dtype=dtype)
    check_finite(sw, "sample_weight")
    if np.any(sw < 0):
        raise ValueError("Negative values in data passed to `sample_weight`")
    if not np.any(sw > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sw


def check_random_state(seed):
    """A NumPy random generator from None, an int, a RandomState or a Generator."""
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.RandomState(seed)
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    raise ValueError(f"{show(seed)} cannot be used to seed a numpy.random.RandomState instance")


def weighted_mean(values, sample_weight):
    """(Weighted) mean over the first axis, float64."""
    if sample_weight is None:
        return float(np.mean(values, dtype=np.float64))
    return float(np.average(values, weights=sample_weight))


# --------------------------------------------------------------------------- parameters


def check_int(value, name, minimum):
    """`value` as an int >= minimum, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {show(value)}")
    return int(value)


def check_float(value, name, *, minimum=0.0, strict=False, allow_none=False):
    """`value` as a finite float >= minimum (> with strict), else a ValueError."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {show(value)}")
    value = float(value)
    bad = (value <= minimum) if strict else (value < minimum)
    if bad or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} "
                         f"{minimum}, got {value}")
    return value


def batch_size_for(batch_size, n):
    """"auto" -> min(200, n); an int >= 1 is capped at n."""
    if isinstance(batch_size, str) and batch_size == "auto":
        return min(200, n)
    return min(check_int(batch_size, "batch_size", 1), n)


# --------------------------------------------------------------------------- iterative fits


def run_solver(est, solver, objective, theta0, *, max_iter, tol):
    """Run the registry's iterative `solver` on `objective` from theta0 with
    the estimator's options; a ConvergenceWarning when it stops away from
    the optimum.  Returns the SolverResult."""
    options = {"solver": solver.name, "max_iter": max_iter, "tol": tol,
               "verbose": est.verbose, "name": f"{type(est).__name__}:{solver.name}"}
    if solver.minibatch:
        options.update(
            learning_rate=check_float(est.learning_rate, "learning_rate", strict=True,
                                      allow_none=True),
            batch_size=batch_size_for(est.batch_size, objective.X.shape[0]),
            n_iter_no_change=check_int(est.n_iter_no_change, "n_iter_no_change", 1),
            rng=check_random_state(est.random_state))
    res = solver.run(objective, theta0, options)
    if not res.converged:
        warnings.warn(f"{options['name']} did not converge after {res.n_iter} iterations "
                      f"({res.message}); increase max_iter, or adjust tol or the learning "
                      "rate.", sk_compatible(ConvergenceWarning), stacklevel=3)
    return res
