/* Run-time choice of the SIMD code path and the thread count.  Compiled once,
 * for the baseline target. */
#include <stdlib.h>
#include <string.h>
#include "lf_common.h"
#ifdef _OPENMP
#include <omp.h>
#endif

static int lf_level = LF_SIMD_BASELINE;
static int lf_nthreads = 0; /* 0: follow omp_get_max_threads() */

int lf_simd_level_supported(void) {
#if defined(LF_HAVE_X86_TARGETS) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return LF_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return LF_SIMD_AVX2;
#endif
    return LF_SIMD_BASELINE;
}

const char *lf_simd_level_name(int level) {
    switch (level) {
        case LF_SIMD_AVX512: return "avx512";
        case LF_SIMD_AVX2: return "avx2";
        default: return "baseline";
    }
}

int lf_set_simd_level(int level) {
    if (level < LF_SIMD_BASELINE || level > lf_simd_level_supported()) return -1;
    lf_level = level;
    return 0;
}

int lf_simd_level(void) { return lf_level; }

/* LOSSFAST_SIMD=baseline|avx2|avx512 caps the level (for testing each path). */
void lf_dispatch_init(void) {
    int level = lf_simd_level_supported();
    const char *env = getenv("LOSSFAST_SIMD");
    if (env) {
        for (int l = LF_SIMD_BASELINE; l <= LF_SIMD_AVX512; l++)
            if (strcmp(env, lf_simd_level_name(l)) == 0 && l < level) level = l;
    }
    lf_level = level;
}

int lf_get_num_threads(void) {
    if (lf_nthreads > 0) return lf_nthreads;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void lf_set_num_threads(int n) { lf_nthreads = n > 0 ? n : 0; }

int lf_num_threads_setting(void) { return lf_nthreads; }

int lf_threads_for(int64_t work) {
    if (work < LF_PARALLEL_THRESHOLD) return 1;
    return lf_get_num_threads();
}

int lf_have_openmp(void) {
#ifdef _OPENMP
    return _OPENMP;
#else
    return 0;
#endif
}

const char *lf_compiler(void) {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
    return "msvc";
#else
    return "unknown";
#endif
}

/* Bandwidth probe: copy nbytes with the kernels' threads and chunking, so a
 * benchmark can express a kernel's speed as a fraction of a memory copy of
 * the same bytes measured in the same run. */
void lf_copy_probe(const void *src, void *dst, int64_t nbytes) {
    const int64_t cs = lf_chunk_size(nbytes / 8) * 8;
    const int64_t nch = (nbytes + cs - 1) / cs;
    const int nt = nch > 1 ? lf_threads_for(nbytes / 8) : 1;
    (void)nt; /* unused without OpenMP */
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t c = 0; c < nch; c++) {
        const int64_t a = c * cs, b = a + cs < nbytes ? a + cs : nbytes;
        memcpy((char *)dst + a, (const char *)src + a, (size_t)(b - a));
    }
}
