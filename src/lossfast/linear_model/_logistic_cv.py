"""LogisticRegressionCV: C (and l1_ratio) chosen by cross-validation.

For every fold and every l1_ratio, a warm-started path over the grid of C
(increasing: each fit starts at the previous solution, so along the path a
fit takes a few iterations) is scored on the held-out rows -- accuracy by
default, or any scorer(estimator, X, y).  ``C_`` / ``l1_ratio_`` maximise the
mean score over folds; with ``refit`` the model is fitted on all rows with
them (starting from the folds' mean coefficients), else ``coef_`` is the mean
of the folds' coefficients at each fold's best (C, l1_ratio), as
scikit-learn does.  Folds: ``cv=None`` is 5 stratified folds, an int k is k
stratified folds (scikit-learn's StratifiedKFold without shuffling, built
here without importing scikit-learn), a splitter or an iterable of
(train, test) pairs is used as given.
"""
import contextlib
import numbers
import threading

import numpy as np

from .. import _lossfast as _core
from ._base import _Estimator, check_y_present
from ._chunked import ChunkedMatrix
from ._fold_grams import fold_ids_of_splits
from ._logistic import LogisticRegression, _check_classification_targets, _encode_labels
from ._matrix import MATVEC_KERNEL_OUTPUTS, DenseMatrix, design_matrix
from ._parallel import run_folds
from ._ridge_cv import check_cv_splits
from ._dask import is_dask_array


def stratified_folds(y_idx, k):
    """scikit-learn's StratifiedKFold(k, shuffle=False) test folds: each class's
    samples, in order, spread over the folds as evenly as the sorted labels
    allocate them."""
    # classes numbered by their first appearance in y, as scikit-learn does
    _, first, inverse = np.unique(y_idx, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    y_idx = order[inverse.reshape(-1)]
    n_classes = int(y_idx.max()) + 1
    counts = np.bincount(y_idx, minlength=n_classes)
    if k > counts.max():
        raise ValueError(f"n_splits={k} cannot be greater than the number of members in each "
                         "class.")
    # allocation[i, c]: the members of class c in sort(y)[i::k], counted
    # without the sort: class c holds the sorted positions [start_c, end_c)
    end = np.cumsum(counts)
    start = end - counts
    i = np.arange(k)[:, None]
    allocation = (end - i + k - 1) // k - (start - i + k - 1) // k
    test_folds = np.empty(len(y_idx), dtype=np.intp)
    for c in range(n_classes):
        test_folds[y_idx == c] = np.arange(k).repeat(allocation[:, c])
    everything = np.arange(len(y_idx))
    return [(everything[test_folds != f], everything[test_folds == f]) for f in range(k)]


def _with_moments(Xmat, moments):
    """Xmat whose ``column_moments`` return the given (mean, var), whatever
    the weights asked for.

    Every fit of a fold's path builds its objective on the fold's rows, and
    the objective's preconditioner starts from the columns' weighted mean
    and variance (the C-dependent part is added afterwards,
    _objective.LinearObjective): a pass over the fold's X per C cost as much
    as all the fits' loss / gradient passes together, and even one per fold
    costs two loss / gradient passes.  So every fold gets the moments of all
    rows (with the user's sample_weight), computed once per fit.  Centre and
    scale are a change of coordinates only (the penalty stays on the
    original coefficients): the minimiser, and so every fitted path, is the
    same; the fold's own moments (4/5 of the same rows) would condition it
    no better."""
    def column_moments(sample_weight=None):
        mean, var = moments
        return mean.copy(), var.copy()

    Xmat.column_moments = column_moments
    return Xmat


def _blas_threads(n):
    """Context: BLAS (NumPy's matrix products) on at most n threads -- the
    held-out products on lossfast's thread count -- when threadpoolctl is
    installed, else as it is.  With lossfast on one thread, OpenBLAS's
    default team of all cores costs more CPU time than the products
    (measured: the 5 folds' products 0.02 s of CPU time on one thread, 0.065
    s on two cores' team, 1e5 x 100, 10 Cs); with lossfast's default thread
    count nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(max(int(n), 1), user_api="blas")


def _partitions(splits, tests, order, n):
    """Whether the test folds `tests` partition range(n) (order: their
    concatenation) and each training set of `splits` is the rest of its
    fold, in any order: the check of
    ``_fold_grams.fold_ids_of_splits`` (O(n) per fold, no sorts), on
    non-negative integer indices below n only (``order`` then indexes the
    fold-ordered copy directly)."""
    def indices(a):
        return a.dtype.kind in "iu" and (a.size == 0 or (int(a.min()) >= 0
                                                         and int(a.max()) < n))
    if not (order.size == n and indices(order)
            and all(indices(np.asarray(tr)) for tr, _ in splits)):
        return False
    found = fold_ids_of_splits([(tr, te) for (tr, _), te in zip(splits, tests)], n)
    return found is not None and not np.any(found[0] < 0)


def _fold_data(Xm, y, sw, splits):
    """fold(f) -> (X_train, y_train, sw_train, X_test, y_test) of split f.

    When the test folds partition the rows and each training set is the
    rest (stratified or plain k-fold), dense X is copied ONCE with its rows
    in fold order: fold f's test rows are then one contiguous block and its
    training rows the blocks before and after it, used in place as a
    ``ChunkedMatrix`` of (at most) two views -- instead of a gather of 4/5
    of X per fold, which cost a third of a fold's loss / gradient passes.
    The training rows are then in fold order, not in index order: the same
    objective, summed in another order.  Other splits gather each fold's
    rows into a buffer of the worker thread, reused by its next fold (a
    fresh array of this size is a new mapping each time, whose page faults
    cost more than the copy)."""
    n, d = Xm.shape
    tests = [np.asarray(te) for _, te in splits]
    order = np.concatenate(tests) if tests else np.empty(0, dtype=np.intp)
    partition = Xm.kind == "dense" and _partitions(splits, tests, order, n)
    if partition:
        Xp = np.take(Xm.X, order, axis=0)
        yp = y[order]
        swp = None if sw is None else sw[order]
        bounds = np.concatenate([[0], np.cumsum([te.size for te in tests])])

        def fold(f):
            a, b = int(bounds[f]), int(bounds[f + 1])
            rest = lambda v: None if v is None else np.concatenate([v[:a], v[b:]])
            Xtr = ChunkedMatrix([Xp[:a], Xp[b:]])
            return Xtr, rest(yp), rest(swp), DenseMatrix(Xp[a:b]), yp[a:b]
        return fold, (Xp, bounds)

    local = threading.local()

    def rows(idx, slot):
        idx = np.asarray(idx)
        if not (Xm.kind == "dense" and idx.dtype.kind in "iu" and idx.size
                and int(idx.min()) >= 0 and int(idx.max()) < n):
            return Xm.take_rows(idx)
        buf = getattr(local, slot, None)
        if buf is None or buf.shape[0] < idx.size:
            buf = np.empty((idx.size + 8, d), dtype=Xm.dtype)
            setattr(local, slot, buf)
        out = buf[:idx.size]
        np.take(Xm.X, idx, axis=0, out=out, mode="clip")   # indices checked above
        return DenseMatrix(out)

    def fold(f):
        train, test = splits[f]
        return (rows(train, "train"), y[train], None if sw is None else sw[train],
                rows(test, "test"), y[test])
    return fold, None


class SharedPasses:
    """The loss / gradient passes of all folds' paths, batched: one pass over
    each test block of the fold-ordered X (``_fold_data``) serves every
    fold that trains on it.

    A pass of a fold's fit (8e4 x 100 rows) streams 64 MB from memory for a
    few multiply-adds per byte: the fused kernel is bound by the memory
    stream (about 3.4 ms of its 5.9 ms here; the same pass on rows already
    in cache takes 2.5 ms).  The folds of a k-fold split train on the same
    blocks: block b is in the training set of every fold but b.  So the
    folds run their paths in lockstep, each in its own thread
    (``run_shared``): a fold's loss / gradient evaluation posts its model
    and waits; when every fold still running has posted, one kernel call
    per block evaluates the models of all the folds that train on it as the
    k outputs of one model (``lm_loss_gradient`` with ``loss_per_output``:
    the loss of each output), reading the block once, and each fold gets
    the sum over its blocks -- in block order, whatever the timing, so the
    results do not depend on the schedule.  Measured: 5 folds' passes in
    one batched call 1.7x faster than 5 separate passes (AVX-512 and AVX2).
    The kernel takes such many-output passes (20-25 outputs of a 5-class
    model, 4 of a binary one on AVX2) with the outputs along the SIMD lanes
    (csrc/linear_model.c, lm_use_lanes): 1.4-1.7x faster than its row dots.

    More classes: the K models' softmax outputs side by side, the row-wise
    loss on groups of k classes (``groups=K``: each row's label and weight
    repeated for every model).  Used for dense X when the folds partition
    the rows and without class_weight (every fold then sees the same
    targets and weights on a row); other evaluations of a fold (its own
    rows' Gram, matvec, ...) are the fold's ``ChunkedMatrix``'s.
    """

    def __init__(self, Xp, bounds, n_folds):
        self.Xp = Xp
        self.bounds = [int(v) for v in bounds]
        self.live = set(range(n_folds))
        self.pending = {}
        self.results = {}
        self.cond = threading.Condition()
        self._targets = {}

    def _offset(self, f, b):
        """Where block b starts in fold f's training rows."""
        lo = self.bounds[b]
        return lo if b < f else lo - (self.bounds[f + 1] - self.bounds[f])

    def evaluate(self, f, y, sample_weight, coef, intercept, spec, z_out):
        with self.cond:
            self.pending[f] = (y, sample_weight, coef, intercept, spec, z_out)
            if len(self.pending) == len(self.live):
                self._run()
            while f not in self.results:
                self.cond.wait()
            out = self.results.pop(f)
        if isinstance(out, BaseException):
            raise out
        return out

    def leave(self, f):
        """Fold f's path is done (or failed): the others no longer wait for it."""
        with self.cond:
            self.live.discard(f)
            if self.pending and len(self.pending) == len(self.live):
                self._run()

    def _run(self):
        folds = sorted(self.pending)
        reqs = self.pending
        self.pending = {}
        try:
            out = self._passes(folds, reqs)
        except BaseException as exc:              # every waiting fold gets the error
            out = {f: exc for f in folds}
        self.results.update(out)
        self.cond.notify_all()

    def _passes(self, folds, reqs):
        d = self.Xp.shape[1]
        _, _, coef_first, icpt_first, spec, _ = reqs[folds[0]]
        fi = icpt_first is not None
        k = coef_first.shape[0]                 # outputs of one model: 1, or the classes
        if any(reqs[f][4] != spec or reqs[f][2].shape != coef_first.shape
               or (reqs[f][3] is not None) != fi for f in folds):
            raise ValueError("the folds' models differ in their loss or shape: they cannot "
                             "share passes")
        rowwise = spec.rowwise
        val = {f: 0.0 for f in folds}
        gc = {f: np.zeros((k, d)) for f in folds}
        gb = {f: np.zeros(k) for f in folds}
        for b in range(len(self.bounds) - 1):
            models = [f for f in folds if f != b]
            if not models:
                continue
            lo, hi = self.bounds[b], self.bounds[b + 1]
            m, K = hi - lo, len(models)
            off = self._offset(models[0], b)
            y0, sw0 = reqs[models[0]][0], reqs[models[0]][1]
            key = (b, K)
            if key not in self._targets:
                # the block's targets and weights for K models: one column per
                # model (elementwise), or each row's label / weight repeated K
                # times (row-wise groups)
                yb = y0[off:off + m]
                yK = (np.repeat(yb, K) if rowwise else
                      np.ascontiguousarray(np.repeat(yb.reshape(m, 1), K, axis=1),
                                           dtype=self.Xp.dtype))
                swK = None if sw0 is None else np.ascontiguousarray(
                    np.repeat(sw0[off:off + m], K) if rowwise else sw0[off:off + m])
                self._targets[key] = (yK, swK)
            yK, swK = self._targets[key]
            coef = np.ascontiguousarray(np.concatenate([reqs[f][2] for f in models]),
                                        dtype=np.float64)
            icpt = (np.ascontiguousarray(np.concatenate([reqs[f][3] for f in models]),
                                         dtype=np.float64) if fi else None)
            want_z = any(reqs[f][5] is not None for f in models)
            Z = np.empty((m, K * k), dtype=self.Xp.dtype) if want_z else None
            G, Gb, L = np.empty((K * k, d)), np.empty(K * k), np.empty(K)
            _core.lm_loss_gradient(self.Xp[lo:hi], yK, swK, coef, icpt, spec.kernel,
                                   spec.params, G, Gb if fi else None, Z, L,
                                   K if rowwise else 1)
            for q, f in enumerate(models):
                val[f] += float(L[q])
                gc[f] += G[q * k:(q + 1) * k]
                if fi:
                    gb[f] += Gb[q * k:(q + 1) * k]
                z_out = reqs[f][5]
                if z_out is not None:
                    o = self._offset(f, b)
                    z_out[o:o + m] = Z[:, q * k:(q + 1) * k]
        return {f: (val[f], gc[f], gb[f]) for f in folds}


class _SharedPassFold(ChunkedMatrix):
    """Fold f's training rows (the blocks of the fold-ordered X but f) whose
    loss / gradient passes go through the ``SharedPasses`` of all folds."""

    def __init__(self, blocks, shared, f):
        super().__init__(blocks)
        self.shared = shared
        self.fold = f

    def loss_gradient(self, y, sample_weight, coef, intercept, spec, *, grad=True, z_out=None):
        return self.shared.evaluate(self.fold, y, sample_weight, coef, intercept, spec, z_out)


def run_shared(fn, shared, n_folds):
    """[fn(f) for f in range(n_folds)], each fold in its own thread so that
    their passes can be batched (``SharedPasses``); the first error is
    raised after every thread has ended."""
    results, errors = [None] * n_folds, [None] * n_folds

    def work(f):
        try:
            results[f] = fn(f)
        except BaseException as exc:
            errors[f] = exc
        finally:
            shared.leave(f)

    threads = [threading.Thread(target=work, args=(f,), daemon=True) for f in range(n_folds)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return results


class LogisticRegressionCV(_Estimator):
    """Logistic regression with C and l1_ratio chosen by cross-validation
    (see the module docstring).

    Parameters
    ----------
    Cs : int or array of floats > 0, default 10 -- an int is the grid
        np.logspace(-4, 4, Cs), as scikit-learn
    l1_ratios : sequence of floats in [0, 1], default (0.0,)
    fit_intercept, solver, tol, max_iter, class_weight, random_state, verbose:
        as LogisticRegression (solver "auto": lbfgs for l1_ratio 0, newton-cd
        otherwise)
    cv : None, int, splitter or iterable of (train, test), default None (5
        stratified folds)
    scoring : None (accuracy) or callable(estimator, X, y) -> float
    refit : bool, default True
    n_jobs : None or int -- threads over the folds: None one per thread of
        lossfast's thread count, each fold's kernels on the rest (one thread
        each when there are enough folds), an int as scikit-learn's; results
        identical to serial (``_parallel.py``).  Unused when the folds' passes
        are batched (``SharedPasses``: dense X, k-fold partitions, no
        class_weight; the batched passes then use lossfast's threads)

    Attributes
    ----------
    Cs_ : (n_Cs,), l1_ratios_ : (n_l1_ratios,)
    C_, l1_ratio_ : (n_classes,) for more than two classes (one value
        repeated: the multinomial model shares it), else (1,)
    scores_ : dict label -> (n_folds, n_Cs, n_l1_ratios) (the same array for
        every class of a multinomial model; key classes_[1] for two classes)
    coefs_paths_ : dict label -> (n_folds, n_Cs, n_l1_ratios, n_features [+ 1])
        the path's coefficients (and intercept last) of that class's row
    coef_, intercept_, classes_, n_iter_ (iterations of the refit)
    """

    _estimator_type = "classifier"

    def __init__(self, *, Cs=10, l1_ratios=(0.0,), fit_intercept=True, cv=None, scoring=None,
                 solver="auto", tol=1e-4, max_iter=100, class_weight=None, n_jobs=None,
                 refit=True, random_state=None, verbose=0):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.refit = refit
        self.random_state = random_state
        self.verbose = verbose

    def _grids(self):
        if isinstance(self.Cs, numbers.Integral) and not isinstance(self.Cs, bool):
            if self.Cs < 1:
                raise ValueError(f"Cs must be a count >= 1 or an array, got {self.Cs}")
            Cs = np.logspace(-4, 4, int(self.Cs))
        else:
            Cs = np.asarray(self.Cs, dtype=np.float64).reshape(-1)
        if Cs.size == 0 or not np.all(Cs > 0):
            raise ValueError(f"Cs must be positive, got {self.Cs!r}")
        ratios = np.asarray(self.l1_ratios, dtype=np.float64).reshape(-1)
        if ratios.size == 0 or np.any(ratios < 0) or np.any(ratios > 1):
            raise ValueError(f"l1_ratios must be in [0, 1], got {self.l1_ratios!r}")
        return Cs, ratios

    def _model(self, C, l1_ratio, warm_start):
        return LogisticRegression(C=C, l1_ratio=l1_ratio, fit_intercept=self.fit_intercept,
                                  solver=self.solver, tol=self.tol, max_iter=self.max_iter,
                                  class_weight=self.class_weight, warm_start=warm_start,
                                  random_state=self.random_state, verbose=self.verbose)

    def fit(self, X, y, sample_weight=None):
        """Choose C and l1_ratio by cross-validation, then fit; returns self."""
        if is_dask_array(X):      # per-chunk passes: _dask_cv.py
            from ._dask_cv import fit_logistic_cv
            return fit_logistic_cv(self, X, y, sample_weight)
        Cs, ratios = self._grids()
        check_y_present(self, y)
        Xm = design_matrix(self, X, reset=True)
        n, d = Xm.shape
        y = _check_classification_targets(y, n)
        classes, y_idx = _encode_labels(y)
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            splits = stratified_folds(y_idx, int(cv))
        else:
            splits = check_cv_splits(cv, n, X, y)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        k = 1 if len(classes) == 2 else len(classes)
        width = d + (1 if self.fit_intercept else 0)

        # dense X: the C moments kernel (the chunked kind's, on X as one
        # block), 2x faster than DenseMatrix.column_moments' NumPy pass
        moments = (ChunkedMatrix([Xm.X]).column_moments(sw) if Xm.kind == "dense"
                   else Xm.column_moments(sw))
        fold_data, layout = _fold_data(Xm, y, sw, splits)
        # a shared random state instance is drawn by the folds in order: serial
        shared_rng = isinstance(self.random_state, (np.random.RandomState, np.random.Generator))
        shared = None
        if (layout is not None and self.class_weight is None and not shared_rng
                and len(splits) > 1 and self._batchable_solver()):
            shared = SharedPasses(*layout, len(splits))

        def fold_path(f):
            """Scores (n_Cs, n_l1; accuracies of batched folds: filled
            afterwards), path (n_Cs, n_l1, k, width) and held-out (X, y) of
            fold f."""
            scores = np.empty((len(Cs), len(ratios)))
            paths = np.empty((len(Cs), len(ratios), k, width))
            Xtr, ytr, swtr, Xte, yte = fold_data(f)
            if shared is not None:
                Xtr = _SharedPassFold(Xtr.blocks, shared, f)
            Xtr = _with_moments(Xtr, moments)
            for r, l1_ratio in enumerate(ratios):
                model = None
                # the Newton solver keeps its curvature Gram from one C to the next
                Xtr.curvature_cache = {}
                # and the loss / gradient at the previous C's solution is reused
                Xtr.eval_memo = {}
                for c, C in enumerate(Cs):
                    if model is None:
                        model = self._model(C, l1_ratio, warm_start=True)
                        # the checks, targets and weights once for the path
                        prepared = model._prepare_fit(Xtr, ytr, swtr)
                        # (before any pass: the batched passes need the same model shape)
                        if len(prepared["classes"]) != len(classes):
                            raise ValueError("a training fold lacks a class: use stratified "
                                             "folds (cv=None or an int)")
                    else:
                        # (a plain attribute: set_params' signature inspection
                        # cost ~0.5 ms a call)
                        model.C = C
                        prepared["l1"], prepared["l2"], _ = model._penalty()
                    model._fit_prepared(prepared)
                    if self.scoring is not None:
                        scores[c, r] = self._score(model, Xte, yte)
                    paths[c, r, :, :d] = model.coef_
                    if self.fit_intercept:
                        paths[c, r, :, d] = model.intercept_
            if self.scoring is None and shared is None:
                scores[...] = self._accuracies(Xte, yte, paths, d, classes)
            return scores, paths, (Xte, yte)

        if shared is not None:
            results = run_shared(fold_path, shared, len(splits))
        else:
            results = run_folds(fold_path, range(len(splits)), self.n_jobs, serial=shared_rng)
        scores = np.stack([sc for sc, _, _ in results])
        paths = np.stack([pa for _, pa, _ in results])
        if self.scoring is None and shared is not None:
            # batched: after the paths, here (the test blocks are views of the
            # fold-ordered X; a gathered fold's rows are its thread's buffer,
            # reused by its next fold, so those are scored in the thread):
            # the folds' threads end together, and their BLAS products at
            # once (each with its own thread team) cost 1.5x the same products
            # one after the other.  Up to MATVEC_KERNEL_OUTPUTS outputs the
            # products are lossfast's kernel on its own threads, and BLAS is
            # left alone (threadpoolctl's limit costs ~1 ms to enter, and on
            # leaving it restarts OpenBLAS's team, which then spins)
            outputs = paths.shape[1] * paths.shape[2] * paths.shape[3]
            with (_blas_threads(_core.get_num_threads()) if outputs > MATVEC_KERNEL_OUTPUTS
                  else contextlib.nullcontext()):
                for f, (_, _, (Xte, yte)) in enumerate(results):
                    scores[f] = self._accuracies(Xte, yte, paths[f], d, classes)
        # the refit's preconditioner from the same moments (a change of
        # coordinates only), not from another pass over X: on a new wrapper
        # of the same rows, never on a matrix object the caller passed
        refit_X = _with_moments(DenseMatrix(Xm.X), moments) if Xm.kind == "dense" else Xm
        return store_cv_result(self, classes, Cs, ratios, scores, paths, d, Xm.dtype,
                               (refit_X, y, sw))

    def _batchable_solver(self):
        """Whether every fit of the paths evaluates the full fold by the
        deterministic full-batch solvers (lbfgs, newton, newton-cd), whose
        passes SharedPasses may batch; mini-batch optimizers sample rows."""
        name = self.solver.lower() if isinstance(self.solver, str) else None
        return name in ("auto", "lbfgs", "newton", "newton-cholesky", "newton-cg",
                        "newton-cd")

    @staticmethod
    def _accuracies(Xte, yte, path, d, classes):
        """(n_Cs, n_l1) accuracies of the fitted path (n_Cs, n_l1, k, d [+ 1])
        of coefficients (and intercept last) on the held-out rows, from
        ONE pass over them (all the models' logits as one multi-output
        product, instead of a predict per C) and one comparison for all the
        models; the labels follow LogisticRegression.predict (logit > 0 for
        two classes, else argmax: the first of tied classes)."""
        n_Cs, n_l1, k, width = path.shape
        flat = path.reshape(n_Cs * n_l1 * k, width)
        Z = Xte.matvec(flat[:, :d], flat[:, d] if width > d else None)  # (n_test, models * k)
        if k == 1:
            right = (Z > 0) == (yte == classes[1])[:, None]
        else:
            pred = np.argmax(Z.reshape(Z.shape[0], n_Cs * n_l1, k), axis=2)
            right = classes[pred] == yte[:, None]
        return right.mean(axis=0, dtype=np.float64).reshape(n_Cs, n_l1)

    def _score(self, model, X, y):
        if self.scoring is None:
            return float(np.mean(model.predict(X) == y))
        return float(self.scoring(model, X.X if X.kind == "dense" else X, y))

    # the predictions of the fitted model: LogisticRegression's
    decision_function = LogisticRegression.decision_function
    predict_proba = LogisticRegression.predict_proba
    predict_log_proba = LogisticRegression.predict_log_proba
    predict = LogisticRegression.predict
    score = LogisticRegression.score


def store_cv_result(est, classes, Cs, ratios, scores, paths, d, dtype, refit_data):
    """Choose C_ / l1_ratio_ from the fold scores and set LogisticRegressionCV's
    attributes on est (in memory and on Dask).

    scores: (n_folds, n_Cs, n_l1) held-out scores; paths: (n_folds, n_Cs,
    n_l1, k, d [+ 1]) coefficients (and intercepts) along the paths.  refit=True:
    the best mean score's (C, l1_ratio), refitted on refit_data = (X, y,
    sample_weight) from the folds' mean solution; refit=False (scikit-learn's
    rule): each fold's best, C_ and l1_ratio_ the means of the folds' best,
    coef_ the mean of their coefficients, n_iter_ 0."""
    k = paths.shape[3]
    mean = scores.mean(axis=0)                                   # (n_Cs, n_l1)
    if est.refit:
        ci, ri = np.unravel_index(int(np.argmax(mean)), mean.shape)
        C_best, r_best = float(Cs[ci]), float(ratios[ri])
        final = est._model(C_best, r_best, warm_start=True)
        start = paths[:, ci, ri].mean(axis=0)
        final.coef_ = start[:, :d].astype(dtype)
        final.intercept_ = (start[:, d] if est.fit_intercept else np.zeros(k)).astype(dtype)
        final.classes_ = classes
        X, y, sw = refit_data
        final.fit(X, y, sample_weight=sw)
        coef, intercept, n_iter = final.coef_, final.intercept_, final.n_iter_
    else:
        best = [np.unravel_index(int(np.argmax(scores[f])), mean.shape)
                for f in range(scores.shape[0])]
        C_best = float(np.mean([Cs[ci] for ci, _ in best]))
        r_best = float(np.mean([ratios[ri] for _, ri in best]))
        avg = np.mean([paths[f, ci, ri] for f, (ci, ri) in enumerate(best)], axis=0)
        coef = avg[:, :d].astype(dtype)
        intercept = (avg[:, d] if est.fit_intercept else np.zeros(k)).astype(dtype)
        n_iter = np.zeros(1, dtype=np.int32)
    est.classes_ = classes
    est.Cs_, est.l1_ratios_ = Cs, ratios
    m = len(classes) if k > 1 else 1
    est.C_ = np.full(m, C_best)
    est.l1_ratio_ = np.full(m, r_best)
    keys = classes if k > 1 else classes[1:]
    est.scores_ = {label: scores for label in keys}
    est.coefs_paths_ = {label: paths[:, :, :, i] for i, label in enumerate(keys)}
    est.coef_, est.intercept_, est.n_iter_ = coef, intercept, n_iter
    return est
