/* Coordinate descent kernels for the elastic net, L1-penalised quadratic
 * models (proximal Newton) and non-negative least squares; see
 * coordinate_descent.h for the problems and the stopping rules.
 *
 * The passes over X (moments, Gram columns) are blocked and parallel over
 * row chunks whose layout depends only on n; each chunk accumulates in
 * float64 and chunk results are added in chunk order (bit-identical for any
 * thread count).  The CD loops are sequential by nature; their O(d) / O(n)
 * inner loops are plain loops the compiler vectorises.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "coordinate_descent.h"
#include "lf_tile.h"

#define CD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CD_MAX(a, b) ((a) > (b) ? (a) : (b))
#define CD_MAX_CHUNKS 64

static int64_t cd_nchunks(int64_t nblocks, int64_t width) {
    int64_t nch = CD_MIN(nblocks, (int64_t)CD_MAX_CHUNKS);
    int64_t cap = ((int64_t)64 << 20) / (CD_MAX(width, 1) * (int64_t)sizeof(double));
    nch = CD_MIN(nch, CD_MAX(cap, 1));
    return CD_MAX(nch, 1);
}

static int cd_threads(int64_t work, int64_t nch) {
    int nt = lf_threads_for(work);
    return (int)CD_MIN((int64_t)nt, nch);
}

static void *cd_aligned_alloc(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    return p;
}

/* xorshift64*: the random coordinate of "random" selection. */
static inline uint64_t cd_rand(uint64_t *s) {
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (x * 0x2545F4914F6CDD1Dull) >> 11;
}

static inline double cd_soft(double z, double t) {
    return z > t ? z - t : (z < -t ? z + t : 0.0);
}

/* scikit-learn's duality gap of P(w) = 1/2 rr + beta/2 l2sq + alpha l1:
 * formulation A (alpha > 0) with the dual point R * min(1, alpha / dual_norm),
 * formulation B (alpha = 0 < beta) and ||X^T R||^2 for alpha = beta = 0.
 * dual_norm = max_j |X_j^T R - beta w_j| (max without |.| if positive);
 * xtr_sq = ||X^T R||^2 (only used when alpha = 0). */
static double cd_gap(double alpha, double beta, double l1, double l2sq, double rr, double ry,
                     double dual_norm, double xtr_sq) {
    if (alpha == 0.0) {
        if (beta == 0.0) return xtr_sq;
        return rr + 0.5 * beta * l2sq - ry + xtr_sq / (2.0 * beta);
    }
    const double primal = 0.5 * (rr + beta * l2sq) + alpha * l1;
    const double scale = dual_norm > alpha ? alpha / dual_norm : 1.0;
    const double dual = -0.5 * scale * scale * (rr + beta * l2sq) + scale * ry;
    return primal - dual;
}

/* ------------------------------------------------------------- moments */

#define CD_ROWS 256

#define CD_DATA_LOOPS(T, SFX)                                                                \
    /* The moments of m rows, four rows per sweep over the features (one load and   \
     * store of the accumulators for four rows).  XY is k x d here. */              \
    static void cd_moments_rows_##SFX(const T *restrict X, const T *restrict Y,            \
                                      const T *restrict W, int64_t m, int64_t d, int64_t k, \
                                      const double *restrict s, double *restrict S1,       \
                                      double *restrict S2, double *restrict XY,            \
                                      double *restrict sw) {                                 \
        int64_t i = 0;                                                                      \
        for (; i + 4 <= m; i += 4) {                                                        \
            const T *restrict x0 = X + i * d, *restrict x1 = x0 + d;                        \
            const T *restrict x2 = x1 + d, *restrict x3 = x2 + d;                           \
            const double w0 = W ? (double)W[i] : 1.0, w1 = W ? (double)W[i + 1] : 1.0;      \
            const double w2 = W ? (double)W[i + 2] : 1.0, w3 = W ? (double)W[i + 3] : 1.0;  \
            *sw += (w0 + w1) + (w2 + w3);                                                   \
            LF_PRAGMA(omp simd)                                                             \
            for (int64_t j = 0; j < d; j++) {                                               \
                const double sj = s[j];                                           \
                const double v0 = (double)x0[j] - sj, v1 = (double)x1[j] - sj;              \
                const double v2 = (double)x2[j] - sj, v3 = (double)x3[j] - sj;              \
                const double u0 = w0 * v0, u1 = w1 * v1, u2 = w2 * v2, u3 = w3 * v3;        \
                S1[j] += (u0 + u1) + (u2 + u3);                                             \
                S2[j] += (u0 * v0 + u1 * v1) + (u2 * v2 + u3 * v3);                         \
            }                                                                               \
            for (int64_t c = 0; c < k; c++) {                                               \
                const double sc = s[d + c];                                       \
                const double y0 = (double)Y[i * k + c] - sc, y1 = (double)Y[(i + 1) * k + c] - sc; \
                const double y2 = (double)Y[(i + 2) * k + c] - sc, y3 = (double)Y[(i + 3) * k + c] - sc; \
                const double a0 = w0 * y0, a1 = w1 * y1, a2 = w2 * y2, a3 = w3 * y3;        \
                S1[d + c] += (a0 + a1) + (a2 + a3);                                         \
                S2[d + c] += (a0 * y0 + a1 * y1) + (a2 * y2 + a3 * y3);                     \
                double *restrict xy = XY + c * d;                                           \
                LF_PRAGMA(omp simd)                                                         \
                for (int64_t j = 0; j < d; j++) {                                           \
                    const double sj = s[j];                                       \
                    xy[j] += (a0 * ((double)x0[j] - sj) + a1 * ((double)x1[j] - sj)) +      \
                             (a2 * ((double)x2[j] - sj) + a3 * ((double)x3[j] - sj));       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
        for (; i < m; i++) {                                                                \
            const T *restrict x = X + i * d;                                                \
            const double wi = W ? (double)W[i] : 1.0;                                       \
            *sw += wi;                                                                      \
            LF_PRAGMA(omp simd)                                                             \
            for (int64_t j = 0; j < d; j++) {                                               \
                const double v = (double)x[j] - s[j];                           \
                S1[j] += wi * v;                                                            \
                S2[j] += wi * v * v;                                                        \
            }                                                                               \
            for (int64_t c = 0; c < k; c++) {                                               \
                const double yv = (double)Y[i * k + c] - (s[d + c]);              \
                const double wy = wi * yv;                                                  \
                S1[d + c] += wy;                                                            \
                S2[d + c] += wy * yv;                                                       \
                double *restrict xy = XY + c * d;                                           \
                LF_PRAGMA(omp simd)                                                         \
                for (int64_t j = 0; j < d; j++)                                             \
                    xy[j] += wy * ((double)x[j] - s[j]);                        \
            }                                                                               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    static double cd_dot_##SFX(const T *restrict x, const double *restrict r, int64_t n) {  \
        double s = 0.0;                                                                     \
        LF_PRAGMA(omp simd reduction(+ : s))                                                \
        for (int64_t i = 0; i < n; i++) s += (double)x[i] * r[i];                           \
        return s;                                                                           \
    }                                                                                       \
                                                                                            \
    static void cd_axpy_##SFX(double a, const T *restrict x, double *restrict r, int64_t n) { \
        LF_PRAGMA(omp simd)                                                                 \
        for (int64_t i = 0; i < n; i++) r[i] += a * (double)x[i];                           \
    }

CD_DATA_LOOPS(float, f32)
CD_DATA_LOOPS(double, f64)

LF_INLINE int cd_moments(const lf_cd_moments_args *A, const int F32) {
    const int64_t n = A->n, d = A->d, k = A->k, ts = F32 ? 4 : 8;
    const int64_t width = 2 * (d + k) + k * d + 1;
    memset(A->sum_out, 0, (size_t)(d + k) * sizeof(double));
    memset(A->sq_out, 0, (size_t)(d + k) * sizeof(double));
    memset(A->xy_out, 0, (size_t)(d * k) * sizeof(double));
    *A->sumw_out = 0.0;
    if (n <= 0) return 0;
    const int64_t nblocks = (n + CD_ROWS - 1) / CD_ROWS;
    const int64_t nch = cd_nchunks(nblocks, width);
    double *part = calloc((size_t)(nch * width), sizeof(double));
    double *zeros = A->shift ? NULL : calloc((size_t)(d + k), sizeof(double));
    const double *shift = A->shift ? A->shift : zeros;
    if (!part || !shift) {
        free(part), free(zeros);
        return -1;
    }
    const int nt = cd_threads(n * (d + 1) * (k + 1), nch);
    LF_PRAGMA(omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1))
    for (int64_t c = 0; c < nch; c++) {
        double *S1 = part + c * width, *S2 = S1 + d + k, *XY = S2 + d + k, *sw = XY + k * d;
        const int64_t r0 = (c * nblocks / nch) * CD_ROWS;
        const int64_t r1 = CD_MIN(((c + 1) * nblocks / nch) * CD_ROWS, n);
        const char *Xb = (const char *)A->X + r0 * d * ts;
        const char *Yb = (const char *)A->Y + r0 * k * ts;
        const char *Wb = A->weight ? (const char *)A->weight + r0 * ts : NULL;
        if (F32)
            cd_moments_rows_f32((const float *)Xb, (const float *)Yb, (const float *)Wb, r1 - r0,
                                d, k, shift, S1, S2, XY, sw);
        else
            cd_moments_rows_f64((const double *)Xb, (const double *)Yb, (const double *)Wb,
                                r1 - r0, d, k, shift, S1, S2, XY, sw);
    }
    for (int64_t c = 0; c < nch; c++) {
        const double *S1 = part + c * width, *S2 = S1 + d + k, *XY = S2 + d + k,
                     *sw = XY + k * d;
        for (int64_t j = 0; j < d + k; j++) {
            A->sum_out[j] += S1[j];
            A->sq_out[j] += S2[j];
        }
        for (int64_t j = 0; j < d; j++)
            for (int64_t t = 0; t < k; t++) A->xy_out[j * k + t] += XY[t * d + j];
        *A->sumw_out += *sw;
    }
    free(part);
    free(zeros);
    return 0;
}

static int cd_moments_f32(const lf_cd_moments_args *A) { return cd_moments(A, 1); }
static int cd_moments_f64(const lf_cd_moments_args *A) { return cd_moments(A, 0); }

/* ---------------------------------------------------------- Gram columns */

/* P[r * ldp + i] = v * (x_i,idx[r] - s_idx[r]) for the m rows of a block (v = w_i or
 * 1; index d is the column of ones, not shifted), 0 for rows m..mp. */
#define CD_GATHER(T, SFX)                                                                    \
    static void cd_gather_##SFX(const T *restrict X, int64_t m, int64_t mp, int64_t d,      \
                                const int64_t *restrict idx, int64_t nidx,                  \
                                const double *restrict s, const double *restrict w,         \
                                double *restrict P, int64_t ldp) {                          \
        for (int64_t i = 0; i < m; i++) {                                                   \
            const T *restrict x = X + i * d;                                                \
            const double wi = w ? w[i] : 1.0;                                               \
            if (idx) {                                                                      \
                for (int64_t r = 0; r < nidx; r++) {                                        \
                    const int64_t j = idx[r];                                               \
                    P[r * ldp + i] = j < d ? wi * ((double)x[j] - s[j]) : wi;               \
                }                                                                           \
            } else {                                                                        \
                for (int64_t r = 0; r < nidx; r++) P[r * ldp + i] = wi * ((double)x[r] - s[r]); \
            }                                                                               \
        }                                                                                   \
        for (int64_t r = 0; r < nidx; r++)                                                  \
            for (int64_t i = m; i < mp; i++) P[r * ldp + i] = 0.0;                          \
    }
CD_GATHER(float, f32)
CD_GATHER(double, f64)

LF_INLINE int cd_gram_cols(const lf_cd_gram_cols_args *A, const int F32) {
    const int64_t n = A->n, d = A->d, m = A->m, ts = F32 ? 4 : 8;
    const int64_t nr = A->rows ? A->nr : d;
    memset(A->out, 0, (size_t)(m * nr) * sizeof(double));
    if (n <= 0 || m <= 0 || nr <= 0) return 0;
    for (int64_t s = 0; s < m; s++)
        if (A->cols[s] < 0 || A->cols[s] > d) return -2;
    if (A->rows)
        for (int64_t r = 0; r < nr; r++)
            if (A->rows[r] < 0 || A->rows[r] > d) return -2;
    /* a symmetric block (the same features on both sides): upper tiles only */
    int sym = A->rows != NULL && nr == m;
    for (int64_t s = 0; sym && s < m; s++) sym = A->rows[s] == A->cols[s];
    const int64_t Rp = (nr + 3) & ~(int64_t)3, mp4 = (m + 3) & ~(int64_t)3;
    const int64_t B = CD_ROWS, ldp = B + 8;
    const int64_t nblocks = (n + B - 1) / B;
    const int64_t width = mp4 * Rp;
    const int64_t nch = cd_nchunks(nblocks, width);
    double *part = calloc((size_t)(nch * width), sizeof(double));
    double *zeros = A->shift ? NULL : calloc((size_t)d, sizeof(double));
    const double *shift = A->shift ? A->shift : zeros;
    if (!part || !shift) {
        free(part), free(zeros);
        return -1;
    }
    const int nt = cd_threads(n * nr * CD_MAX(m / 8, 1), nch);
    int fail = 0;
    LF_PRAGMA(omp parallel num_threads(nt) if (nt > 1) reduction(| : fail))
    {
        double *P = cd_aligned_alloc((size_t)(Rp * ldp) * sizeof(double));
        double *Q = cd_aligned_alloc((size_t)(mp4 * ldp) * sizeof(double));
        double *w = cd_aligned_alloc((size_t)ldp * sizeof(double));
        const int ok = P && Q && w;
        if (!ok) fail = 1;
        else {
            memset(P, 0, (size_t)(Rp * ldp) * sizeof(double));
            memset(Q, 0, (size_t)(mp4 * ldp) * sizeof(double));
        }
        LF_PRAGMA(omp for schedule(dynamic, 1))
        for (int64_t c = 0; c < nch; c++) {
            if (!ok) continue;
            double *Gc = part + c * width;
            const int64_t b0 = c * nblocks / nch, b1 = (c + 1) * nblocks / nch;
            for (int64_t blk = b0; blk < b1; blk++) {
                const int64_t a = blk * B, mm = CD_MIN(B, n - a), mp = (mm + 7) & ~(int64_t)7;
                const char *Xb = (const char *)A->X + a * d * ts;
                if (A->weight) {
                    for (int64_t i = 0; i < mm; i++)
                        w[i] = F32 ? (double)((const float *)A->weight)[a + i]
                                   : ((const double *)A->weight)[a + i];
                    for (int64_t i = mm; i < mp; i++) w[i] = 0.0;
                }
                if (F32)
                    cd_gather_f32((const float *)Xb, mm, mp, d, A->rows, nr, shift, NULL, P, ldp);
                else
                    cd_gather_f64((const double *)Xb, mm, mp, d, A->rows, nr, shift, NULL, P, ldp);
                if (!sym) {
                    if (F32)
                        cd_gather_f32((const float *)Xb, mm, mp, d, A->cols, m, shift,
                                      A->weight ? w : NULL, Q, ldp);
                    else
                        cd_gather_f64((const double *)Xb, mm, mp, d, A->cols, m, shift,
                                      A->weight ? w : NULL, Q, ldp);
                }
                for (int64_t st = 0; st < mp4 / 4; st++) {
                    const double *Qs = Q + 4 * st * ldp;
                    if (sym) {
                        /* the same features on both sides: the 4 rows w * P of this
                         * tile row (no second gather, a small buffer that stays in L1) */
                        const double *Ps = P + 4 * st * ldp;
                        for (int q = 0; q < 4; q++) {
                            const double *restrict src = Ps + q * ldp;
                            double *restrict dst = Q + q * ldp;
                            if (A->weight) {
                                LF_PRAGMA(omp simd)
                                for (int64_t i = 0; i < mp; i++) dst[i] = src[i] * w[i];
                            } else {
                                memcpy(dst, src, (size_t)mp * sizeof(double));
                            }
                        }
                        Qs = Q;
                    }
                    for (int64_t jt = sym ? st : 0; jt < Rp / 4; jt++) {
                        const double *Pj = P + 4 * jt * ldp;
                        lf_tile4x4(Qs, Qs + ldp, Qs + 2 * ldp, Qs + 3 * ldp, Pj, Pj + ldp,
                                   Pj + 2 * ldp, Pj + 3 * ldp, mp, Gc + 4 * st * Rp + 4 * jt, Rp);
                    }
                }
            }
        }
        free(P);
        free(Q);
        free(w);
    }
    free(zeros);
    if (fail) {
        free(part);
        return -1;
    }
    for (int64_t s = 0; s < m; s++)
        for (int64_t r = sym ? s : 0; r < nr; r++) {
            double v = 0.0;
            for (int64_t c = 0; c < nch; c++) v += part[c * width + s * Rp + r];
            A->out[s * nr + r] = v;
            if (sym) A->out[r * nr + s] = v;
        }
    free(part);
    return 0;
}

static int cd_gram_cols_f32(const lf_cd_gram_cols_args *A) { return cd_gram_cols(A, 1); }
static int cd_gram_cols_f64(const lf_cd_gram_cols_args *A) { return cd_gram_cols(A, 0); }

/* ------------------------------------------------------------ CD on a Gram */

/* Gap of the problem restricted to the working set (w is zero outside it). */
static double cd_gram_gap(const lf_cd_gram_args *A) {
    double qw = 0.0, wQw = 0.0, l1 = 0.0, l2sq = 0.0, dn = 0.0, xtr_sq = 0.0;
    const int alpha0 = A->alpha == 0.0;
    for (int64_t f = 0; f < A->n_ws; f++) {
        const int64_t j = A->ws[f];
        const double wj = A->w[j];
        qw += wj * A->q[j];
        wQw += wj * A->Qw[j];
        l1 += fabs(wj);
        l2sq += wj * wj;
        const double xtr = A->q[j] - A->Qw[j];
        if (alpha0) {
            xtr_sq += xtr * xtr;
        } else {
            const double v = xtr - A->beta * wj;
            const double a = A->positive ? v : fabs(v);
            if (a > dn) dn = a;
        }
    }
    const double rr = A->yy - 2.0 * qw + wQw, ry = A->yy - qw;
    return cd_gap(A->alpha, A->beta, l1, l2sq, rr, ry, dn, xtr_sq);
}

static int64_t cd_gram(const lf_cd_gram_args *A) {
    const int64_t d = A->d, nws = A->n_ws;
    double *restrict Qw = A->Qw;
    double *restrict w = A->w;
    double gap = cd_gram_gap(A);
    int64_t ep = 0;
    if (gap <= A->tol) {
        *A->gap_out = gap;
        return 0;
    }
    while (ep < A->max_epochs) {
        double w_max = 0.0, dw_max = 0.0;
        for (int64_t f = 0; f < nws; f++) {
            const int64_t j = A->random ? A->ws[cd_rand(A->rng) % (uint64_t)nws] : A->ws[f];
            const double *restrict Gj = A->gcols + A->pos[j] * d;
            const double gjj = Gj[j];
            if (!(gjj > 0.0)) continue;
            const double wj = w[j];
            const double tmp = A->q[j] - Qw[j] + wj * gjj;
            const double nw = (A->positive && tmp < 0.0) ? 0.0 : cd_soft(tmp, A->alpha) / (gjj + A->beta);
            if (nw != wj) {
                const double delta = nw - wj;
                LF_PRAGMA(omp simd)
                for (int64_t l = 0; l < d; l++) Qw[l] += delta * Gj[l];
                w[j] = nw;
            }
            dw_max = CD_MAX(dw_max, fabs(nw - wj));
            w_max = CD_MAX(w_max, fabs(nw));
        }
        ep++;
        if (w_max == 0.0 || dw_max / w_max <= A->dw_tol || ep == A->max_epochs) {
            gap = cd_gram_gap(A);
            if (gap <= A->tol) break;
        }
    }
    *A->gap_out = gap;
    return ep;
}

/* ------------------------------------------------------- CD on residuals */

LF_INLINE double cd_resid_gap(const lf_cd_resid_args *A, const int *excluded, double *XtA,
                              double *dual_norm_out, const int F32) {
    const int64_t n = A->n, d = A->d;
    double rr = 0.0, ry = 0.0, l1 = 0.0, l2sq = 0.0, dn = 0.0, xtr_sq = 0.0;
    for (int64_t i = 0; i < n; i++) {
        rr += A->R[i] * A->R[i];
        ry += A->R[i] * A->y[i];
    }
    const int nt = lf_threads_for(n * d);
    LF_PRAGMA(omp parallel for num_threads(nt) schedule(static) if (nt > 1))
    for (int64_t j = 0; j < d; j++) {
        XtA[j] = F32 ? cd_dot_f32((const float *)A->Xt + j * n, A->R, n)
                     : cd_dot_f64((const double *)A->Xt + j * n, A->R, n);
    }
    for (int64_t j = 0; j < d; j++) {
        const double wj = A->w[j];
        l1 += fabs(wj);
        l2sq += wj * wj;
        if (A->alpha == 0.0) {
            xtr_sq += XtA[j] * XtA[j];
        } else {
            XtA[j] -= A->beta * wj;
            const double a = A->positive ? XtA[j] : fabs(XtA[j]);
            if (a > dn) dn = a;
        }
    }
    (void)excluded;
    *dual_norm_out = dn;
    return cd_gap(A->alpha, A->beta, l1, l2sq, rr, ry, dn, xtr_sq);
}

LF_INLINE int64_t cd_resid(const lf_cd_resid_args *A, const int F32) {
    const int64_t n = A->n, d = A->d;
    double *XtA = malloc((size_t)CD_MAX(d, 1) * sizeof(double));
    int64_t *active = malloc((size_t)CD_MAX(d, 1) * sizeof(int64_t));
    int *excluded = calloc((size_t)CD_MAX(d, 1), sizeof(int));
    if (!XtA || !active || !excluded) {
        free(XtA), free(active), free(excluded);
        return -1;
    }
    double *restrict w = A->w, *restrict R = A->R;
    const int screen = A->screening && A->alpha > 0.0;
#define CD_COL(j) (F32 ? (const void *)((const float *)A->Xt + (j) * n) \
                       : (const void *)((const double *)A->Xt + (j) * n))
#define CD_AXPY(a, j) (F32 ? cd_axpy_f32((a), (const float *)A->Xt + (j) * n, R, n) \
                           : cd_axpy_f64((a), (const double *)A->Xt + (j) * n, R, n))
    double dual_norm = 0.0;
    double gap = cd_resid_gap(A, excluded, XtA, &dual_norm, F32);
    int64_t n_active = d, it = 0;
    for (int64_t j = 0; j < d; j++) active[j] = j;

    /* gap-safe sphere test (Ndiaye et al. 2017, eq. 11): feature j is zero at
     * the optimum when (1 - |X_j^T theta|) / sqrt(||X_j||^2 + beta) > sqrt(2 gap) / alpha */
#define CD_SCREEN()                                                                         \
    do {                                                                                    \
        const double radius = sqrt(2.0 * fabs(gap)) / A->alpha;                            \
        const double sc = 1.0 / CD_MAX(A->alpha, dual_norm);                                \
        n_active = 0;                                                                       \
        for (int64_t j = 0; j < d; j++) {                                                   \
            if (excluded[j]) continue;                                                      \
            if (A->norms[j] == 0.0) { w[j] = 0.0; excluded[j] = 1; continue; }              \
            const double dj = (1.0 - fabs(XtA[j] * sc)) / sqrt(A->norms[j] + A->beta);     \
            if (dj <= radius) {                                                             \
                active[n_active++] = j;                                                     \
            } else {                                                                        \
                if (w[j] != 0.0) { CD_AXPY(w[j], j); w[j] = 0.0; }                          \
                excluded[j] = 1;                                                            \
            }                                                                               \
        }                                                                                   \
    } while (0)

    if (!(gap <= A->tol)) {
        if (screen) CD_SCREEN();
        for (it = 0; it < A->max_iter; it++) {
            double w_max = 0.0, dw_max = 0.0;
            for (int64_t f = 0; f < n_active; f++) {
                const int64_t j = active[A->random ? cd_rand(A->rng) % (uint64_t)n_active : (uint64_t)f];
                const double nj = A->norms[j];
                if (nj == 0.0) continue;
                const double wj = w[j];
                const double tmp = (F32 ? cd_dot_f32((const float *)CD_COL(j), R, n)
                                        : cd_dot_f64((const double *)CD_COL(j), R, n)) + wj * nj;
                const double nw = (A->positive && tmp < 0.0) ? 0.0 : cd_soft(tmp, A->alpha) / (nj + A->beta);
                if (nw != wj) {
                    CD_AXPY(wj - nw, j);
                    w[j] = nw;
                }
                dw_max = CD_MAX(dw_max, fabs(nw - wj));
                w_max = CD_MAX(w_max, fabs(nw));
            }
            if (w_max == 0.0 || dw_max / w_max <= A->dw_tol || it == A->max_iter - 1) {
                gap = cd_resid_gap(A, excluded, XtA, &dual_norm, F32);
                if (gap <= A->tol) { it++; break; }
                if (screen) CD_SCREEN();
            }
        }
    }
#undef CD_SCREEN
#undef CD_AXPY
#undef CD_COL
    *A->gap_out = gap;
    free(XtA), free(active), free(excluded);
    return it;
}

static int64_t cd_resid_f32(const lf_cd_resid_args *A) { return cd_resid(A, 1); }
static int64_t cd_resid_f64(const lf_cd_resid_args *A) { return cd_resid(A, 0); }

/* ------------------------------------------ proximal Newton: inner problem */

/* max_i of the minimum-norm subgradient of g.d + 1/2 d^T H d + sum l1_i |x_i + d_i| */
static double cd_quad_viol(const lf_cd_quad_args *A) {
    double v = 0.0;
    for (int64_t i = 0; i < A->p; i++) {
        const double gm = A->g[i] + A->Hd[i], z = A->x[i] + A->dx[i], l = A->l1[i];
        double e;
        if (z > 0.0) e = fabs(gm + l);
        else if (z < 0.0) e = fabs(gm - l);
        else e = CD_MAX(fabs(gm) - l, 0.0);
        v = CD_MAX(v, e);
    }
    return v;
}

static int64_t cd_quad_l1(const lf_cd_quad_args *A) {
    const int64_t p = A->p;
    double *restrict Hd = A->Hd, *restrict dx = A->dx;
    double viol = cd_quad_viol(A);
    int64_t sw = 0;
    while (sw < A->max_sweeps && !(viol <= A->tol)) {
        for (int64_t i = 0; i < p; i++) {
            const double *restrict Hi = A->H + i * p;
            const double a = Hi[i];
            if (!(a > 0.0)) continue;
            const double z = A->x[i] + dx[i];
            const double zn = cd_soft(z - (A->g[i] + Hd[i]) / a, A->l1[i] / a);
            const double delta = zn - z;
            if (delta != 0.0) {
                dx[i] += delta;
                LF_PRAGMA(omp simd)
                for (int64_t l = 0; l < p; l++) Hd[l] += delta * Hi[l];
            }
        }
        sw++;
        viol = cd_quad_viol(A);
    }
    *A->viol_out = viol;
    return sw;
}

/* ----------------------------------------------------------------- NNLS */

static double cd_nnls_viol(const lf_cd_nnls_args *A) {
    double v = 0.0;
    for (int64_t j = 0; j < A->d; j++) {
        const double gj = A->c[j] - A->Gw[j]; /* minus the gradient */
        const double e = A->w[j] > 0.0 ? fabs(gj) : CD_MAX(gj, 0.0);
        v = CD_MAX(v, e);
    }
    return v;
}

static int64_t cd_nnls(const lf_cd_nnls_args *A) {
    const int64_t d = A->d;
    double *restrict Gw = A->Gw, *restrict w = A->w;
    double viol = cd_nnls_viol(A);
    int64_t sw = 0;
    while (sw < A->max_sweeps && !(viol <= A->tol)) {
        for (int64_t j = 0; j < d; j++) {
            const double *restrict Gj = A->G + j * d;
            const double gjj = Gj[j];
            if (!(gjj > 0.0)) continue;
            const double wj = w[j];
            const double t = wj + (A->c[j] - Gw[j]) / gjj;
            const double nw = t > 0.0 ? t : 0.0;
            if (nw != wj) {
                const double delta = nw - wj;
                LF_PRAGMA(omp simd)
                for (int64_t l = 0; l < d; l++) Gw[l] += delta * Gj[l];
                w[j] = nw;
            }
        }
        sw++;
        viol = cd_nnls_viol(A);
    }
    *A->viol_out = viol;
    return sw;
}

/* ------------------------------------------------- CSC sparse X (residuals) */

#define CSC_PTR(X, j) \
    (I64 ? ((const int64_t *)(X)->indptr)[j] : (int64_t)((const int32_t *)(X)->indptr)[j])
#define CSC_IDX(X, p) \
    (I64 ? ((const int64_t *)(X)->indices)[p] : (int64_t)((const int32_t *)(X)->indices)[p])
#define CSC_VAL(X, p) \
    (F32 ? (double)((const float *)(X)->data)[p] : ((const double *)(X)->data)[p])

LF_INLINE int csc_moments_t(const lf_cd_csc_moments_args *A, const int F32, const int I64) {
    const lf_cd_csc *X = A->X;
    const int64_t n = X->n, d = X->d, k = A->k;
    const double *restrict W = A->weight;
    const int nt = lf_threads_for(CSC_PTR(X, d) * (k + 1) + d);
    LF_PRAGMA(omp parallel for num_threads(nt) schedule(dynamic, 64) if (nt > 1))
    for (int64_t j = 0; j < d; j++) {
        double s1 = 0.0, s2 = 0.0;
        double *restrict xy = A->xy + j * k;
        for (int64_t c = 0; c < k; c++) xy[c] = 0.0;
        const int64_t p1 = CSC_PTR(X, j + 1);
        for (int64_t p = CSC_PTR(X, j); p < p1; p++) {
            const int64_t i = CSC_IDX(X, p);
            const double v = CSC_VAL(X, p), wv = W ? W[i] * v : v;
            s1 += wv;
            s2 += wv * v;
            for (int64_t c = 0; c < k; c++) xy[c] += wv * A->Yt[c * n + i];
        }
        A->s1[j] = s1;
        A->s2[j] = s2;
    }
    return 0;
}

static int csc_moments(const lf_cd_csc_moments_args *A) {
    const int f = A->X->f32, l = A->X->idx64;
    if (f) return l ? csc_moments_t(A, 1, 1) : csc_moments_t(A, 1, 0);
    return l ? csc_moments_t(A, 0, 1) : csc_moments_t(A, 0, 0);
}

/* sum_{p in column j} W_i x_ij R_i */
LF_INLINE double csc_dot(const lf_cd_csc *X, int64_t j, const double *restrict W,
                         const double *restrict R, const int F32, const int I64) {
    double s = 0.0;
    const int64_t p1 = CSC_PTR(X, j + 1);
    if (W) {
        for (int64_t p = CSC_PTR(X, j); p < p1; p++) {
            const int64_t i = CSC_IDX(X, p);
            s += CSC_VAL(X, p) * W[i] * R[i];
        }
    } else {
        for (int64_t p = CSC_PTR(X, j); p < p1; p++) s += CSC_VAL(X, p) * R[CSC_IDX(X, p)];
    }
    return s;
}

/* R += a x_j; returns a sum_{p in column j} W_i x_ij (the change of sum_i W_i R_i) */
LF_INLINE double csc_axpy(const lf_cd_csc *X, int64_t j, double a, const double *restrict W,
                          double *restrict R, const int F32, const int I64) {
    double cs = 0.0;
    const int64_t p1 = CSC_PTR(X, j + 1);
    for (int64_t p = CSC_PTR(X, j); p < p1; p++) {
        const int64_t i = CSC_IDX(X, p);
        const double v = CSC_VAL(X, p);
        R[i] += a * v;
        cs += W ? W[i] * v : v;
    }
    return a * cs;
}

/* The gap at (w, Rt, s): R = Rt + s; XtA_j = X_c,j^T W R - beta w_j; *T_out
 * = sum_i W_i Rt_i (recomputed exactly, so no drift accumulates). */
LF_INLINE double csc_gap(const lf_cd_csc_args *A, const double *restrict Rt, double s,
                         double *T_out, double *restrict XtA, double *dual_norm_out,
                         const int F32, const int I64) {
    const lf_cd_csc *X = A->X;
    const int64_t n = X->n, d = X->d;
    const double *restrict W = A->weight, *restrict y = A->y;
    double rr = 0.0, ry = 0.0, T = 0.0, l1 = 0.0, l2sq = 0.0, dn = 0.0, xtr_sq = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const double wi = W ? W[i] : 1.0, r = Rt[i] + s;
        rr += wi * r * r;
        ry += wi * r * y[i];
        T += wi * Rt[i];
    }
    const int nt = lf_threads_for(CSC_PTR(X, d) + d);
    LF_PRAGMA(omp parallel for num_threads(nt) schedule(dynamic, 64) if (nt > 1))
    for (int64_t j = 0; j < d; j++)
        XtA[j] = csc_dot(X, j, W, Rt, F32, I64) - (A->xm ? A->xm[j] * T : 0.0);
    for (int64_t j = 0; j < d; j++) {
        const double wj = A->w[j];
        l1 += fabs(wj);
        l2sq += wj * wj;
        if (A->alpha == 0.0) {
            xtr_sq += XtA[j] * XtA[j];
        } else {
            XtA[j] -= A->beta * wj;
            const double a = A->positive ? XtA[j] : fabs(XtA[j]);
            if (a > dn) dn = a;
        }
    }
    *T_out = T;
    *dual_norm_out = dn;
    return cd_gap(A->alpha, A->beta, l1, l2sq, rr, ry, dn, xtr_sq);
}

LF_INLINE int64_t csc_resid_t(const lf_cd_csc_args *A, const int F32, const int I64) {
    const lf_cd_csc *X = A->X;
    const int64_t n = X->n, d = X->d;
    const double *restrict W = A->weight, *restrict xm = A->xm;
    double *XtA = malloc((size_t)CD_MAX(d, 1) * sizeof(double));
    int64_t *active = malloc((size_t)CD_MAX(d, 1) * sizeof(int64_t));
    int *excluded = calloc((size_t)CD_MAX(d, 1), sizeof(int));
    double *Rt = malloc((size_t)CD_MAX(n, 1) * sizeof(double));
    if (!XtA || !active || !excluded || !Rt) {
        free(XtA), free(active), free(excluded), free(Rt);
        return -1;
    }
    double *restrict w = A->w;
    const int screen = A->screening && A->alpha > 0.0;
    /* Rt = y - X w, s = m.w, T = sum W Rt */
    memcpy(Rt, A->y, (size_t)n * sizeof(double));
    double s = 0.0, T = 0.0;
    for (int64_t j = 0; j < d; j++)
        if (w[j] != 0.0) {
            csc_axpy(X, j, -w[j], W, Rt, F32, I64);
            if (xm) s += xm[j] * w[j];
        }
    double dual_norm = 0.0;
    double gap = csc_gap(A, Rt, s, &T, XtA, &dual_norm, F32, I64);
    int64_t n_active = d, it = 0;
    for (int64_t j = 0; j < d; j++) active[j] = j;

    /* remove feature j from the model (w_j -> 0) */
#define CSC_ZERO(j)                                                                         \
    do {                                                                                    \
        T += csc_axpy(X, (j), w[j], W, Rt, F32, I64);                                       \
        if (xm) s -= xm[j] * w[j];                                                          \
        w[j] = 0.0;                                                                         \
    } while (0)
    /* gap-safe sphere test, as cd_resid */
#define CSC_SCREEN()                                                                        \
    do {                                                                                    \
        const double radius = sqrt(2.0 * fabs(gap)) / A->alpha;                            \
        const double sc = 1.0 / CD_MAX(A->alpha, dual_norm);                                \
        n_active = 0;                                                                       \
        for (int64_t j = 0; j < d; j++) {                                                   \
            if (excluded[j]) continue;                                                      \
            if (A->norms[j] == 0.0) {                                                       \
                if (w[j] != 0.0) CSC_ZERO(j);                                               \
                excluded[j] = 1;                                                            \
                continue;                                                                   \
            }                                                                               \
            const double dj = (1.0 - fabs(XtA[j] * sc)) / sqrt(A->norms[j] + A->beta);     \
            if (dj <= radius) {                                                             \
                active[n_active++] = j;                                                     \
            } else {                                                                        \
                if (w[j] != 0.0) CSC_ZERO(j);                                               \
                excluded[j] = 1;                                                            \
            }                                                                               \
        }                                                                                   \
    } while (0)

    if (!(gap <= A->tol)) {
        if (screen) CSC_SCREEN();
        for (it = 0; it < A->max_iter; it++) {
            double w_max = 0.0, dw_max = 0.0;
            for (int64_t f = 0; f < n_active; f++) {
                const int64_t j =
                    active[A->random ? cd_rand(A->rng) % (uint64_t)n_active : (uint64_t)f];
                const double nj = A->norms[j];
                if (nj == 0.0) continue;
                const double wj = w[j];
                const double tmp = csc_dot(X, j, W, Rt, F32, I64) - (xm ? xm[j] * T : 0.0)
                                   + wj * nj;
                const double nw = (A->positive && tmp < 0.0)
                                      ? 0.0 : cd_soft(tmp, A->alpha) / (nj + A->beta);
                if (nw != wj) {
                    T += csc_axpy(X, j, wj - nw, W, Rt, F32, I64);
                    if (xm) s += xm[j] * (nw - wj);
                    w[j] = nw;
                }
                dw_max = CD_MAX(dw_max, fabs(nw - wj));
                w_max = CD_MAX(w_max, fabs(nw));
            }
            if (w_max == 0.0 || dw_max / w_max <= A->dw_tol || it == A->max_iter - 1) {
                gap = csc_gap(A, Rt, s, &T, XtA, &dual_norm, F32, I64);
                if (gap <= A->tol) { it++; break; }
                if (screen) CSC_SCREEN();
            }
        }
    }
#undef CSC_SCREEN
#undef CSC_ZERO
    *A->gap_out = gap;
    free(XtA), free(active), free(excluded), free(Rt);
    return it;
}

static int64_t csc_resid(const lf_cd_csc_args *A) {
    const int f = A->X->f32, l = A->X->idx64;
    if (f) return l ? csc_resid_t(A, 1, 1) : csc_resid_t(A, 1, 0);
    return l ? csc_resid_t(A, 0, 1) : csc_resid_t(A, 0, 0);
}

#undef CSC_PTR
#undef CSC_IDX
#undef CSC_VAL

/* ------------------------------------------------------------ CSR -> CSC */

/* at most this many row chunks, and chunk counts of at most this many entries */
#define CD_TR_MAX_CHUNKS 64
#define CD_TR_COUNT_BUDGET ((int64_t)1 << 24)

LF_INLINE int csr_to_csc_t(const lf_cd_transpose_args *A, const int F32, const int I64) {
    const int64_t n = A->n, d = A->d;
#define TR_GET(arr, i) (I64 ? ((const int64_t *)(arr))[i] : (int64_t)((const int32_t *)(arr))[i])
    const int64_t nnz = TR_GET(A->indptr, n);
    int nt = lf_threads_for(nnz);
    int64_t nch = CD_MIN((int64_t)CD_TR_MAX_CHUNKS, CD_MAX(n, 1));
    nch = CD_MIN(nch, (int64_t)nt);
    nch = CD_MAX((int64_t)1, CD_MIN(nch, CD_TR_COUNT_BUDGET / CD_MAX(d, 1)));
    int64_t *cnt = calloc((size_t)(nch * d + 1), sizeof(int64_t));
    if (!cnt) return -1;
    /* rows of chunk c: balanced by entries */
    int64_t bounds[CD_TR_MAX_CHUNKS + 1];
    bounds[0] = 0;
    for (int64_t c = 1; c < nch; c++) {
        const int64_t target = nnz * c / nch;
        int64_t lo = bounds[c - 1], hi = n;        /* first row with indptr >= target */
        while (lo < hi) {
            const int64_t mid = lo + (hi - lo) / 2;
            if (TR_GET(A->indptr, mid) < target) lo = mid + 1; else hi = mid;
        }
        bounds[c] = lo;
    }
    bounds[nch] = n;
    LF_PRAGMA(omp parallel for num_threads((int)nch) schedule(static, 1) if (nch > 1))
    for (int64_t c = 0; c < nch; c++) {
        int64_t *restrict cc = cnt + c * d;
        const int64_t p0 = TR_GET(A->indptr, bounds[c]), p1 = TR_GET(A->indptr, bounds[c + 1]);
        for (int64_t p = p0; p < p1; p++) cc[TR_GET(A->indices, p)]++;
    }
    /* offsets: column-major over (column, chunk) */
    int64_t pos = 0;
    for (int64_t j = 0; j < d; j++) {
        if (I64) ((int64_t *)A->out_indptr)[j] = pos;
        else ((int32_t *)A->out_indptr)[j] = (int32_t)pos;
        for (int64_t c = 0; c < nch; c++) {
            const int64_t v = cnt[c * d + j];
            cnt[c * d + j] = pos;
            pos += v;
        }
    }
    if (I64) ((int64_t *)A->out_indptr)[d] = pos;
    else ((int32_t *)A->out_indptr)[d] = (int32_t)pos;
    LF_PRAGMA(omp parallel for num_threads((int)nch) schedule(static, 1) if (nch > 1))
    for (int64_t c = 0; c < nch; c++) {
        int64_t *restrict off = cnt + c * d;
        for (int64_t i = bounds[c]; i < bounds[c + 1]; i++) {
            const int64_t p1 = TR_GET(A->indptr, i + 1);
            for (int64_t p = TR_GET(A->indptr, i); p < p1; p++) {
                const int64_t q = off[TR_GET(A->indices, p)]++;
                if (I64) ((int64_t *)A->out_indices)[q] = i;
                else ((int32_t *)A->out_indices)[q] = (int32_t)i;
                if (F32) ((float *)A->out_data)[q] = ((const float *)A->data)[p];
                else ((double *)A->out_data)[q] = ((const double *)A->data)[p];
            }
        }
    }
#undef TR_GET
    free(cnt);
    return 0;
}

static int csr_to_csc(const lf_cd_transpose_args *A) {
    const int f = A->f32, l = A->idx64;
    if (f) return l ? csr_to_csc_t(A, 1, 1) : csr_to_csc_t(A, 1, 0);
    return l ? csr_to_csc_t(A, 0, 1) : csr_to_csc_t(A, 0, 0);
}

const lf_cd_kernels LF_TARGET(lf_coordinate_descent)[] = {
    {cd_moments_f32, cd_moments_f64, cd_gram_cols_f32, cd_gram_cols_f64, cd_resid_f32,
     cd_resid_f64, cd_gram, cd_quad_l1, cd_nnls, csc_moments, csc_resid, csr_to_csc},
};
LF_DEFINE_SELECTOR(lf_cd_kernels, lf_coordinate_descent)
