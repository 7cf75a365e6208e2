/* Common definitions for every lossfast kernel file.
 *
 * Kernel files (every csrc .c file but dispatch.c) are compiled once per SIMD target
 * (baseline x86-64 / AVX2+FMA / AVX-512) with LF_TARGET_<name> defined; every
 * exported symbol goes through LF_TARGET(name) so the three copies can live in
 * one library.  Each family exports one table of function pointers per target
 * and one selector (LF_DEFINE_SELECTOR) that returns the table for the SIMD
 * level chosen at import time (dispatch.c).
 */
#ifndef LF_COMMON_H
#define LF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(LF_TARGET_AVX512)
#define LF_SUFFIX _avx512
#elif defined(LF_TARGET_AVX2)
#define LF_SUFFIX _avx2
#else
#define LF_TARGET_BASELINE 1
#define LF_SUFFIX _baseline
#endif
#define LF_CAT_(a, b) a##b
#define LF_CAT(a, b) LF_CAT_(a, b)
#define LF_TARGET(name) LF_CAT(name, LF_SUFFIX)

#define LF_INLINE static inline __attribute__((always_inline))
#define LF_PRAGMA(x) _Pragma(#x)

enum { LF_SIMD_BASELINE = 0, LF_SIMD_AVX2 = 1, LF_SIMD_AVX512 = 2 };

/* ---- dispatch.c: SIMD level and threads (compiled once) ---- */
int lf_simd_level(void);                 /* level in use */
int lf_simd_level_supported(void);       /* best level this CPU + build supports */
int lf_set_simd_level(int level);        /* returns 0 on success, -1 if unsupported */
const char *lf_simd_level_name(int level);
void lf_dispatch_init(void);
int lf_get_num_threads(void);            /* threads a large kernel will use */
void lf_set_num_threads(int n);          /* n <= 0: back to OpenMP's default */
int lf_num_threads_setting(void);        /* what set_num_threads stored (0: default) */
int lf_threads_for(int64_t work);        /* threads for `work` elements (1 below threshold) */
int lf_have_openmp(void);
const char *lf_compiler(void);
void lf_copy_probe(const void *src, void *dst, int64_t nbytes);

/* Work below this many elements runs on one thread: a thread team costs
 * more than it saves for small inputs. */
#define LF_PARALLEL_THRESHOLD 65536

/* Deterministic blocking: the range [0, n) is cut into at most LF_MAX_CHUNKS
 * chunks whose size depends only on n.  Each chunk is reduced in float64 and
 * the chunk results are added in chunk order, so a reduction is bit-for-bit
 * the same for any number of threads. */
#define LF_MAX_CHUNKS 1024
#define LF_MIN_CHUNK 4096
static inline int64_t lf_chunk_size(int64_t n) {
    int64_t c = (n + LF_MAX_CHUNKS - 1) / LF_MAX_CHUNKS;
    if (c < LF_MIN_CHUNK) c = LF_MIN_CHUNK;
    return (c + 63) & ~(int64_t)63;
}

/* The table selector for a family: `const type *table(void)` returns the
 * array `table_<level>` for the level in use.  A family defines its table as
 * an array `const type LF_TARGET(table)[]` and puts LF_DEFINE_SELECTOR(type,
 * table) after it; the selector is emitted in the baseline compile only. */
#if defined(LF_TARGET_BASELINE)
#if defined(LF_HAVE_X86_TARGETS)
#define LF_DEFINE_SELECTOR(type, table)                                   \
    extern const type table##_avx2[], table##_avx512[];                       \
    const type *table(void) {                                             \
        switch (lf_simd_level()) {                                        \
            case LF_SIMD_AVX512: return table##_avx512;                  \
            case LF_SIMD_AVX2: return table##_avx2;                      \
            default: return table##_baseline;                            \
        }                                                                 \
    }
#else
#define LF_DEFINE_SELECTOR(type, table) \
    const type *table(void) { return table##_baseline; }
#endif
#else
#define LF_DEFINE_SELECTOR(type, table)
#endif

#endif
