"""Cross-validation folds in parallel threads (LassoCV, ElasticNetCV,
LogisticRegressionCV).

Every C kernel releases the GIL (``with nogil`` in the .pxi wrappers), so
folds can run in a ``concurrent.futures.ThreadPoolExecutor``.  A fold's
kernel calls are many and short (a loss / gradient pass per L-BFGS step, a
coordinate-descent sweep per epoch): a kernel below
``lossfast._lossfast.PARALLEL_THRESHOLD`` elements runs on one thread and
leaves the other cores idle, and above it every call pays for waking and
joining an OpenMP team.  Folds on separate threads, each kernel on one
thread, use every core with no synchronisation but the end of a fold:
LogisticRegressionCV (10 Cs x 5 folds, 3e4 x 100) took 25.6 s with folds in
turn on 2-thread kernels and 9.9 s with 2 folds at a time on 1-thread
kernels on this (shared, 2-core) machine.  So ``n_jobs=None`` runs the folds
on ``get_num_threads()`` workers (at most one per fold).

``n_jobs`` (scikit-learn's meaning, for threads): None as above, a positive
int that many workers, -1 one per thread of lossfast's thread count, -2 one
less, ...  With w workers each kernel call is given
``get_num_threads() // w`` threads (at least 1) for the duration, so the
total stays within the thread count; that setting is lossfast's global one
(``lossfast.num_threads``), restored afterwards.  Each running fold holds
its own copy of its training rows, so at most w copies exist at once.

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

from .._config import get_num_threads, num_threads


def resolve_workers(n_jobs, n_tasks):
    """(workers, threads per kernel call) for n_tasks folds (see the module
    docstring)."""
    total = max(1, int(get_num_threads()))
    if n_jobs is None:
        workers = total
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


def run_folds(fn, tasks, n_jobs, serial=False):
    """[fn(task) for task in tasks], on the workers of resolve_workers
    (serial: in this thread); the list is in task order whatever the
    schedule."""
    tasks = list(tasks)
    workers, threads = resolve_workers(n_jobs, len(tasks))
    if serial or workers <= 1:
        return [fn(task) for task in tasks]
    with num_threads(threads), ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, tasks))
