/* Row-wise loss kernels for one float type: a template included twice by
 * losses_rowwise.c, with T (float / double) and SFX (f32 / f64) defined.
 * (A template file rather than one big macro, so compiler diagnostics and the
 * vectoriser report point at real lines.)
 *
 * Every kernel is `static double NAME_rows_SFX(const lf_loss_args *A, a, b)`:
 * rows [a, b) of A, returns sum_r w_r loss_r in float64 and writes the
 * LF_ELEM / LF_GRAD outputs of those rows.  losses_rowwise.c runs it over
 * deterministic row chunks.  Rows of at most LF_RW_SMALL_C classes go through
 * the kernel's *_block form (transposed blocks of LF_RW_XR rows, SIMD across
 * rows: lf_rowblock_t.h), longer rows through its row form (SIMD along the
 * row); both compute the same formulas. */

#define FN(name) LF_CAT(LF_CAT(name, _), SFX)

#include "lf_rowblock_t.h"

/* ------------------------------------------------------------ row helpers */

/* --------------------------------- softmax cross-entropy, class indices */

/* One row, any C: loss = (m - z_y) + log1p(S),
 * g_j = gw e_j / (1 + S) for j != y, g_y = gw (expm1(z_y - m) - S) / (1 + S)
 * (= gw (softmax_y - 1) without cancellation). */
LF_INLINE double FN(sxs_row)(const T *restrict z, int64_t C, int64_t y, T *restrict g,
                             double gw, const int GRAD) {
    const T m = FN(rowmax)(z, C);
    const double S = FN(expsum)(z, C, m, GRAD ? g : NULL);
    const int ok = y >= 0 && y < C;
    const T zy = ok ? z[ok ? y : 0] : (T)NAN;
    const double l = (double)(m - zy) + (double)LF_LOG1P((T)S);
    if (GRAD) {
        const double s = 1.0 + S;
        const T sc = (T)(gw / s);
        LF_PRAGMA(omp simd)
        for (int64_t j = 0; j < C; j++) g[j] *= sc;
        if (ok) g[y] = (T)(gw * ((double)LF_EXPM1(zy - m) - S) / s);
    }
    return l;
}

/* ------------------------------------------- blocks of rows with few classes */

/* Scratch of one thread for the cross-row blocks (lf_rowblock_t.h): index
 * tables and two transposed blocks (predictions, targets). */
typedef struct FN(xr_work) {
    int32_t off[LF_RW_XR];
    int32_t tidx[LF_RW_XR * LF_RW_SMALL_C];
    T x[LF_RW_XR * LF_RW_SMALL_C];
    T y[LF_RW_XR * LF_RW_SMALL_C];
} FN(xr_work);

typedef double (*FN(xr_block_fn))(const lf_loss_args *A, int64_t r0, int64_t nr,
                                   FN(xr_work) *W);

/* Rows [a, b) in blocks of LF_RW_XR rows; returns the sum of the block sums. */
static double FN(xr_rows)(const lf_loss_args *A, int64_t a, int64_t b, FN(xr_block_fn) block) {
    FN(xr_work) W;
    FN(xr_tables)(A->n_cols, W.off, W.tidx);
    double acc = 0.0;
    for (int64_t r0 = a; r0 < b; r0 += LF_RW_XR)
        acc += block(A, r0, b - r0 < LF_RW_XR ? b - r0 : LF_RW_XR, &W);
    return acc;
}

/* The pointers of a block of nr rows starting at row r0; y_true holds
 * YT_STRIDE values of type YT_TYPE per row. */
#define LF_XR_BLOCK_PTRS(YT_TYPE, YT_STRIDE)                                               \
    const int64_t C = A->n_cols;                                                        \
    const YT_TYPE *yt = (const YT_TYPE *)A->y_true + r0 * (YT_STRIDE);                     \
    const T *yp = (const T *)A->y_pred + r0 * C;                                           \
    const T *w = A->weight ? (const T *)A->weight + r0 : NULL;                             \
    T *g = A->grad_out ? (T *)A->grad_out + r0 * C : NULL;                                 \
    T *lo = A->loss_out ? (T *)A->loss_out + r0 : NULL;                                    \
    const int mode = A->mode;                                                              \
    const int64_t nrv = LF_RW_NRV(nr); /* rows padded to whole registers */               \
    T wr[LF_RW_XR];                                                                        \
    for (int64_t r = 0; r < nr; r++) wr[r] = w ? w[r] : (T)1;                              \
    for (int64_t r = nr; r < nrv; r++) wr[r] = 0;

/* The weighted loss sum of a block and its LF_ELEM output. */
LF_INLINE double FN(xr_finish)(const T *restrict lr, const T *restrict wr, int64_t nr,
                               T *restrict lo, int mode) {
    double acc = 0.0;
    LF_PRAGMA(omp simd reduction(+ : acc))
    for (int64_t r = 0; r < nr; r++) acc += (double)wr[r] * (double)lr[r];
    if (mode & LF_ELEM) {
        for (int64_t r = 0; r < nr; r++) lo[r] = wr[r] * lr[r];
    }
    return acc;
}

/* The labels of a block as T (-1: out of range, and for the padding rows up to nrv). */
LF_INLINE void FN(xr_labels)(const int64_t *restrict yt, int64_t nr, int64_t nrv, int64_t C,
                             T *restrict lbt) {
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        const int64_t y = yt[r];
        /* through int32 (y < C <= LF_RW_SMALL_C): a vector conversion on AVX2 too */
        lbt[r] = (T)(y >= 0 && y < C ? (int32_t)y : (int32_t)-1);
    }
    for (int64_t r = nr; r < nrv; r++) lbt[r] = -1;
}

/* sxs_block's row computation in one pass for a constant C (LF_RW_FUSED), on
 * the transposed block x (nrv rows, replaced by the gradient); gw = the rows'
 * grad_scale w, lr = the rows' losses.  The same formulas, in the same order,
 * as the per-step passes of sxs_block. */
LF_INLINE void FN(sxs_fused)(T *restrict x, int64_t nrv, const int64_t C,
                             const T *restrict lbt, const T *restrict gw, T *restrict lr) {
    for (int64_t v = 0; v < nrv; v += LF_RW_VL) {
        LF_PRAGMA(omp simd)
        for (int64_t r = v; r < v + LF_RW_VL; r++) {
            const T m = FN(xr_lane_max)(x, r, C);
            T s = 0, cnt = 0, zy = (T)NAN;
            LF_PRAGMA(GCC unroll 16)
            for (int64_t j = 0; j < C; j++) {
                const T z = x[j * LF_RW_XR + r], d = z - m, e = LF_EXP_NEG(d);
                x[j * LF_RW_XR + r] = e;
                s += d == 0 ? (T)0 : e; /* a NaN d: e is NaN */
                cnt += d == 0 ? (T)1 : (T)0;
                zy = lbt[r] == (T)j ? z : zy;
            }
            const T S = s + (cnt - (T)1);
            lr[r] = (m - zy) + LF_LOG1P(S);
            const T sc = gw[r] / ((T)1 + S);
            const T gy = (LF_EXPM1(zy - m) - S) * sc;
            LF_PRAGMA(GCC unroll 16)
            for (int64_t j = 0; j < C; j++)
                x[j * LF_RW_XR + r] = lbt[r] == (T)j ? gy : x[j * LF_RW_XR + r] * sc;
        }
    }
}

static int FN(sxs_fused_c)(T *restrict x, int64_t nrv, int64_t C, const T *restrict lbt,
                           const T *restrict gw, T *restrict lr) {
#define LF_SXS_FUSED(c) FN(sxs_fused)(x, nrv, c, lbt, gw, lr)
    LF_RW_FUSED(C, LF_SXS_FUSED)
#undef LF_SXS_FUSED
}

/* Softmax cross-entropy with class indices, on a block: the formulas of sxs_row. */
static double FN(sxs_block)(const lf_loss_args *A, int64_t r0, int64_t nr, FN(xr_work) *W) {
    LF_XR_BLOCK_PTRS(int64_t, 1)
    T m[LF_RW_XR], S[LF_RW_XR], lr[LF_RW_XR], sc[LF_RW_XR], gy[LF_RW_XR], lbt[LF_RW_XR],
        zy[LF_RW_XR];
    FN(xr_load)(yp, nr, C, W->off, W->x);   /* streams the rows in; the rest runs in L1 */
    FN(xr_labels)(yt, nr, nrv, C, lbt);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nrv; r++) sc[r] = (T)A->grad_scale * wr[r];
    if (FN(sxs_fused_c)(W->x, nrv, C, lbt, sc, lr)) {
        if (mode & LF_GRAD) FN(xr_store)(W->x, nr, C, W->tidx, g);
        return FN(xr_finish)(lr, wr, nr, lo, mode);
    }
    for (int64_t r = 0; r < nr; r++) {
        const int64_t y = (int64_t)lbt[r];
        zy[r] = y >= 0 ? W->x[(y >= 0 ? y : 0) * LF_RW_XR + r] : (T)NAN;
    }
    FN(xr_max)(W->x, nr, C, m);
    FN(xr_expsum)(W->x, nr, C, m, S, 1);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        lr[r] = (m[r] - zy[r]) + LF_LOG1P(S[r]);
        const T s = (T)1 + S[r];
        const T gw = (T)A->grad_scale * wr[r];
        sc[r] = gw / s; /* one division per row serves both */
        gy[r] = (LF_EXPM1(zy[r] - m[r]) - S[r]) * sc[r];
    }
    if (mode & LF_GRAD) {
        for (int64_t j = 0; j < C; j++) {
            T *restrict xj = W->x + j * LF_RW_XR;
            const T tj = (T)j;
            LF_PRAGMA(omp simd)
            for (int64_t r = 0; r < nr; r++) xj[r] = lbt[r] == tj ? gy[r] : xj[r] * sc[r];
        }
        FN(xr_store)(W->x, nr, C, W->tidx, g);
    }
    return FN(xr_finish)(lr, wr, nr, lo, mode);
}

static double FN(softmax_xent_sparse_rows)(const lf_loss_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_cols;
    if (C <= LF_RW_SMALL_C) return FN(xr_rows)(A, a, b, FN(sxs_block));
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *z = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const double gs = A->grad_scale;
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const double wr = LF_ROW_WEIGHT(w, r);
        const double l = GRAD ? FN(sxs_row)(z + r * C, C, lab[r], go + r * C, gs * wr, 1)
                              : FN(sxs_row)(z + r * C, C, lab[r], NULL, 0.0, 0);
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ------------------------------- softmax cross-entropy, dense targets */

/* keep = 1 - label_smoothing, add = label_smoothing / C; tt_j = t_j keep + add,
 * Tt = sum_j tt_j: loss = sum_j tt_j (m - z_j) + Tt log1p(S),
 * g_j = gw (e_j Tt - tt_j - tt_j S) / (1 + S)  (= gw (softmax_j Tt - tt_j)). */
/* The label smoothing of dense targets: tt = t keep + add. */
#define LF_RW_SMOOTHING(A)                                                                 \
    const T keep = (T)(1.0 - (A)->params->label_smoothing);                                \
    const T add = (T)((A)->n_cols ? (A)->params->label_smoothing / (double)(A)->n_cols \
                                     : 0.0);

/* tt = t keep + add of a block (label smoothing), transposed into W->y. */
LF_INLINE void FN(xr_targets)(const lf_loss_args *A, const T *restrict t, int64_t nr,
                              FN(xr_work) *W) {
    const int64_t C = A->n_cols;
    LF_RW_SMOOTHING(A)
    FN(xr_load)(t, nr, C, W->off, W->y);
    for (int64_t j = 0; j < C; j++) {
        T *restrict yj = W->y + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) yj[r] = yj[r] * keep + add;
    }
}

/* sx_block's row computation in one pass for a constant C (LF_RW_FUSED): x the
 * transposed logits (replaced by the gradient), y the transposed raw targets
 * (smoothed here: tt = y keep + add), gw = grad_scale w.  The formulas and
 * summation order of sx_block's per-step passes. */
LF_INLINE void FN(sx_fused)(T *restrict x, const T *restrict y, int64_t nrv, const int64_t C,
                            const T keep, const T add, const T *restrict gw,
                            T *restrict lr) {
    for (int64_t v = 0; v < nrv; v += LF_RW_VL) {
        LF_PRAGMA(omp simd)
        for (int64_t r = v; r < v + LF_RW_VL; r++) {
            const T m = FN(xr_lane_max)(x, r, C);
            T ts = 0, tz = 0, s = 0, cnt = 0;
            LF_PRAGMA(GCC unroll 16)
            for (int64_t j = 0; j < C; j++) {
                const T z = x[j * LF_RW_XR + r], tt = y[j * LF_RW_XR + r] * keep + add;
                ts += tt;
                const T u = tt * (m - z); /* 0 when tt == 0, even for a -inf logit */
                tz += tt != 0 ? u : (T)0;
                const T d = z - m, e = LF_EXP_NEG(d);
                x[j * LF_RW_XR + r] = e;
                s += d == 0 ? (T)0 : e; /* a NaN d: e is NaN */
                cnt += d == 0 ? (T)1 : (T)0;
            }
            const T S = s + (cnt - (T)1);
            lr[r] = tz + ts * LF_LOG1P(S);
            const T sc = gw[r] / ((T)1 + S);
            LF_PRAGMA(GCC unroll 16)
            for (int64_t j = 0; j < C; j++) {
                const T tt = y[j * LF_RW_XR + r] * keep + add;
                x[j * LF_RW_XR + r] = sc * ((x[j * LF_RW_XR + r] * ts - tt) - tt * S);
            }
        }
    }
}

static int FN(sx_fused_c)(T *restrict x, const T *restrict y, int64_t nrv, int64_t C,
                          const T keep, const T add, const T *restrict gw, T *restrict lr) {
#define LF_SX_FUSED(c) FN(sx_fused)(x, y, nrv, c, keep, add, gw, lr)
    LF_RW_FUSED(C, LF_SX_FUSED)
#undef LF_SX_FUSED
}

static double FN(sx_block)(const lf_loss_args *A, int64_t r0, int64_t nr, FN(xr_work) *W) {
    LF_XR_BLOCK_PTRS(T, C)
    T m[LF_RW_XR], S[LF_RW_XR], lr[LF_RW_XR], ts[LF_RW_XR], tz[LF_RW_XR], sc[LF_RW_XR];
    {
        LF_RW_SMOOTHING(A)
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nrv; r++) sc[r] = (T)A->grad_scale * wr[r];
        FN(xr_load)(yp, nr, C, W->off, W->x);
        FN(xr_load)(yt, nr, C, W->off, W->y);
        if (FN(sx_fused_c)(W->x, W->y, nrv, C, keep, add, sc, lr)) {
            if (mode & LF_GRAD) FN(xr_store)(W->x, nr, C, W->tidx, g);
            return FN(xr_finish)(lr, wr, nr, lo, mode);
        }
    }
    FN(xr_targets)(A, yt, nr, W);
    FN(xr_max)(W->x, nr, C, m);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) ts[r] = tz[r] = 0;
    for (int64_t j = 0; j < C; j++) {
        const T *restrict xj = W->x + j * LF_RW_XR, *restrict yj = W->y + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) {
            const T tt = yj[r];
            ts[r] += tt;
            const T v = tt * (m[r] - xj[r]); /* 0 when tt == 0, even for a -inf logit */
            tz[r] += tt != 0 ? v : (T)0;
        }
    }
    FN(xr_expsum)(W->x, nr, C, m, S, 1);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        lr[r] = tz[r] + ts[r] * LF_LOG1P(S[r]);
        sc[r] = (T)A->grad_scale * wr[r] / ((T)1 + S[r]);
    }
    if (mode & LF_GRAD) {
        for (int64_t j = 0; j < C; j++) {
            T *restrict xj = W->x + j * LF_RW_XR;
            const T *restrict yj = W->y + j * LF_RW_XR;
            LF_PRAGMA(omp simd)
            for (int64_t r = 0; r < nr; r++)
                xj[r] = sc[r] * ((xj[r] * ts[r] - yj[r]) - yj[r] * S[r]);
        }
        FN(xr_store)(W->x, nr, C, W->tidx, g);
    }
    return FN(xr_finish)(lr, wr, nr, lo, mode);
}

static double FN(softmax_xent_rows)(const lf_loss_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_cols;
    if (C <= LF_RW_SMALL_C) return FN(xr_rows)(A, a, b, FN(sx_block));
    const T *t = (const T *)A->y_true, *z = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    LF_RW_SMOOTHING(A)
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict zr = z + r * C, *restrict tr = t + r * C;
        T *restrict gr = GRAD ? go + r * C : NULL;
        const double wr = LF_ROW_WEIGHT(w, r);
        const T m = FN(rowmax)(zr, C);
        double s = 0.0, cnt = 0.0, tsum = 0.0, tz = 0.0;
        LF_PRAGMA(omp simd reduction(+ : s, cnt, tsum, tz))
        for (int64_t j = 0; j < C; j++) {
            const T d = zr[j] - m;
            const T e = LF_EXP(d);
            const T tt = tr[j] * keep + add;
            if (GRAD) gr[j] = e;
            s += (double)(d < 0 ? e : (d == 0 ? (T)0 : d));
            cnt += d == 0 ? 1.0 : 0.0;
            tsum += (double)tt;
            const T v = -tt * d; /* 0 when tt == 0, even for a -inf logit */
            tz += (double)(tt != 0 ? v : (T)0);
        }
        const double S = s + (cnt - 1.0);
        const double l = tz + tsum * (double)LF_LOG1P((T)S);
        if (GRAD) {
            const T TT = (T)tsum, ST = (T)S, sc = (T)(A->grad_scale * wr / (1.0 + S));
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) {
                const T tt = tr[j] * keep + add;
                gr[j] = sc * ((gr[j] * TT - tt) - tt * ST);
            }
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ----------------------------------- cross-entropy of probabilities (Keras) */

/* Dense targets: q_j = p_j / P (P = row sum), qc_j = clip(q_j, eps, 1 - eps),
 * tt_j = t_j keep + add, loss = -sum_j tt_j log qc_j; with a_j = tt_j / q_j where
 * q_j is inside the clip range (else 0) and A = sum_j tt_j over those j,
 * g_k = gw (A - a_k) / P. */
static double FN(ccep_block)(const lf_loss_args *A, int64_t r0, int64_t nr, FN(xr_work) *W) {
    LF_XR_BLOCK_PTRS(T, C)
    const T lo_c = (T)LF_PEPS, hi_c = (T)(1.0 - LF_PEPS);
    T inv[LF_RW_XR], L[LF_RW_XR], Ain[LF_RW_XR], lr[LF_RW_XR];
    FN(xr_targets)(A, yt, nr, W);
    FN(xr_load)(yp, nr, C, W->off, W->x);
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) inv[r] = L[r] = Ain[r] = 0;
    for (int64_t j = 0; j < C; j++) {
        const T *restrict xj = W->x + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) inv[r] += xj[r];
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) inv[r] = (T)1 / inv[r];
    for (int64_t j = 0; j < C; j++) {
        const T *restrict xj = W->x + j * LF_RW_XR, *restrict yj = W->y + j * LF_RW_XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) {
            const T q = xj[r] * inv[r];
            const T qc = q < lo_c ? lo_c : (q > hi_c ? hi_c : q);
            L[r] += yj[r] * LF_LOG(qc);
            Ain[r] += q >= lo_c && q <= hi_c ? yj[r] : (T)0;
        }
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) lr[r] = -L[r];
    if (mode & LF_GRAD) {
        for (int64_t j = 0; j < C; j++) {
            T *restrict xj = W->x + j * LF_RW_XR;
            const T *restrict yj = W->y + j * LF_RW_XR;
            LF_PRAGMA(omp simd)
            for (int64_t r = 0; r < nr; r++) {
                const T q = xj[r] * inv[r];
                const int in = q >= lo_c && q <= hi_c;
                const T ak = yj[r] / (in ? q : (T)1);
                const T sc = (T)A->grad_scale * wr[r] * inv[r];
                xj[r] = sc * (Ain[r] - (in ? ak : LF_NAN_OR_ZERO(T, q)));
            }
        }
        FN(xr_store)(W->x, nr, C, W->tidx, g);
    }
    return FN(xr_finish)(lr, wr, nr, lo, mode);
}

static double FN(cce_prob_rows)(const lf_loss_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_cols;
    if (C <= LF_RW_SMALL_C) return FN(xr_rows)(A, a, b, FN(ccep_block));
    const T *t = (const T *)A->y_true, *p = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    LF_RW_SMOOTHING(A)
    const T lo_c = (T)LF_PEPS, hi_c = (T)(1.0 - LF_PEPS);
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict pr = p + r * C, *restrict tr = t + r * C;
        const double wr = LF_ROW_WEIGHT(w, r);
        double P = 0.0;
        LF_PRAGMA(omp simd reduction(+ : P))
        for (int64_t j = 0; j < C; j++) P += (double)pr[j];
        const T inv = (T)(1.0 / P);
        double L = 0.0, Ain = 0.0;
        LF_PRAGMA(omp simd reduction(+ : L, Ain))
        for (int64_t j = 0; j < C; j++) {
            const T q = pr[j] * inv;
            const T qc = q < lo_c ? lo_c : (q > hi_c ? hi_c : q);
            const T tt = tr[j] * keep + add;
            L += (double)(tt * LF_LOG(qc));
            Ain += (double)(q >= lo_c && q <= hi_c ? tt : (T)0);
        }
        const double l = -L;
        if (GRAD) {
            T *restrict gr = go + r * C;
            const T AT = (T)Ain, sc = (T)(A->grad_scale * wr) * inv;
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) {
                const T q = pr[j] * inv;
                const T tt = tr[j] * keep + add;
                const int in = q >= lo_c && q <= hi_c;
                const T ak = tt / (in ? q : (T)1);
                gr[j] = sc * (AT - (in ? ak : (q == q ? (T)0 : q)));
            }
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* Class indices: q = p_y / P, loss = -log clip(q); inside the clip range
 * g_j = gw / P for j != y and g_y = -gw (P - p_y) / (P p_y), else 0. */
static double FN(ccesp_block)(const lf_loss_args *A, int64_t r0, int64_t nr, FN(xr_work) *W) {
    LF_XR_BLOCK_PTRS(int64_t, 1)
    const T lo_c = (T)LF_PEPS, hi_c = (T)(1.0 - LF_PEPS);
    T lbt[LF_RW_XR], py[LF_RW_XR], Po[LF_RW_XR], lr[LF_RW_XR], gj[LF_RW_XR], gy[LF_RW_XR];
    FN(xr_load)(yp, nr, C, W->off, W->x);
    for (int64_t r = 0; r < nr; r++) {
        const int64_t y = yt[r];
        const int ok = y >= 0 && y < C;
        lbt[r] = ok ? (T)y : (T)-1;
        py[r] = ok ? W->x[(ok ? y : 0) * LF_RW_XR + r] : (T)NAN;
        Po[r] = 0;
    }
    for (int64_t j = 0; j < C; j++) {
        const T *restrict xj = W->x + j * LF_RW_XR;
        const T tj = (T)j;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) {
            const T v = xj[r]; /* loaded unconditionally: a select, not a branch */
            Po[r] += lbt[r] != tj ? v : (T)0;
        }
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        const T P = Po[r] + py[r];
        const T q = py[r] / P;
        const T qc = q < lo_c ? lo_c : (q > hi_c ? hi_c : q);
        lr[r] = -LF_LOG(qc);
        const int in = q >= lo_c && q <= hi_c;
        const T gw = (T)A->grad_scale * wr[r];
        const T nanq = LF_NAN_OR_ZERO(T, q);
        gj[r] = in ? gw / P : nanq;
        gy[r] = in ? -gw * Po[r] / (P * py[r]) : nanq;
    }
    if (mode & LF_GRAD) {
        for (int64_t j = 0; j < C; j++) {
            T *restrict xj = W->x + j * LF_RW_XR;
            const T tj = (T)j;
            LF_PRAGMA(omp simd)
            for (int64_t r = 0; r < nr; r++) xj[r] = lbt[r] == tj ? gy[r] : gj[r];
        }
        FN(xr_store)(W->x, nr, C, W->tidx, g);
    }
    return FN(xr_finish)(lr, wr, nr, lo, mode);
}

static double FN(cce_prob_sparse_rows)(const lf_loss_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_cols;
    if (C <= LF_RW_SMALL_C) return FN(xr_rows)(A, a, b, FN(ccesp_block));
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *p = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const T lo_c = (T)LF_PEPS, hi_c = (T)(1.0 - LF_PEPS);
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict pr = p + r * C;
        const double wr = LF_ROW_WEIGHT(w, r);
        const int64_t y = lab[r];
        const int ok = y >= 0 && y < C;
        const T py = ok ? pr[ok ? y : 0] : (T)NAN;
        const int64_t yc = ok ? y : C; /* the other classes: [0, yc) and (yc, C) */
        double Po = 0.0;
        LF_PRAGMA(omp simd reduction(+ : Po))
        for (int64_t j = 0; j < yc; j++) Po += (double)pr[j];
        LF_PRAGMA(omp simd reduction(+ : Po))
        for (int64_t j = yc + 1; j < C; j++) Po += (double)pr[j];
        const double P = Po + (double)py;
        const T q = (T)((double)py / P);
        const T qc = q < lo_c ? lo_c : (q > hi_c ? hi_c : q);
        const double l = -(double)LF_LOG(qc);
        if (GRAD) {
            T *restrict gr = go + r * C;
            const int in = q >= lo_c && q <= hi_c;
            const T nanq = q == q ? (T)0 : q;
            const T gj = in ? (T)(A->grad_scale * wr / P) : nanq;
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) gr[j] = gj;
            if (ok) gr[y] = in ? (T)(-A->grad_scale * wr * Po / (P * (double)py)) : nanq;
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ------------------------------------------- multi-class hinge (PyTorch) */

/* loss = sum_{j != y} max(0, (f_j - f_y) + margin) / C (the difference first, so
 * that close float32 scores do not round the margin away);
 * g_j = gw / C where that term is positive (j != y), g_y = -gw k / C with k
 * the number of positive terms. */
static double FN(mm_block)(const lf_loss_args *A, int64_t r0, int64_t nr, FN(xr_work) *W) {
    LF_XR_BLOCK_PTRS(int64_t, 1)
    const T margin = (T)A->params->margin, invC = (T)(1.0 / (double)C);
    T fy[LF_RW_XR], lbt[LF_RW_XR], L[LF_RW_XR], k[LF_RW_XR], lr[LF_RW_XR];
    FN(xr_load)(yp, nr, C, W->off, W->x);
    for (int64_t r = 0; r < nr; r++) {
        const int64_t y = yt[r];
        const int ok = y >= 0 && y < C;
        lbt[r] = ok ? (T)y : (T)-1;
        fy[r] = ok ? W->x[(ok ? y : 0) * LF_RW_XR + r] : (T)NAN;
        L[r] = k[r] = 0;
    }
    for (int64_t j = 0; j < C; j++) {
        const T *restrict xj = W->x + j * LF_RW_XR;
        const T tj = (T)j;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) {
            const T v = (xj[r] - fy[r]) + margin; /* f_j - f_y first: exact for close scores */
            const int other = lbt[r] != tj;
            L[r] += other ? (v <= 0 ? (T)0 : v) : (T)0;
            k[r] += (other && v > 0) ? (T)1 : (T)0;
        }
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) lr[r] = L[r] * invC;
    if (mode & LF_GRAD) {
        for (int64_t j = 0; j < C; j++) {
            T *restrict xj = W->x + j * LF_RW_XR;
            const T tj = (T)j;
            LF_PRAGMA(omp simd)
            for (int64_t r = 0; r < nr; r++) {
                const T one = (T)A->grad_scale * wr[r] * invC;
                const T v = (xj[r] - fy[r]) + margin; /* f_j - f_y first: exact for close scores */
                const T gy = fy[r] == fy[r] ? -(one * k[r]) : fy[r];
                xj[r] = lbt[r] == tj ? gy : (v > 0 ? one : LF_NAN_OR_ZERO(T, v));
            }
        }
        FN(xr_store)(W->x, nr, C, W->tidx, g);
    }
    return FN(xr_finish)(lr, wr, nr, lo, mode);
}

static double FN(multi_margin_rows)(const lf_loss_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_cols;
    if (C <= LF_RW_SMALL_C) return FN(xr_rows)(A, a, b, FN(mm_block));
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *f = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const T margin = (T)A->params->margin;
    const double invC = 1.0 / (double)C;
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict fr = f + r * C;
        const double wr = LF_ROW_WEIGHT(w, r);
        const int64_t y = lab[r];
        const int ok = y >= 0 && y < C;
        const T fy = ok ? fr[ok ? y : 0] : (T)NAN;
        const int64_t yc = ok ? y : C; /* the terms j != y: [0, yc) and (yc, C) */
        double L = 0.0, k = 0.0;
        LF_PRAGMA(omp simd reduction(+ : L, k))
        for (int64_t j = 0; j < yc; j++) {
            const T v = (fr[j] - fy) + margin;
            L += (double)(v <= 0 ? (T)0 : v);
            k += v > 0 ? 1.0 : 0.0;
        }
        LF_PRAGMA(omp simd reduction(+ : L, k))
        for (int64_t j = yc + 1; j < C; j++) {
            const T v = (fr[j] - fy) + margin;
            L += (double)(v <= 0 ? (T)0 : v);
            k += v > 0 ? 1.0 : 0.0;
        }
        const double l = L * invC;
        if (GRAD) {
            T *restrict gr = go + r * C;
            const T one = (T)(A->grad_scale * wr * invC);
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) {
                const T v = (fr[j] - fy) + margin;
                gr[j] = v > 0 ? one : LF_NAN_OR_ZERO(T, v);
            }
            if (ok) gr[y] = fy == fy ? (T)(-(double)one * k) : fy;
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ------------------------------------------------ 0-1 loss of argmax scores */

/* loss = [argmax_j f_j != y] (first maximum, as numpy.argmax); NaN if the row
 * holds a NaN.  No gradient. */
static double FN(zero_one_argmax_rows)(const lf_loss_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_cols;
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *f = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out;
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict fr = f + r * C;
        const double wr = LF_ROW_WEIGHT(w, r);
        T m = fr[0];
        int64_t im = 0;
        int nan = fr[0] != fr[0];
        for (int64_t j = 1; j < C; j++) {
            if (fr[j] > m) {
                m = fr[j];
                im = j;
            }
            nan |= fr[j] != fr[j];
        }
        const double l = nan ? (double)NAN : (double)(im != lab[r]);
        if (A->mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

#undef FN
