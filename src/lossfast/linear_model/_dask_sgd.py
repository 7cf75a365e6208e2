"""SGDClassifier / SGDRegressor on a Dask array: an epoch is the chunks in
row order, each chunk's part of the epoch run by the C epoch kernel of the
in-memory fit (``sgd_epoch_dense``) on the worker holding the chunk, the
kernel's state (weights, averaged weights, the learning-rate and objective
accumulators) passed from one chunk's task to the next.  The per-sample
updates are those of the in-memory fit on the concatenated rows visited
in the same order, so with ``shuffle=False`` the fits are the same.

``shuffle=True``: the epoch's permutation of all rows (the in-memory
fit's, from random_state) is regrouped by chunk -- the chunks in the order
of their first row in the permutation, each chunk's rows in the order the
permutation visits them -- so one task per chunk per epoch still suffices.
It is deterministic for a random_state but not the in-memory fit's order
(that would visit every chunk throughout the epoch); with a single chunk it
is the same order, so the fit equals the in-memory fit.

y and the sample weights: the estimators' validation in ``_sgd`` (labels,
one-vs-rest targets, class weights, the early-stopping split) works on
NumPy vectors, so y and sample_weight -- n numbers each, never X -- are
brought to the client.  From there each chunk's slice of the kernel's
targets and of the weights is placed once per fit on the worker holding
that chunk of X (``Client.scatter``, one call per worker), and every
epoch's task of the chunk takes its own slices' futures: they cross the
network once per fit (per one-vs-rest class for the targets), not once per
epoch.  On the local schedulers the slices are the tasks' constants.  X
stays on the workers -- but for ``early_stopping=True``, whose validation
score is computed in the client on the validation rows
(``validation_fraction`` of X, gathered once by ``DaskMatrix.take_rows``).
``partial_fit`` on a Dask array is one such epoch over its chunks.

``predict`` / ``predict_proba`` / ``predict_log_proba`` /
``decision_function`` of a Dask array are lazy Dask arrays (the in-memory
method per chunk: ``_dask_classifier.map_chunks``; decision values by
``DaskMatrix.matvec``).
"""
import numpy as np

from .. import _lossfast as _core

_STATE = {name: i for i, name in enumerate(_core.SGD_STATE_FIELDS)}


class _Params:
    """The kernel's parameter dict as one opaque task argument (a dict in a
    task graph would be traversed for keys)."""

    def __init__(self, params):
        self.params = dict(params)


def _chunk_sgd_epoch(Xb, params, state, yb, swb, order, w, aw, q):
    """The epoch kernel over the rows `order` of one chunk, from the state
    (state, w, aw, q) of the previous chunk; returns (status, state, w, aw, q)."""
    state, w = state.copy(), w.copy()
    aw = None if aw is None else aw.copy()
    q = None if q is None else q.copy()
    status = _core.sgd_epoch_dense(params.params, state, np.ascontiguousarray(Xb), yb, swb,
                                   order, w, aw, q)
    return status, state, w, aw, q


class DaskRows:
    """``_sgd._Rows``' epoch for a DaskMatrix (module docstring)."""

    def __init__(self, Xm, name):
        self.Xm = Xm
        self.name = name
        self.offsets = np.concatenate([[0], np.cumsum(Xm.row_chunks)]).astype(np.int64)
        self._placed = []               # [(vector, its per-chunk slices)], the last two
        self.scattered = 0              # slices placed on workers (for the tests)

    def placed(self, v):
        """The per-chunk slices of v (the kernel's targets or the weights,
        NumPy in the client) as the chunk tasks take them: on a distributed
        cluster futures of slices scattered once to the worker holding each
        chunk of X, reused while the fit passes the same vector (the targets
        of one one-vs-rest class and the weights: the last two kept); else
        the slices themselves.  None for v None."""
        if v is None:
            return [None] * len(self.Xm.row_chunks)
        for i, (vec, parts) in enumerate(self._placed):
            if vec is v:                # the most recently used last
                self._placed.append(self._placed.pop(i))
                return parts
        parts = [np.ascontiguousarray(v[lo:hi])
                 for lo, hi in zip(self.offsets[:-1], self.offsets[1:])]
        client = self.Xm.engine.client
        if client is not None:
            self.Xm.persist()
            x_futures = self.Xm._chunk_futures([], True)[0]
            holders = client.who_has(x_futures)
            by_worker = {}
            for c, f in enumerate(x_futures):
                where = sorted(holders.get(f.key, ()))
                by_worker.setdefault(where[0] if where else None, []).append(c)
            for worker, chunks in by_worker.items():
                # hash=False: a fresh key per slice (equal slices of another fit
                # would share a key, and releasing that fit's could drop it)
                futures = client.scatter([parts[c] for c in chunks], hash=False,
                                         workers=None if worker is None else [worker])
                for c, fut in zip(chunks, futures):
                    parts[c] = fut
                self.scattered += len(chunks)
        self._placed = (self._placed + [(v, parts)])[-2:]
        return parts

    def epoch(self, params, state, y, sw, order, w, aw, q):
        Xm = self.Xm
        order = np.asarray(order, dtype=np.int64)
        chunk = np.searchsorted(self.offsets, order, side="right") - 1
        # regroup by chunk (module docstring); a no-op for rows in order
        present, first = np.unique(chunk, return_index=True)
        rank = np.empty(len(Xm.row_chunks), dtype=np.int64)
        rank[present[np.argsort(first)]] = np.arange(len(present))
        regroup = np.argsort(rank[chunk], kind="stable")
        order, chunk = order[regroup], chunk[regroup]
        starts = np.concatenate([[0], np.flatnonzero(np.diff(chunk)) + 1])
        Xm.persist()
        p = _Params(params)
        status = 0
        # the kernel restarts its epoch sums (loss, objective) on every call:
        # the epoch's are the chunks' added in order
        sums = np.zeros(2)
        fields = [_STATE["sumloss"], _STATE["objective_sum"]]
        y_parts, sw_parts = self.placed(y), self.placed(sw)
        for a, b in zip(starts, np.append(starts[1:], len(order))):
            c = int(chunk[a])
            st, state_c, w_c, aw_c, q_c = Xm._map_reduce(
                _chunk_sgd_epoch, [],
                [p, state, y_parts[c], sw_parts[c], order[a:b] - self.offsets[c], w, aw, q],
                combine="list", chunks=[c])[0]
            state[...] = state_c
            sums += state_c[fields]
            w[...] = w_c
            if aw is not None:
                aw[...] = aw_c
            if q is not None:
                q[...] = q_c
            status |= int(st)
        state[fields] = sums
        return status
