"""The datasets shipped inside the package load with the documented shapes."""
import numpy as np
import pytest

import lossfast as lf


@pytest.mark.parametrize("loader, shape, n_classes", [
    ("load_breast_cancer", (569, 30), 2), ("load_wine", (178, 13), 3),
    ("load_diabetes", (442, 10), None)])
def test_shapes_and_dtypes(loader, shape, n_classes):
    X, y = getattr(lf.datasets, loader)()
    assert X.shape == shape and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (shape[0],)
    assert np.all(np.isfinite(X))
    if n_classes:
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(n_classes))
    else:
        assert y.dtype == np.float64
    ds = getattr(lf.datasets, loader)(return_names=True)
    assert len(ds.feature_names) == shape[1] and ds.description
    np.testing.assert_array_equal(ds.X, X)


def test_same_values_as_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    for ours, theirs in [(lf.datasets.load_breast_cancer(), sk.load_breast_cancer(return_X_y=True)),
                         (lf.datasets.load_wine(), sk.load_wine(return_X_y=True)),
                         (lf.datasets.load_diabetes(),
                          sk.load_diabetes(return_X_y=True, scaled=False))]:
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
        np.testing.assert_array_equal(ours[1], theirs[1])
