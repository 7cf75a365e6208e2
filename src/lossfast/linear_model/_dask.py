"""The Dask kind of the matrix layer: X a Dask array chunked by rows.

Every estimator accepts a 2-D Dask array X (y and sample_weight Dask or
NumPy arrays); ``dask`` is imported only when one is passed (the extra
``lossfast[dask]``).  X is rechunked so that its columns are one chunk; its
row chunks are the unit of work.  y and sample_weight are rechunked to X's
row chunks and stay distributed: their validation (finiteness, class labels
by a per-chunk ``np.unique``, weights >= 0) and the encoding of the labels
run per chunk where the chunks live; only counts, the labels and per-class
weight sums come back.

Execution.  Each operation of the matrix layer is one task per row chunk
running the same per-block function as the chunked kind (``_chunked.block_*``:
the fused C kernels of the dense kind on the chunk), whose small results
(k*d + k + 1 numbers per chunk for the loss / gradient) are added in the
fixed order of ``_chunked.tree_sum`` (groups of 8 chunks added in order), so
a fit gives the same bits as a ``ChunkedMatrix`` of the same chunks (with
sample weights, up to the rounding of their total).  Once X and the row
arrays are persisted on a distributed cluster, the tasks are submitted by
``Client.map`` on the chunks' futures (each runs on the worker holding its
chunk; the coefficients travel inside the tasks, a constant over 1 MB is
scattered once) and the partial results are gathered and tree-summed on the
driver: a task graph on top of the persisted chunks (``Client.get``) cost
100-170 ms per evaluation on the 2-core test machine, the map 30-40 ms.
Before persisting (the validation passes, the one-pass normal equation) and
on the local schedulers, each operation is a small task graph on top of X's
whose coefficients are one key every chunk task depends on (shipped once to
each worker, as a scatter would be).
Graphs run on the scheduler Dask would use for X (the active distributed
client, else the configured or threaded scheduler).

Passes over X: the normal equation is one pass (per-chunk Grams summed;
the shift of the Gram is the first chunk's, computed on its own), and so
are Lasso / ElasticNet (``_dask_enet``: coordinate descent on that Gram).
The iterative solvers persist X and the targets on first use (on the workers
of a distributed cluster, in this process for the threaded scheduler), so
their evaluations do not recompute X's graph; the persisted chunks are
released with the fit's matrix.  Newton's Hessian is the sum of the
per-chunk Grams X^T D X, the curvature D computed on each chunk from the
chunk's decision values (recomputed there: no n-vector reaches the
driver); "auto" stays L-BFGS (on 5e5 x 100 in 10 chunks Newton took 7 s,
L-BFGS 1.4 s: a chunk's Gram costs 3x its loss / gradient pass and L-BFGS
in the standardised coordinates needs 7 evaluations).

Mini-batch optimizers (solver="sgd", "adam", ...): an epoch streams the
chunks to the driver.  Its row order is ``epoch_order``: the chunks in a
random order, the rows of each shuffled (``ChunkedMatrix(...,
shuffle="blocks")`` uses the same order, so the fits are bit for bit the
same); each batch is taken from the chunk cache of ``take_rows``, which
pulls a chunk of X with the chunks of y and the weights in one gather
when the first batch needs it, so an epoch pulls each chunk to the client
once and the client holds at most two chunks (a batch may straddle two).
The full-objective evaluation after each epoch runs on the workers.  (Not
a global permutation of all rows as in memory: that needs rows of every
chunk in every batch.)  ``LogisticRegression.partial_fit`` runs one such
epoch over the chunks per call (its ``classes`` fix the encoding of the
labels on the workers).

``class_weight`` ("balanced" or a dict): the sample_weight-weighted class
counts are one per-chunk bincount of the encoded labels on the workers
(tree-summed); the per-sample weights are a lazy per-chunk product of the
chunk's sample weights and the class weights of its labels
(``DaskMatrix.class_weighted``).

``predict``, ``decision_function`` and ``predict_proba`` return lazy Dask
arrays and do not check X for NaN / inf (NaN gives NaN, lazily).
"""
import types
import uuid
import warnings

import numpy as np

from ._base import DataConversionWarning, check_consistent_length, sk_compatible
from ._chunked import (block_centre, block_gram, block_loss_gradient, block_matvec,
                       block_moments, block_rmatvec, blockwise_order, combine_moments,
                       sum_group, tree_groups, tree_sum)
from ._matrix import DenseMatrix, register_kind


def is_dask_array(X):
    """True for a Dask array (duck-typed: dask is not imported)."""
    mod = type(X).__module__ or ""
    return mod.startswith("dask.") and hasattr(X, "__dask_graph__") and hasattr(X, "chunks")


# --------------------------------------------------------------------------- per-chunk tasks
# plain module-level functions of NumPy chunks (they are pickled to workers)


def _chunk_loss_gradient(Xb, yb, swb, coef, intercept, spec, grad):
    return block_loss_gradient(Xb, yb, swb, coef, intercept, spec, grad)


def _chunk_gram(Xb, Yb, wb, shift, ones):
    return block_gram(Xb, wb, shift, ones, Yb)


def _chunk_curvature_gram(Xb, yb, swb, coef, intercept, spec, k, sw_sum, shift, ones):
    """X_b^T D_b X_b of one chunk: its decision values by the fused kernel
    (as the in-memory Newton gets them), the curvature weights by
    ``LinearObjective._curvature_weights`` on the chunk, the Gram kernel."""
    from ._objective import LinearObjective
    m = DenseMatrix(Xb)
    Z = np.empty((Xb.shape[0], k), dtype=Xb.dtype)
    m.loss_gradient(yb, swb, coef, intercept, spec, grad=False, z_out=Z)
    proxy = types.SimpleNamespace(sw=swb, sw_sum=sw_sum, spec=spec, k=k, y=yb)
    weights, _ = LinearObjective._curvature_weights(proxy, Z)
    return m.gram(weights, shift=shift, ones=ones)


def _chunk_moments(Xb, swb):
    return block_moments(Xb, swb)


def _chunk_centre(Xb, swb):
    return block_centre(Xb, swb)


def _chunk_rmatvec(Xb, Rb):
    return block_rmatvec(Xb, Rb)


def _chunk_nonfinite(Xb):
    """[number of NaN, number of +-inf] in a chunk."""
    nan = np.count_nonzero(np.isnan(Xb))
    return np.array([nan, Xb.size - np.count_nonzero(np.isfinite(Xb)) - nan], dtype=np.float64)


def _chunk_weighted_sum(Yb, swb):
    """[sum_i w_i Y_i (k), sum_i w_i] of a chunk."""
    Yb = np.asarray(Yb, dtype=np.float64)
    if swb is None:
        return np.concatenate([Yb.sum(axis=0), [float(Yb.shape[0])]])
    w = np.asarray(swb, dtype=np.float64)
    return np.concatenate([w @ Yb, [w.sum()]])


def _chunk_weight_checks(swb):
    """[non-finite, negative, positive] counts of a chunk of weights."""
    finite = np.isfinite(swb)
    return np.array([swb.size - np.count_nonzero(finite), np.count_nonzero(swb < 0),
                     np.count_nonzero(swb > 0)], dtype=np.float64)


def _chunk_labels(yb):
    """(the chunk's distinct labels, count of non-finite or non-integral
    float labels)."""
    values = yb
    if yb.dtype.kind == "O" and all(isinstance(v, (int, float, np.number))
                                    and not isinstance(v, bool) for v in yb):
        values = yb.astype(np.float64)
    bad = 0
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        bad = int(values.size - np.count_nonzero(finite))
        bad += int(np.count_nonzero(values[finite] != np.floor(values[finite])))
    return np.unique(yb), bad


def _chunk_class_weights(yb, swb, classes):
    idx = np.searchsorted(classes, yb)
    w = np.ones(yb.shape[0]) if swb is None else np.asarray(swb, dtype=np.float64)
    return np.bincount(idx, weights=w, minlength=len(classes)).astype(np.float64)


def _label_index(yk):
    """The class indices of a chunk of the loss kernel's targets ((m, 1) 0/1
    for two classes, int64 indices for more)."""
    return (yk[:, 0] if yk.ndim == 2 else yk).astype(np.intp)


def _chunk_label_counts(yk, swb, n_classes):
    """The sample_weight-weighted count of each class in a chunk (float64)."""
    return np.bincount(_label_index(yk), weights=swb,
                       minlength=n_classes).astype(np.float64)


def _chunk_class_weight_product(yk, swb, per_class, dtype):
    """A chunk's per-sample weights: the class weight of each label times its
    sample weight (as ``apply_class_weight`` in memory)."""
    w = per_class[_label_index(yk)]
    if swb is not None:
        w = w * swb
    return np.ascontiguousarray(w, dtype=dtype)


def _chunk_class_weight(yk, per_class, dtype):
    return _chunk_class_weight_product(yk, None, per_class, dtype)


def _encode_chunk(yb, classes, binary, dtype):
    idx = np.searchsorted(classes, yb)
    if binary:
        return np.ascontiguousarray((idx == 1).astype(dtype).reshape(-1, 1))
    return np.ascontiguousarray(idx, dtype=np.int64)


def _contiguous(b, dtype):
    return np.ascontiguousarray(b, dtype=dtype)


# --------------------------------------------------------------------------- running graphs


class _Engine:
    """Runs task graphs on the scheduler Dask would use for `collection`:
    the active ``dask.distributed`` client (constants are scattered to it),
    else the configured local scheduler (threaded by default)."""

    def __init__(self, collection):
        import dask
        import dask.threaded
        get = dask.base.get_scheduler(collections=[collection])
        client = getattr(get, "__self__", None)
        self.client = client if type(client).__name__ == "Client" else None
        self.get = get if get is not None else dask.threaded.get

    def constant(self, graph, value, token):
        """A graph key holding `value`: the value travels once with the graph
        (to the scheduler, then to each worker whose chunk tasks depend on
        it), not once per task.  On a distributed cluster this is the
        scatter of the coefficients without its extra round trip: an explicit
        ``Client.scatter`` before each evaluation measured 50-130 ms more per
        evaluation on the 2-core test machine."""
        key = f"lf-const-{token}-{len(graph)}"
        graph[key] = value
        return key

    def run(self, graph, key):
        return self.get(graph, key)

    def map(self, fn, columns, consts):
        """[fn(*column entries of chunk i, *consts) for each chunk i] on a
        distributed cluster, the columns lists of the persisted chunks'
        futures (or None): ``Client.map`` of one task per chunk, each run on
        the worker holding its chunk, results gathered in chunk order.
        Small constants (the coefficients) travel inside the tasks; one over
        1 MB is scattered once and its future shared by the tasks.  A graph
        on top of the persisted chunks (``Client.get``) costs 100-170 ms per
        evaluation on the 2-core test machine, this 30-40 ms."""
        n = len(columns[0])
        consts = [self.client.scatter(c, broadcast=True)
                  if getattr(c, "nbytes", 0) > _SCATTER_BYTES else c for c in consts]
        futures = self.client.map(fn, *columns, *[[c] * n for c in consts], pure=False)
        return self.client.gather(futures)

    def persist(self, arrays):
        # unoptimised: the keys keep the tasks the validation passes already
        # submitted (graph optimisation would rename them behind aliases)
        if self.client is not None:
            return list(self.client.persist(list(arrays), optimize_graph=False))
        import dask
        return list(dask.persist(*arrays, scheduler=self.get, optimize_graph=False))


# constants larger than this are scattered once per evaluation instead of
# travelling inside every chunk task
_SCATTER_BYTES = 1 << 20


def _unique(prefix):
    """A fresh key name: the arrays a fit derives (converted targets, label
    codes) are its own, never confused with those of another fit."""
    return f"{prefix}-{uuid.uuid4().hex}"


def _chunk_keys(array):
    from dask.core import flatten
    return list(flatten(array.__dask_keys__()))


class RowArray:
    """A Dask array (y, sample_weight, targets of the loss kernel) with the
    row chunks of the X it belongs to, kept distributed.  What the
    estimators and the objective ask of such a vector works without
    gathering it: ``shape`` / ``ndim`` / ``dtype``, ``sum`` (np.sum calls it;
    computed once, per chunk), ``reshape(n, 1)``, ``weighted_mean``, and
    ``self[idx]`` for a few rows (gathered: used for the Gram's shift)."""

    def __init__(self, matrix, array):
        self.matrix = matrix
        self.array = array
        self._sum = None
        matrix._rows.append(self)

    shape = property(lambda self: self.array.shape)
    ndim = property(lambda self: self.array.ndim)
    dtype = property(lambda self: self.array.dtype)

    def __len__(self):
        return self.array.shape[0]

    def sum(self, axis=None, dtype=None, out=None, **kwargs):
        """The sum of all entries, float64 (per chunk, then the fixed tree)."""
        if axis is not None or out is not None:
            raise NotImplementedError("RowArray.sum supports only the total")
        if self._sum is None:
            self._sum = float(self.matrix._map_reduce(_sum_chunk, [self], [], use_x=False)[0])
        return self._sum

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple):
            shape = shape[0]
        return RowArray(self.matrix, self.array.reshape(shape))

    def weighted_mean(self, sample_weight):
        """Column means weighted by `sample_weight` (a RowArray or None), float64."""
        total = self.matrix._map_reduce(_chunk_weighted_sum, [self, sample_weight], [],
                                        use_x=False)
        return total[:-1] / total[-1]

    def __getitem__(self, idx):
        idx = np.asarray(idx)
        if idx.dtype.kind not in "iu":
            raise TypeError("a RowArray is indexed by integer row indices only")
        return self.matrix._rows_of(self, idx)

    def astype(self, dtype):
        raise NotImplementedError("a RowArray stays distributed")


class _DecisionValues:
    """Newton's decision values on a Dask X: not gathered; the model at which
    they were evaluated is recorded, and each chunk's curvature is computed
    where the chunk lives (``DaskMatrix.gram``)."""

    def __init__(self, k):
        self.k = k
        self.coef = None
        self.intercept = None
        self.y = None
        self.sw = None
        self.spec = None

    def curvature_weights(self, objective):
        pairs = None
        if objective.spec.name == "softmax_xent_sparse":
            k = objective.k
            pairs = [(a, c) for a in range(k) for c in range(a, k)]
        return _CurvatureWeights(self, objective.sw_sum), pairs


class _CurvatureWeights:
    def __init__(self, z, sw_sum):
        self.z = z
        self.sw_sum = sw_sum


class DaskMatrix:
    """A 2-D Dask array X, rows chunked, columns one chunk (see the module
    docstring)."""

    kind = "dask"

    def __init__(self, X):
        self.array = X
        self.shape = tuple(int(v) for v in X.shape)
        self.dtype = np.dtype(X.dtype)
        self.row_chunks = tuple(int(c) for c in X.chunks[0])
        self.engine = _Engine(X)
        self._rows = []
        self._persisted = False
        self._gc = None
        self._gb = None
        self._offsets = None
        self._cache = {}             # chunk index -> {id(X or row array): NumPy chunk}
        self.chunks_pulled = 0       # chunks the mini-batch path pulled to the client

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return (f"DaskMatrix(shape={self.shape}, dtype={self.dtype}, "
                f"{len(self.row_chunks)} row chunks)")

    # ----------------------------------------------------------------- plumbing

    def persist(self):
        """Persist X and its row arrays (once): on the workers of a
        distributed cluster, in memory for the local schedulers."""
        if self._persisted:
            return
        arrays = [self.array] + [r.array for r in self._rows]
        done = self.engine.persist(arrays)
        self.array = done[0]
        for r, a in zip(self._rows, done[1:]):
            r.array = a
        self._persisted = True

    def aligned(self, v, name, dtype=None):
        """`v` (NumPy or Dask, rows first) as a RowArray with X's row chunks."""
        import dask.array as da
        if is_dask_array(v):
            if any(np.isnan(c) for c in v.chunks[0]):
                v = v.compute_chunk_sizes()
        else:
            v = np.asarray(v)
        check_consistent_length(self.shape[0], v.shape[0] if v.ndim else -1)
        chunks = (self.row_chunks,) + tuple((s,) for s in v.shape[1:])
        if is_dask_array(v):
            v = v.rechunk(chunks)
        else:
            v = da.from_array(v, chunks=chunks, name=_unique("lf-from-numpy"))
        if dtype is not None:
            v = v.map_blocks(_contiguous, dtype, dtype=dtype, name=_unique("lf-as"))
        return RowArray(self, v)

    def _map_reduce(self, fn, row_args, consts, *, combine="tree", chunks=None, use_x=True):
        """fn(X chunk, *row_arg chunks, *consts) for each row chunk (None
        row args stay None; without X's chunk when not `use_x`, so X is not
        computed), combined by the fixed-order tree sum or returned as a
        list in chunk order; `chunks` restricts to those chunk indices."""
        if self.engine.client is not None:
            futures = self._chunk_futures(row_args, use_x)
            if futures is not None:
                idx = range(len(self.row_chunks)) if chunks is None else chunks
                parts = self.engine.map(fn, [[col[i] for i in idx] for col in futures], consts)
                return parts if combine == "list" else tree_sum(parts)
        token = uuid.uuid4().hex
        graph = dict(self.array.__dask_graph__()) if use_x else {}
        xk = _chunk_keys(self.array) if use_x else [None] * len(self.row_chunks)
        rk = []
        for r in row_args:
            if r is None:
                rk.append(None)
                continue
            graph.update(r.array.__dask_graph__())
            rk.append(_chunk_keys(r.array))
        ck = [self.engine.constant(graph, c, token) for c in consts]
        idx = range(len(xk)) if chunks is None else chunks
        parts = []
        for i in idx:
            key = (f"lf-part-{token}", i)
            rows = [None if r is None else r[i] for r in rk]
            graph[key] = (fn, xk[i], *rows, *ck) if use_x else (fn, *rows, *ck)
            parts.append(key)
        if combine == "list":
            return list(self.engine.run(graph, parts))
        # the summation tree's levels run as tasks up to its root, whose (at
        # most FAN_IN) inputs come to the driver and are added there in
        # order: the same sum, one scheduling hop fewer per evaluation
        levels = tree_groups(len(parts))
        for depth, level in enumerate(levels[:-1]):
            nxt = []
            for j, (a, b) in enumerate(level):
                key = (f"lf-sum-{token}-{depth}", j)
                graph[key] = (sum_group, *parts[a:b])
                nxt.append(key)
            parts = nxt
        return sum_group(*self.engine.run(graph, parts))

    def _chunk_futures(self, row_args, use_x):
        """The futures of the chunks of X (when `use_x`) and of the row args
        (None for a None arg), in chunk order, when they are all persisted on
        the cluster; else None."""
        from distributed import Future
        columns = []
        for a in ([self] if use_x else []) + list(row_args):
            if a is None:
                columns.append([None] * len(self.row_chunks))
                continue
            graph = a.array.__dask_graph__()
            col = [graph.get(k) for k in _chunk_keys(a.array)]
            if not all(isinstance(f, Future) for f in col):
                return None
            columns.append(col)
        return columns if columns else None

    # ----------------------------------------------------------------- targets

    def regression_targets(self, est, y, sample_weight):
        """(y, Y (n, k) RowArray of X's dtype, sample_weight RowArray or None),
        validated on the workers (finite y; weights finite, >= 0, not all 0)."""
        y_shape = np.shape(y) if not is_dask_array(y) else y.shape
        if len(y_shape) not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got an array of shape {tuple(y_shape)}")
        if np.dtype(y.dtype if hasattr(y, "dtype") else np.asarray(y).dtype).kind == "c":
            raise ValueError("Complex data not supported")
        Y = self.aligned(y, "y")
        if Y.ndim == 1:
            self._rows.remove(Y)                  # only its (n, 1) view is used
            Y = RowArray(self, Y.array[:, None])
        Y.array = Y.array.map_blocks(_contiguous, self.dtype, dtype=self.dtype,
                                     name=_unique("lf-y"))
        bad = self._map_reduce(_chunk_nonfinite, [Y], [], use_x=False)
        if bad[0]:
            raise ValueError("Input y contains NaN.")
        if bad[1]:
            raise ValueError(f"Input y contains infinity or a value too large for "
                             f"{self.dtype!r}.")
        sw = self.sample_weight(sample_weight)
        return types.SimpleNamespace(ndim=len(y_shape), shape=tuple(y_shape)), Y, sw

    def sample_weight(self, sample_weight):
        """sample_weight as a RowArray of X's dtype, checked on the workers."""
        if sample_weight is None:
            return None
        import dask.array as da
        if not is_dask_array(sample_weight) and np.ndim(sample_weight) == 0:
            sample_weight = da.full(self.shape[0], float(sample_weight),
                                    chunks=(self.row_chunks,), dtype=self.dtype)
        if sample_weight.ndim != 1:
            raise ValueError("Sample weights must be 1D array or scalar")
        if sample_weight.shape[0] != self.shape[0]:
            raise ValueError(f"sample_weight.shape == {tuple(sample_weight.shape)}, expected "
                             f"{(self.shape[0],)}!")
        sw = self.aligned(sample_weight, "sample_weight", dtype=self.dtype)
        checks = self._map_reduce(_chunk_weight_checks, [sw], [], use_x=False)
        nonfinite, negative, positive = checks
        if nonfinite:
            raise ValueError("Input sample_weight contains NaN or infinity.")
        if negative:
            raise ValueError("Negative values in data passed to `sample_weight`")
        if not positive:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sw

    def classification_targets(self, est, y, sample_weight, classes=None):
        """(classes_, the loss kernel's targets as a RowArray, sample_weight
        RowArray or None): labels checked and found by a per-chunk unique on
        the workers, encoded there lazily.  `classes` (partial_fit) fixes
        the classes: a label outside them is a ValueError, and fewer than two
        of them may occur."""
        if not is_dask_array(y):
            y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                          "change the shape of y to (n_samples, ), for example using ravel().",
                          sk_compatible(DataConversionWarning), stacklevel=4)
            y = y[:, 0]
        elif y.ndim != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape "
                             f"{tuple(y.shape)} instead.")
        if np.dtype(y.dtype).kind == "c":
            raise ValueError("Complex data not supported")
        yr = self.aligned(y, "y")
        parts = self._map_reduce(_chunk_labels, [yr], [], combine="list", use_x=False)
        if any(bad for _, bad in parts):
            raise ValueError(
                "Unknown label type: continuous. Maybe you are trying to fit a classifier, "
                "which expects discrete classes on a regression target with continuous values.")
        found = np.unique(np.concatenate([u for u, _ in parts]))
        if classes is not None:
            pos = np.searchsorted(classes, found)
            bad = (pos >= len(classes)) | (classes[np.minimum(pos, len(classes) - 1)] != found)
            if np.any(bad):
                raise ValueError(f"y contains labels {found[bad][:5]!r} that are not in "
                                 f"classes {classes!r}")
            sw = self.sample_weight(sample_weight)
            return classes, self._encoded(yr, classes), sw
        classes = found
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        sw = self.sample_weight(sample_weight)
        if sw is not None:
            present = self._map_reduce(_chunk_class_weights, [yr, sw], [classes],
                                       use_x=False) > 0
            if present.sum() < 2:
                raise ValueError("This solver needs samples of at least 2 classes with a "
                                 "positive sample_weight, but the data contains only one "
                                 f"such class: {classes[present][0]!r}")
        return classes, self._encoded(yr, classes), sw

    def _encoded(self, yr, classes):
        """The loss kernel's targets of the labels `yr` (a RowArray, which
        is dropped from the row arrays) for `classes`, encoded lazily per
        chunk."""
        if len(classes) == 2:
            enc = yr.array.map_blocks(_encode_chunk, classes, True, self.dtype, new_axis=[1],
                                      chunks=(self.row_chunks, (1,)), dtype=self.dtype,
                                      name=_unique("lf-labels"))
        else:
            enc = yr.array.map_blocks(_encode_chunk, classes, False, self.dtype,
                                      dtype=np.int64, name=_unique("lf-labels"))
        self._rows.remove(yr)
        return RowArray(self, enc)

    def class_weighted(self, class_weight, classes, y_kernel, sample_weight):
        """sample_weight (RowArray or None) times the class weights of
        `class_weight` ("balanced" or a dict, scikit-learn's semantics) as a
        RowArray of X's dtype: the weighted class counts come from one
        per-chunk bincount of the encoded labels on the workers (summed in
        the fixed tree order), and each chunk's weights are a lazy product
        of its sample weights and the class weights of its labels."""
        import dask.array as da
        from ._logistic import class_weight_vector
        balanced = isinstance(class_weight, str) and class_weight == "balanced"
        if not balanced:
            per_class = class_weight_vector(class_weight, classes)     # checks the dict
        counts = self._map_reduce(_chunk_label_counts, [y_kernel, sample_weight],
                                  [len(classes)], use_x=False)
        if balanced:
            per_class = class_weight_vector(class_weight, classes, counts)
        if not np.any((per_class > 0) & (counts > 0)):
            raise ValueError("The class weights times sample_weight are all zero.")
        yk = y_kernel.array
        if yk.ndim == 2:
            yk = yk[:, 0]
        args = [yk] if sample_weight is None else [yk, sample_weight.array]
        fn = _chunk_class_weight_product if sample_weight is not None else _chunk_class_weight
        w = da.map_blocks(fn, *args, per_class, self.dtype, dtype=self.dtype,
                          name=_unique("lf-class-weights"))
        if sample_weight is not None:
            self._rows.remove(sample_weight)        # only the product is used
        return RowArray(self, w)

    # ----------------------------------------------------------------- matrix layer

    def loss_gradient(self, y, sample_weight, coef, intercept, spec, *, grad=True, z_out=None):
        self.persist()
        coef = np.ascontiguousarray(coef, dtype=np.float64)
        intercept = None if intercept is None else np.ascontiguousarray(intercept,
                                                                        dtype=np.float64)
        k, d = coef.shape
        if isinstance(z_out, _DecisionValues):
            z_out.coef, z_out.intercept = coef.copy(), None if intercept is None else \
                intercept.copy()
            z_out.y, z_out.sw, z_out.spec = y, sample_weight, spec
        elif z_out is not None:
            raise TypeError("the Dask kind keeps decision values on the workers: pass "
                            "decision_buffer(k)")
        total = self._map_reduce(_chunk_loss_gradient, [y, sample_weight],
                                 [coef, intercept, spec, bool(grad)])
        if self._gc is None or self._gc.shape != (k, d):
            self._gc = np.empty((k, d))
            self._gb = np.empty(k)
        self._gc[...] = total[1:1 + k * d].reshape(k, d)
        self._gb[...] = total[1 + k * d:]
        return float(total[0]), self._gc, self._gb

    def decision_buffer(self, k):
        """A handle for Newton's decision values (kept on the workers)."""
        return _DecisionValues(k)

    def matvec(self, coef, intercept=None):
        """X coef^T + intercept as a lazy Dask array (n, k) of X's dtype."""
        coef = np.ascontiguousarray(np.atleast_2d(coef), dtype=np.float64)
        k = coef.shape[0]
        intercept = None if intercept is None else np.asarray(intercept, dtype=np.float64)
        return self.array.map_blocks(block_matvec, coef, intercept,
                                     chunks=(self.row_chunks, (k,)),
                                     meta=np.empty((0, 0), dtype=self.dtype))

    def rmatvec(self, R):
        Rr = R if isinstance(R, RowArray) else self.aligned(R, "R", dtype=np.float64)
        return self._map_reduce(_chunk_rmatvec, [Rr], [])

    def gram(self, weights=None, *, shift=None, ones=False, Y=None):
        shift = None if shift is None else np.ascontiguousarray(shift, dtype=np.float64)
        if isinstance(weights, _CurvatureWeights):
            z = weights.z
            self.persist()
            return self._map_reduce(
                _chunk_curvature_gram, [z.y, z.sw],
                [z.coef, z.intercept, z.spec, int(z.k), float(weights.sw_sum), shift,
                 bool(ones)])
        if Y is not None and not isinstance(Y, RowArray):
            Y = self.aligned(Y, "Y", dtype=self.dtype)
        if weights is not None and not isinstance(weights, RowArray):
            weights = self.aligned(weights, "weights", dtype=self.dtype)
        return self._map_reduce(_chunk_gram, [Y, weights], [shift, bool(ones)])

    def column_moments(self, sample_weight=None):
        self.persist()
        parts = self._map_reduce(_chunk_moments, [sample_weight], [], combine="list")
        return combine_moments(parts, self.shape[1])

    def centre_estimate(self, sample_weight=None):
        """The first chunk's shift (as the chunked kind), computed where it lives."""
        return self._map_reduce(_chunk_centre, [sample_weight], [], combine="list",
                                chunks=[0])[0]

    def epoch_order(self, rng):
        """A mini-batch epoch's row order: the chunks one at a time in a random
        order, the rows of each shuffled (``_chunked.blockwise_order``, the
        order of ``ChunkedMatrix(..., shuffle="blocks")``)."""
        return blockwise_order(rng, self.row_chunks)

    def take_rows(self, idx):
        """The rows `idx` as a DenseMatrix in the client (a mini-batch).

        Rows within at most two chunks (every batch of an epoch in
        ``epoch_order``) come from the chunk cache: the chunks they lie in
        are pulled to the client, X's with those of the row arrays (y, the
        weights) in one gather, and kept until a batch needs another chunk,
        so an epoch pulls each chunk once and the client holds at most two
        chunks.  Rows spread over more chunks (the row sample of the
        default learning rate) are gathered row by row, not cached."""
        idx = self._row_index(idx)
        which = self._chunk_of(idx)
        need = np.unique(which)
        if need.size > 2:
            return DenseMatrix(np.ascontiguousarray(self._gather_rows(self.array, idx)))
        self._load_chunks(need)
        return DenseMatrix(np.ascontiguousarray(self._cached_rows(id(self), idx, which, need)))

    # the chunk cache of the mini-batch path

    def _row_index(self, idx):
        idx = np.asarray(idx)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError("rows are taken by a 1-D array of integer row indices")
        idx = np.where(idx < 0, idx + self.shape[0], idx).astype(np.intp)
        if idx.size and (idx.min() < 0 or idx.max() >= self.shape[0]):
            raise IndexError("row index out of range")
        return idx

    def _chunk_of(self, idx):
        if self._offsets is None:
            self._offsets = np.concatenate([[0], np.cumsum(self.row_chunks)])
        return np.searchsorted(self._offsets, idx, side="right") - 1

    def _load_chunks(self, need):
        """Make the chunk cache hold exactly the chunks `need` (pulling the
        missing ones: X's and every row array's, one gather)."""
        self.persist()
        missing = [int(c) for c in need if int(c) not in self._cache]
        if missing:
            owners = [self] + list(self._rows)
            futures = (self._chunk_futures(owners[1:], True) if self.engine.client is not None
                       else None)
            if futures is not None:
                values = iter(self.engine.client.gather([col[c] for col in futures
                                                         for c in missing]))
            else:
                graph = {}
                keys = []
                for o in owners:
                    graph.update(o.array.__dask_graph__())
                    ck = _chunk_keys(o.array)
                    keys.extend(ck[c] for c in missing)
                values = iter(self.engine.run(graph, keys))
            fetched = {c: {} for c in missing}
            for o in owners:
                for c in missing:
                    fetched[c][id(o)] = next(values)
            self.chunks_pulled += len(missing)
        else:
            fetched = {}
        self._cache = {int(c): self._cache.get(int(c)) or fetched[int(c)] for c in need}

    def _cached_rows(self, owner, idx, which, need):
        parts = []
        for c in need:
            local = idx[which == c] - self._offsets[c]
            parts.append(self._cache[int(c)][owner][local])
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)

    def _rows_of(self, row_array, idx):
        """row_array[idx] from the chunk cache when it holds those rows' chunks,
        else gathered."""
        idx = self._row_index(idx)
        which = self._chunk_of(idx)
        need = np.unique(which)
        if all(int(c) in self._cache and id(row_array) in self._cache[int(c)] for c in need):
            return self._cached_rows(id(row_array), idx, which, need)
        return self._gather_rows(row_array.array, idx)

    def _gather_rows(self, array, idx):
        # unoptimised: optimisation would rename the array's tasks, which the
        # later passes submit under their own names
        if self.engine.client is not None:
            return self.engine.client.compute(array[idx], optimize_graph=False).result()
        return array[idx].compute(scheduler=self.engine.get, optimize_graph=False)

    def check_finite(self):
        bad = self._map_reduce(_chunk_nonfinite, [], [])
        if bad[0]:
            raise ValueError("Input X contains NaN.")
        if bad[1]:
            raise ValueError(f"Input X contains infinity or a value too large for "
                             f"{self.dtype!r}.")

    def check_finite_after(self, *results):
        if all(np.all(np.isfinite(r)) for r in results):
            return
        self.check_finite()


def _sum_chunk(b):
    return np.array([np.sum(b, dtype=np.float64)])


def _dask_factory(est, X, *, reset, finite):
    """The DaskMatrix of a Dask array X given to `est`: 2-D, float32 / float64
    (other dtypes as float64), columns rechunked into one chunk, unknown row
    chunk sizes computed; n_features_in_ set (reset) or checked.  With
    reset and ``finite``, X is checked for NaN / inf on the workers
    (predict never checks: it stays lazy)."""
    name = type(est).__name__
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D Dask array, got {X.ndim}D with shape {X.shape}. "
                         "Reshape your data.")
    kind = np.dtype(X.dtype).kind
    if kind == "c":
        raise ValueError("Complex data not supported")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    n, d = X.shape
    if n < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum "
                         f"of 1 is required by {name}.")
    if d < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum "
                         f"of 1 is required by {name}.")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    if reset:
        est.n_features_in_ = int(d)
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    elif d != est.n_features_in_:
        raise ValueError(f"X has {d} features, but {name} is expecting "
                         f"{est.n_features_in_} features as input.")
    M = DaskMatrix(X)
    if reset and finite:
        M.check_finite()
    return M


register_kind("dask", is_dask_array, _dask_factory)
