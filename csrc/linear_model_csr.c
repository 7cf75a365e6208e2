/* Linear-model kernels on CSR sparse X (linear_model_csr.h).
 *
 * As in linear_model.c, the losses are not defined here: the loss pass calls
 * the loss engine's float64 lf_ew_fn / lf_rw_fn on each block's decision
 * values.  The loops are written once and specialised for float / double
 * data and int32 / int64 indices by inlining the constant flags F32 / I64.
 */
#include <stdlib.h>
#include <string.h>
#include "linear_model_csr.h"

#define CSR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CSR_MAX(a, b) ((a) > (b) ? (a) : (b))
/* rows per block of the loss pass */
#define CSR_BLOCK_ROWS 512
/* at most this many chunks (partial results) */
#define CSR_MAX_CHUNKS 64

#define CSR_PTR(X, i) \
    (I64 ? ((const int64_t *)(X)->indptr)[i] : (int64_t)((const int32_t *)(X)->indptr)[i])
#define CSR_IDX(X, p) \
    (I64 ? ((const int64_t *)(X)->indices)[p] : (int64_t)((const int32_t *)(X)->indices)[p])
#define CSR_VAL(X, p) \
    (F32 ? (double)((const float *)(X)->data)[p] : ((const double *)(X)->data)[p])

/* Chunks of nblocks blocks whose partial results take `width` doubles: at
 * most CSR_MAX_CHUNKS, within LF_LM_PARTIAL_BUDGET, and few enough that
 * combining the partials costs at most an eighth of the pass over the
 * nnz * k products.  Depends on the matrix and k only, never on threads. */
static int64_t csr_nchunks(int64_t nblocks, int64_t width, int64_t work) {
    int64_t nch = CSR_MIN(nblocks, (int64_t)CSR_MAX_CHUNKS);
    nch = CSR_MIN(nch, LF_LM_PARTIAL_BUDGET / (CSR_MAX(width, 1) * (int64_t)sizeof(double)));
    nch = CSR_MIN(nch, work / (8 * CSR_MAX(width, 1)));
    return CSR_MAX(nch, 1);
}

static int csr_threads(int64_t work, int64_t nch) {
    return (int)CSR_MIN((int64_t)lf_threads_for(work), nch);
}

LF_INLINE int64_t csr_nnz(const lf_csr *X, const int I64) { return CSR_PTR(X, X->n); }

/* W^T (d x k) from W (k x d): the k coefficients of a column are adjacent */
static double *csr_transpose(const double *W, int64_t k, int64_t d) {
    double *T = malloc((size_t)CSR_MAX(k * d, 1) * sizeof(double));
    if (!T) return NULL;
    for (int64_t c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++) T[j * k + c] = W[c * d + j];
    return T;
}

/* Z[i - a, :] = b + sum_p data_p W^T[indices_p, :] for the rows [a, a + m) */
LF_INLINE void csr_forward(const lf_csr *X, int64_t a, int64_t m, int64_t k,
                           const double *restrict WT, const double *restrict b,
                           double *restrict Z, const int F32, const int I64) {
    for (int64_t i = 0; i < m; i++) {
        double *restrict z = Z + i * k;
        for (int64_t c = 0; c < k; c++) z[c] = b ? b[c] : 0.0;
        const int64_t p1 = CSR_PTR(X, a + i + 1);
        for (int64_t p = CSR_PTR(X, a + i); p < p1; p++) {
            const double v = CSR_VAL(X, p);
            const double *restrict w = WT + CSR_IDX(X, p) * k;
            for (int64_t c = 0; c < k; c++) z[c] += v * w[c];
        }
    }
}

/* GT[indices_p, :] += data_p R[i - a, :] and gb += R[i - a, :] (gb optional) */
LF_INLINE void csr_backward(const lf_csr *X, int64_t a, int64_t m, int64_t k,
                            const double *restrict R, double *restrict GT,
                            double *restrict gb, const int F32, const int I64) {
    for (int64_t i = 0; i < m; i++) {
        const double *restrict r = R + i * k;
        if (gb)
            for (int64_t c = 0; c < k; c++) gb[c] += r[c];
        const int64_t p1 = CSR_PTR(X, a + i + 1);
        for (int64_t p = CSR_PTR(X, a + i); p < p1; p++) {
            const double v = CSR_VAL(X, p);
            double *restrict g = GT + CSR_IDX(X, p) * k;
            for (int64_t c = 0; c < k; c++) g[c] += v * r[c];
        }
    }
}

/* out (k x d) = sum over chunks of the transposed partials GT (d x k each,
 * `width` doubles apart), in chunk order */
static void csr_combine_transposed(const double *part, int64_t nch, int64_t width, int64_t k,
                                   int64_t d, double *out) {
    for (int64_t j = 0; j < d; j++)
        for (int64_t c = 0; c < k; c++) {
            double s = 0.0;
            for (int64_t ch = 0; ch < nch; ch++) s += part[ch * width + j * k + c];
            out[c * d + j] = s;
        }
}

/* ---------------------------------------------------------------- loss */

LF_INLINE int csr_loss(const lf_csr *X, const lf_lm_loss_args *A, double *loss_out,
                       const int F32, const int I64) {
    const int64_t n = X->n, d = X->d, k = A->k;
    const int want_grad = A->grad_coef != NULL;
    *loss_out = 0.0;
    if ((A->ew == NULL) == (A->rw == NULL) || k < 1 || A->n != n || A->d != d) return -2;
    if (want_grad) memset(A->grad_coef, 0, (size_t)(k * d) * sizeof(double));
    if (A->grad_intercept) memset(A->grad_intercept, 0, (size_t)k * sizeof(double));
    if (n <= 0) return 0;

    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B;
    const int64_t nnz = csr_nnz(X, I64);
    /* partial result of a chunk: W^T-shaped gradient (d x k), gb (k), loss */
    const int64_t width = (want_grad ? d * k : 0) + k + 1;
    const int64_t nch = csr_nchunks(nblocks, width, (nnz + n) * k);
    double *WT = csr_transpose(A->coef, k, d);
    double *part = calloc((size_t)(nch * width), sizeof(double));
    if (!WT || !part) {
        free(WT);
        free(part);
        return -1;
    }
    const int nt = csr_threads((nnz + n) * k, nch);
    int fail = 0;

    LF_PRAGMA(omp parallel num_threads(nt) if (nt > 1) reduction(| : fail))
    {
        double *zbuf = malloc((size_t)(B * k) * sizeof(double));
        double *rbuf = malloc((size_t)(B * k) * sizeof(double));
        double *ybuf = F32 && A->ew ? malloc((size_t)(B * k) * sizeof(double)) : NULL;
        double *wbuf = F32 && A->weight ? malloc((size_t)B * sizeof(double)) : NULL;
        const int ok = zbuf && rbuf && (!F32 || !A->ew || ybuf) && (!F32 || !A->weight || wbuf);
        if (!ok) fail = 1;
        LF_PRAGMA(omp for schedule(dynamic, 1))
        for (int64_t ch = 0; ch < nch; ch++) {
            if (!ok) continue;
            double *GT = part + ch * width;
            double *gb = GT + (want_grad ? d * k : 0);
            double loss = 0.0;
            const int64_t b0 = ch * nblocks / nch, b1 = (ch + 1) * nblocks / nch;
            for (int64_t blk = b0; blk < b1; blk++) {
                const int64_t a = blk * B, m = CSR_MIN(B, n - a);
                double *Zb = !F32 && A->z_out ? (double *)A->z_out + a * k : zbuf;
                csr_forward(X, a, m, k, WT, A->intercept, Zb, F32, I64);
                if (F32 && A->z_out)
                    for (int64_t q = 0; q < m * k; q++)
                        ((float *)A->z_out)[a * k + q] = (float)Zb[q];
                const double *wb = NULL;
                if (A->weight && F32) {
                    for (int64_t q = 0; q < m; q++) wbuf[q] = ((const float *)A->weight)[a + q];
                    wb = wbuf;
                } else if (A->weight) {
                    wb = (const double *)A->weight + a;
                }
                if (A->ew) {
                    lf_ew_args e;
                    if (F32) {
                        for (int64_t q = 0; q < m * k; q++)
                            ybuf[q] = ((const float *)A->y)[a * k + q];
                        e.y_true = ybuf;
                    } else {
                        e.y_true = (const double *)A->y + a * k;
                    }
                    e.y_pred = Zb;
                    e.weight = wb;
                    e.n = m * k;
                    e.n_cols = k;
                    memcpy(e.params, A->params, sizeof(e.params));
                    e.loss_out = NULL;
                    e.grad_out = want_grad || A->grad_intercept ? rbuf : NULL;
                    e.grad_scale = 1.0;
                    e.mode = LF_SUM | (e.grad_out ? LF_GRAD : 0);
                    loss += A->ew(&e);
                } else {
                    lf_rw_args r;
                    r.y_true = (const int64_t *)A->y + a;
                    r.y_pred = Zb;
                    r.weight = wb;
                    r.n = m;
                    r.n_classes = k;
                    memcpy(r.params, A->params, sizeof(r.params));
                    r.loss_out = NULL;
                    r.grad_out = want_grad || A->grad_intercept ? rbuf : NULL;
                    r.grad_scale = 1.0;
                    r.mode = LF_SUM | (r.grad_out ? LF_GRAD : 0);
                    loss += A->rw(&r);
                }
                if (want_grad)
                    csr_backward(X, a, m, k, rbuf, GT, gb, F32, I64);
                else if (A->grad_intercept)
                    for (int64_t i = 0; i < m; i++)
                        for (int64_t c = 0; c < k; c++) gb[c] += rbuf[i * k + c];
            }
            gb[k] = loss;
        }
        free(zbuf);
        free(rbuf);
        free(ybuf);
        free(wbuf);
    }
    free(WT);
    if (fail) {
        free(part);
        return -1;
    }
    const int64_t off = want_grad ? d * k : 0;
    double s = 0.0;
    for (int64_t ch = 0; ch < nch; ch++) s += part[ch * width + off + k];
    *loss_out = s;
    if (want_grad) csr_combine_transposed(part, nch, width, k, d, A->grad_coef);
    if (A->grad_intercept)
        for (int64_t c = 0; c < k; c++) {
            double g = 0.0;
            for (int64_t ch = 0; ch < nch; ch++) g += part[ch * width + off + c];
            A->grad_intercept[c] = g;
        }
    free(part);
    return 0;
}

/* ---------------------------------------------------------------- matvec */

LF_INLINE int csr_matvec(const lf_csr *X, int64_t k, const double *coef,
                         const double *intercept, void *Z, const int F32, const int I64) {
    const int64_t n = X->n, d = X->d;
    if (n <= 0 || k <= 0) return 0;
    double *WT = csr_transpose(coef, k, d);
    if (!WT) return -1;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B;
    const int nt = lf_threads_for((csr_nnz(X, I64) + n) * k);
    int fail = 0;
    LF_PRAGMA(omp parallel num_threads(nt) if (nt > 1) reduction(| : fail))
    {
        double *zbuf = F32 ? malloc((size_t)(B * k) * sizeof(double)) : NULL;
        const int ok = !F32 || zbuf;
        if (!ok) fail = 1;
        LF_PRAGMA(omp for schedule(dynamic, 4))
        for (int64_t blk = 0; blk < nblocks; blk++) {
            if (!ok) continue;
            const int64_t a = blk * B, m = CSR_MIN(B, n - a);
            double *Zb = F32 ? zbuf : (double *)Z + a * k;
            csr_forward(X, a, m, k, WT, intercept, Zb, F32, I64);
            if (F32)
                for (int64_t q = 0; q < m * k; q++) ((float *)Z)[a * k + q] = (float)Zb[q];
        }
        free(zbuf);
    }
    free(WT);
    return fail ? -1 : 0;
}

/* ---------------------------------------------------------------- rmatvec */

LF_INLINE int csr_rmatvec(const lf_csr *X, int64_t k, const double *R, double *G,
                          const int F32, const int I64) {
    const int64_t n = X->n, d = X->d;
    memset(G, 0, (size_t)CSR_MAX(k * d, 0) * sizeof(double));
    if (n <= 0 || k <= 0 || d <= 0) return 0;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B;
    const int64_t nnz = csr_nnz(X, I64), width = d * k;
    const int64_t nch = csr_nchunks(nblocks, width, nnz * k);
    double *part = calloc((size_t)(nch * width), sizeof(double));
    if (!part) return -1;
    const int nt = csr_threads(nnz * k, nch);
    LF_PRAGMA(omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1))
    for (int64_t ch = 0; ch < nch; ch++) {
        const int64_t b0 = ch * nblocks / nch, b1 = (ch + 1) * nblocks / nch;
        for (int64_t blk = b0; blk < b1; blk++) {
            const int64_t a = blk * B, m = CSR_MIN(B, n - a);
            csr_backward(X, a, m, k, R + a * k, part + ch * width, NULL, F32, I64);
        }
    }
    csr_combine_transposed(part, nch, width, k, d, G);
    free(part);
    return 0;
}

/* ---------------------------------------------------------------- gram */

LF_INLINE int csr_gram(const lf_csr *X, const void *Y, int64_t ky, const void *weight,
                       int64_t n_weights, int ones, double *gram_out, const int F32,
                       const int I64) {
    const int64_t n = X->n, d = X->d;
    ky = Y ? CSR_MAX(ky, 0) : 0;
    const int64_t D = d + ky + (ones ? 1 : 0), M = CSR_MAX(n_weights, 1);
    memset(gram_out, 0, (size_t)(M * D * D) * sizeof(double));
    if (n <= 0 || D == 0) return 0;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B;
    const int64_t width = M * D * D;
    const int64_t nnz = csr_nnz(X, I64);
    /* work of the pass: about sum_i (nnz_i + ky + 1)^2 / 2 per weight column */
    const int64_t per_row = nnz / CSR_MAX(n, 1) + ky + 1;
    const int64_t work = n * per_row * per_row * M;
    const int64_t nch = csr_nchunks(nblocks, width, work);
    double *part = calloc((size_t)(nch * width), sizeof(double));
    if (!part) return -1;
    const int nt = csr_threads(work, nch);
    const int64_t ycol = d, one = d + ky;
    LF_PRAGMA(omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1))
    for (int64_t ch = 0; ch < nch; ch++) {
        double *Gc = part + ch * width;
        const int64_t i0 = (ch * nblocks / nch) * B;
        const int64_t i1 = CSR_MIN(((ch + 1) * nblocks / nch) * B, n);
        for (int64_t i = i0; i < i1; i++) {
            const int64_t p0 = CSR_PTR(X, i), p1 = CSR_PTR(X, i + 1);
            for (int64_t mw = 0; mw < M; mw++) {
                double w = 1.0;
                if (weight)
                    w = F32 ? (double)((const float *)weight)[i * M + mw]
                            : ((const double *)weight)[i * M + mw];
                double *G = Gc + mw * D * D;
                /* upper triangle: indices are sorted, so q >= p means column >= */
                for (int64_t p = p0; p < p1; p++) {
                    const int64_t j = CSR_IDX(X, p);
                    const double wv = w * CSR_VAL(X, p);
                    double *restrict row = G + j * D;
                    for (int64_t q = p; q < p1; q++) row[CSR_IDX(X, q)] += wv * CSR_VAL(X, q);
                    for (int64_t c = 0; c < ky; c++)
                        row[ycol + c] += wv * (F32 ? (double)((const float *)Y)[i * ky + c]
                                                   : ((const double *)Y)[i * ky + c]);
                    if (ones) row[one] += wv;
                }
                for (int64_t c = 0; c < ky; c++) {
                    const double yc = F32 ? (double)((const float *)Y)[i * ky + c]
                                          : ((const double *)Y)[i * ky + c];
                    double *restrict row = G + (ycol + c) * D;
                    for (int64_t c2 = c; c2 < ky; c2++)
                        row[ycol + c2] += w * yc * (F32 ? (double)((const float *)Y)[i * ky + c2]
                                                        : ((const double *)Y)[i * ky + c2]);
                    if (ones) row[one] += w * yc;
                }
                if (ones) G[one * D + one] += w;
            }
        }
    }
    for (int64_t mw = 0; mw < M; mw++) {
        double *out = gram_out + mw * D * D;
        for (int64_t j = 0; j < D; j++)
            for (int64_t l = j; l < D; l++) {
                double s = 0.0;
                for (int64_t ch = 0; ch < nch; ch++) s += part[ch * width + mw * D * D + j * D + l];
                out[j * D + l] = s;
                out[l * D + j] = s;
            }
    }
    free(part);
    return 0;
}

/* ---------------------------------------------------------------- entry points */

#define CSR_ENTRY(SFX, F32)                                                                  \
    static int csr_loss_##SFX(const lf_csr *X, const lf_lm_loss_args *A, double *loss) {   \
        return X->idx64 ? csr_loss(X, A, loss, F32, 1) : csr_loss(X, A, loss, F32, 0);      \
    }                                                                                       \
    static int csr_matvec_##SFX(const lf_csr *X, int64_t k, const double *W,               \
                                const double *b, void *Z) {                                 \
        return X->idx64 ? csr_matvec(X, k, W, b, Z, F32, 1) : csr_matvec(X, k, W, b, Z, F32, 0); \
    }                                                                                       \
    static int csr_rmatvec_##SFX(const lf_csr *X, int64_t k, const double *R, double *G) { \
        return X->idx64 ? csr_rmatvec(X, k, R, G, F32, 1) : csr_rmatvec(X, k, R, G, F32, 0); \
    }                                                                                       \
    static int csr_gram_##SFX(const lf_csr *X, const void *Y, int64_t ky, const void *w,   \
                              int64_t M, int ones, double *G) {                             \
        return X->idx64 ? csr_gram(X, Y, ky, w, M, ones, G, F32, 1)                         \
                        : csr_gram(X, Y, ky, w, M, ones, G, F32, 0);                        \
    }

CSR_ENTRY(f32, 1)
CSR_ENTRY(f64, 0)

const lf_csr_kernels LF_TARGET(lf_linear_model_csr)[] = {
    {csr_loss_f32, csr_loss_f64, csr_matvec_f32, csr_matvec_f64, csr_rmatvec_f32,
     csr_rmatvec_f64, csr_gram_f32, csr_gram_f64},
};
LF_DEFINE_SELECTOR(lf_csr_kernels, lf_linear_model_csr)
