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
is the same order, so the fit equals the in-memory fit.  The
targets (n labels or values) and the sample weights are brought to the
client by the estimators' validation, and the current chunk's slice of them
travels with its task; X stays on the workers -- but for
``early_stopping=True``, whose validation score is computed in the client
on the validation rows (``validation_fraction`` of X, gathered once by
``DaskMatrix.take_rows``).  ``partial_fit`` on a Dask array is one such
epoch over its chunks.
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
        for a, b in zip(starts, np.append(starts[1:], len(order))):
            c = int(chunk[a])
            lo, hi = self.offsets[c], self.offsets[c + 1]
            yb = np.ascontiguousarray(y[lo:hi])
            swb = None if sw is None else np.ascontiguousarray(sw[lo:hi])
            st, state_c, w_c, aw_c, q_c = Xm._map_reduce(
                _chunk_sgd_epoch, [], [p, state, yb, swb, order[a:b] - lo, w, aw, q],
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
