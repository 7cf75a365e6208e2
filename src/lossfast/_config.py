"""Build information and thread control."""
import contextlib

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


def set_num_threads(n):
    """Use ``n`` threads for large inputs; ``None`` or ``0`` returns to OpenMP's default."""
    if n is None:
        n = 0
    n = int(n)
    if n < 0:
        raise ValueError(f"the number of threads must be >= 0, got {n}")
    _lossfast.set_num_threads(n)


@contextlib.contextmanager
def num_threads(n):
    """Context manager: ``with lf.num_threads(1): ...`` runs the block with ``n``
    threads, then restores the previous setting (an explicit count, or OpenMP's
    default, which keeps following OMP_NUM_THREADS and threadpoolctl)."""
    before = _lossfast.num_threads_setting()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(before)


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
