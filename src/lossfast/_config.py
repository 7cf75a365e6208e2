"""Build information and thread control."""
import contextlib as _contextlib
import operator as _operator
import os as _os
import warnings as _warnings

from . import _lossfast

_OPENMP_VERSIONS = {201511: "4.5", 201811: "5.0", 202011: "5.1", 202111: "5.2", 201307: "4.0",
                    201107: "3.1", 200805: "3.0"}


def get_num_threads():
    """Number of threads the kernels use for large inputs.

    Defaults to OpenMP's ``omp_get_max_threads()``, so ``OMP_NUM_THREADS`` and
    threadpoolctl limits apply.  Inputs smaller than a size threshold
    (``lossfast._lossfast.PARALLEL_THRESHOLD`` elements) always run on one thread.
    """
    return _lossfast.get_num_threads()


def _thread_count(n):
    """``n`` as a thread count: an integer >= 1, or None (OpenMP's default, stored as 0)."""
    if n is None:
        return 0
    if isinstance(n, (bool, float)) or not hasattr(n, "__index__"):
        raise TypeError(f"the number of threads must be an integer >= 1 or None, "
                        f"got {type(n).__name__} {n}")
    count = _operator.index(n)
    if count < 1:
        raise ValueError(f"the number of threads must be >= 1 (None returns to OpenMP's "
                         f"default), got {count}")
    if count > 2**31 - 1:
        raise ValueError(f"the number of threads must be < 2**31, got {count}")
    return count


def set_num_threads(n):
    """Use ``n`` threads (an integer >= 1) for large inputs; ``None`` returns to
    OpenMP's default.  ``0``, negative counts and non-integers are an error
    (ValueError / TypeError)."""
    _lossfast.set_num_threads(_thread_count(n))


@_contextlib.contextmanager
def num_threads(n):
    """Context manager: ``with lf.num_threads(1): ...`` runs the block with ``n``
    threads (an integer >= 1, or None for OpenMP's default), then restores the
    previous setting (an explicit count, or OpenMP's default, which keeps
    following OMP_NUM_THREADS and threadpoolctl)."""
    count = _thread_count(n)   # checked before anything changes
    before = _lossfast.num_threads_setting()
    _lossfast.set_num_threads(count)
    try:
        yield
    finally:
        _lossfast.set_num_threads(before)


def _check_simd_env():
    """Warn when LOSSFAST_SIMD holds a value the dispatcher ignores (csrc/dispatch.c
    caps the SIMD path only at an exact, known name)."""
    value = _os.environ.get("LOSSFAST_SIMD")
    if value is None or value == "" or value in _lossfast.SIMD_LEVELS:
        return
    _warnings.warn(f"LOSSFAST_SIMD={value!r} is not a SIMD level and is ignored; valid values "
                   f"are {', '.join(_lossfast.SIMD_LEVELS)} (using {_lossfast.simd_level()})",
                   RuntimeWarning, stacklevel=2)


def build_info():
    """The build configuration as a dict (what ``show_config`` prints)."""
    import platform
    omp = _lossfast.openmp_version()
    return {
        "version": __import__("lossfast").__version__,
        "compiler": _lossfast.compiler(),
        "openmp": f"{_OPENMP_VERSIONS.get(omp, str(omp))} ({omp})" if omp else "not available",
        "simd_level": _lossfast.simd_level(),
        "simd_supported": _lossfast.simd_level_supported(),
        "num_threads": get_num_threads(),
        "parallel_threshold": _lossfast.PARALLEL_THRESHOLD,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def show_config():
    """Print the build configuration: compiler, OpenMP, SIMD level in use, threads."""
    for key, value in build_info().items():
        print(f"{key:>20}: {value}")
