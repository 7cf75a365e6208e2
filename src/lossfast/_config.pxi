# Build information, SIMD level and threads.

SIMD_LEVELS = ("baseline", "avx2", "avx512")
PARALLEL_THRESHOLD = LF_PARALLEL_THRESHOLD


def simd_level():
    """The SIMD code path in use: 'baseline', 'avx2' or 'avx512'."""
    return SIMD_LEVELS[lf_simd_level()]


def simd_level_supported():
    """The best SIMD code path this CPU and this build support."""
    return SIMD_LEVELS[lf_simd_level_supported()]


def set_simd_level(str name):
    """Select the SIMD code path (for testing and benchmarking each one)."""
    if name not in SIMD_LEVELS:
        raise ValueError(f"unknown SIMD level {name!r}; expected one of {SIMD_LEVELS}")
    if lf_set_simd_level(SIMD_LEVELS.index(name)) != 0:
        raise ValueError(f"SIMD level {name!r} is not supported on this CPU "
                         f"(best: {simd_level_supported()!r})")


def get_num_threads():
    return lf_get_num_threads()


def set_num_threads(int n):
    lf_set_num_threads(n)


def num_threads_setting():
    """What set_num_threads stored: 0 means 'follow OpenMP's default'."""
    return lf_num_threads_setting()


def openmp_version():
    """The _OPENMP date macro the kernels were built with (0: built without OpenMP)."""
    return lf_have_openmp()


def compiler():
    return lf_compiler().decode()


def copy_probe(const unsigned char[::1] src, unsigned char[::1] dst):
    """Copy src into dst (same byte length) with the kernels' threads and
    chunking: the memory-bandwidth probe benchmarks compare against."""
    if src.shape[0] != dst.shape[0]:
        raise ValueError("copy_probe needs buffers of the same size")
    if src.shape[0] == 0:
        return
    with nogil:
        lf_copy_probe(&src[0], &dst[0], src.shape[0])
