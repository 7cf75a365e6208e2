/* The dot product of a sparse row (values v, column indices ix, nnz entries)
 * with a dense float64 vector w: sum_p v[p] w[ix[p]], float64.
 *
 * On the AVX2 and AVX-512 builds the w[ix[p]] come by 4-wide gathers
 * (vgatherdpd / vgatherqpd) into two accumulators of 4 partial sums, the
 * rest (< 8 entries) by scalar multiply-adds; the baseline build sums four
 * scalar partial sums.  Measured on 1e5 x 2e4 rows of 50 entries (float64,
 * int32 indices, Intel Xeon with AVX-512): 2.27 ms with the 4-wide gathers,
 * 2.5 ms with 8-wide (AVX-512) gathers, 2.9 ms scalar -- so the AVX-512
 * build uses the 4-wide ones too.  The sum order is fixed per build (not
 * per thread count): results are reproducible. */
#ifndef LF_GATHER_H
#define LF_GATHER_H

#include <stdint.h>
#include "lf_common.h"

/* DOT = sum_p v[p] w[ix[p]] in float64 by four partial sums (one chain of
 * dependent adds would bound a short row), for any value and index types:
 * the baseline build's dot and the float32 rows' everywhere. */
#define LF_SPARSE_DOT4(DOT, v, ix, nnz, w)                                                \
    {                                                                                     \
        double s0_ = 0.0, s1_ = 0.0, s2_ = 0.0, s3_ = 0.0;                                \
        int64_t p_ = 0;                                                                   \
        for (; p_ + 4 <= (nnz); p_ += 4) {                                                \
            s0_ += (double)(v)[p_] * (double)(w)[(ix)[p_]];                               \
            s1_ += (double)(v)[p_ + 1] * (double)(w)[(ix)[p_ + 1]];                       \
            s2_ += (double)(v)[p_ + 2] * (double)(w)[(ix)[p_ + 2]];                       \
            s3_ += (double)(v)[p_ + 3] * (double)(w)[(ix)[p_ + 3]];                       \
        }                                                                                 \
        for (; p_ < (nnz); p_++) s0_ += (double)(v)[p_] * (double)(w)[(ix)[p_]];          \
        DOT = (s0_ + s1_) + (s2_ + s3_);                                                  \
    }

/* DOT = sum_p v[p] w[ix[p]] for float64 w and any value / index types, by
 * the types' sizes (constant-folded): float64 values by lf_sparse_dot_i32 /
 * _i64 (the gathers), others by LF_SPARSE_DOT4. */
#define LF_SPARSE_DOT(DOT, v, ix, nnz, w)                                                 \
    {                                                                                     \
        if (sizeof(*(v)) == 8 && sizeof(*(ix)) == 8)                                      \
            DOT = lf_sparse_dot_i64((const double *)(const void *)(v),                    \
                                    (const int64_t *)(const void *)(ix), nnz, w);         \
        else if (sizeof(*(v)) == 8)                                                       \
            DOT = lf_sparse_dot_i32((const double *)(const void *)(v),                    \
                                    (const int32_t *)(const void *)(ix), nnz, w);         \
        else                                                                              \
            LF_SPARSE_DOT4(DOT, v, ix, nnz, w)                                            \
    }

#if defined(__AVX2__)
#include <immintrin.h>

LF_INLINE double lf_hsum4_pd(__m256d a) {
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

/* The dot for index type I: LOADIDX(p) the 4 indices at ix + p as the
 * gather's index vector, GATHER its intrinsic. */
#define LF_SPARSE_DOT_GATHER(SFX, I, IDXVEC, LOADIDX, GATHER)                            \
    LF_INLINE double lf_sparse_dot_##SFX(const double *restrict v, const I *restrict ix,  \
                                         int64_t nnz, const double *restrict w) {         \
        __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();                       \
        int64_t p = 0;                                                                    \
        for (; p + 8 <= nnz; p += 8) {                                                    \
            const IDXVEC i0 = LOADIDX(ix + p), i1 = LOADIDX(ix + p + 4);                  \
            a0 = _mm256_fmadd_pd(_mm256_loadu_pd(v + p), GATHER(w, i0, 8), a0);           \
            a1 = _mm256_fmadd_pd(_mm256_loadu_pd(v + p + 4), GATHER(w, i1, 8), a1);       \
        }                                                                                 \
        double t = 0.0;                                                                   \
        for (; p < nnz; p++) t += v[p] * w[ix[p]];                                        \
        return lf_hsum4_pd(_mm256_add_pd(a0, a1)) + t;                                    \
    }
#define LF_LOAD_I32X4(p) _mm_loadu_si128((const __m128i *)(p))
#define LF_LOAD_I64X4(p) _mm256_loadu_si256((const __m256i *)(p))
LF_SPARSE_DOT_GATHER(i32, int32_t, __m128i, LF_LOAD_I32X4, _mm256_i32gather_pd)
LF_SPARSE_DOT_GATHER(i64, int64_t, __m256i, LF_LOAD_I64X4, _mm256_i64gather_pd)

#else

LF_INLINE double lf_sparse_dot_i32(const double *restrict v, const int32_t *restrict ix,
                                   int64_t nnz, const double *restrict w) {
    double s;
    LF_SPARSE_DOT4(s, v, ix, nnz, w)
    return s;
}

LF_INLINE double lf_sparse_dot_i64(const double *restrict v, const int64_t *restrict ix,
                                   int64_t nnz, const double *restrict w) {
    double s;
    LF_SPARSE_DOT4(s, v, ix, nnz, w)
    return s;
}

#endif
#endif
