/* Fused kernels for linear models: objective + gradient in one pass over X,
 * the weighted Gram / Hessian X^T D X, and a NaN/inf count (linear_model.h).
 *
 * The losses are not defined here: the loss kernel calls the loss engine's
 * lf_loss_fn / lf_loss_fn on each block's decision values, so every loss has one
 * definition (csrc/losses_*.c).  The block-level loops are written once per
 * float type (LM_BLOCK_LOOPS) as straight loops over restrict pointers that
 * the compiler vectorises; chunking, threads and the deterministic combine
 * are the chunk driver's (lf_run_chunks), over balanced runs of row blocks.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "linear_model.h"
#include "lf_tile.h"

#define LM_ABS(x) ((x) < 0 ? -(x) : (x))
#define LM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LM_MAX(a, b) ((a) > (b) ? (a) : (b))

/* ------------------------------------------------------------------ blocks */

/* The forward loops prefetch the rows LM_PF_ROWS ahead of the 4 they read
 * (the 16 accumulators of many outputs keep the core busy enough that the
 * hardware prefetcher alone falls behind). */
#ifndef LM_PF_ROWS
#define LM_PF_ROWS 16
#endif
#define LM_PREFETCH_AHEAD(p, nbytes)                                                        \
    {                                                                                       \
        const char *pf_ = (const char *)(p);                                                \
        for (int64_t o_ = 0; o_ < (nbytes); o_ += 64) __builtin_prefetch(pf_ + o_);         \
    }

/* x0..x3: rows i..i+3 of the row-major X with d columns. */
#define LM_FOUR_ROWS(T, X, i, d)                                                            \
    const T *restrict x0 = (X) + (i) * (d), *restrict x1 = x0 + (d);                        \
    const T *restrict x2 = x1 + (d), *restrict x3 = x2 + (d);

/* Outputs per register block of the row-dot loops: 4 rows x LM_KB outputs
 * of accumulators (one load of each row of X per LM_KB outputs, one load of
 * each W row per 4 rows); AVX-512's 32 registers hold 4 x 4, 16 registers
 * 4 x 2. */
#if defined(LF_TARGET_AVX512)
#define LM_KB 4
#else
#define LM_KB 2
#endif

/* s_rq += x_r[j] w_q[j] for the 4 rows r and the outputs q < LM_KB of a block
 * of outputs (straight multiply-adds the compiler vectorises over j) */
#define LM_DOTS2(x0, x1, x2, x3, v0, v1)                                                   \
    s00 += x0 * v0; s10 += x1 * v0; s20 += x2 * v0; s30 += x3 * v0;                        \
    s01 += x0 * v1; s11 += x1 * v1; s21 += x2 * v1; s31 += x3 * v1;

#define LM_BLOCK_LOOPS(T, SFX)                                                              \
    /* Z[i, c] = sum_j X[i, j] W[c, j] + b[c] for the m rows of a block (float64),      \
     * four rows and LM_KB outputs at a time (one load of W for four rows, one load     \
     * of X for LM_KB outputs). */                                                      \
    static void lm_forward_##SFX(const T *restrict X, int64_t m, int64_t d, int64_t k,      \
                                 const double *restrict W, const double *restrict b,        \
                                 double *restrict Z) {                                      \
        int64_t i = 0;                                                                      \
        for (; i + 4 <= m; i += 4) {                                                        \
            LM_FOUR_ROWS(T, X, i, d)                                                        \
            LM_PREFETCH_AHEAD(X + (i + LM_PF_ROWS) * d, 4 * d * (int64_t)sizeof(T))         \
            int64_t c = 0;                                                                  \
            for (; LM_KB >= 4 && c + 4 <= k; c += 4) {                                      \
                const double *restrict w0 = W + c * d, *restrict w1 = w0 + d;               \
                const double *restrict w2 = w1 + d, *restrict w3 = w2 + d;                  \
                double s00 = 0.0, s10 = 0.0, s20 = 0.0, s30 = 0.0;                          \
                double s01 = 0.0, s11 = 0.0, s21 = 0.0, s31 = 0.0;                          \
                double s02 = 0.0, s12 = 0.0, s22 = 0.0, s32 = 0.0;                          \
                double s03 = 0.0, s13 = 0.0, s23 = 0.0, s33 = 0.0;                          \
                LF_PRAGMA(omp simd reduction(+ : s00, s10, s20, s30, s01, s11, s21, s31,    \
                                                 s02, s12, s22, s32, s03, s13, s23, s33))   \
                for (int64_t j = 0; j < d; j++) {                                           \
                    const double a0 = (double)x0[j], a1 = (double)x1[j];                    \
                    const double a2 = (double)x2[j], a3 = (double)x3[j];                    \
                    const double v0 = w0[j], v1 = w1[j], v2 = w2[j], v3 = w3[j];            \
                    LM_DOTS2(a0, a1, a2, a3, v0, v1)                                        \
                    s02 += a0 * v2; s12 += a1 * v2; s22 += a2 * v2; s32 += a3 * v2;         \
                    s03 += a0 * v3; s13 += a1 * v3; s23 += a2 * v3; s33 += a3 * v3;         \
                }                                                                           \
                const double sv[4][4] = {{s00, s01, s02, s03}, {s10, s11, s12, s13},        \
                                         {s20, s21, s22, s23}, {s30, s31, s32, s33}};       \
                for (int r = 0; r < 4; r++)                                                 \
                    for (int q = 0; q < 4; q++)                                             \
                        Z[(i + r) * k + c + q] = sv[r][q] + (b ? b[c + q] : 0.0);           \
            }                                                                               \
            for (; c + 2 <= k; c += 2) {                                                    \
                const double *restrict w0 = W + c * d, *restrict w1 = w0 + d;               \
                double s00 = 0.0, s10 = 0.0, s20 = 0.0, s30 = 0.0;                          \
                double s01 = 0.0, s11 = 0.0, s21 = 0.0, s31 = 0.0;                          \
                LF_PRAGMA(omp simd reduction(+ : s00, s10, s20, s30, s01, s11, s21, s31))   \
                for (int64_t j = 0; j < d; j++) {                                           \
                    const double a0 = (double)x0[j], a1 = (double)x1[j];                    \
                    const double a2 = (double)x2[j], a3 = (double)x3[j];                    \
                    const double v0 = w0[j], v1 = w1[j];                                    \
                    LM_DOTS2(a0, a1, a2, a3, v0, v1)                                        \
                }                                                                           \
                const double sv[4][2] = {{s00, s01}, {s10, s11}, {s20, s21}, {s30, s31}};   \
                for (int r = 0; r < 4; r++)                                                 \
                    for (int q = 0; q < 2; q++)                                             \
                        Z[(i + r) * k + c + q] = sv[r][q] + (b ? b[c + q] : 0.0);           \
            }                                                                               \
            for (; c < k; c++) {                                                            \
                const double *restrict w = W + c * d;                                       \
                double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;                              \
                LF_PRAGMA(omp simd reduction(+ : s0, s1, s2, s3))                           \
                for (int64_t j = 0; j < d; j++) {                                           \
                    const double wj = w[j];                                                 \
                    s0 += (double)x0[j] * wj;                                               \
                    s1 += (double)x1[j] * wj;                                               \
                    s2 += (double)x2[j] * wj;                                               \
                    s3 += (double)x3[j] * wj;                                               \
                }                                                                           \
                const double bc = b ? b[c] : 0.0;                                           \
                Z[i * k + c] = (s0 + bc);                                                  \
                Z[(i + 1) * k + c] = (s1 + bc);                                            \
                Z[(i + 2) * k + c] = (s2 + bc);                                            \
                Z[(i + 3) * k + c] = (s3 + bc);                                            \
            }                                                                               \
        }                                                                                   \
        for (; i < m; i++) {                                                                \
            const T *restrict x0 = X + i * d;                                               \
            for (int64_t c = 0; c < k; c++) {                                               \
                const double *restrict w = W + c * d;                                       \
                double s0 = 0.0;                                                            \
                LF_PRAGMA(omp simd reduction(+ : s0))                                       \
                for (int64_t j = 0; j < d; j++) s0 += (double)x0[j] * w[j];                 \
                Z[i * k + c] = s0 + (b ? b[c] : 0.0);                                       \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* G[c, :] += sum_i R[i, c] X[i, :] and gb[c] += sum_i R[i, c], in float64. */          \
    static void lm_backward_##SFX(const T *restrict X, int64_t m, int64_t d, int64_t k,     \
                                  const double *restrict R, double *restrict G,             \
                                  double *restrict gb) {                                    \
        int64_t i = 0;                                                                      \
        for (; i + 4 <= m; i += 4) {                                                        \
            LM_FOUR_ROWS(T, X, i, d)                                                        \
            int64_t c = 0;                                                                  \
            /* LM_KB outputs per load of the 4 rows (each output's sums as below) */       \
            for (; c + LM_KB <= k; c += LM_KB) {                                            \
                double rq[LM_KB][4];                                                        \
                double *restrict gq[LM_KB];                                                 \
                for (int q = 0; q < LM_KB; q++) {                                           \
                    for (int r = 0; r < 4; r++) rq[q][r] = R[(i + r) * k + c + q];          \
                    gb[c + q] += (rq[q][0] + rq[q][1]) + (rq[q][2] + rq[q][3]);             \
                    gq[q] = G + (c + q) * d;                                                \
                }                                                                           \
                LF_PRAGMA(omp simd)                                                         \
                for (int64_t j = 0; j < d; j++) {                                           \
                    const double a0 = (double)x0[j], a1 = (double)x1[j];                    \
                    const double a2 = (double)x2[j], a3 = (double)x3[j];                    \
                    for (int q = 0; q < LM_KB; q++)                                         \
                        gq[q][j] += (rq[q][0] * a0 + rq[q][1] * a1) +                       \
                                    (rq[q][2] * a2 + rq[q][3] * a3);                        \
                }                                                                           \
            }                                                                               \
            for (; c < k; c++) {                                                            \
                const double r0 = R[i * k + c], r1 = R[(i + 1) * k + c];                    \
                const double r2 = R[(i + 2) * k + c], r3 = R[(i + 3) * k + c];              \
                gb[c] += (r0 + r1) + (r2 + r3);                                             \
                double *restrict g = G + c * d;                                             \
                LF_PRAGMA(omp simd)                                                         \
                for (int64_t j = 0; j < d; j++)                                             \
                    g[j] += (r0 * (double)x0[j] + r1 * (double)x1[j]) +                     \
                            (r2 * (double)x2[j] + r3 * (double)x3[j]);                      \
            }                                                                               \
        }                                                                                   \
        for (; i < m; i++) {                                                                \
            const T *restrict x0 = X + i * d;                                               \
            for (int64_t c = 0; c < k; c++) {                                               \
                const double r0 = R[i * k + c];                                             \
                gb[c] += r0;                                                                \
                double *restrict g = G + c * d;                                             \
                LF_PRAGMA(omp simd)                                                         \
                for (int64_t j = 0; j < d; j++) g[j] += r0 * (double)x0[j];                 \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* Columns of [X - s_X, Y - s_Y, 1] of m rows into the transposed float64 panel         \
     * P (row j of P = column j, stride ldp); rows m..mp are zero.  Rows of X are read     \
     * contiguously (the loads stream from memory), the panel is written strided (it      \
     * stays in cache). */                                                                  \
    static void lm_pack_##SFX(const T *restrict X, int64_t m, int64_t mp, int64_t d,        \
                              const T *restrict Y, int64_t ky, const double *restrict s,    \
                              int ones, double *restrict P, int64_t ldp) {                  \
        for (int64_t i = 0; i < m; i++) {                                                   \
            const T *restrict x = X + i * d;                                                \
            if (s) {                                                                        \
                for (int64_t j = 0; j < d; j++) P[j * ldp + i] = (double)x[j] - s[j];       \
            } else {                                                                        \
                for (int64_t j = 0; j < d; j++) P[j * ldp + i] = (double)x[j];              \
            }                                                                               \
            for (int64_t c = 0; c < ky; c++)                                                \
                P[(d + c) * ldp + i] = (double)Y[i * ky + c] - (s ? s[d + c] : 0.0);        \
        }                                                                                   \
        if (ones) {                                                                         \
            double *restrict p = P + (d + ky) * ldp;                                        \
            for (int64_t i = 0; i < m; i++) p[i] = 1.0;                                     \
        }                                                                                   \
        const int64_t D = d + ky + (ones ? 1 : 0);                                          \
        for (int64_t j = 0; j < D; j++)                                                     \
            for (int64_t i = m; i < mp; i++) P[j * ldp + i] = 0.0;                          \
    }                                                                                       \
                                                                                            \
    /* w[i] = weight[i * M + col] for the m rows of a block; 0 for rows m..mp. */           \
    static void lm_weights_##SFX(const T *restrict W, int64_t M, int64_t col, int64_t m,    \
                                 int64_t mp, double *restrict w) {                          \
        for (int64_t i = 0; i < m; i++) w[i] = (double)W[i * M + col];                      \
        for (int64_t i = m; i < mp; i++) w[i] = 0.0;                                        \
    }                                                                                       \
                                                                                            \
    static int64_t lm_nonfinite_span_##SFX(const T *restrict x, int64_t n) {                \
        int64_t cnt = 0;                                                                    \
        const T big = sizeof(T) == 4 ? (T)FLT_MAX : (T)DBL_MAX;                             \
        LF_PRAGMA(omp simd reduction(+ : cnt))                                              \
        for (int64_t i = 0; i < n; i++) cnt += !(LM_ABS(x[i]) <= big);                   \
        return cnt;                                                                         \
    }

/* the float64 decision values of a block as float32 (z_out of float32 data) */

static void lm_from_f64_f32(const double *restrict in, int64_t n, float *restrict out) {
    for (int64_t i = 0; i < n; i++) out[i] = (float)in[i];
}

LM_BLOCK_LOOPS(float, f32)
LM_BLOCK_LOOPS(double, f64)

/* ------------------------------------------------- output-lane kernels */

/* Many outputs of small d (e.g. a batched softmax: 5 classes x 5 folds of
 * d = 50): the row-dot loops above reduce each (4-row group, output) across
 * the SIMD lanes and run a lane tail of d; these kernels put the OUTPUTS
 * along the lanes instead.  W^T (d x kp, kp = k rounded up to LM_VL, zero
 * padding) is built once per call; a register block of 4 rows x LM_NV
 * vectors of outputs accumulates Z = X W^T (one broadcast of X[i, j] per row
 * and j, one load of a row of W^T per j and 4 rows; 8 rows when the outputs
 * fill one vector); the gradient is accumulated transposed, G^T (d x kp) +=
 * X^T R, by register blocks of 4 columns (8 for one vector) x LM_NV vectors
 * of outputs over a panel of rows, and is
 * transposed into the chunk's partial once per chunk.  Every sum runs over
 * j (forward) or the chunk's rows (backward) in order, in float64.  The
 * choice between the two layouts is lm_use_lanes'. */
#if defined(LF_TARGET_AVX512)
#define LM_VL 8
#define LM_NV 4 /* 4 x 4 accumulators of AVX-512's 32 registers */
#elif defined(LF_TARGET_AVX2)
#define LM_VL 4
#define LM_NV 3 /* 4 x 3 of AVX2's 16 */
#else
#define LM_VL 2
#define LM_NV 3
#endif
typedef double lm_vec __attribute__((vector_size(LM_VL * 8), aligned(LM_VL * 8)));
/* the same register at any double's address (rows of Z and R, k apart) */
typedef double lm_uvec __attribute__((vector_size(LM_VL * 8), aligned(8), may_alias));
#define LM_LANE_PANEL 64 /* rows of a backward panel: X and R of it stay in L1 */

static int64_t lm_lanes_kp(int64_t k) { return (k + LM_VL - 1) / LM_VL * LM_VL; }

/* Z[r, c0 + c] (r < MR, c < NV * LM_VL and c0 + c < k) = sum_j X[r, j] WT[j, c0 + c]
 * + bp[c0 + c]; MR and NV are constants after inlining. */
#define LM_LANE_LOOPS(T, SFX)                                                               \
    LF_INLINE void lm_fwd_tile_##SFX(const T *restrict X, int64_t d, const int MR,          \
                                     const int NV, const double *restrict WT, int64_t kp,   \
                                     const double *restrict bp, int64_t k, int64_t c0,      \
                                     double *restrict Z) {                                  \
        lm_vec acc[8][LM_NV];                                                               \
        for (int r = 0; r < MR; r++)                                                        \
            for (int v = 0; v < NV; v++) acc[r][v] = (lm_vec){0};                           \
        for (int64_t j = 0; j < d; j++) {                                                   \
            const lm_vec *w = (const lm_vec *)(WT + j * kp + c0);                           \
            lm_vec wv[LM_NV];                                                               \
            for (int v = 0; v < NV; v++) wv[v] = w[v];                                      \
            for (int r = 0; r < MR; r++) {                                                  \
                const double p = (double)X[r * d + j];                                      \
                for (int v = 0; v < NV; v++) acc[r][v] += p * wv[v];                        \
            }                                                                               \
        }                                                                                   \
        /* whole vectors of outputs stored as vectors (Z's rows are k apart: unaligned), \
         * the last one's outputs below k one by one */                                    \
        for (int r = 0; r < MR; r++) {                                                      \
            for (int v = 0; v < NV; v++) {                                                  \
                const int64_t cv = c0 + v * LM_VL;                                          \
                const lm_vec o = acc[r][v] + *(const lm_vec *)(bp + cv);                    \
                if (cv + LM_VL <= k) {                                                      \
                    *(lm_uvec *)(Z + r * k + cv) = o;                                       \
                } else {                                                                    \
                    double t[LM_VL];                                                        \
                    memcpy(t, &o, sizeof o);                                                \
                    for (int64_t c = 0; c < k - cv; c++) Z[r * k + cv + c] = t[c];          \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* all output tiles of MR rows */                                                       \
    LF_INLINE void lm_fwd_rows_##SFX(const T *restrict X, int64_t d, const int MR,          \
                                     const double *restrict WT, int64_t kp,                 \
                                     const double *restrict bp, int64_t k,                  \
                                     double *restrict Z) {                                  \
        for (int64_t c0 = 0; c0 < kp; c0 += LM_NV * LM_VL) {                                \
            switch ((int)LM_MIN((kp - c0) / LM_VL, LM_NV)) {                                \
            case 1: lm_fwd_tile_##SFX(X, d, MR, 1, WT, kp, bp, k, c0, Z); break;            \
            case 2: lm_fwd_tile_##SFX(X, d, MR, 2, WT, kp, bp, k, c0, Z); break;            \
            case 3: lm_fwd_tile_##SFX(X, d, MR, 3, WT, kp, bp, k, c0, Z); break;            \
            default: lm_fwd_tile_##SFX(X, d, MR, LM_NV, WT, kp, bp, k, c0, Z); break;       \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* Z (m x k) = X W^T + b of a block, outputs along the lanes */                         \
    static void lm_forward_lanes_##SFX(const T *restrict X, int64_t m, int64_t d,           \
                                       int64_t k, const double *restrict WT, int64_t kp,    \
                                       const double *restrict bp, double *restrict Z) {     \
        int64_t i = 0;                                                                      \
        /* one vector of outputs: 8 rows a block (8 broadcasts per load of W^T) */          \
        if (kp == LM_VL)                                                                    \
            for (; i + 8 <= m; i += 8) {                                                    \
                LM_PREFETCH_AHEAD(X + (i + LM_PF_ROWS) * d, 8 * d * (int64_t)sizeof(T))     \
                lm_fwd_tile_##SFX(X + i * d, d, 8, 1, WT, kp, bp, k, 0, Z + i * k);        \
            }                                                                               \
        for (; i + 4 <= m; i += 4) {                                                        \
            LM_PREFETCH_AHEAD(X + (i + LM_PF_ROWS) * d, 4 * d * (int64_t)sizeof(T))         \
            lm_fwd_rows_##SFX(X + i * d, d, 4, WT, kp, bp, k, Z + i * k);                  \
        }                                                                                   \
        for (; i < m; i++) lm_fwd_rows_##SFX(X + i * d, d, 1, WT, kp, bp, k, Z + i * k);    \
    }                                                                                       \
                                                                                            \
    /* GT[j0 + q, c0 + c] += sum_{i < m} X[i, j0 + q] R[i, c0 + c] (q < JR, c < NV LM_VL; \
     * R's rows ldr apart, read as kp lanes: lanes past k are discarded) */               \
    LF_INLINE void lm_bwd_tile_##SFX(const T *restrict X, int64_t d, int64_t m,             \
                                     const int JR, const int NV, int64_t j0,                \
                                     const double *restrict Rp, int64_t ldr, int64_t kp,    \
                                     int64_t c0, double *restrict GT) {                     \
        lm_vec acc[8][LM_NV];                                                               \
        for (int q = 0; q < JR; q++)                                                        \
            for (int v = 0; v < NV; v++)                                                    \
                acc[q][v] = *(const lm_vec *)(GT + (j0 + q) * kp + c0 + v * LM_VL);         \
        for (int64_t i = 0; i < m; i++) {                                                   \
            const lm_uvec *rr = (const lm_uvec *)(Rp + i * ldr + c0);                       \
            lm_vec rv[LM_NV];                                                               \
            for (int v = 0; v < NV; v++) rv[v] = rr[v];                                     \
            for (int q = 0; q < JR; q++) {                                                  \
                const double p = (double)X[i * d + j0 + q];                                 \
                for (int v = 0; v < NV; v++) acc[q][v] += p * rv[v];                        \
            }                                                                               \
        }                                                                                   \
        for (int q = 0; q < JR; q++)                                                        \
            for (int v = 0; v < NV; v++)                                                    \
                *(lm_vec *)(GT + (j0 + q) * kp + c0 + v * LM_VL) = acc[q][v];               \
    }                                                                                       \
                                                                                            \
    LF_INLINE void lm_bwd_cols_##SFX(const T *restrict X, int64_t d, int64_t m,             \
                                     const int JR, int64_t j0, const double *restrict Rp,   \
                                     int64_t ldr, int64_t kp, double *restrict GT) {        \
        for (int64_t c0 = 0; c0 < kp; c0 += LM_NV * LM_VL) {                                \
            switch ((int)LM_MIN((kp - c0) / LM_VL, LM_NV)) {                                \
            case 1: lm_bwd_tile_##SFX(X, d, m, JR, 1, j0, Rp, ldr, kp, c0, GT); break;           \
            case 2: lm_bwd_tile_##SFX(X, d, m, JR, 2, j0, Rp, ldr, kp, c0, GT); break;           \
            case 3: lm_bwd_tile_##SFX(X, d, m, JR, 3, j0, Rp, ldr, kp, c0, GT); break;           \
            default: lm_bwd_tile_##SFX(X, d, m, JR, LM_NV, j0, Rp, ldr, kp, c0, GT); break;      \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    /* GT (d x kp) += X^T R and gbp (kp) += sum_i R[i, :] for the m rows of a block (R: \
     * m x k, rows read as kp lanes: kp - k doubles of slack after it), by panels of    \
     * LM_LANE_PANEL rows (each (column, output) summed over rows in order) */          \
    static void lm_backward_lanes_##SFX(const T *restrict X, int64_t m, int64_t d,          \
                                        const double *restrict R, int64_t k, int64_t kp,    \
                                        double *restrict GT, double *restrict gbp) {        \
        for (int64_t i0 = 0; i0 < m; i0 += LM_LANE_PANEL) {                                 \
            const int64_t mr = LM_MIN((int64_t)LM_LANE_PANEL, m - i0);                      \
            const T *Xp = X + i0 * d;                                                       \
            const double *Rq = R + i0 * k;                                                  \
            int64_t j0 = 0;                                                                 \
            if (kp == LM_VL) /* one vector of outputs: 8 columns a block */                 \
                for (; j0 + 8 <= d; j0 += 8)                                                \
                    lm_bwd_tile_##SFX(Xp, d, mr, 8, 1, j0, Rq, k, kp, 0, GT);               \
            for (; j0 + 4 <= d; j0 += 4) lm_bwd_cols_##SFX(Xp, d, mr, 4, j0, Rq, k, kp, GT); \
            for (; j0 < d; j0++) lm_bwd_cols_##SFX(Xp, d, mr, 1, j0, Rq, k, kp, GT);        \
            for (int64_t i = 0; i < mr; i++) {                                              \
                LF_PRAGMA(omp simd)                                                         \
                for (int64_t c = 0; c < kp; c++) gbp[c] += Rq[i * k + c];                   \
            }                                                                               \
        }                                                                                   \
    }

LM_LANE_LOOPS(float, f32)
LM_LANE_LOOPS(double, f64)

static void lm_scale_rows4(const double *restrict p, int64_t ldp, const double *restrict w,
                           int64_t m, double *restrict out, int64_t ldo) {
    for (int q = 0; q < 4; q++) {
        const double *restrict pq = p + q * ldp;
        double *restrict oq = out + q * ldo;
        LF_PRAGMA(omp simd)
        for (int64_t i = 0; i < m; i++) oq[i] = pq[i] * w[i];
    }
}

/* ------------------------------------------------------------- chunking */

/* The plan for nblocks row blocks whose partial results take `width` doubles
 * per chunk: at most LF_LM_MAX_CHUNKS balanced runs of blocks, within
 * LF_LM_PARTIAL_BUDGET; independent of the thread count. */
static lf_chunk_plan lm_plan(int64_t nblocks, int64_t width, int64_t work) {
    int64_t nch = LM_MIN(nblocks, (int64_t)LF_LM_MAX_CHUNKS);
    int64_t cap = LF_LM_PARTIAL_BUDGET / (LM_MAX(width, 1) * (int64_t)sizeof(double));
    nch = LM_MIN(nch, LM_MAX(cap, 1));
    return lf_plan_runs(nblocks, LM_MAX(nch, 1), work);
}

/* Bytes of a scratch region, rounded to whole cache lines. */
static size_t lm_region(int64_t count, size_t elem) {
    return ((size_t)count * elem + 63) & ~(size_t)63;
}

/* ---------------------------------------------------------------- loss */

/* Rows per block: about 256 KiB of X (the block is read twice, the second
 * time from L2), a multiple of 4, at most 16384 outputs per block. */
static int64_t lm_loss_block_rows(int64_t d, int64_t k, int64_t ts) {
    int64_t B = (262144 / LM_MAX(d * ts, 1)) & ~(int64_t)3;
    B = LM_MAX(B, 16);
    B = LM_MIN(B, 2048);
    while (B > 4 && B * k > 16384) B /= 2;
    return B;
}

/* The models of a row-wise pass (lf_lm_loss_args.groups), 1 for elementwise losses. */
static int64_t lm_groups(const lf_lm_loss_args *A) {
    return A->rowwise && A->groups > 1 ? A->groups : 1;
}

/* The sums of loss_per_output: one per output (elementwise), per group (row-wise). */
static int64_t lm_loss_outputs(const lf_lm_loss_args *A) {
    return A->rowwise ? lm_groups(A) : A->k;
}

/* Where a loss chunk's scratch regions start (bytes) and its size: z and r
 * (with LM_VL doubles of slack: the output-lane backward reads r's last row
 * as kp lanes), then for float32 data y (elementwise losses) and w, the
 * elementwise losses (loss_per_output), and for the output-lane layout
 * (kp > 0) G^T (d x kp) and the intercept's sums (kp). */
typedef struct lm_loss_layout {
    size_t z, r, y, w, l, gt, gb, total;
} lm_loss_layout;

static lm_loss_layout lm_loss_scratch(const lf_lm_loss_args *A, int F32, int64_t kp) {
    const int64_t B = LM_MIN(lm_loss_block_rows(A->d, A->k, F32 ? 4 : 8), A->n);
    const size_t zone = lm_region(B * A->k, sizeof(double));
    lm_loss_layout L;
    L.z = 0;
    L.r = zone;
    L.y = L.r + lm_region(B * A->k + LM_VL, sizeof(double));
    L.w = L.y + (F32 && !A->rowwise ? zone : 0);
    L.l = L.w + (F32 && A->weight ? lm_region(B * lm_groups(A), sizeof(double)) : 0);
    L.gt = L.l + (A->loss_per_output ? zone : 0);
    L.gb = L.gt + (kp ? lm_region(A->d * kp, sizeof(double)) : 0);
    L.total = L.gb + (kp ? lm_region(kp, sizeof(double)) : 0);
    return L;
}

/* The context of a chunk body: the kernel's arguments and its float type;
 * the bodies derive every size from the arguments themselves.  The loss
 * kernel's output-lane layout adds W^T (d x kp) and the padded intercept bp
 * (kp), shared read-only by the threads (wt NULL: the row-dot layout). */
typedef struct lm_ctx {
    const void *args; /* lf_lm_loss_args or lf_lm_gram_args */
    int F32;
    const double *wt, *bp;
    int64_t kp;
} lm_ctx;

/* Z (m x k, float64) = the m rows at Xb times W^T plus b, by the context's
 * layout: the output lanes (K->wt) or the row dots (W, b). */
static void lm_forward_block(const lm_ctx *K, const char *Xb, int64_t m, int64_t d, int64_t k,
                             const double *W, const double *b, double *Zb) {
    if (K->wt && K->F32)
        lm_forward_lanes_f32((const float *)Xb, m, d, k, K->wt, K->kp, K->bp, Zb);
    else if (K->wt)
        lm_forward_lanes_f64((const double *)Xb, m, d, k, K->wt, K->kp, K->bp, Zb);
    else if (K->F32)
        lm_forward_f32((const float *)Xb, m, d, k, W, b, Zb);
    else
        lm_forward_f64((const double *)Xb, m, d, k, W, b, Zb);
}

/* Blocks [b0, b1) of one chunk: partial = [grad_coef (k x d), grad_intercept
 * (k), loss].  The thread's scratch holds float64 decision values,
 * derivatives and, for float32 data, the block's targets and weights (and
 * the output-lane layout's G^T, lm_loss_layout). */
static int lm_loss_chunk(void *ctx, int64_t c, int64_t b0, int64_t b1, double *partial,
                         void *scratch) {
    const lm_ctx *K = (const lm_ctx *)ctx;
    const lf_lm_loss_args *A = (const lf_lm_loss_args *)K->args;
    const int F32 = K->F32, want_grad = A->grad_coef != NULL;
    const int64_t n = A->n, d = A->d, k = A->k, kd = k * d, ts = F32 ? 4 : 8;
    const int64_t B = lm_loss_block_rows(d, k, ts), kp = K->wt ? K->kp : 0;
    const int per_output = A->loss_per_output != NULL;
    const int64_t P = lm_loss_outputs(A); /* sums of loss_per_output */
    const lm_loss_layout S = lm_loss_scratch(A, F32, kp);
    char *sp = (char *)scratch;
    double *zbuf = (double *)(sp + S.z), *rbuf = (double *)(sp + S.r);
    double *ybuf = (double *)(sp + S.y), *wbuf = (double *)(sp + S.w);
    double *lbuf = (double *)(sp + S.l); /* the elementwise losses of a block (per_output) */
    double *GT = (double *)(sp + S.gt);
    double *gbp = (double *)(sp + S.gb);
    double *G = partial, *gb = G + kd, *lk = G + kd + k + 1;
    double loss = 0.0;
    (void)c;
    if (kp && want_grad) {
        memset(GT, 0, (size_t)(d * kp) * sizeof(double));
        memset(gbp, 0, (size_t)kp * sizeof(double));
    }
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a = blk * B, m = LM_MIN(B, n - a);
        const char *Xb = (const char *)A->X + a * d * ts;
        /* float64 data: decision values straight into z_out when asked for */
        double *Zb = !F32 && A->z_out ? (double *)A->z_out + a * k : zbuf;
        lm_forward_block(K, Xb, m, d, k, A->coef, A->intercept, Zb);
        if (F32 && A->z_out) lm_from_f64_f32(Zb, m * k, (float *)A->z_out + a * k);
        if (per_output) {
            lf_lm_block_loss(A, a, m, Zb, want_grad ? rbuf : NULL, ybuf, wbuf, F32, lbuf);
            /* (m x P: one loss per element, or per row and group) */
            for (int64_t i = 0; i < m; i++)
                for (int64_t q = 0; q < P; q++) lk[q] += lbuf[i * P + q];
        } else {
            loss += lf_lm_block_loss(A, a, m, Zb, want_grad ? rbuf : NULL, ybuf, wbuf, F32,
                                     NULL);
        }
        if (want_grad && kp) {
            if (F32)
                lm_backward_lanes_f32((const float *)Xb, m, d, rbuf, k, kp, GT, gbp);
            else
                lm_backward_lanes_f64((const double *)Xb, m, d, rbuf, k, kp, GT, gbp);
        } else if (want_grad) {
            if (F32)
                lm_backward_f32((const float *)Xb, m, d, k, rbuf, G, gb);
            else
                lm_backward_f64((const double *)Xb, m, d, k, rbuf, G, gb);
        }
    }
    if (kp && want_grad) {
        for (int64_t q = 0; q < k; q++) {
            for (int64_t j = 0; j < d; j++) G[q * d + j] = GT[j * kp + q];
            gb[q] = gbp[q];
        }
    }
    if (per_output)
        for (int64_t q = 0; q < P; q++) loss += lk[q];
    G[kd + k] = loss;
    return 0;
}

/* Test and benchmark hook (lf_lm_kernels.set_layout): 0 chooses by
 * lm_use_lanes, 1 forces the row-dot loops, 2 the output-lane kernels;
 * process-wide, for this SIMD level's table. */
static int lm_layout_forced = 0;

static int lm_set_layout(int layout) {
    if (layout < 0 || layout > 2) return -2;
    lm_layout_forced = layout;
    return 0;
}

/* Whether a dense pass of k outputs on d features takes the output-lane
 * kernels.  Measured (AMD EPYC (Zen 4), one thread, a pass of the fused loss
 * kernel, row dots / lanes time): AVX-512 lanes 1.3-1.9x faster at k = 20-25,
 * d = 50 (a batched softmax of 5 classes: 4-5 folds x 5 classes), 1.5x at
 * k = 25, d = 1000, 1.1-1.35x at k = 5, d = 30-500, 1.46x at k = 8, d = 100,
 * a tie at k = 4, d = 100 (half the lanes padding), slower for k <= 3 (0.5x
 * at k = 1) and at k = 5, d = 1000 (0.94x); AVX2 lanes 1.2-1.5x faster for
 * k >= 8 (d = 20-1000), 1.6x at k = 4 = one vector, d = 100 (the batched
 * binary folds: 8-row blocks), slower at k = 5-6, d = 100 (0.79-0.92x: 2
 * vectors of outputs take 6 loads per 8 multiply-adds) and k <= 3;
 * baseline (2 lanes) 0.9-1.2x, no gain: row dots there. */
#if defined(LF_TARGET_AVX512)
#define LM_LANES_MIN_K 5
#elif defined(LF_TARGET_AVX2)
#define LM_LANES_MIN_K 8
#else
#define LM_LANES_MIN_K 0 /* never */
#endif
static int lm_use_lanes(int64_t d, int64_t k) {
    if (lm_layout_forced) return lm_layout_forced == 2;
    return LM_LANES_MIN_K > 0 && (k >= LM_LANES_MIN_K || k == LM_VL) &&
           (d <= 512 || k >= 2 * LM_VL);
}

/* The output-lane layout's W^T (d x kp) and intercept (kp), zero-padded, into
 * the context when lm_use_lanes picks it (else the context keeps wt NULL: the
 * row dots); the caller frees ctx->wt.  Returns 0, or -1 (memory). */
static int lm_lanes_weights(const double *W, const double *b, int64_t d, int64_t k,
                            lm_ctx *ctx) {
    if (!lm_use_lanes(d, k)) return 0;
    const int64_t kp = lm_lanes_kp(k);
    double *wt = aligned_alloc(64, lm_region(d * kp + kp, sizeof(double)));
    if (!wt) return -1;
    for (int64_t j = 0; j < d; j++) {
        for (int64_t q = 0; q < k; q++) wt[j * kp + q] = W[q * d + j];
        for (int64_t q = k; q < kp; q++) wt[j * kp + q] = 0.0;
    }
    for (int64_t q = 0; q < kp; q++) wt[d * kp + q] = q < k && b ? b[q] : 0.0;
    ctx->wt = wt;
    ctx->bp = wt + d * kp;
    ctx->kp = kp;
    return 0;
}

LF_INLINE int lm_loss(const lf_lm_loss_args *A, double *loss_out, const int F32) {
    const int64_t n = A->n, d = A->d, k = A->k;
    const int64_t ts = F32 ? 4 : 8;
    const int want_grad = A->grad_coef != NULL;
    *loss_out = 0.0;
    if (!A->loss || k < 1 || !A->params || A->z_given || A->moments_out)
        return -2; /* z_given, moments_out: CSR only */
    if (want_grad) memset(A->grad_coef, 0, (size_t)(k * d) * sizeof(double));
    if (A->grad_intercept) memset(A->grad_intercept, 0, (size_t)k * sizeof(double));
    if (n <= 0) return 0;

    const int64_t P = lm_loss_outputs(A);
    if (A->rowwise && k % lm_groups(A) != 0) return -2;
    if (A->loss_per_output) memset(A->loss_per_output, 0, (size_t)P * sizeof(double));
    const int64_t B = lm_loss_block_rows(d, k, ts);
    const int64_t nblocks = (n + B - 1) / B;
    const int64_t kd = k * d, width = kd + k + 1 + (A->loss_per_output ? P : 0);
    lm_ctx ctx = {A, F32, NULL, NULL, 0};
    if (lm_lanes_weights(A->coef, A->intercept, d, k, &ctx) != 0) return -1;
    double *wt = (double *)ctx.wt;
    lf_chunk_job job = {lm_plan(nblocks, width, n * LM_MAX(d, 1) * k), width,
                        lm_loss_scratch(A, F32, ctx.wt ? ctx.kp : 0).total, 1, lm_loss_chunk,
                        &ctx};
    double *res = malloc((size_t)width * sizeof(double));
    if (!res || lf_run_chunks(&job, res) != 0) {
        free(res);
        free(wt);
        return -1;
    }
    free(wt);
    *loss_out = res[kd + k];
    if (A->loss_per_output)
        memcpy(A->loss_per_output, res + kd + k + 1, (size_t)P * sizeof(double));
    if (want_grad) memcpy(A->grad_coef, res, (size_t)kd * sizeof(double));
    if (A->grad_intercept) memcpy(A->grad_intercept, res + kd, (size_t)k * sizeof(double));
    free(res);
    return 0;
}

static int lm_loss_f32(const lf_lm_loss_args *A, double *loss) { return lm_loss(A, loss, 1); }
static int lm_loss_f64(const lf_lm_loss_args *A, double *loss) { return lm_loss(A, loss, 0); }

/* ---------------------------------------------------------------- gram */

#define LM_GRAM_ROWS 512
#define LM_GRAM_LDP (LM_GRAM_ROWS + 8) /* panel stride: +8, so rows are not 4 KiB apart */

/* Blocks [b0, b1) of one chunk into the chunk's M x Dp x Dp partial Grams
 * (upper triangles).  The thread's scratch: the zeroed transposed panel P
 * (Dp x ldp: its padding rows stay 0), the weighted rows L (4 x ldp) and the
 * weights w (ldp). */
static int lm_gram_chunk(void *ctx, int64_t c, int64_t b0, int64_t b1, double *Gc,
                         void *scratch) {
    const lf_lm_gram_args *A = (const lf_lm_gram_args *)((const lm_ctx *)ctx)->args;
    const int F32 = ((const lm_ctx *)ctx)->F32, ones = A->ones != 0;
    const int64_t n = A->n, d = A->d, ky = LM_MAX(A->ky, 0), M = LM_MAX(A->n_weights, 1);
    const int64_t Dp = (d + ky + ones + 3) & ~(int64_t)3, nt4 = Dp / 4;
    const int64_t B = LM_GRAM_ROWS, ldp = LM_GRAM_LDP, ts = F32 ? 4 : 8;
    double *P = (double *)scratch;
    double *L = P + Dp * ldp;
    double *w = L + 4 * ldp;
    (void)c;
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a = blk * B, m = LM_MIN(B, n - a), mp = (m + 7) & ~(int64_t)7;
        const char *Xb = (const char *)A->X + a * d * ts;
        const char *Yb = ky ? (const char *)A->Y + a * ky * ts : NULL;
        if (F32)
            lm_pack_f32((const float *)Xb, m, mp, d, (const float *)Yb, ky, A->shift, ones, P,
                        ldp);
        else
            lm_pack_f64((const double *)Xb, m, mp, d, (const double *)Yb, ky, A->shift, ones,
                        P, ldp);
        for (int64_t mw = 0; mw < M; mw++) {
            double *G = Gc + mw * Dp * Dp;
            if (A->weight) {
                const char *Wb = (const char *)A->weight + a * M * ts;
                if (F32) lm_weights_f32((const float *)Wb, M, mw, m, mp, w);
                else lm_weights_f64((const double *)Wb, M, mw, m, mp, w);
            }
            for (int64_t jt = 0; jt < nt4; jt++) {
                const double *Pj = P + 4 * jt * ldp;
                const double *Lj = Pj;
                if (A->weight) {
                    lm_scale_rows4(Pj, ldp, w, mp, L, ldp);
                    Lj = L;
                }
                for (int64_t lt = jt; lt < nt4; lt++) {
                    const double *Pl = P + 4 * lt * ldp;
                    lf_tile4x4(Lj, Lj + ldp, Lj + 2 * ldp, Lj + 3 * ldp, Pl, Pl + ldp,
                               Pl + 2 * ldp, Pl + 3 * ldp, mp, G + 4 * jt * Dp + 4 * lt, Dp);
                }
            }
        }
    }
    return 0;
}

LF_INLINE int lm_gram(const lf_lm_gram_args *A, const int F32) {
    const int64_t n = A->n, d = A->d, ky = LM_MAX(A->ky, 0);
    const int ones = A->ones != 0;
    const int64_t D = d + ky + ones, Dp = (D + 3) & ~(int64_t)3;
    const int64_t M = LM_MAX(A->n_weights, 1);
    memset(A->gram_out, 0, (size_t)(M * D * D) * sizeof(double));
    if (n <= 0 || D == 0) return 0;
    if ((ky && !A->Y) || !A->X) return -2;

    const int64_t B = LM_GRAM_ROWS, ldp = LM_GRAM_LDP;
    const int64_t nblocks = (n + B - 1) / B;
    const int64_t width = M * Dp * Dp;
    lm_ctx ctx = {A, F32, NULL, NULL, 0};
    lf_chunk_job job = {lm_plan(nblocks, width, n * D * LM_MAX(D / 8, 1) * M), width,
                        (size_t)((Dp + 5) * ldp) * sizeof(double), 1, lm_gram_chunk, &ctx};
    double *res = malloc((size_t)width * sizeof(double));
    if (!res) return -1;
    if (lf_run_chunks(&job, res) != 0) {
        free(res);
        return -1;
    }
    /* the upper triangle is computed, mirrored below */
    for (int64_t mw = 0; mw < M; mw++) {
        double *out = A->gram_out + mw * D * D;
        const double *g = res + mw * Dp * Dp;
        for (int64_t j = 0; j < D; j++) {
            for (int64_t l = j; l < D; l++) {
                out[j * D + l] = g[j * Dp + l];
                out[l * D + j] = g[j * Dp + l];
            }
        }
    }
    free(res);
    return 0;
}

static int lm_gram_f32(const lf_lm_gram_args *A) { return lm_gram(A, 1); }
static int lm_gram_f64(const lf_lm_gram_args *A) { return lm_gram(A, 0); }

/* ---------------------------------------------------------------- matvec */

/* Z = X W^T + b (n x k) by the loss pass's forward loops (row dots or output
 * lanes, lm_use_lanes) on blocks of rows, without a loss: the products of a
 * small number of outputs (held-out decision values of a path of models)
 * that BLAS's GEMM runs at a fraction of its speed on a tall, thin shape. */
typedef struct lm_mv_args {
    const void *X;
    int64_t n, d, k;
    const double *W, *b;
    void *Z;
} lm_mv_args;

static int lm_matvec_chunk(void *ctx, int64_t c, int64_t b0, int64_t b1, double *partial,
                           void *scratch) {
    const lm_ctx *K = (const lm_ctx *)ctx;
    const lm_mv_args *A = (const lm_mv_args *)K->args;
    const int F32 = K->F32;
    const int64_t n = A->n, d = A->d, k = A->k, ts = F32 ? 4 : 8;
    const int64_t B = lm_loss_block_rows(d, k, ts);
    (void)c; (void)partial;
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a = blk * B, m = LM_MIN(B, n - a);
        const char *Xb = (const char *)A->X + a * d * ts;
        double *Zb = F32 ? (double *)scratch : (double *)A->Z + a * k;
        lm_forward_block(K, Xb, m, d, k, A->W, A->b, Zb);
        if (F32) lm_from_f64_f32(Zb, m * k, (float *)A->Z + a * k);
    }
    return 0;
}

LF_INLINE int lm_matvec(const void *X, int64_t n, int64_t d, int64_t k, const double *W,
                        const double *b, void *Z, const int F32) {
    if (n <= 0 || k <= 0) return 0;
    if (d <= 0) { /* no columns: the intercepts */
        for (int64_t i = 0; i < n; i++)
            for (int64_t q = 0; q < k; q++) {
                const double v = b ? b[q] : 0.0;
                if (F32) ((float *)Z)[i * k + q] = (float)v;
                else ((double *)Z)[i * k + q] = v;
            }
        return 0;
    }
    const int64_t B = lm_loss_block_rows(d, k, F32 ? 4 : 8), nblocks = (n + B - 1) / B;
    lm_mv_args args = {X, n, d, k, W, b, Z};
    lm_ctx ctx = {&args, F32, NULL, NULL, 0};
    if (lm_lanes_weights(W, b, d, k, &ctx) != 0) return -1;
    double *wt = (double *)ctx.wt;
    lf_chunk_job job = {lf_plan_runs(nblocks, LM_MIN(nblocks, (int64_t)LF_MAX_CHUNKS),
                                     n * d * k),
                        0, F32 ? lm_region(B * k, sizeof(double)) : 0, 1, lm_matvec_chunk, &ctx};
    const int rc = lf_run_chunks(&job, NULL);
    free(wt);
    return rc ? -1 : 0;
}

static int lm_matvec_f32(const void *X, int64_t n, int64_t d, int64_t k, const double *W,
                         const double *b, void *Z) {
    return lm_matvec(X, n, d, k, W, b, Z, 1);
}
static int lm_matvec_f64(const void *X, int64_t n, int64_t d, int64_t k, const double *W,
                         const double *b, void *Z) {
    return lm_matvec(X, n, d, k, W, b, Z, 0);
}

/* ------------------------------------------------------------ NaN / inf */

static int lm_nonfinite_chunk(void *ctx, int64_t c, int64_t a, int64_t b, double *partial,
                              void *scratch) {
    const lm_ctx *K = (const lm_ctx *)ctx;
    (void)c; (void)scratch;
    partial[0] = (double)(K->F32 ? lm_nonfinite_span_f32((const float *)K->args + a, b - a)
                                 : lm_nonfinite_span_f64((const double *)K->args + a, b - a));
    return 0;
}

LF_INLINE int64_t lm_nonfinite(const void *x, int64_t n, const int F32) {
    lm_ctx ctx = {x, F32, NULL, NULL, 0};
    lf_chunk_job job = {lf_plan_items(n, 1), 1, 0, 0, lm_nonfinite_chunk, &ctx};
    double cnt = 0.0;
    if (n <= 0) return 0;
    lf_run_chunks(&job, &cnt);
    return (int64_t)cnt;
}

static int64_t lm_nonfinite_f32(const void *x, int64_t n) { return lm_nonfinite(x, n, 1); }
static int64_t lm_nonfinite_f64(const void *x, int64_t n) { return lm_nonfinite(x, n, 0); }

const lf_lm_kernels LF_TARGET(lf_linear_model)[] = {
    {lm_loss_f32, lm_loss_f64, lm_gram_f32, lm_gram_f64, lm_nonfinite_f32, lm_nonfinite_f64,
     lm_set_layout, lm_matvec_f32, lm_matvec_f64},
};
LF_DEFINE_SELECTOR(lf_lm_kernels, lf_linear_model)
