/* Row helpers and cross-row blocks for rows of few classes, for one float
 * type T: a template included by losses_rowwise_t.h and activations_t.h
 * (which define T, SFX and FN).
 *
 * A row of 10 classes is too short for a SIMD loop along it (a 16-lane float
 * vector would not fill once, and GCC leaves such loops in their scalar
 * epilogue).  So rows with C <= LF_RW_SMALL_C are processed LF_RW_XR at a
 * time: the block is transposed into a scratch array x[j * LF_RW_XR + r] in
 * L1, every per-row reduction (max, sums) and elementwise step runs as a SIMD
 * loop across rows, and results are transposed back through an index table.
 * The row path (long rows) and this block path compute the same formulas. */

#include "lf_xpose.h"

#ifndef LF_RW_XR
#define LF_RW_XR 128     /* rows per block */
#define LF_RW_SMALL_C 16 /* classes up to which rows are processed in blocks */

/* Bytes of one SIMD register of the target.  The fused block kernels run
 * whole registers of rows: a block's rows are padded to a multiple of
 * LF_RW_VL (which divides LF_RW_XR), the padding lanes are computed on
 * zeros and never stored or summed. */
#if defined(__AVX512F__)
#define LF_RW_VB 64
#elif defined(__AVX2__)
#define LF_RW_VB 32
#else
#define LF_RW_VB 16
#endif
#define LF_RW_VL ((int64_t)(LF_RW_VB / sizeof(T)))
/* nr rounded up to whole registers of rows */
#define LF_RW_NRV(nr) (((nr) + LF_RW_VL - 1) / LF_RW_VL * LF_RW_VL)

/* The fused block kernels take the class count as a compile-time constant,
 * so that GCC unrolls their loops over the classes and keeps a register of
 * rows' values (max, exp, sums, gradient) in registers through the whole
 * row computation: one pass over the transposed block instead of one per
 * step.  Only the common class counts get such a copy (each is ~3 KB of
 * code per kernel); the others run the per-step passes below.
 * LF_RW_FUSED(C, CALL) expands CALL(c) for c == C when c is one of them and
 * evaluates to 1, else to 0. */
#define LF_RW_FUSED_CASE(c, CALL) case c: CALL(c); return 1;
#define LF_RW_FUSED(C, CALL)                                                               \
    switch (C) {                                                                           \
        LF_RW_FUSED_CASE(2, CALL) LF_RW_FUSED_CASE(3, CALL) LF_RW_FUSED_CASE(4, CALL)      \
        LF_RW_FUSED_CASE(5, CALL) LF_RW_FUSED_CASE(8, CALL) LF_RW_FUSED_CASE(10, CALL)     \
        LF_RW_FUSED_CASE(16, CALL)                                                         \
        default: return 0;                                                                 \
    }
#endif

/* The max of a row of C >= 1 values (a NaN may or may not be picked: either
 * way it reaches the result through exp(z - m)). */
LF_INLINE T FN(rowmax)(const T *restrict z, int64_t C) {
    T m = z[0];
    LF_PRAGMA(omp simd reduction(max : m))
    for (int64_t j = 1; j < C; j++) m = z[j] > m ? z[j] : m;
    return m;
}

/* With m the row max: e_j = exp(z_j - m) (stored to e_out unless NULL) and
 * the S for which sum_j e_j = 1 + S, summed in float64 as the entries below
 * the max plus (number of entries equal to the max - 1).  log(sum) is then
 * log1p(S), accurate when S is tiny (a confident row), where log(1 + S) would
 * lose it.  A NaN anywhere makes S NaN. */
LF_INLINE double FN(expsum)(const T *restrict z, int64_t C, T m, T *restrict e_out) {
    double s = 0.0, cnt = 0.0;
    if (e_out) {
        LF_PRAGMA(omp simd reduction(+ : s, cnt))
        for (int64_t j = 0; j < C; j++) {
            const T d = z[j] - m;
            const T e = LF_EXP(d);
            e_out[j] = e;
            s += (double)(d < 0 ? e : (d == 0 ? (T)0 : d));
            cnt += d == 0 ? 1.0 : 0.0;
        }
    } else {
        LF_PRAGMA(omp simd reduction(+ : s, cnt))
        for (int64_t j = 0; j < C; j++) {
            const T d = z[j] - m;
            const T e = LF_EXP(d);
            s += (double)(d < 0 ? e : (d == 0 ? (T)0 : d));
            cnt += d == 0 ? 1.0 : 0.0;
        }
    }
    return s + (cnt - 1.0);
}

/* Index tables of a block: off[r] = r C (row starts), tidx[r C + j] = j XR + r
 * (where element (r, j) sits in the transposed scratch). */
LF_INLINE void FN(xr_tables)(int64_t C, int32_t *restrict off, int32_t *restrict tidx) {
    for (int64_t r = 0; r < LF_RW_XR; r++) {
        off[r] = (int32_t)(r * C);
        for (int64_t j = 0; j < C; j++) tidx[r * C + j] = (int32_t)(j * LF_RW_XR + r);
    }
}

/* x[j XR + r] = src[r C + j] for the nr rows of the block at src: register
 * transposes of whole tiles where the target has them (lf_xpose.h), the
 * rows left over (or all, on the baseline target) by strided loads. */
LF_INLINE void FN(xr_load)(const T *restrict src, int64_t nr, int64_t C,
                           const int32_t *restrict off, T *restrict x) {
    int64_t r0 = 0;
#ifdef LF_HAVE_XPOSE
    r0 = LF_CAT(lf_xpose_load_, SFX)(src, nr, C, x, LF_RW_XR);
#endif
    const int64_t nrv = LF_RW_NRV(nr);
    for (int64_t j = 0; j < C; j++) {
        T *restrict xj = x + j * LF_RW_XR;
        const T *restrict sj = src + j;
        LF_PRAGMA(omp simd)
        for (int64_t r = r0; r < nr; r++) xj[r] = sj[off[r]];
        for (int64_t r = nr; r < nrv; r++) xj[r] = 0; /* the padding of the fused kernels */
    }
}

/* dst[r C + j] = x[j XR + r]: register transposes of whole tiles where the
 * target has them, else (and for the rows left over) contiguous stores of
 * gathers from L1. */
LF_INLINE void FN(xr_store)(const T *restrict x, int64_t nr, int64_t C,
                            const int32_t *restrict tidx, T *restrict dst) {
    int64_t r0 = 0;
#ifdef LF_HAVE_XPOSE
    r0 = LF_CAT(lf_xpose_store_, SFX)(x, nr, C, dst, LF_RW_XR);
#endif
    const int64_t nn = nr * C;
    LF_PRAGMA(omp simd)
    for (int64_t i = r0 * C; i < nn; i++) dst[i] = x[tidx[i]];
}

/* max_j x[j][r] of row r of a transposed block, for a constant C (the body of
 * the fused loops over the rows of a register: unrolled over the classes). */
LF_INLINE T FN(xr_lane_max)(const T *restrict x, int64_t r, const int64_t C) {
    T m = x[r];
    LF_PRAGMA(GCC unroll 16)
    for (int64_t j = 1; j < C; j++) {
        const T z = x[j * LF_RW_XR + r];
        m = z > m ? z : m;
    }
    return m;
}

/* m[r] = max_j x[j][r] (a NaN reaches the result through exp(x - m)); the
 * padding rows up to LF_RW_NRV(nr) get a defined value. */
LF_INLINE void FN(xr_max)(const T *restrict x, int64_t nr, int64_t C, T *restrict m) {
    if (C == 10) { /* the common case, unrolled (the padding rows up to nrv too) */
        const int64_t nrv = LF_RW_NRV(nr);
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nrv; r++) m[r] = FN(xr_lane_max)(x, r, 10);
        return;
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) m[r] = x[r];
    for (int64_t j = 1; j < C; j++) {
        const T *restrict xj = x + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) m[r] = xj[r] > m[r] ? xj[r] : m[r];
    }
    for (int64_t r = nr; r < LF_RW_NRV(nr); r++) m[r] = 0; /* padding (xr_expsum_fused) */
}

/* With m the row max: S[r] such that sum_j exp(x[j][r] - m[r]) = 1 + S[r],
 * summed as the terms below the max plus (entries at the max - 1), so that
 * log1p(S) keeps a confident row's tiny log-sum-exp (as expsum above).
 * When STORE, x[j][r] is replaced by exp(x[j][r] - m[r]). */
/* xr_expsum for a constant C (LF_RW_FUSED): one pass per register of rows,
 * the sums kept in registers across the classes; the same terms in the same
 * order. */
LF_INLINE void FN(xr_expsum_fused)(T *restrict x, int64_t nr, const int64_t C,
                                   const T *restrict m, T *restrict S, const int STORE) {
    const int64_t nrv = LF_RW_NRV(nr);
    for (int64_t v = 0; v < nrv; v += LF_RW_VL) {
        LF_PRAGMA(omp simd)
        for (int64_t r = v; r < v + LF_RW_VL; r++) {
            T s = 0, cnt = 0;
            LF_PRAGMA(GCC unroll 16)
            for (int64_t j = 0; j < C; j++) {
                const T d = x[j * LF_RW_XR + r] - m[r]; /* <= 0, or NaN (then e is NaN) */
                const T e = LF_EXP_NEG(d);
                if (STORE) x[j * LF_RW_XR + r] = e;
                s += d == 0 ? (T)0 : e;
                cnt += d == 0 ? (T)1 : (T)0;
            }
            S[r] = s + (cnt - (T)1);
        }
    }
}

static int FN(xr_expsum_c)(T *restrict x, int64_t nr, int64_t C, const T *restrict m,
                           T *restrict S, const int STORE) {
#define LF_XR_EXPSUM_FUSED(c)                                                             \
    (STORE ? FN(xr_expsum_fused)(x, nr, c, m, S, 1) : FN(xr_expsum_fused)(x, nr, c, m, S, 0))
    LF_RW_FUSED(C, LF_XR_EXPSUM_FUSED)
#undef LF_XR_EXPSUM_FUSED
}

LF_INLINE void FN(xr_expsum)(T *restrict x, int64_t nr, int64_t C, const T *restrict m,
                             T *restrict S, const int STORE) {
    if (FN(xr_expsum_c)(x, nr, C, m, S, STORE)) return;
    T cnt[LF_RW_XR];
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        S[r] = 0;
        cnt[r] = 0;
    }
    for (int64_t j = 0; j < C; j++) {
        T *restrict xj = x + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) {
            const T d = xj[r] - m[r]; /* <= 0, or NaN (then e is NaN) */
            const T e = LF_EXP_NEG(d);
            if (STORE) xj[r] = e;
            S[r] += d == 0 ? (T)0 : e;
            cnt[r] += d == 0 ? (T)1 : (T)0;
        }
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) S[r] += cnt[r] - (T)1;
}
