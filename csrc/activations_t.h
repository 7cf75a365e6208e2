/* Activation kernels for one float type: a template included twice by
 * activations.c with T (float / double) and SFX (f32 / f64) defined.
 * Pointers are not `restrict`: out may be x or grad (in-place); GCC's
 * run-time alias check accepts that exact overlap and keeps the SIMD loop. */

#define FN(name) LF_CAT(LF_CAT(name, _), SFX)

#include "lf_rowblock_t.h"

/* Elementwise: BODY maps x (and g, the upstream gradient) to v; the chunk
 * driver runs chunks of the flat array on threads (no reduction, so any
 * split gives the same bits). */
#define LF_ACT_EW(NAME, BODY)                                                             \
    static int FN(NAME##_chunk)(void *ctx, int64_t c, int64_t a, int64_t b,               \
                                double *partial, void *scratch) {                         \
        const lf_act_args *A = (const lf_act_args *)ctx;                                  \
        const T *xp = (const T *)A->x + a;                                                \
        const T *gp = A->grad ? (const T *)A->grad + a : NULL;                            \
        T *op = (T *)A->out + a;                                                          \
        const T slope = (T)A->negative_slope;                                             \
        const int64_t n = b - a;                                                          \
        (void)c; (void)partial; (void)scratch; (void)slope;                               \
        for (int64_t i = 0; i < n; i++) {                                                 \
            const T x = xp[i];                                                            \
            const T g = gp ? gp[i] : (T)0;                                                \
            T v;                                                                          \
            (void)g;                                                                      \
            BODY                                                                          \
            op[i] = v;                                                                    \
        }                                                                                 \
        return 0;                                                                         \
    }                                                                                     \
    static void FN(NAME)(const lf_act_args *A) {                                          \
        lf_for_chunks(lf_plan_items(A->n_rows * A->n_cols, 1), FN(NAME##_chunk), (void *)A); \
    }

/* sigmoid(x), stable for any x (lf_sigmoid); backward from y = sigmoid(x): g y (1 - y) */
LF_ACT_EW(sigmoid, v = LF_SIGMOID(x);)
LF_ACT_EW(sigmoid_backward, v = g * (x * ((T)1 - x));)
/* tanh(x); backward from y = tanh(x): g (1 - y^2) */
LF_ACT_EW(tanh, v = LF_TANH(x);)
LF_ACT_EW(tanh_backward, v = g * ((T)1 - x * x);)
/* relu(x) = max(x, 0) (NaN stays NaN); backward from x: g where x > 0, else 0 */
LF_ACT_EW(relu, v = x <= 0 ? (T)0 : x;)
LF_ACT_EW(relu_backward, v = x > 0 ? g : (x <= 0 ? (T)0 : x);)
/* leaky_relu(x) = x if x > 0 else slope x; backward from x: g or slope g */
LF_ACT_EW(leaky_relu, v = x > 0 ? x : x * slope;)
LF_ACT_EW(leaky_relu_backward, v = x > 0 ? g : (x <= 0 ? g * slope : x);)

/* Row-wise along rows of C = n_cols, on the chunk driver: rows of few
 * classes (C <= LF_RW_SMALL_C) in transposed blocks of LF_RW_XR rows
 * (lf_rowblock_t.h), whose whole input is read before any output is written
 * (so out may be x or grad); longer rows one by one. */
#define LF_ACT_ROWS(NAME)                                                                 \
    static int FN(NAME##_blocks)(void *ctx, int64_t c, int64_t a, int64_t b,              \
                                 double *partial, void *scratch) {                        \
        const lf_act_args *A = (const lf_act_args *)ctx;                                  \
        const int64_t n = A->n_rows, C = A->n_cols;                                       \
        const T *x = (const T *)A->x, *g = (const T *)A->grad;                            \
        T *o = (T *)A->out;                                                               \
        int32_t off[LF_RW_XR], tidx[LF_RW_XR * LF_RW_SMALL_C];                            \
        (void)c; (void)partial; (void)scratch;                                            \
        FN(xr_tables)(C, off, tidx);                                                      \
        for (int64_t bk = a; bk < b; bk++) {                                              \
            const int64_t r0 = bk * LF_RW_XR;                                             \
            const int64_t nr = n - r0 < LF_RW_XR ? n - r0 : LF_RW_XR;                     \
            FN(NAME##_block)(x + r0 * C, g ? g + r0 * C : NULL, o + r0 * C, nr, C, off,   \
                             tidx);                                                       \
        }                                                                                 \
        return 0;                                                                         \
    }                                                                                     \
    static int FN(NAME##_rows)(void *ctx, int64_t c, int64_t a, int64_t b,                \
                               double *partial, void *scratch) {                          \
        const lf_act_args *A = (const lf_act_args *)ctx;                                  \
        const int64_t C = A->n_cols;                                                      \
        const T *x = (const T *)A->x, *g = (const T *)A->grad;                            \
        T *o = (T *)A->out;                                                               \
        (void)c; (void)partial; (void)scratch;                                            \
        for (int64_t r = a; r < b; r++)                                                   \
            FN(NAME##_row)(x + r * C, g ? g + r * C : NULL, o + r * C, C);                \
        return 0;                                                                         \
    }                                                                                     \
    static void FN(NAME)(const lf_act_args *A) {                                          \
        const int64_t n = A->n_rows, C = A->n_cols;                                       \
        if (n <= 0 || C <= 0) return;                                                     \
        if (C <= LF_RW_SMALL_C) {                                                         \
            const int64_t nb = (n + LF_RW_XR - 1) / LF_RW_XR;                             \
            lf_for_chunks(lf_plan_items(nb, LF_RW_XR * C), FN(NAME##_blocks), (void *)A); \
        } else {                                                                          \
            lf_for_chunks(lf_plan_items(n, C), FN(NAME##_rows), (void *)A);               \
        }                                                                                 \
    }

/* softmax: e_j = exp(x_j - m) with m the row max (no overflow for any input),
 * y_j = e_j / sum_k e_k. */
static void FN(softmax_row)(const T *x, const T *g, T *o, int64_t C) {
    (void)g;
    const T m = FN(rowmax)(x, C);
    double s = 0.0;
    LF_PRAGMA(omp simd reduction(+ : s))
    for (int64_t j = 0; j < C; j++) {
        const T e = LF_EXP(x[j] - m);
        o[j] = e;
        s += (double)e;
    }
    const T inv = (T)(1.0 / s);
    for (int64_t j = 0; j < C; j++) o[j] *= inv;
}

/* log_softmax: y_j = (x_j - m) - log1p(S), with sum_k exp(x_k - m) = 1 + S
 * summed without its leading 1 (accurate when one class dominates). */
static void FN(log_softmax_row)(const T *x, const T *g, T *o, int64_t C) {
    (void)g;
    const T m = FN(rowmax)(x, C);
    const T lse = LF_LOG1P((T)FN(expsum)(x, C, m, NULL));
    for (int64_t j = 0; j < C; j++) o[j] = (x[j] - m) - lse;
}

/* softmax backward from y = softmax(x): dx_j = y_j (g_j - sum_k g_k y_k). */
static void FN(softmax_backward_row)(const T *y, const T *g, T *o, int64_t C) {
    double d = 0.0;
    LF_PRAGMA(omp simd reduction(+ : d))
    for (int64_t j = 0; j < C; j++) d += (double)g[j] * (double)y[j];
    const T dt = (T)d;
    for (int64_t j = 0; j < C; j++) o[j] = y[j] * (g[j] - dt);
}

/* log_softmax backward from y = log_softmax(x): dx_j = g_j - exp(y_j) sum_k g_k. */
static void FN(log_softmax_backward_row)(const T *y, const T *g, T *o, int64_t C) {
    double d = 0.0;
    LF_PRAGMA(omp simd reduction(+ : d))
    for (int64_t j = 0; j < C; j++) d += (double)g[j];
    const T dt = (T)d;
    for (int64_t j = 0; j < C; j++) o[j] = g[j] - LF_EXP(y[j]) * dt;
}

/* The same four on a block of nr rows of few classes (transposed), two
 * shared bodies specialised by a constant LOG (log_softmax or softmax). */
LF_INLINE void FN(softmax_any_block)(const T *x, T *o, int64_t nr, int64_t C,
                                     const int32_t *off, const int32_t *tidx, const int LOG) {
    T X[LF_RW_XR * LF_RW_SMALL_C], m[LF_RW_XR], S[LF_RW_XR];
    FN(xr_load)(x, nr, C, off, X);
    FN(xr_max)(X, nr, C, m);
    FN(xr_expsum)(X, nr, C, m, S, !LOG);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) S[r] = LOG ? LF_LOG1P(S[r]) : (T)1 / ((T)1 + S[r]);
    for (int64_t j = 0; j < C; j++) {
        T *Xj = X + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) Xj[r] = LOG ? (Xj[r] - m[r]) - S[r] : Xj[r] * S[r];
    }
    FN(xr_store)(X, nr, C, tidx, o);
}

/* softmax: y_j (g_j - sum_k g_k y_k); log_softmax: g_j - exp(y_j) sum_k g_k. */
LF_INLINE void FN(softmax_any_backward_block)(const T *y, const T *g, T *o, int64_t nr,
                                              int64_t C, const int32_t *off,
                                              const int32_t *tidx, const int LOG) {
    T Y[LF_RW_XR * LF_RW_SMALL_C], G[LF_RW_XR * LF_RW_SMALL_C], d[LF_RW_XR];
    FN(xr_load)(y, nr, C, off, Y);
    FN(xr_load)(g, nr, C, off, G);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) d[r] = 0;
    for (int64_t j = 0; j < C; j++) {
        const T *Yj = Y + j * LF_RW_XR, *Gj = G + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) d[r] += LOG ? Gj[r] : Gj[r] * Yj[r];
    }
    for (int64_t j = 0; j < C; j++) {
        T *Yj = Y + j * LF_RW_XR;
        const T *Gj = G + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++)
            Yj[r] = LOG ? Gj[r] - LF_EXP(Yj[r]) * d[r] : Yj[r] * (Gj[r] - d[r]);
    }
    FN(xr_store)(Y, nr, C, tidx, o);
}

#define LF_ACT_BLOCK(NAME, CALL)                                                          \
    static void FN(NAME##_block)(const T *x, const T *g, T *o, int64_t nr, int64_t C,     \
                                 const int32_t *off, const int32_t *tidx) {               \
        (void)g;                                                                          \
        CALL;                                                                             \
    }
LF_ACT_BLOCK(softmax, FN(softmax_any_block)(x, o, nr, C, off, tidx, 0))
LF_ACT_BLOCK(log_softmax, FN(softmax_any_block)(x, o, nr, C, off, tidx, 1))
LF_ACT_BLOCK(softmax_backward, FN(softmax_any_backward_block)(x, g, o, nr, C, off, tidx, 0))
LF_ACT_BLOCK(log_softmax_backward, FN(softmax_any_backward_block)(x, g, o, nr, C, off, tidx, 1))
#undef LF_ACT_BLOCK

LF_ACT_ROWS(softmax)
LF_ACT_ROWS(log_softmax)
LF_ACT_ROWS(softmax_backward)
LF_ACT_ROWS(log_softmax_backward)

#undef FN
