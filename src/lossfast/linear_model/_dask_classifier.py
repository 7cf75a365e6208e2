"""LinearClassifier and LinearSVC on a Dask array (``_dask``'s kind).

The fit is ``LinearClassifier.fit``'s on the Dask objective: the labels are
validated and encoded on the workers (``DaskMatrix.classification_targets``),
and what the in-memory fit derives from the encoded labels -- the kernel's
targets of a binary problem (``binary_targets``: +1 for the class, -1 or 0
for the rest) and its weights (sample_weight times the class weights,
``ovr_weights``' rule) -- are lazy per-chunk products of the encoded labels
(RowArrays with X's row chunks: nothing of size n reaches the client).
"balanced" class weights need the weighted class counts: one per-chunk
bincount on the workers (tree-summed), as LogisticRegression on Dask does.

Then every solver runs on the Dask objective exactly as in memory:
L-BFGS / Newton evaluate the fused loss / gradient (and Newton the
curvature Grams) per chunk on the workers; the mini-batch optimizers stream
the chunks (``DaskMatrix.take_rows``).  The log loss is one binary or
multinomial model (LogisticRegression's objective); the margin losses and
focal fit one binary model per class against the rest (one-vs-rest) for
more than two classes, each its own solver run on the same persisted X.
"""
import numpy as np

from ._classifier import _log_loss_spec, binary_targets, store_fit_result
from ._dask import _label_index, _unique, RowArray
from ._base import run_solver
from ._objective import LinearObjective


def _chunk_binary_targets(yk, positive, labels, dtype):
    """``binary_targets`` of one chunk of encoded labels."""
    return binary_targets(_label_index(yk), positive, labels, dtype)


def _chunk_ovr_weights(yk, swb, per_class, positive, two_classes, dtype):
    """``ovr_weights`` of one chunk: the class's samples its weight, the rest
    1 (two classes: each class its own weight), times the sample weights."""
    idx = _label_index(yk)
    w = per_class[idx] if two_classes else np.where(idx == positive, per_class[positive], 1.0)
    if swb is not None:
        w = w * swb
    return np.ascontiguousarray(w, dtype=dtype)


def _chunk_positive(wb):
    return np.array([float(np.count_nonzero(wb > 0))])


class _DaskTargets:
    """The per-class targets and weights of one Dask fit, lazily per chunk."""

    def __init__(self, est, Xm, classes, y_kernel, sw):
        from ._dask import _chunk_label_counts
        from ._logistic import class_weight_vector
        self.Xm, self.classes, self.yk, self.sw = Xm, classes, y_kernel, sw
        self.per_class = None
        cw = est.class_weight
        if cw is not None:
            counts = None
            if isinstance(cw, str) and cw == "balanced":
                # the class counts of ovr_weights: not weighted by sample_weight
                counts = Xm._map_reduce(_chunk_label_counts, [y_kernel, None],
                                        [len(classes)], use_x=False)
            self.per_class = class_weight_vector(cw, classes, counts)

    def binary(self, positive, labels):
        """The (n, 1) kernel targets of class `positive` against the rest."""
        Xm = self.Xm
        yk = self.yk.array
        if yk.ndim == 2:
            yk = yk[:, 0]
        import dask.array as da
        arr = da.map_blocks(_chunk_binary_targets, yk, positive, labels, Xm.dtype,
                            new_axis=[1], chunks=(Xm.row_chunks, (1,)), dtype=Xm.dtype,
                            name=_unique("lf-ovr-targets"))
        return self._persisted(RowArray(Xm, arr))

    def _persisted(self, r):
        """r persisted with X when X already is (a later one-vs-rest class):
        the evaluations then map over futures only."""
        if self.Xm._persisted:
            r.array = self.Xm.engine.persist([r.array])[0]
        return r

    def weights(self, positive):
        """The weights of the binary problem of class `positive` (None when
        there are no sample or class weights)."""
        if self.per_class is None:
            return self.sw
        import dask.array as da
        Xm = self.Xm
        yk = self.yk.array
        if yk.ndim == 2:
            yk = yk[:, 0]
        swa = None if self.sw is None else self.sw.array
        args = [yk] if swa is None else [yk, swa]
        fn = _chunk_ovr_weights if swa is not None else _chunk_ovr_weights_unweighted
        arr = da.map_blocks(fn, *args, self.per_class, positive, len(self.classes) == 2,
                            Xm.dtype, dtype=Xm.dtype, name=_unique("lf-ovr-weights"))
        w = self._persisted(RowArray(Xm, arr))
        if not Xm._map_reduce(_chunk_positive, [w], [], use_x=False)[0]:
            raise ValueError("The class weights times sample_weight are all zero.")
        return w


def _chunk_ovr_weights_unweighted(yk, per_class, positive, two_classes, dtype):
    return _chunk_ovr_weights(yk, None, per_class, positive, two_classes, dtype)


def fit_classifier(est, Xm, info, classes, y_kernel, sw, solver, owner, l1, l2, *, max_iter,
                   tol):
    """``LinearClassifier.fit`` after its validation, for a DaskMatrix Xm
    (``classes``, ``y_kernel``, ``sw`` from ``classification_targets`` on
    the workers); returns est."""
    d = Xm.shape[1]
    fit_intercept = bool(est.fit_intercept)
    n_classes = len(classes)
    targets = _DaskTargets(est, Xm, classes, y_kernel, sw)
    previous = getattr(est, "coef_", None)
    warm = (est.warm_start and previous is not None
            and np.array_equal(getattr(est, "classes_", None), classes))

    def solve(objective, rows, n_rows):
        """The solver run of the model of coef_ rows `rows` (of n_rows)."""
        objective.l1 = l1
        theta0 = np.zeros(objective.n_params)
        if warm and previous.shape == (n_rows, d):
            theta0 = objective.from_model(previous[rows],
                                          est.intercept_[rows] if fit_intercept else None)
        return run_solver(owner, solver, objective, theta0, max_iter=max_iter, tol=tol)

    results = []
    if info.multinomial:
        # the log loss: one binary (sigmoid) or multinomial (softmax) model
        k, spec = _log_loss_spec(n_classes)
        w = sw
        if est.class_weight is not None:
            w = Xm.class_weighted(est.class_weight, classes, y_kernel, sw)
        objective = LinearObjective(Xm, y_kernel, w, k, spec, fit_intercept, l2)
        res = solve(objective, slice(None), k)
        coef, intercept = objective.to_model(res.x)
        intercept = np.zeros(k) if intercept is None else intercept
        results.append(res)
    else:
        # one binary model (two classes) or one per class against the rest
        models = [1] if n_classes == 2 else range(n_classes)
        coef = np.empty((len(models), d))
        intercept = np.zeros(len(models))
        center = scale = None
        for row, c in enumerate(models):
            objective = LinearObjective(Xm, targets.binary(c, info.labels), targets.weights(c),
                                        1, info.spec, fit_intercept, l2, center=center,
                                        scale=scale)
            if est.class_weight is None:
                center, scale = objective.center, objective.scale
            res = solve(objective, slice(row, row + 1), len(models))
            cc, bc = objective.to_model(res.x)
            coef[row] = cc[0]
            if bc is not None:
                intercept[row] = bc[0]
            results.append(res)
    return store_fit_result(est, classes, coef, intercept, results, Xm.dtype, info)


def _method_on_chunk(Xb, est, method):
    if Xb.shape[0] == 0:
        # an empty chunk (a Dask array filtered by rows): the in-memory
        # method refuses 0 samples; its result on one row, none kept
        return getattr(est, method)(np.zeros((1, Xb.shape[1]), dtype=Xb.dtype))[:0]
    return getattr(est, method)(Xb)


def map_chunks(est, X, method):
    """``est.<method>(X)`` (predict, predict_proba, predict_log_proba) on a
    Dask array X as a lazy Dask array: the in-memory method on each row
    chunk where it lives (X's features checked now).  Used by the
    classifiers of ``_classifier`` and by SGDClassifier; the result's dtype
    is the in-memory method's on one row of zeros of X's dtype."""
    from ._base import check_is_fitted
    from ._matrix import design_matrix
    check_is_fitted(est)
    Xm = design_matrix(est, X, reset=False)
    dtype = np.asarray(getattr(est, method)(np.zeros((1, Xm.shape[1]), dtype=Xm.dtype))).dtype
    if method == "predict":
        return Xm.array.map_blocks(_method_on_chunk, est, method, drop_axis=1,
                                   meta=np.empty((0,), dtype=dtype))
    return Xm.array.map_blocks(_method_on_chunk, est, method,
                               chunks=(Xm.row_chunks, (len(est.classes_),)),
                               meta=np.empty((0, 0), dtype=dtype))
