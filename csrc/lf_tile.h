/* The 4 x 4 tile of dot products of the blocked Gram kernels
 * (linear_model.c, coordinate_descent.c): one definition, included by both. */
#ifndef LF_TILE_H
#define LF_TILE_H

#include <stdint.h>

/* 4 x 4 tile of dot products g[q * ldg + l] += sum_i a_q[i] b_l[i] over
 * m rows (m a multiple of 8, panels 64-byte aligned): 16 accumulators, 8
 * loads per 16 multiply-adds. */
static inline void lf_tile4x4(const double *restrict a0, const double *restrict a1,
                              const double *restrict a2, const double *restrict a3,
                              const double *restrict b0, const double *restrict b1,
                              const double *restrict b2, const double *restrict b3,
                              int64_t m, double *restrict g, int64_t ldg) {
    double s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    double s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
    a0 = __builtin_assume_aligned(a0, 64);
    a1 = __builtin_assume_aligned(a1, 64);
    a2 = __builtin_assume_aligned(a2, 64);
    a3 = __builtin_assume_aligned(a3, 64);
    b0 = __builtin_assume_aligned(b0, 64);
    b1 = __builtin_assume_aligned(b1, 64);
    b2 = __builtin_assume_aligned(b2, 64);
    b3 = __builtin_assume_aligned(b3, 64);
#pragma omp simd reduction(+ : s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, \
                               s30, s31, s32, s33)
    for (int64_t i = 0; i < m; i++) {
        const double x0 = a0[i], x1 = a1[i], x2 = a2[i], x3 = a3[i];
        const double y0 = b0[i], y1 = b1[i], y2 = b2[i], y3 = b3[i];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
    }
    g[0] += s00; g[1] += s01; g[2] += s02; g[3] += s03;
    g += ldg;
    g[0] += s10; g[1] += s11; g[2] += s12; g[3] += s13;
    g += ldg;
    g[0] += s20; g[1] += s21; g[2] += s22; g[3] += s23;
    g += ldg;
    g[0] += s30; g[1] += s31; g[2] += s32; g[3] += s33;
}

#endif
