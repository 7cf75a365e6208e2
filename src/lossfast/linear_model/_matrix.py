"""The data layer under every linear-model solver.

Solvers and objectives never look at how X is stored: they call the few
operations a linear model needs, on an object of one of the matrix kinds
below (glum's ``tabmat`` is the model).  A new kind of storage (CSR
sparse, chunked row blocks) is one new class with the same methods; a new
solver written against these methods runs on every kind.

The operations (all results float64 unless stated; ``coef`` is (k, d)
float64, ``intercept`` (k,) float64 or None):

``loss_gradient(y, sample_weight, coef, intercept, spec, grad, z_out)``
    the fused pass: z = X coef^T + intercept, the per-sample loss of
    ``spec`` and its derivative R = w * dl/dz, and (when ``grad``)
    R^T X and sum_i R_i -- one pass over X.  Returns
    (sum_i w_i l_i, grad_coef (k, d), grad_intercept (k,)); the gradient
    arrays are buffers owned by the matrix (overwritten by the next call).
    A kind whose ``takes_decision_values`` is True also takes
    ``z_given=True``: z_out then holds z on entry (float64), read instead of
    computed, and the pass only scatters the gradient (Newton-CG knows Z at
    its trial points: ``_solvers.newton``).
``matvec(coef, intercept)``
    Z = X coef^T + intercept, (n, k) in X's dtype.
``rmatvec(R)``
    R^T X, (k, d) float64, for R (n, k).
``gram(weights, shift, ones, Y)``
    G_m = A^T diag(weights[:, m]) A with A = [X - shift, Y - shift_Y, 1]
    (Y, the shift and the ones column optional), (M, D, D): X^T W X and
    X^T W y for the normal equation, X^T D X for Newton.  Centring is by
    the shift inside the kernel (float64 per element), never by a centred
    copy of X.
``column_moments(sample_weight)``
    weighted column means and variances, float64, accurate whatever the
    offset of the columns (accumulated around a sample of rows).
``centre_estimate(sample_weight)``
    a shift close to the column means (float64, d), subtracted inside the
    Gram kernel so that sums of squares do not cancel (zeros for kinds that
    cannot shift without densifying; the rank-one correction is exact).
``take_rows(idx)``
    the rows ``idx`` as a matrix of the same kind (mini-batches).
``check_finite()`` / ``check_finite_after(*results)``
    scikit-learn's ValueError if X holds NaN or inf (the second only scans X
    when one of `results`, computed from X, is not finite).

``design_matrix(est, X, reset=...)`` turns what a user passes to ``fit`` /
``predict`` into one of these objects: each kind registers a predicate and a
factory (``register_kind``); dense NumPy-like data is the default.  The
factory validates X with scikit-learn's messages and sets / checks
``n_features_in_``.
"""
import numpy as np

from .. import _lossfast as _core
from ._base import check_finite, check_finite_after, record_features, validate_X

# rows per block of the NumPy passes (column moments): a few MB of float64
_BLOCK_ROWS = 4096
# DenseMatrix.matvec: lossfast's kernel up to this many outputs, BLAS beyond
MATVEC_KERNEL_OUTPUTS = 64


def shift_estimate(X, sample_weight, rows=1024):
    """The weighted mean of up to `rows` rows spread evenly over X (float64):
    a shift close enough to the column means that sums of squares around it
    do not cancel."""
    n = X.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, rows)).astype(np.intp))
    sample = np.asarray(X[idx], dtype=np.float64)
    ws = None if sample_weight is None else np.asarray(sample_weight[idx], dtype=np.float64)
    if ws is not None and ws.sum() > 0:
        return ws @ sample / ws.sum()
    return sample.mean(axis=0)


class DenseMatrix:
    """A C-contiguous float32 / float64 (n, d) NumPy array, on lossfast's
    fused C kernels (csrc/linear_model.c)."""

    kind = "dense"

    def __init__(self, X):
        X = np.asarray(X)
        if X.ndim != 2 or X.dtype not in (np.float32, np.float64) or not X.flags.c_contiguous:
            raise ValueError("DenseMatrix needs a C-contiguous 2-D float32/float64 array")
        self.X = X
        self.shape = X.shape
        self.dtype = X.dtype
        self._gc = None
        self._gb = None

    def __len__(self):
        return self.shape[0]

    def _buffers(self, k):
        if self._gc is None or self._gc.shape[0] != k:
            self._gc = np.empty((k, self.shape[1]))
            self._gb = np.empty(k)
        return self._gc, self._gb

    def loss_gradient(self, y, sample_weight, coef, intercept, spec, *, grad=True, z_out=None):
        coef = np.ascontiguousarray(coef, dtype=np.float64)
        k = coef.shape[0]
        gc, gb = self._buffers(k)
        intercept = None if intercept is None else np.ascontiguousarray(intercept,
                                                                        dtype=np.float64)
        val = _core.lm_loss_gradient(
            self.X, y, sample_weight, coef, intercept, spec.kernel, spec.params,
            gc if grad else None,
            gb if grad and intercept is not None else None, z_out)
        if grad and intercept is None:
            gb[:] = 0.0
        return val, gc, gb

    def matvec(self, coef, intercept=None):
        """X coef^T + intercept in X's dtype; float32 X is multiplied in
        float64 by blocks of rows and rounded once (as the fused kernels do),
        so large, cancelling coefficients keep float32 accuracy.  Up to
        MATVEC_KERNEL_OUTPUTS outputs by lossfast's kernel (the loss pass's
        forward loops, on lossfast's threads): 2e4 x 100 rows and 10 outputs
        in 1.2 ms on one thread, where OpenBLAS's GEMM takes 1.9-2.6 ms; more
        outputs by NumPy's product."""
        coef = np.asarray(coef, dtype=np.float64)
        b = None if intercept is None else np.asarray(intercept, dtype=np.float64)
        if coef.ndim == 2 and coef.shape[0] <= MATVEC_KERNEL_OUTPUTS and self.X.flags.c_contiguous:
            Z = np.empty((self.shape[0], coef.shape[0]), dtype=self.dtype)
            bk = None if b is None else np.ascontiguousarray(
                np.broadcast_to(b, (coef.shape[0],)))
            _core.lm_matvec(self.X, np.ascontiguousarray(coef), bk, Z)
            return Z
        if self.dtype == np.float64:
            Z = self.X @ coef.T
            if b is not None:
                Z += b
            return Z
        Z = np.empty((self.shape[0], coef.shape[0]), dtype=self.dtype)
        for i0 in range(0, self.shape[0], _BLOCK_ROWS):
            block = self.X[i0:i0 + _BLOCK_ROWS].astype(np.float64) @ coef.T
            if b is not None:
                block += b
            Z[i0:i0 + _BLOCK_ROWS] = block
        return Z

    def rmatvec(self, R):
        return np.asarray(R, dtype=np.float64).T @ self.X

    def gram(self, weights=None, *, shift=None, ones=False, Y=None):
        n, d = self.shape
        ky = 0 if Y is None else Y.shape[1]
        M = 1 if weights is None else weights.shape[1]
        D = d + ky + (1 if ones else 0)
        G = np.empty((M, D, D))
        if weights is not None:
            weights = np.ascontiguousarray(weights, dtype=self.dtype)
        if shift is not None:
            shift = np.ascontiguousarray(shift, dtype=np.float64)
        _core.lm_gram(self.X, None if Y is None else np.ascontiguousarray(Y, dtype=self.dtype),
                      weights, shift, bool(ones), G)
        return G

    def column_moments(self, sample_weight=None):
        """(mean, var) of the columns, weighted, float64: one blocked pass of
        sums around a shift from a row sample (no cancellation for offset
        columns)."""
        X = self.X
        n, d = X.shape
        s = shift_estimate(X, sample_weight)
        s1 = np.zeros(d)
        s2 = np.zeros(d)
        wsum = float(n) if sample_weight is None else float(np.sum(sample_weight,
                                                                 dtype=np.float64))
        # non-finite X gives non-finite moments (no warning): the caller's
        # deferred check reports it (check_finite_after)
        # two reused block buffers: a fresh few-MB temporary per block costs
        # page faults when malloc returns it to the OS every time (as in Dask
        # workers, which set MALLOC_TRIM_THRESHOLD_)
        rows = min(n, _BLOCK_ROWS)
        buf = np.empty((rows, d))
        wbuf = None if sample_weight is None else np.empty((rows, d))
        with np.errstate(invalid="ignore", over="ignore"):
            for i0 in range(0, n, _BLOCK_ROWS):
                i1 = min(i0 + _BLOCK_ROWS, n)
                B = np.subtract(X[i0:i1], s, out=buf[:i1 - i0])
                if sample_weight is None:
                    s1 += B.sum(axis=0)
                    s2 += np.einsum("ij,ij->j", B, B)
                else:
                    w = np.asarray(sample_weight[i0:i1], dtype=np.float64)
                    wB = np.multiply(w[:, None], B, out=wbuf[:i1 - i0])
                    s1 += wB.sum(axis=0)
                    s2 += np.einsum("ij,ij->j", wB, B)
            delta = s1 / wsum
            var = np.maximum(s2 / wsum - delta * delta, 0.0)
            return s + delta, var

    def centre_estimate(self, sample_weight=None):
        return shift_estimate(self.X, sample_weight)

    def take_rows(self, idx):
        idx = np.asarray(idx)
        if idx.dtype.kind in "iu":
            # np.take gathers rows ~1.5x faster than fancy indexing (same rows)
            return DenseMatrix(np.take(self.X, idx, axis=0))
        return DenseMatrix(np.ascontiguousarray(self.X[idx]))

    def check_finite(self):
        check_finite(self.X, "X")

    def check_finite_after(self, *results):
        check_finite_after(self.X, *results)


def as_matrix(X):
    """The matrix-layer object for validated data X (a DenseMatrix for a
    C-contiguous float array; matrix objects pass through)."""
    if hasattr(X, "loss_gradient") and hasattr(X, "gram"):
        return X
    return DenseMatrix(X)


# kind name -> (predicate(X) -> bool, factory(est, X, reset, finite) -> matrix)
_KINDS = {}


def register_kind(name, predicate, factory):
    """Make design_matrix build `factory(est, X, reset=..., finite=...)` for
    every X with `predicate(X)` true (checked in registration order)."""
    _KINDS[name] = (predicate, factory)


def design_matrix(est, X, *, reset, finite=True):
    """The matrix-layer object for the X a user passed to `est` (see the
    module docstring); ``finite=False`` defers the NaN/inf check to the
    first pass over X (``check_finite_after``)."""
    # registered kinds first: a kind's factory sets / checks n_features_in_,
    # also for the user-facing matrix objects (ChunkedMatrix)
    for predicate, factory in _KINDS.values():
        if predicate(X):
            return factory(est, X, reset=reset, finite=finite)
    if hasattr(X, "loss_gradient") and hasattr(X, "gram"):
        record_features(est, X.shape, None, reset=reset)
        return X
    return DenseMatrix(validate_X(est, X, reset=reset, finite=finite))


def _register_builtin_kinds():
    from ._sparse import design_csr, is_sparse
    register_kind("csr", is_sparse, design_csr)


_register_builtin_kinds()
