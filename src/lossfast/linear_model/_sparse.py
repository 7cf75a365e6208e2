"""The CSR kind of the matrix layer: SciPy sparse X without importing SciPy.

Any SciPy sparse matrix or array (CSR, CSC, COO, BSR, LIL, DOK, DIA and the
``*_array`` types) is recognised by its attributes (``format`` and
``tocsr``); CSR is used as is when it is already canonical, other formats
are converted once with the object's own ``tocsr``.  A non-canonical CSR
(unsorted indices or duplicate entries) is canonicalised once on a copy
(duplicates summed, as SciPy does).  float32 and float64 data are kept,
other data types become float64; int32 and int64 indices are both read
directly.  Explicit zeros, empty rows and empty columns are harmless.

X is never densified: the C kernels (csrc/linear_model_csr.c) run the fused
loss/gradient pass, X W^T + b, R^T X and the weighted Gram over the CSR
arrays.  Centring (for an intercept) is the rank-one correction of the
uncentred Gram, never a subtraction from X; ``centre_estimate`` is zero.
"""
import numpy as np

from .. import _lossfast as _core
from ._base import check_finite, record_features

_FORMATS = ("csr", "csc", "coo", "bsr", "lil", "dok", "dia")


def is_sparse(X):
    """True for SciPy sparse matrices / arrays (duck-typed, no SciPy import)."""
    return (getattr(X, "format", None) in _FORMATS and hasattr(X, "tocsr")
            and hasattr(X, "shape") and hasattr(X, "nnz"))


def _canonical_csr(X):
    """(data, indices, indptr, shape) of canonical CSR for a SciPy sparse X:
    no copy when X is CSR with sorted, unique indices and a float type."""
    if X.format != "csr":
        X = X.tocsr()
    if X.dtype not in (np.float32, np.float64):
        kind = np.dtype(X.dtype).kind
        if kind == "c":
            raise ValueError("Complex data not supported")
        if kind not in "biuf":
            raise TypeError(f"sparse X must hold numbers, got dtype {X.dtype}")
        X = X.astype(np.float64)
    if not getattr(X, "has_canonical_format", False):
        X = X.copy()
        X.sum_duplicates()          # sorts the indices and sums duplicates, in place
    data = np.ascontiguousarray(X.data)
    indices = np.ascontiguousarray(X.indices)
    indptr = np.ascontiguousarray(X.indptr)
    itype = np.int64 if (indices.dtype == np.int64 or indptr.dtype == np.int64) else np.int32
    if indices.dtype != itype or indices.dtype.kind != "i":
        indices = indices.astype(itype)
    if indptr.dtype != itype or indptr.dtype.kind != "i":
        indptr = indptr.astype(itype)
    return data, indices, indptr, tuple(int(v) for v in X.shape)


class CSRMatrix:
    """Canonical CSR (data, indices, indptr) of shape (n, d): the CSR kind of
    the matrix layer (see _matrix.py for the operations)."""

    kind = "csr"

    def __init__(self, data, indices, indptr, shape):
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = tuple(shape)
        self.dtype = data.dtype
        self._gc = None
        self._gb = None

    @classmethod
    def from_scipy(cls, X):
        return cls(*_canonical_csr(X))

    def __len__(self):
        return self.shape[0]

    @property
    def nnz(self):
        return int(self.indptr[-1])

    def _arrays(self):
        return self.data, self.indices, self.indptr, self.shape[1]

    @property
    def takes_decision_values(self):
        """Whether loss_gradient takes z_given (float64 data: the pass's
        forward half, X coef^T, is then skipped; _matrix.py)."""
        return self.dtype == np.float64

    def loss_gradient(self, y, sample_weight, coef, intercept, spec, *, grad=True, z_out=None,
                      z_given=False, moments_out=None):
        coef = np.ascontiguousarray(coef, dtype=np.float64)
        k = coef.shape[0]
        if self._gc is None or self._gc.shape[0] != k:
            self._gc = np.empty((k, self.shape[1]))
            self._gb = np.empty(k)
        gc, gb = self._gc, self._gb
        if intercept is not None:
            intercept = np.ascontiguousarray(intercept, dtype=np.float64)
        val = _core.csr_loss_gradient(
            *self._arrays(), y, sample_weight, coef, intercept, spec.kernel, spec.params,
            gc if grad else None,
            gb if grad and intercept is not None else None, z_out, z_given, moments_out)
        if grad and intercept is None:
            gb[:] = 0.0
        return val, gc, gb

    def matvec(self, coef, intercept=None):
        coef = np.ascontiguousarray(np.atleast_2d(coef), dtype=np.float64)
        Z = np.empty((self.shape[0], coef.shape[0]), dtype=self.dtype)
        b = None if intercept is None else np.ascontiguousarray(
            np.broadcast_to(np.asarray(intercept, dtype=np.float64), (coef.shape[0],)))
        _core.csr_matvec(*self._arrays(), coef, b, Z)
        return Z

    def rmatvec(self, R):
        R = np.ascontiguousarray(R, dtype=np.float64)
        if R.ndim == 1:
            R = R.reshape(-1, 1)
        G = np.empty((R.shape[1], self.shape[1]))
        _core.csr_rmatvec(*self._arrays(), R, G)
        return G

    def gram(self, weights=None, *, shift=None, ones=False, Y=None):
        """As DenseMatrix.gram; a shift is applied exactly by the rank-one
        correction of the uncentred Gram (the kernel always adds the ones
        column it needs for that, dropped again when not asked for)."""
        n, d = self.shape
        ky = 0 if Y is None else Y.shape[1]
        M = 1 if weights is None else weights.shape[1]
        need_ones = bool(ones) or shift is not None
        D = d + ky + (1 if need_ones else 0)
        G = np.empty((M, D, D))
        if weights is not None:
            weights = np.ascontiguousarray(weights, dtype=self.dtype)
        if Y is not None:
            Y = np.ascontiguousarray(Y, dtype=self.dtype)
        _core.csr_gram(*self._arrays(), Y, weights, need_ones, G)
        if shift is not None:
            s = np.asarray(shift, dtype=np.float64)
            q = D - 1                     # the ones column: sums of the weighted columns
            for m in range(M):
                Gm = G[m]
                u = Gm[:q, q].copy()      # A^T D 1
                t = Gm[q, q]              # 1^T D 1
                Gm[:q, :q] += -np.outer(s, u) - np.outer(u, s) + t * np.outer(s, s)
                Gm[:q, q] = Gm[q, :q] = u - t * s
        if need_ones and not ones:
            G = np.ascontiguousarray(G[:, :D - 1, :D - 1])
        return G

    def column_moments(self, sample_weight=None):
        """Weighted column means and variances from w^T X and w^T X^2 (one
        pass of the kernel)."""
        n, d = self.shape
        w = None if sample_weight is None else np.ascontiguousarray(sample_weight, np.float64)
        M = np.empty((2, d))
        _core.csr_moments(*self._arrays(), w, M)
        return self._moments(M, w)

    def _moments(self, M, w):
        wsum = float(self.shape[0]) if w is None else float(w.sum())
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            mean, ex2 = M[0] / wsum, M[1] / wsum
            return mean, np.maximum(ex2 - mean * mean, 0.0)

    def moments_and_zero_gradient(self, y, sample_weight, spec, fit_intercept):
        """(mean, var, (val, grad_coef, grad_intercept)): the column moments
        and the loss / gradient of one output at coef 0 and intercept 0 (the
        solvers' usual start), from ONE scatter over X -- the moments ride in
        the gradient's cache lines (csr_loss_gradient's moments_out).  None
        where that does not apply (float32 data, or column_moments replaced
        on this object: its moments come from elsewhere)."""
        if not self.takes_decision_values or "column_moments" in vars(self):
            return None
        n, d = self.shape
        w = None if sample_weight is None else np.ascontiguousarray(sample_weight, np.float64)
        M = np.empty((2, d))
        Z = np.zeros((n, 1))
        val, gc, gb = self.loss_gradient(y, w, np.zeros((1, d)),
                                         np.zeros(1) if fit_intercept else None, spec,
                                         z_out=Z, z_given=True, moments_out=M)
        mean, var = self._moments(M, w)
        return mean, var, (val, gc.copy(), gb.copy())

    def centre_estimate(self, sample_weight=None):
        return np.zeros(self.shape[1])

    def take_rows(self, idx):
        """The rows idx (sorted or not) as canonical CSR."""
        idx = np.asarray(idx, dtype=np.int64)
        start = self.indptr[idx].astype(np.int64)
        lengths = self.indptr[idx + 1].astype(np.int64) - start
        indptr = np.zeros(len(idx) + 1, dtype=self.indptr.dtype)
        np.cumsum(lengths, out=indptr[1:])
        total = int(indptr[-1])
        pos = np.repeat(start - indptr[:-1].astype(np.int64), lengths) + np.arange(total)
        return CSRMatrix(self.data[pos], self.indices[pos], indptr, (len(idx), self.shape[1]))

    def check_finite(self):
        check_finite(self.data, "X")

    def check_finite_after(self, *results):
        if all(np.all(np.isfinite(r)) for r in results):
            return
        self.check_finite()

    def toarray(self):
        """Dense copy (for small problems and tests only)."""
        n, d = self.shape
        out = np.zeros((n, d), dtype=self.dtype)
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out


def design_csr(est, X, *, reset, finite=True):
    """The CSRMatrix of a SciPy sparse X, validated with scikit-learn's
    messages (2-D, at least one sample and feature, finite values)."""
    if len(X.shape) != 2:
        raise ValueError(f"Expected 2D array, got a sparse array of shape {X.shape} instead.")
    Xm = CSRMatrix.from_scipy(X)
    record_features(est, Xm.shape, None, reset=reset)
    if finite:
        Xm.check_finite()
    return Xm
