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


def stream_probe(sources, destinations):
    """Read every array of `sources` and write every array of `destinations`
    once (any dtypes and sizes, C-contiguous, at most 8 of each) with the
    kernels' threads and chunking, chunk c covering the same fraction of each:
    the bytes a kernel with those inputs and outputs moves, moved the way it
    moves them (the benchmarks' copy probe of a kernel)."""
    cdef const unsigned char *src[8]
    cdef unsigned char *dst[8]
    cdef int64_t sb[8]
    cdef int64_t db[8]
    cdef const unsigned char[::1] sv
    cdef unsigned char[::1] dv
    cdef int ns = len(sources), nd = len(destinations), k
    if ns > 8 or nd > 8:
        raise ValueError(f"stream_probe takes at most 8 sources and 8 destinations, "
                         f"got {ns} and {nd}")
    keep = []
    for k in range(ns):
        sv = memoryview(sources[k]).cast("B")
        keep.append(sv)
        sb[k] = sv.shape[0]
        src[k] = &sv[0] if sb[k] else NULL
    for k in range(nd):
        dv = memoryview(destinations[k]).cast("B")
        keep.append(dv)
        db[k] = dv.shape[0]
        dst[k] = &dv[0] if db[k] else NULL
    with nogil:
        k = lf_stream_probe(src, sb, ns, dst, db, nd)
    return k
