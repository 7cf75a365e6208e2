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
int lf_stream_probe(const unsigned char *const *src, const int64_t *src_bytes, int n_src,
                    unsigned char *const *dst, const int64_t *dst_bytes, int n_dst);
int lf_rows_probe(const unsigned char *const *buf, const int64_t *const *off, int n,
                  const int64_t *order, int64_t m);

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

/* ---- the chunk driver (dispatch.c): every kernel family's parallel loop ----
 *
 * A plan cuts n items (elements, rows, row blocks, optimizer chunks) into
 * chunks that depend only on the input, never on the thread count:
 *   chunk > 0: chunk c is items [c chunk, min((c + 1) chunk, n));
 *   chunk = 0: n_chunks balanced runs, chunk c is [c n / n_chunks, (c + 1) n / n_chunks).
 * lf_run_chunks calls body(ctx, c, a, b, partial, scratch) once per chunk on
 * up to n_threads OpenMP threads.  `partial` is the chunk's own zeroed row of
 * `width` float64 values (NULL when width is 0); after all chunks ran,
 * result[j] = sum over c, in chunk order, of partial_c[j].  So a reduction is
 * bit-for-bit the same for any thread count and schedule.  `scratch` is
 * per-thread memory of scratch_bytes, 64-byte aligned and zeroed when the
 * thread starts (NULL when scratch_bytes is 0).  A body returns 0, or a
 * nonzero code that lf_run_chunks returns (it then skips the chunks not yet
 * started).  lf_run_chunks returns 0, -1 if memory could not be allocated,
 * or a body's code. */
typedef struct lf_chunk_plan {
    int64_t n;        /* items */
    int64_t chunk;    /* items per chunk, or 0 for balanced runs */
    int64_t n_chunks;
    int n_threads;    /* at most n_chunks */
} lf_chunk_plan;

typedef int (*lf_chunk_body)(void *ctx, int64_t c, int64_t a, int64_t b, double *partial,
                             void *scratch);

typedef struct lf_chunk_job {
    lf_chunk_plan plan;
    int64_t width;        /* float64 partial results per chunk (0: none) */
    size_t scratch_bytes; /* per-thread scratch (0: none) */
    int dynamic;          /* 1: threads take chunks one by one (uneven chunk costs) */
    lf_chunk_body body;
    void *ctx;
} lf_chunk_job;

int lf_run_chunks(const lf_chunk_job *job, double *result);

/* The plan of the elementwise kernels, for n items of `cost` elements each:
 * chunks of ceil(lf_chunk_size(n cost) / cost) items, threads from
 * lf_threads_for(n cost) (one thread when there is a single chunk). */
static inline lf_chunk_plan lf_plan_items(int64_t n, int64_t cost) {
    lf_chunk_plan p;
    const int64_t c1 = cost > 0 ? cost : 1, work = n * c1;
    p.n = n > 0 ? n : 0;
    p.chunk = (lf_chunk_size(work) + c1 - 1) / c1;
    if (p.chunk < 1) p.chunk = 1;
    p.n_chunks = (p.n + p.chunk - 1) / p.chunk;
    p.n_threads = p.n_chunks > 1 ? lf_threads_for(work) : 1;
    if (p.n_threads > p.n_chunks) p.n_threads = p.n_chunks > 0 ? (int)p.n_chunks : 1;
    return p;
}

/* A balanced plan of n_chunks runs over n items, threads for `work` elements. */
static inline lf_chunk_plan lf_plan_runs(int64_t n, int64_t n_chunks, int64_t work) {
    lf_chunk_plan p;
    p.n = n > 0 ? n : 0;
    p.chunk = 0;
    p.n_chunks = n_chunks < 1 ? 1 : n_chunks;
    p.n_threads = lf_threads_for(work);
    if (p.n_threads > p.n_chunks) p.n_threads = (int)p.n_chunks;
    return p;
}

/* Parallel loop without reduction or scratch over a plan (activations, copies). */
static inline int lf_for_chunks(lf_chunk_plan plan, lf_chunk_body body, void *ctx) {
    lf_chunk_job job = {plan, 0, 0, 0, body, ctx};
    return lf_run_chunks(&job, NULL);
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
