"""Small real datasets shipped inside the package (see README.md in this folder
for sources and licences).  Each loader returns ``(X, y)`` as float64 / int64
NumPy arrays, or a ``Dataset`` with feature names when ``return_names=True``."""
import gzip as _gzip
import os as _os
from typing import NamedTuple as _NamedTuple

import numpy as _np

_HERE = _os.path.dirname(_os.path.abspath(__file__))


class Dataset(_NamedTuple):
    """What a loader returns with ``return_names=True``."""
    X: _np.ndarray
    y: _np.ndarray
    feature_names: list
    description: str


def _load(filename, target_dtype, description, return_names):
    path = _os.path.join(_HERE, filename)
    with _gzip.open(path, "rt") as f:
        header = f.readline().strip().split(",")
        data = _np.loadtxt(f, delimiter=",", dtype=_np.float64)
    X = _np.ascontiguousarray(data[:, :-1])
    y = data[:, -1].astype(target_dtype)
    if return_names:
        return Dataset(X, y, header[:-1], description)
    return X, y


def load_breast_cancer(return_names=False):
    """Breast Cancer Wisconsin (Diagnostic): 569 samples, 30 features, binary
    target (0 = malignant, 1 = benign).  UCI, CC BY 4.0."""
    return _load("breast_cancer.csv.gz", _np.int64,
                 "Breast Cancer Wisconsin (Diagnostic), UCI, CC BY 4.0", return_names)


def load_wine(return_names=False):
    """Wine recognition: 178 samples, 13 features, 3 classes.  UCI, CC BY 4.0."""
    return _load("wine.csv.gz", _np.int64, "Wine recognition, UCI, CC BY 4.0", return_names)


def load_diabetes(return_names=False):
    """Diabetes (Efron et al. 2004): 442 samples, 10 unscaled features, target a
    quantitative measure of disease progression one year after baseline."""
    return _load("diabetes.csv.gz", _np.float64,
                 "Diabetes (Efron et al. 2004), as distributed with scikit-learn", return_names)


__all__ = ["Dataset", "load_breast_cancer", "load_wine", "load_diabetes"]


def __dir__():
    return sorted(__all__)
