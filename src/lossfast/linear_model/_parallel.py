"""Cross-validation folds in parallel threads (LassoCV, ElasticNetCV,
LogisticRegressionCV).

Every C kernel releases the GIL (``with nogil`` in the .pxi wrappers), so
folds can run in a ``concurrent.futures.ThreadPoolExecutor``.  Whether that
pays depends on the kernels: a kernel call on fewer elements than
``lossfast._lossfast.PARALLEL_THRESHOLD`` runs on one thread and leaves the
other cores idle, so the folds are spread over them; a big kernel already
uses every core, and folds one after another are as fast.

``n_jobs`` (scikit-learn's meaning, for threads): None chooses as above;
a positive int is that many workers, -1 one per core of lossfast's thread
count, -2 one less, ...  With w workers each kernel call is given
``get_num_threads() // w`` threads (at least 1) for the duration, so the
total stays within the thread count; that setting is lossfast's global one
(``lossfast.num_threads``), restored afterwards.

Results are bit-for-bit those of the serial run: each fold's work is the
same computation on the same data, every kernel is deterministic for any
thread count (the chunk driver's fixed-order combine), and the results are
collected in fold order.  The one exception would be a shared random state
drawn by successive folds (``random_state`` None or a RandomState /
Generator instance with ``selection="random"``): those run serially, so they draw in
the serial order.
"""
from concurrent.futures import ThreadPoolExecutor
import numbers

import numpy as np

from .. import _lossfast
from .._config import get_num_threads, num_threads


def resolve_workers(n_jobs, n_tasks, kernel_work):
    """(workers, threads per kernel call) for n_tasks folds whose kernel
    calls each cover about ``kernel_work`` elements (see the module
    docstring)."""
    total = max(1, int(get_num_threads()))
    if n_tasks <= 1:
        return 1, total
    if n_jobs is None:
        workers = total if kernel_work < _lossfast.PARALLEL_THRESHOLD else 1
    else:
        if not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
            raise ValueError(f"n_jobs must be None or a nonzero integer, got {n_jobs!r}")
        workers = int(n_jobs) if n_jobs > 0 else max(1, total + 1 + int(n_jobs))
    workers = max(1, min(workers, n_tasks))
    return workers, max(1, total // workers)


def shared_random_state(random_state, selection="random"):
    """True when successive folds would draw from one random state (an
    instance, or None: NumPy's global one)."""
    return selection == "random" and (random_state is None or isinstance(
        random_state, (np.random.RandomState, np.random.Generator)))


def run_folds(fn, tasks, n_jobs, kernel_work, serial=False):
    """[fn(task) for task in tasks], in threads when it pays (module
    docstring); the list is in task order whatever the schedule."""
    tasks = list(tasks)
    workers, threads = resolve_workers(n_jobs, len(tasks), kernel_work)
    if serial or workers <= 1:
        return [fn(task) for task in tasks]
    with num_threads(threads), ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, tasks))
