/* Register transposes for the cross-row blocks of lf_rowblock_t.h, on the
 * AVX2 and AVX-512 targets (both have AVX2; 256-bit tiles serve both).
 *
 * A block holds nr rows of C contiguous values (row r at src + r C) and its
 * transpose x[j XR + r] (XR = LF_RW_XR).  Written as plain C loops, the
 * row -> column direction needs a strided load per element (a gather, or
 * scalar loads: GCC vectorises interleaved groups only for power-of-two and
 * 3-element groups, not C = 10), which cost about a third of softmax
 * cross-entropy on 1e6 x 10.  Here tiles of 8 rows x 8 columns (float) or
 * 4 x 4 (double) go through registers: masked loads of the rows' columns
 * [jt, jt + 8), an in-register transpose, and stores of whole column vectors
 * (the other direction: loads of column vectors, the transpose, masked stores
 * of the rows' columns).  Masked lanes are neither read nor written, so no
 * byte outside the block is touched.  Rows beyond the last whole tile are
 * left to the caller's scalar loop (the functions return how many rows they
 * did). */
#ifndef LF_XPOSE_H
#define LF_XPOSE_H

#include <stdint.h>
#include "lf_common.h"

#if defined(__AVX2__)
#include <immintrin.h>
#define LF_HAVE_XPOSE 1

LF_INLINE void lf_tr8x8_ps(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

LF_INLINE void lf_tr4x4_pd(__m256d r[4]) {
    const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/* The rows [0, result) of whole tiles of L rows (result a multiple of L, at
 * most nl) whose accesses of L values at r C + jt all stay inside [0, end):
 * every tile but the last (or last two) of a block; those skip the per-row
 * test for a masked access. */
LF_INLINE int64_t lf_xpose_safe_rows(int64_t end, int64_t jt, int64_t C, int64_t L,
                                     int64_t nl) {
    const int64_t q = end - jt - L; /* row r is safe iff r C <= q */
    if (q < 0 || q / C < L - 1) return 0;
    const int64_t n = ((q / C - (L - 1)) / L + 1) * L;
    return n < nl ? n : nl;
}

/* One 8 x 8 tile of lf_xpose_load_f32: rows p + k C, the w columns to xt + c XR;
 * when masked, the rows whose 8 lanes would pass lim (from p) are masked loads. */
LF_INLINE void lf_xpose_load_tile_f32(const float *restrict p, int64_t C, const int w,
                                      const int masked, const __m256i mask,
                                      float *restrict xt, int64_t XR, int64_t lim) {
    __m256 v[8];
    for (int k = 0; k < 8; k++)
        v[k] = masked && k * C + 8 > lim ? _mm256_maskload_ps(p + k * C, mask)
                                         : _mm256_loadu_ps(p + k * C);
    lf_tr8x8_ps(v);
    for (int c = 0; c < w; c++) _mm256_storeu_ps(xt + c * XR, v[c]);
}

/* x[j XR + r] = src[r C + j] for the rows [0, 8 floor(nr / 8)); returns that count.
 * A row's columns [jt, jt + 8) come in as one plain load (lanes past the
 * row's end read the next row's values and are not stored); a load that
 * would pass the end of the block is masked (only in the last tiles). */
LF_INLINE int64_t lf_xpose_load_f32(const float *restrict src, int64_t nr, int64_t C,
                                    float *restrict x, int64_t XR) {
    const int64_t n8 = nr & ~(int64_t)7, end = nr * C;
    for (int64_t jt = 0; jt < C; jt += 8) {
        const int w = C - jt < 8 ? (int)(C - jt) : 8;
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(w),
                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const int64_t nsafe = lf_xpose_safe_rows(end, jt, C, 8, n8);
        int64_t r0 = 0;
        if (w == 8) {
            for (; r0 < nsafe; r0 += 8)
                lf_xpose_load_tile_f32(src + r0 * C + jt, C, 8, 0, mask, x + jt * XR + r0, XR, 0);
        } else {
            for (; r0 < nsafe; r0 += 8)
                lf_xpose_load_tile_f32(src + r0 * C + jt, C, w, 0, mask, x + jt * XR + r0, XR, 0);
        }
        for (; r0 < n8; r0 += 8)
            lf_xpose_load_tile_f32(src + r0 * C + jt, C, w, 1, mask, x + jt * XR + r0, XR,
                                   end - r0 * C - jt);
    }
    return n8;
}

/* One 8 x 8 tile of lf_xpose_store_f32: the w column vectors at xt + c XR
 * (the others zero) to the rows d + k C; when masked, the rows whose 8 lanes
 * would pass lim (from d) are masked stores. */
LF_INLINE void lf_xpose_store_tile_f32(const float *restrict xt, int64_t C, const int w,
                                       const int masked, const __m256i mask,
                                       float *restrict d, int64_t XR, int64_t lim) {
    __m256 v[8];
    for (int c = 0; c < 8; c++) v[c] = c < w ? _mm256_loadu_ps(xt + c * XR) : _mm256_setzero_ps();
    lf_tr8x8_ps(v);
    for (int k = 0; k < 8; k++) {
        if (masked && k * C + 8 > lim)
            _mm256_maskstore_ps(d + k * C, mask, v[k]);
        else
            _mm256_storeu_ps(d + k * C, v[k]);
    }
}

/* dst[r C + j] = x[j XR + r] for the rows [0, 8 floor(nr / 8)); returns that count.
 * Each row's columns [jt, jt + 8) go out as one plain store, the lanes past
 * the row's end (a partial last tile: C - jt < 8) landing on the next row's
 * first columns; the tiles run last to first and the rows in order, so every
 * such lane is written again with its value later (by this loop or by the
 * caller's loop over the rows left over).  Only a store that would pass the
 * end of the block (its last rows) is masked; the tiles of rows before those
 * run without the per-row test.  (A masked store is microcoded on AMD Zen:
 * ~12x the cost of a plain one, which made the transposes the bulk of the
 * softmax block kernels there.) */
LF_INLINE int64_t lf_xpose_store_f32(const float *restrict x, int64_t nr, int64_t C,
                                     float *restrict dst, int64_t XR) {
    const int64_t n8 = nr & ~(int64_t)7, end = nr * C;
    const int64_t last = ((C - 1) / 8) * 8;
    const int wl = (int)(C - last);
    const __m256i maskl = _mm256_cmpgt_epi32(_mm256_set1_epi32(wl),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i ones = _mm256_set1_epi32(-1);
    /* the last column tile's stores reach furthest */
    const int64_t nsafe = lf_xpose_safe_rows(end, last, C, 8, n8);
    int64_t r0 = 0;
    for (; r0 < nsafe; r0 += 8) {
        lf_xpose_store_tile_f32(x + last * XR + r0, C, wl, 0, maskl, dst + r0 * C + last, XR, 0);
        for (int64_t jt = last - 8; jt >= 0; jt -= 8)
            lf_xpose_store_tile_f32(x + jt * XR + r0, C, 8, 0, ones, dst + r0 * C + jt, XR, 0);
    }
    for (; r0 < n8; r0 += 8) {
        lf_xpose_store_tile_f32(x + last * XR + r0, C, wl, 1, maskl, dst + r0 * C + last, XR,
                                end - r0 * C - last);
        for (int64_t jt = last - 8; jt >= 0; jt -= 8)
            lf_xpose_store_tile_f32(x + jt * XR + r0, C, 8, 1, ones, dst + r0 * C + jt, XR,
                                    end - r0 * C - jt);
    }
    return n8;
}

/* One 4 x 4 tile of lf_xpose_load_f64 (as lf_xpose_load_tile_f32). */
LF_INLINE void lf_xpose_load_tile_f64(const double *restrict p, int64_t C, const int w,
                                      const int masked, const __m256i mask,
                                      double *restrict xt, int64_t XR, int64_t lim) {
    __m256d v[4];
    for (int k = 0; k < 4; k++)
        v[k] = masked && k * C + 4 > lim ? _mm256_maskload_pd(p + k * C, mask)
                                         : _mm256_loadu_pd(p + k * C);
    lf_tr4x4_pd(v);
    for (int c = 0; c < w; c++) _mm256_storeu_pd(xt + c * XR, v[c]);
}

/* As lf_xpose_load_f32, with 4 x 4 tiles. */
LF_INLINE int64_t lf_xpose_load_f64(const double *restrict src, int64_t nr, int64_t C,
                                    double *restrict x, int64_t XR) {
    const int64_t n4 = nr & ~(int64_t)3, end = nr * C;
    for (int64_t jt = 0; jt < C; jt += 4) {
        const int w = C - jt < 4 ? (int)(C - jt) : 4;
        const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(w),
                                                _mm256_setr_epi64x(0, 1, 2, 3));
        const int64_t nsafe = lf_xpose_safe_rows(end, jt, C, 4, n4);
        int64_t r0 = 0;
        if (w == 4) {
            for (; r0 < nsafe; r0 += 4)
                lf_xpose_load_tile_f64(src + r0 * C + jt, C, 4, 0, mask, x + jt * XR + r0, XR, 0);
        } else {
            for (; r0 < nsafe; r0 += 4)
                lf_xpose_load_tile_f64(src + r0 * C + jt, C, w, 0, mask, x + jt * XR + r0, XR, 0);
        }
        for (; r0 < n4; r0 += 4)
            lf_xpose_load_tile_f64(src + r0 * C + jt, C, w, 1, mask, x + jt * XR + r0, XR,
                                   end - r0 * C - jt);
    }
    return n4;
}

/* One 4 x 4 tile of lf_xpose_store_f64 (as lf_xpose_store_tile_f32). */
LF_INLINE void lf_xpose_store_tile_f64(const double *restrict xt, int64_t C, const int w,
                                       const int masked, const __m256i mask,
                                       double *restrict d, int64_t XR, int64_t lim) {
    __m256d v[4];
    for (int c = 0; c < 4; c++) v[c] = c < w ? _mm256_loadu_pd(xt + c * XR) : _mm256_setzero_pd();
    lf_tr4x4_pd(v);
    for (int k = 0; k < 4; k++) {
        if (masked && k * C + 4 > lim)
            _mm256_maskstore_pd(d + k * C, mask, v[k]);
        else
            _mm256_storeu_pd(d + k * C, v[k]);
    }
}

/* As lf_xpose_store_f32, with 4 x 4 tiles. */
LF_INLINE int64_t lf_xpose_store_f64(const double *restrict x, int64_t nr, int64_t C,
                                     double *restrict dst, int64_t XR) {
    const int64_t n4 = nr & ~(int64_t)3, end = nr * C;
    const int64_t last = ((C - 1) / 4) * 4;
    const int wl = (int)(C - last);
    const __m256i maskl = _mm256_cmpgt_epi64(_mm256_set1_epi64x(wl),
                                             _mm256_setr_epi64x(0, 1, 2, 3));
    const __m256i ones = _mm256_set1_epi64x(-1);
    const int64_t nsafe = lf_xpose_safe_rows(end, last, C, 4, n4);
    int64_t r0 = 0;
    for (; r0 < nsafe; r0 += 4) {
        lf_xpose_store_tile_f64(x + last * XR + r0, C, wl, 0, maskl, dst + r0 * C + last, XR, 0);
        for (int64_t jt = last - 4; jt >= 0; jt -= 4)
            lf_xpose_store_tile_f64(x + jt * XR + r0, C, 4, 0, ones, dst + r0 * C + jt, XR, 0);
    }
    for (; r0 < n4; r0 += 4) {
        lf_xpose_store_tile_f64(x + last * XR + r0, C, wl, 1, maskl, dst + r0 * C + last, XR,
                                end - r0 * C - last);
        for (int64_t jt = last - 4; jt >= 0; jt -= 4)
            lf_xpose_store_tile_f64(x + jt * XR + r0, C, 4, 1, ones, dst + r0 * C + jt, XR,
                                    end - r0 * C - jt);
    }
    return n4;
}
#endif /* __AVX2__ */

#endif
