/* Run-time choice of the SIMD code path and the thread count, the chunk
 * driver every kernel family runs on, and the name table of the loss
 * hyper-parameters.  Compiled once, for the baseline target. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "lossfast.h"
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

/* ---- the hyper-parameters of the losses by name (lossfast.h) ---- */
const lf_param_field lf_loss_param_fields[] = {
#define LF_PARAM_ENTRY(name) {#name, offsetof(lf_loss_params, name)},
    LF_LOSS_PARAMS(LF_PARAM_ENTRY)
#undef LF_PARAM_ENTRY
    {NULL, 0},
};

/* ---- the chunk driver (lf_common.h) ---- */

static void *lf_scratch_alloc(size_t bytes) {
    void *p = NULL;
    if (bytes == 0) return NULL;
    if (posix_memalign(&p, 64, bytes) != 0) return NULL;
    memset(p, 0, bytes);
    return p;
}

static inline void lf_chunk_bounds(const lf_chunk_plan *P, int64_t c, int64_t *a, int64_t *b) {
    if (P->chunk > 0) {
        *a = c * P->chunk;
        *b = *a + P->chunk < P->n ? *a + P->chunk : P->n;
    } else {
        *a = c * P->n / P->n_chunks;
        *b = (c + 1) * P->n / P->n_chunks;
    }
}

/* Runs chunk c unless a chunk already failed; returns the body's code. */
static int lf_chunk_range(const lf_chunk_job *J, double *part, void *scratch, int64_t c,
                          volatile int *fail) {
    int64_t a, b;
    if (*fail) return 0;
    lf_chunk_bounds(&J->plan, c, &a, &b);
    return J->body(J->ctx, c, a, b, part ? part + c * J->width : NULL, scratch);
}

/* Stack room for the partial results of the common cases (one to four values
 * per chunk of an elementwise or row-wise kernel). */
#define LF_STACK_PARTIALS (4 * (LF_MAX_CHUNKS + 1))

int lf_run_chunks(const lf_chunk_job *J, double *result) {
    const lf_chunk_plan *P = &J->plan;
    const int64_t nch = P->n_chunks, w = J->width > 0 ? J->width : 0;
    double stack_part[LF_STACK_PARTIALS];
    double *part = NULL;
    volatile int fail = 0;
    if (w > 0) {
        if (nch * w <= LF_STACK_PARTIALS) {
            part = stack_part;
            memset(part, 0, (size_t)(nch * w) * sizeof(double));
        } else {
            part = calloc((size_t)(nch * w), sizeof(double));
            if (!part) return -1;
        }
    }
    int nt = P->n_threads < 1 ? 1 : P->n_threads;
    if (nt > nch) nt = nch > 0 ? (int)nch : 1;
    if (nt == 1) {
        void *scratch = lf_scratch_alloc(J->scratch_bytes);
        if (J->scratch_bytes && !scratch) fail = -1;
        for (int64_t c = 0; c < nch && !fail; c++) {
            const int rc = lf_chunk_range(J, part, scratch, c, &fail);
            if (rc) fail = rc;
        }
        free(scratch);
    } else {
#pragma omp parallel num_threads(nt)
        {
            void *scratch = lf_scratch_alloc(J->scratch_bytes);
            if (J->scratch_bytes && !scratch) {
#pragma omp atomic write
                fail = -1;
            }
            if (J->dynamic) {
#pragma omp for schedule(dynamic, 1)
                for (int64_t c = 0; c < nch; c++) {
                    const int rc = lf_chunk_range(J, part, scratch, c, &fail);
                    if (rc) {
#pragma omp atomic write
                        fail = rc;
                    }
                }
            } else {
#pragma omp for schedule(static)
                for (int64_t c = 0; c < nch; c++) {
                    const int rc = lf_chunk_range(J, part, scratch, c, &fail);
                    if (rc) {
#pragma omp atomic write
                        fail = rc;
                    }
                }
            }
            free(scratch);
        }
    }
    if (!fail && w > 0 && result) {
        /* the fixed-order combine */
        for (int64_t j = 0; j < w; j++) {
            double s = 0.0;
            for (int64_t c = 0; c < nch; c++) s += part[c * w + j];
            result[j] = s;
        }
    }
    if (part && part != stack_part) free(part);
    return fail;
}

/* Bandwidth probe: copy nbytes with the kernels' threads and chunking, so a
 * benchmark can express a kernel's speed as a fraction of a memory copy of
 * the same bytes measured in the same run.  Items are 8-byte words. */
typedef struct lf_copy_ctx {
    const char *src;
    char *dst;
    int64_t nbytes;
} lf_copy_ctx;

static int lf_copy_chunk(void *ctx, int64_t c, int64_t a, int64_t b, double *partial,
                         void *scratch) {
    const lf_copy_ctx *C = (const lf_copy_ctx *)ctx;
    (void)c; (void)partial; (void)scratch;
    const int64_t lo = a * 8, hi = b * 8 < C->nbytes ? b * 8 : C->nbytes;
    if (hi > lo) memcpy(C->dst + lo, C->src + lo, (size_t)(hi - lo));
    return 0;
}

void lf_copy_probe(const void *src, void *dst, int64_t nbytes) {
    lf_copy_ctx ctx = {(const char *)src, (char *)dst, nbytes};
    if (nbytes <= 0) return;
    lf_for_chunks(lf_plan_items((nbytes + 7) / 8, 1), lf_copy_chunk, &ctx);
}

/* The streaming probe of a kernel's bytes (probe.c, compiled per SIMD target,
 * so it moves the bytes with the vectors of the level in use). */
int lf_stream_probe(const unsigned char *const *src, const int64_t *src_bytes, int n_src,
                    unsigned char *const *dst, const int64_t *dst_bytes, int n_dst) {
    return lf_probe()->stream(src, src_bytes, n_src, dst, dst_bytes, n_dst);
}

/* The row-order probe of the per-sample epochs (probe.c). */
int lf_rows_probe(const unsigned char *const *buf, const int64_t *const *off, int n,
                  const int64_t *order, int64_t m) {
    return lf_probe()->rows(buf, off, n, order, m);
}
