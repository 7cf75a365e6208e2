"""The chunked kind of the matrix layer: X as a sequence of row blocks.

``ChunkedMatrix([X0, X1, ...])`` stacks row blocks (NumPy arrays, memmaps,
or any matrix-layer object such as a ``DenseMatrix`` or a CSR block) with
the same number of columns.  Every operation of the matrix layer (see
``_matrix.py``) is computed per block by that block's own kernels and the
per-block results are combined in a fixed order:

* sums (the fused loss / gradient pass, ``rmatvec``, the weighted Gram)
  by ``tree_sum``: groups of ``FAN_IN`` consecutive blocks added left to
  right, then groups of those sums, and so on.  The order depends only on
  the number of blocks, so a fit is bit-for-bit the same for any thread
  count, and the Dask kind (``_dask.py``), which runs the same per-block
  functions on its workers and sums with the same tree, gives the same
  bits as a ``ChunkedMatrix`` of the same blocks.
* column moments by the exact pairwise update of (weight, mean, variance)
  of Chan, Golub and LeVeque, block by block in order: no common shift is
  needed, so nothing cancels whatever the offsets of the columns.
* the shift of the Gram kernel (``centre_estimate``) is the first block's
  (the weighted mean of up to 1024 of its rows): close enough to the column
  means for the sums of squares not to cancel unless the blocks have very
  different means; the exact centring is the rank-one correction.

y, sample_weight and the decision values stay ordinary (n,) / (n, k)
arrays; each block gets its rows' slice (a view, no copy).

The blocks are kept as given (memmaps stay memory maps: each pass streams
them from disk).  For data that arrive once, chunk by chunk, use the
estimators' ``partial_fit``.
"""
import numpy as np

from ._matrix import DenseMatrix, register_kind, shift_estimate

# consecutive partial results added per node of the fixed summation tree
FAN_IN = 8


# --------------------------------------------------------------------------- fixed-order sums


def sum_group(*parts):
    """parts[0] + parts[1] + ... added left to right (float64, a new array)."""
    acc = np.array(parts[0], dtype=np.float64, copy=True)
    for p in parts[1:]:
        acc += p
    return acc


def tree_groups(n_parts, fan_in=FAN_IN):
    """The summation tree over `n_parts` partial results: a list of levels,
    each a list of (start, stop) ranges of the previous level's entries."""
    levels = []
    while n_parts > 1:
        level = [(i, min(i + fan_in, n_parts)) for i in range(0, n_parts, fan_in)]
        levels.append(level)
        n_parts = len(level)
    return levels


def tree_sum(parts, fan_in=FAN_IN):
    """Sum of the arrays `parts` in the fixed order of ``tree_groups``."""
    parts = list(parts)
    if len(parts) == 1:
        return sum_group(parts[0])
    for level in tree_groups(len(parts), fan_in):
        parts = [sum_group(*parts[a:b]) for a, b in level]
    return parts[0]


# --------------------------------------------------------------------------- per-block work
# Module-level functions of plain arguments: the Dask kind runs exactly these
# on its workers (they must pickle), so both kinds compute the same bits.


def as_block(block):
    """A matrix-layer object for one row block: matrix objects pass through,
    a float32 / float64 2-D array (memmaps included) becomes a DenseMatrix
    without a copy when it is C-contiguous."""
    if hasattr(block, "loss_gradient") and hasattr(block, "gram"):
        return block
    if hasattr(block, "format") and hasattr(block, "indptr"):
        raise TypeError("a sparse row block must be given as a matrix-layer object of the "
                        "CSR kind, not as a SciPy matrix")
    arr = np.asarray(block)
    if arr.ndim != 2:
        raise ValueError(f"a row block must be 2-D, got an array of shape {arr.shape}")
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return DenseMatrix(np.ascontiguousarray(arr))


def pack_loss_gradient(val, gc, gb):
    """[loss, grad_coef (k*d), grad_intercept (k)] as one float64 vector."""
    return np.concatenate([[val], np.ravel(gc), np.ravel(gb)])


def block_loss_gradient(block, y, sample_weight, coef, intercept, spec, grad, z_out=None):
    """The packed fused pass of one block (see ``pack_loss_gradient``; the
    gradient part is zeros when not ``grad``)."""
    m = as_block(block)
    val, gc, gb = m.loss_gradient(y, sample_weight, coef, intercept, spec, grad=grad,
                                  z_out=z_out)
    k, d = coef.shape
    if not grad:
        return pack_loss_gradient(val, np.zeros(k * d), np.zeros(k))
    return pack_loss_gradient(val, gc, gb)


def block_gram(block, weights, shift, ones, Y):
    """The (M, D, D) weighted Gram of one block (``DenseMatrix.gram``)."""
    return as_block(block).gram(weights, shift=shift, ones=ones, Y=Y)


def block_rmatvec(block, R):
    return as_block(block).rmatvec(R)


def block_moments(block, sample_weight):
    """[total weight, column means (d), column variances (d)] of one block:
    for a dense block one pass of the C moments kernel (``cd_moments``:
    weighted sums and sums of squares around the shift of a row sample,
    float64, vectorised; 4-5x the NumPy pass of ``DenseMatrix.column_moments``
    it replaces, the same algorithm), else the block kind's own moments."""
    m = as_block(block)
    w = float(m.shape[0]) if sample_weight is None else float(
        np.sum(sample_weight, dtype=np.float64))
    d = m.shape[1]
    if not w > 0:
        return np.concatenate([[0.0], np.zeros(d), np.zeros(d)])
    if isinstance(m, DenseMatrix) and (sample_weight is None
                                       or np.asarray(sample_weight).dtype == m.dtype):
        mean, var = _dense_moments(m.X, sample_weight)
    else:
        mean, var = m.column_moments(sample_weight)
    return np.concatenate([[w], mean, var])


def _dense_moments(X, sample_weight):
    """(mean, var) of the columns of a C-contiguous float array by the C
    moments kernel around ``shift_estimate`` (its y column is a zero column:
    the kernel's sums over [X, y])."""
    from .. import _lossfast as _core
    n, d = X.shape
    shift = np.concatenate([shift_estimate(X, sample_weight), [0.0]])
    sw = None if sample_weight is None else np.ascontiguousarray(sample_weight)
    s1, s2, xy = np.empty(d + 1), np.empty(d + 1), np.empty((d, 1))
    with np.errstate(invalid="ignore", over="ignore"):
        wsum = _core.cd_moments(X, np.zeros((n, 1), dtype=X.dtype), sw, shift, s1, s2, xy)
        delta = s1[:d] / wsum
        var = np.maximum(s2[:d] / wsum - delta * delta, 0.0)
        return shift[:d] + delta, var


def combine_moments(parts, d):
    """(mean, var) of the union of blocks from their ``block_moments``, by
    the pairwise update (Chan, Golub & LeVeque) in block order."""
    w_acc = 0.0
    mean = np.zeros(d)
    m2 = np.zeros(d)                       # weighted sum of squared deviations
    with np.errstate(invalid="ignore", over="ignore"):
        for p in parts:
            w = p[0]
            if not w > 0:
                continue
            mb, vb = p[1:1 + d], p[1 + d:]
            total = w_acc + w
            delta = mb - mean
            mean = mean + delta * (w / total)
            m2 = m2 + vb * w + delta * delta * (w_acc * w / total)
            w_acc = total
        if w_acc > 0:
            return mean, np.maximum(m2 / w_acc, 0.0)
    return mean, m2


def block_centre(block, sample_weight):
    return as_block(block).centre_estimate(sample_weight)


def block_matvec(block, coef, intercept):
    return as_block(block).matvec(coef, intercept)


def blockwise_order(rng, sizes):
    """An epoch's row order that streams the blocks: the blocks in a random
    order (``rng.permutation(n_blocks)``), then the rows of each block in a
    random order (``rng.permutation(size)`` per block, in that order).  A
    permutation of all rows whose consecutive mini-batches come from one
    block, or from two where a block ends, so an epoch reads each block
    once (memmaps, the Dask kind) instead of touching every block for
    every batch."""
    sizes = np.asarray(sizes, dtype=np.intp)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    parts = [offsets[b] + rng.permutation(int(sizes[b])) for b in rng.permutation(sizes.size)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.intp)


def block_count_nonfinite(block):
    """1 if the block holds NaN / inf (its kind's check), else 0."""
    try:
        as_block(block).check_finite()
    except ValueError:
        return np.array([1.0])
    return np.array([0.0])


# --------------------------------------------------------------------------- the matrix kind


def _rows(a, lo, hi):
    return None if a is None else a[lo:hi]


class ChunkedMatrix:
    """X as a sequence of row blocks (see the module docstring).

    Parameters
    ----------
    blocks : iterable of row blocks
        NumPy arrays (memmaps stay mapped; C-contiguous float32 / float64
        blocks are used without a copy, others are copied once into one),
        or matrix-layer objects (``DenseMatrix``, a CSR block), all with the
        same number of columns.  Empty blocks are dropped.  The dtype is
        float32 when every block is float32, else float64: float32 blocks
        among float64 ones are converted (a copy of those blocks).
    shuffle : {"rows", "blocks"}, default "rows"
        The row order of an epoch of the mini-batch optimizers: "rows" is a
        permutation of all rows (the in-memory fit's, so the fits are the
        same), "blocks" visits the blocks one at a time in a random order
        with the rows of each shuffled (``blockwise_order``: an epoch reads
        each block once; the order of the Dask kind).

    Every estimator accepts a ``ChunkedMatrix`` as X (``fit``, ``predict``,
    ...); y and sample_weight are ordinary arrays over all rows.
    """

    kind = "chunked"

    def __init__(self, blocks, *, shuffle="rows"):
        if shuffle not in ("rows", "blocks"):
            raise ValueError(f"shuffle must be 'rows' or 'blocks', got {shuffle!r}")
        self.shuffle = shuffle
        blocks = [as_block(b) for b in blocks]
        blocks = [b for b in blocks if b.shape[0] > 0]
        if not blocks:
            raise ValueError("ChunkedMatrix needs at least one non-empty row block")
        d = blocks[0].shape[1]
        for i, b in enumerate(blocks):
            if b.shape[1] != d:
                raise ValueError(f"row block {i} has {b.shape[1]} columns, block 0 has {d}")
        dtypes = {np.dtype(b.dtype) for b in blocks}
        dtype = np.dtype(np.float32) if dtypes == {np.dtype(np.float32)} else np.dtype(
            np.float64)
        if len(dtypes) > 1:
            if not all(b.dtype == dtype or isinstance(b, DenseMatrix) for b in blocks):
                raise TypeError("row blocks of a kind other than dense must all have the "
                                "same dtype")
            blocks = [b if b.dtype == dtype else DenseMatrix(np.asarray(b.X, dtype=dtype))
                      for b in blocks]
        self.blocks = blocks
        sizes = np.array([b.shape[0] for b in blocks], dtype=np.intp)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.shape = (int(self.offsets[-1]), d)
        self.dtype = dtype
        self._gc = None
        self._gb = None

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return (f"ChunkedMatrix({len(self.blocks)} blocks, shape={self.shape}, "
                f"dtype={self.dtype})")

    def _spans(self):
        return zip(self.blocks, self.offsets[:-1], self.offsets[1:])

    def loss_gradient(self, y, sample_weight, coef, intercept, spec, *, grad=True, z_out=None):
        coef = np.ascontiguousarray(coef, dtype=np.float64)
        intercept = None if intercept is None else np.ascontiguousarray(intercept,
                                                                        dtype=np.float64)
        k, d = coef.shape
        parts = [block_loss_gradient(b, y[lo:hi], _rows(sample_weight, lo, hi), coef,
                                     intercept, spec, grad, _rows(z_out, lo, hi))
                 for b, lo, hi in self._spans()]
        return self._unpack(tree_sum(parts), k, d)

    def _unpack(self, total, k, d):
        if self._gc is None or self._gc.shape != (k, d):
            self._gc = np.empty((k, d))
            self._gb = np.empty(k)
        self._gc[...] = total[1:1 + k * d].reshape(k, d)
        self._gb[...] = total[1 + k * d:]
        return float(total[0]), self._gc, self._gb

    def matvec(self, coef, intercept=None):
        return np.concatenate([b.matvec(coef, intercept) for b in self.blocks], axis=0)

    def rmatvec(self, R):
        R = np.asarray(R)
        return tree_sum([b.rmatvec(R[lo:hi]) for b, lo, hi in self._spans()])

    def gram(self, weights=None, *, shift=None, ones=False, Y=None):
        return tree_sum([b.gram(_rows(weights, lo, hi), shift=shift, ones=ones,
                                Y=_rows(Y, lo, hi)) for b, lo, hi in self._spans()])

    def column_moments(self, sample_weight=None):
        parts = [block_moments(b, _rows(sample_weight, lo, hi)) for b, lo, hi in self._spans()]
        return combine_moments(parts, self.shape[1])

    def centre_estimate(self, sample_weight=None):
        lo, hi = self.offsets[0], self.offsets[1]
        return self.blocks[0].centre_estimate(_rows(sample_weight, lo, hi))

    def epoch_order(self, rng):
        """The row order of a mini-batch epoch (see ``shuffle``)."""
        if self.shuffle == "blocks":
            return blockwise_order(rng, np.diff(self.offsets))
        return rng.permutation(self.shape[0])

    def take_rows(self, idx):
        """The rows `idx` (any order) as one matrix: a DenseMatrix when the
        blocks are dense (a mini-batch is small), else a ChunkedMatrix of the
        blocks' runs of consecutive rows."""
        idx = np.asarray(idx, dtype=np.intp)
        if idx.ndim != 1:
            raise ValueError("take_rows needs a 1-D index array")
        idx = np.where(idx < 0, idx + self.shape[0], idx)
        if idx.size and (idx.min() < 0 or idx.max() >= self.shape[0]):
            raise IndexError("row index out of range")
        which = np.searchsorted(self.offsets, idx, side="right") - 1
        # runs of consecutive entries of idx that fall in the same block
        cuts = np.flatnonzero(np.diff(which)) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [idx.size]])
        pieces = []
        for a, b in zip(starts, stops):
            if a == b:
                continue
            blk = int(which[a])
            pieces.append(self.blocks[blk].take_rows(idx[a:b] - self.offsets[blk]))
        if not pieces:
            return DenseMatrix(np.empty((0, self.shape[1]), dtype=self.dtype))
        if all(isinstance(p, DenseMatrix) for p in pieces):
            if len(pieces) == 1:
                return pieces[0]
            return DenseMatrix(np.concatenate([p.X for p in pieces], axis=0))
        return ChunkedMatrix(pieces)

    def check_finite(self):
        for b in self.blocks:
            b.check_finite()

    def check_finite_after(self, *results):
        if all(np.all(np.isfinite(r)) for r in results):
            return
        self.check_finite()


def _chunked_factory(est, X, *, reset, finite):
    """A ChunkedMatrix passed to an estimator: n_features_in_ set (reset) or
    checked, X checked for NaN / inf unless deferred (``finite=False``)."""
    name = type(est).__name__
    n, d = X.shape
    if reset:
        est.n_features_in_ = d
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    else:
        if getattr(est, "feature_names_in_", None) is not None:
            import warnings
            warnings.warn(f"X does not have valid feature names, but {name} was fitted with "
                          "feature names", UserWarning, stacklevel=4)
        if d != est.n_features_in_:
            raise ValueError(f"X has {d} features, but {name} is expecting "
                             f"{est.n_features_in_} features as input.")
    if finite:
        X.check_finite()
    return X


register_kind("chunked", lambda X: isinstance(X, ChunkedMatrix), _chunked_factory)
