"""``LogisticRegressionCV(scoring=callable)`` on a Dask array.

What a scorer receives.  As in memory, ``scoring(model, X_test, y_test)``
is called once per (fold, C, l1_ratio), right after that model's fit, with
``model`` the fold's ``LogisticRegression`` (on Dask it is fitted on all
rows with the held-out rows at weight zero, i.e. on the training rows; the
same object moves along the C path, as in memory).  ``X_test`` and
``y_test`` are the fold's held-out rows as lazy Dask arrays:

- ``X_test`` (n_test, n_features), X's dtype: each row chunk of X with
  rows in the fold contributes them, selected on the worker holding the
  chunk (chunk sizes known: one per-chunk count of the fold ids, on the
  workers, for all folds; chunks without rows of the fold are left out, so
  an estimator's per-chunk predict never sees an empty chunk);
- ``y_test`` (n_test,): the labels as passed to ``fit`` (their dtype), in
  the same row order as ``X_test``.

The rows are in X's row order (in memory they are in the order of the
fold's test indices: the same for the stratified folds of an int ``cv``,
which are sorted; a splitter's unsorted test indices give another order of
the same rows).  ``model.predict`` / ``predict_proba`` /
``decision_function`` of a Dask array are lazy (one task per chunk), so a
scikit-learn scorer (``sklearn.metrics.get_scorer("neg_log_loss")``, or
any callable that passes the predictions to a metric) computes O(n_test)
vectors -- the predictions and the labels -- in the client, never X's
rows; a scorer that calls ``np.asarray(X_test)`` gathers the held-out rows
(its own choice).  The score must convert to a float.
"""
import numpy as np


def _chunk_fold_rows(b, fb, f):
    """The rows of one chunk (of X or y) whose test fold is f."""
    return b[fb == f]


def _chunk_fold_rows_2d(b, fb, f):
    return b[fb[:, 0] == f]


class FoldScorer:
    """``scores[f, c, r] = scoring(model, X_test_f, y_test_f)`` for the Dask
    ``LogisticRegressionCV`` fit of ``_dask_cv.fit_logistic_cv`` (module
    docstring).  Xm: the fit's persisted DaskMatrix; y: the labels as
    passed; ids: the RowArray of each row's test fold (-1 for none)."""

    def __init__(self, scoring, Xm, y, ids, n_folds, shape):
        from ._dask import is_dask_array
        from ._fold_grams import fold_counts_of_block
        self.scoring = scoring
        self.scores = np.empty(shape)
        counts = Xm._map_reduce(fold_counts_of_block, [ids], [n_folds], combine="list",
                                use_x=False)
        self.sizes = np.array(counts)[:, :n_folds].astype(np.int64)    # (chunks, folds)
        if not is_dask_array(y):
            y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]             # classification_targets already warned
        labels = Xm.aligned(y, "y")
        Xm._rows.remove(labels)     # not a row array of the fits (never persisted)
        self.X, self.y, self.ids, self.d = Xm.array, labels.array, ids.array, Xm.shape[1]
        self._fold = None

    def held_out(self, f):
        """(X_test, y_test) of fold f as lazy Dask arrays (module docstring)."""
        if self._fold is None or self._fold[0] != f:
            import dask.array as da
            rows = tuple(int(s) for s in self.sizes[:, f])
            Xt = da.map_blocks(_chunk_fold_rows_2d, self.X, self.ids[:, None], f,
                               chunks=(rows, (self.d,)), dtype=self.X.dtype,
                               meta=np.empty((0, 0), dtype=self.X.dtype))
            yt = da.map_blocks(_chunk_fold_rows, self.y, self.ids, f, chunks=(rows,),
                               dtype=self.y.dtype, meta=np.empty((0,), dtype=self.y.dtype))
            keep = np.flatnonzero(self.sizes[:, f])
            if keep.size < len(rows):
                Xt, yt = Xt.blocks[keep], yt.blocks[keep]
            self._fold = (f, Xt, yt)
        return self._fold[1:]

    def __call__(self, f, c, r, model):
        """Score fold f's model at (C index c, l1_ratio index r)."""
        X_test, y_test = self.held_out(f)
        self.scores[f, c, r] = float(self.scoring(model, X_test, y_test))
