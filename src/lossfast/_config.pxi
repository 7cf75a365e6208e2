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


def rows_probe(buffers, offsets, const int64_t[::1] order):
    """Read, for each position r of `order`, the bytes
    ``offsets[k][order[r]] : offsets[k][order[r] + 1]`` of every array
    ``buffers[k]`` (at most 8; `offsets[k]` C-contiguous int64 byte offsets,
    one more than the rows), on one thread, with the per-sample epochs' prefetch of the row
    three positions on: the time an SGD or dual coordinate descent epoch over
    those rows in that order cannot beat (a shuffled order: the machine's
    random-row read floor)."""
    cdef const unsigned char *buf[8]
    cdef const int64_t *off[8]
    cdef const unsigned char[::1] bv
    cdef const int64_t[::1] ov
    cdef int n = len(buffers), k
    cdef int64_t m = order.shape[0], rows, i
    if n > 8 or len(offsets) != n:
        raise ValueError(f"rows_probe takes at most 8 buffers, each with its offsets; "
                         f"got {n} buffers and {len(offsets)} offsets")
    keep = []
    for k in range(n):
        bv = memoryview(buffers[k]).cast("B")
        ov = offsets[k]
        keep.extend((bv, ov))
        rows = ov.shape[0] - 1
        if rows < 0 or (rows > 0 and (ov[0] < 0 or ov[rows] > bv.shape[0])):
            raise ValueError("rows_probe: offsets outside the buffer")
        for i in range(rows):
            if ov[i + 1] < ov[i]:
                raise ValueError("rows_probe: offsets must not decrease")
        for i in range(m):
            if order[i] < 0 or order[i] >= rows:
                raise ValueError("rows_probe: order holds a row outside the offsets")
        buf[k] = &bv[0] if bv.shape[0] else NULL
        off[k] = &ov[0]
    with nogil:
        k = lf_rows_probe(buf, off, n, &order[0] if m else NULL, m)
    return k
