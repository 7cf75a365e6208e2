/* Linear-model kernels on CSR sparse X (linear_model_csr.h).
 *
 * As in linear_model.c, the losses are not defined here: the loss pass calls
 * the loss engine's float64 lf_ew_fn / lf_rw_fn on each block's decision
 * values.  The loops are written once and specialised for float / double
 * data and int32 / int64 indices by inlining the constant flags F32 / I64.
 */
#include <stdlib.h>
#include <string.h>
#include "lf_gather.h"
#include "linear_model_csr.h"

#define CSR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CSR_MAX(a, b) ((a) > (b) ? (a) : (b))
/* rows per block of every pass */
#define CSR_BLOCK_ROWS 512
/* at most this many chunks (partial results) */
#define CSR_MAX_CHUNKS 64

#define CSR_PTR(X, i) \
    (I64 ? ((const int64_t *)(X)->indptr)[i] : (int64_t)((const int32_t *)(X)->indptr)[i])
#define CSR_IDX(X, p) \
    (I64 ? ((const int64_t *)(X)->indices)[p] : (int64_t)((const int32_t *)(X)->indices)[p])
#define CSR_VAL(X, p) \
    (F32 ? (double)((const float *)(X)->data)[p] : ((const double *)(X)->data)[p])

/* The plan of a CSR pass over nblocks blocks whose partial results take
 * `width` doubles: at most CSR_MAX_CHUNKS balanced runs of blocks, within
 * LF_LM_PARTIAL_BUDGET, and few enough that adding the partials costs at
 * most an eighth of the pass over the nnz * k products.  It depends on the
 * matrix and k only, never on the thread count (lf_run_chunks adds the
 * partials in chunk order). */
static lf_chunk_plan csr_plan(int64_t nblocks, int64_t width, int64_t work) {
    int64_t nch = CSR_MIN(nblocks, (int64_t)CSR_MAX_CHUNKS);
    nch = CSR_MIN(nch, LF_LM_PARTIAL_BUDGET / (CSR_MAX(width, 1) * (int64_t)sizeof(double)));
    nch = CSR_MIN(nch, work / (8 * CSR_MAX(width, 1)));
    return lf_plan_runs(nblocks, CSR_MAX(nch, 1), work);
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
    if (k == 1) { /* one output: a scalar dot product per row, no inner loop */
        const double b0 = b ? b[0] : 0.0;
        for (int64_t i = 0; i < m; i++) {
            const int64_t p0 = CSR_PTR(X, a + i), p1 = CSR_PTR(X, a + i + 1);
            double s;
            if (!F32 && I64)
                s = lf_sparse_dot_i64((const double *)X->data + p0,
                                      (const int64_t *)X->indices + p0, p1 - p0, WT);
            else if (!F32)
                s = lf_sparse_dot_i32((const double *)X->data + p0,
                                      (const int32_t *)X->indices + p0, p1 - p0, WT);
            else if (I64)
                LF_SPARSE_DOT4(s, (const float *)X->data + p0,
                               (const int64_t *)X->indices + p0, p1 - p0, WT)
            else
                LF_SPARSE_DOT4(s, (const float *)X->data + p0,
                               (const int32_t *)X->indices + p0, p1 - p0, WT)
            Z[i] = b0 + s;
        }
        return;
    }
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
    if (k == 1) {
        for (int64_t i = 0; i < m; i++) {
            const double r = R[i];
            if (gb) gb[0] += r;
            const int64_t p1 = CSR_PTR(X, a + i + 1);
            for (int64_t p = CSR_PTR(X, a + i); p < p1; p++)
                GT[CSR_IDX(X, p)] += CSR_VAL(X, p) * r;
        }
        return;
    }
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

/* The column moments of the rows [a, a + m), w their weights (indexed by row;
 * NULL: ones).  Without R: G (d x 2) += [w x, w x^2] per column.  With R (the
 * m rows' loss derivatives) also the gradient, side by side in one line per
 * column: G (d x 3) += [R x, w x, w x^2], and gb[0] += sum R. */
LF_INLINE void csr_moments_rows(const lf_csr *X, int64_t a, int64_t m, const double *w,
                                const double *restrict R, double *restrict G,
                                double *restrict gb, const int F32, const int I64) {
    const int64_t stride = R ? 3 : 2;
    for (int64_t i = 0; i < m; i++) {
        const double wi = w ? w[a + i] : 1.0, r = R ? R[i] : 0.0;
        if (R) gb[0] += r;
        const int64_t p1 = CSR_PTR(X, a + i + 1);
        for (int64_t p = CSR_PTR(X, a + i); p < p1; p++) {
            const double v = CSR_VAL(X, p), wv = wi * v;
            double *restrict g = G + stride * CSR_IDX(X, p);
            if (R) {
                g[0] += v * r;
                g[1] += wv;
                g[2] += wv * v;
            } else {
                g[0] += wv;
                g[1] += wv * v;
            }
        }
    }
}

/* out (k x d) from the transposed sum GT (d x k) */
static void csr_untranspose(const double *GT, int64_t k, int64_t d, double *out) {
    for (int64_t j = 0; j < d; j++)
        for (int64_t c = 0; c < k; c++) out[c * d + j] = GT[j * k + c];
}

/* The context of a chunk body. */
typedef struct csr_ctx {
    const lf_csr *X;
    const lf_lm_loss_args *A; /* loss pass */
    const double *WT;         /* W^T (d x k) */
    const double *R;          /* rmatvec: (n x k) */
    void *Z;                  /* matvec output */
    const void *Y, *weight;   /* gram */
    int64_t k, ky, M, D;
    int ones;
    int moments;              /* rmatvec as column moments: R is w (n) or NULL */
} csr_ctx;

/* ---------------------------------------------------------------- loss */

/* Blocks [b0, b1) of one chunk: partial = [GT (d x k), gb (k), loss]; the
 * scratch holds the block's float64 decision values and derivatives and,
 * for float32 data, its targets and weights. */
LF_INLINE int csr_loss_chunk(const csr_ctx *C, int64_t b0, int64_t b1, double *partial,
                             void *scratch, const int F32, const int I64) {
    const lf_csr *X = C->X;
    const lf_lm_loss_args *A = C->A;
    const int64_t n = X->n, d = X->d, k = A->k, B = CSR_BLOCK_ROWS;
    const int want_grad = A->grad_coef != NULL, want_b = want_grad || A->grad_intercept;
    double *zbuf = (double *)scratch, *rbuf = zbuf + B * k, *ybuf = rbuf + B * k;
    double *wbuf = ybuf + B * k;
    double *GT = partial, *gb = GT + (want_grad ? d * (A->moments_out ? 3 : k) : 0);
    double loss = 0.0;
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a = blk * B, m = CSR_MIN(B, n - a);
        double *Zb = !F32 && A->z_out ? (double *)A->z_out + a * k : zbuf;
        if (!A->z_given) /* else the caller's decision values (float64 only) */
            csr_forward(X, a, m, k, C->WT, A->intercept, Zb, F32, I64);
        if (F32 && A->z_out)
            for (int64_t q = 0; q < m * k; q++) ((float *)A->z_out)[a * k + q] = (float)Zb[q];
        loss += lf_lm_block_loss(A, a, m, Zb, want_b ? rbuf : NULL, ybuf, wbuf, F32, NULL);
        if (A->moments_out && !F32) /* GT (d x 3): the gradient and the moments */
            csr_moments_rows(X, a, m, (const double *)A->weight, rbuf, GT, gb, F32, I64);
        else if (want_grad)
            csr_backward(X, a, m, k, rbuf, GT, gb, F32, I64);
        else if (A->grad_intercept)
            for (int64_t i = 0; i < m; i++)
                for (int64_t c = 0; c < k; c++) gb[c] += rbuf[i * k + c];
    }
    gb[k] = loss;
    return 0;
}

LF_INLINE int csr_loss(const lf_csr *X, const lf_lm_loss_args *A, double *loss_out,
                       lf_chunk_body body, const int I64) {
    const int64_t n = X->n, d = X->d, k = A->k;
    const int want_grad = A->grad_coef != NULL;
    *loss_out = 0.0;
    if (!A->loss || !A->params || k < 1 || A->n != n || A->d != d) return -2;
    if (want_grad) memset(A->grad_coef, 0, (size_t)(k * d) * sizeof(double));
    if (A->grad_intercept) memset(A->grad_intercept, 0, (size_t)k * sizeof(double));
    if (A->moments_out && (k != 1 || !want_grad)) return -2;
    if (A->moments_out) memset(A->moments_out, 0, (size_t)(2 * d) * sizeof(double));
    if (n <= 0) return 0;
    if (A->z_given && !A->z_out) return -2;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B;
    const int64_t work = (csr_nnz(X, I64) + n) * k;
    const int64_t off = want_grad ? d * (A->moments_out ? 3 : k) : 0, width = off + k + 1;
    double *WT = csr_transpose(A->coef, k, d);
    double *res = malloc((size_t)width * sizeof(double));
    if (!WT || !res) {
        free(WT);
        free(res);
        return -1;
    }
    csr_ctx ctx = {X, A, WT, NULL, NULL, NULL, NULL, k, 0, 0, 0, 0};
    lf_chunk_job job = {csr_plan(nblocks, width, work), width,
                        (size_t)(4 * B * k) * sizeof(double), 1, body, &ctx};
    const int rc = lf_run_chunks(&job, res);
    if (rc == 0) {
        *loss_out = res[off + k];
        if (A->moments_out) {
            for (int64_t j = 0; j < d; j++) {
                A->grad_coef[j] = res[3 * j];
                A->moments_out[j] = res[3 * j + 1];
                A->moments_out[d + j] = res[3 * j + 2];
            }
        } else if (want_grad)
            csr_untranspose(res, k, d, A->grad_coef);
        if (A->grad_intercept) memcpy(A->grad_intercept, res + off, (size_t)k * sizeof(double));
    }
    free(WT);
    free(res);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- matvec */

LF_INLINE int csr_matvec_chunk(const csr_ctx *C, int64_t b0, int64_t b1, void *scratch,
                               const int F32, const int I64) {
    const int64_t n = C->X->n, k = C->k, B = CSR_BLOCK_ROWS;
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a = blk * B, m = CSR_MIN(B, n - a);
        double *Zb = F32 ? (double *)scratch : (double *)C->Z + a * k;
        csr_forward(C->X, a, m, k, C->WT, C->R, Zb, F32, I64);
        if (F32)
            for (int64_t q = 0; q < m * k; q++) ((float *)C->Z)[a * k + q] = (float)Zb[q];
    }
    return 0;
}

LF_INLINE int csr_matvec(const lf_csr *X, int64_t k, const double *coef,
                         const double *intercept, void *Z, lf_chunk_body body,
                         const int F32, const int I64) {
    const int64_t n = X->n, d = X->d;
    if (n <= 0 || k <= 0) return 0;
    double *WT = csr_transpose(coef, k, d);
    if (!WT) return -1;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B;
    /* the intercept rides in the context's R slot (no reduction, no partials) */
    csr_ctx ctx = {X, NULL, WT, intercept, Z, NULL, NULL, k, 0, 0, 0, 0};
    lf_chunk_job job = {lf_plan_runs(nblocks, CSR_MIN(nblocks, (int64_t)LF_MAX_CHUNKS),
                                     (csr_nnz(X, I64) + n) * k),
                        0, F32 ? (size_t)(B * k) * sizeof(double) : 0, 1, body, &ctx};
    const int rc = lf_run_chunks(&job, NULL);
    free(WT);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- rmatvec */

LF_INLINE int csr_rmatvec_chunk(const csr_ctx *C, int64_t b0, int64_t b1, double *partial,
                                const int F32, const int I64) {
    const lf_csr *X = C->X;
    const int64_t n = X->n, k = C->k, B = CSR_BLOCK_ROWS;
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a = blk * B, m = CSR_MIN(B, n - a);
        if (!C->moments) {
            csr_backward(X, a, m, k, C->R + a * k, partial, NULL, F32, I64);
            continue;
        }
        /* partial (d x 2): sum_i w_i x_ij and sum_i w_i x_ij^2 (C->R: the weights) */
        csr_moments_rows(X, a, m, C->R, NULL, partial, NULL, F32, I64);
    }
    return 0;
}

LF_INLINE int csr_rmatvec(const lf_csr *X, int64_t k, const double *R, double *G,
                          int moments, lf_chunk_body body, const int I64) {
    const int64_t n = X->n, d = X->d;
    memset(G, 0, (size_t)CSR_MAX(k * d, 0) * sizeof(double));
    if (n <= 0 || k <= 0 || d <= 0) return 0;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B, width = d * k;
    double *res = malloc((size_t)width * sizeof(double));
    if (!res) return -1;
    csr_ctx ctx = {X, NULL, NULL, R, NULL, NULL, NULL, k, 0, 0, 0, 0, moments};
    lf_chunk_job job = {csr_plan(nblocks, width, csr_nnz(X, I64) * k), width, 0, 1, body,
                        &ctx};
    const int rc = lf_run_chunks(&job, res);
    if (rc == 0) csr_untranspose(res, k, d, G);
    free(res);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- gram */

LF_INLINE double csr_y(const csr_ctx *C, int64_t i, int64_t c, const int F32) {
    return F32 ? (double)((const float *)C->Y)[i * C->ky + c]
               : ((const double *)C->Y)[i * C->ky + c];
}

/* Rows of the blocks [b0, b1) into the chunk's M x D x D partial Grams (upper
 * triangles: indices are sorted, so q >= p means a column >= the row's). */
LF_INLINE int csr_gram_chunk(const csr_ctx *C, int64_t b0, int64_t b1, double *partial,
                             const int F32, const int I64) {
    const lf_csr *X = C->X;
    const int64_t n = X->n, d = X->d, ky = C->ky, M = C->M, D = C->D, B = CSR_BLOCK_ROWS;
    const int64_t ycol = d, one = d + ky;
    const int64_t i1 = CSR_MIN(b1 * B, n);
    for (int64_t i = b0 * B; i < i1; i++) {
        const int64_t p0 = CSR_PTR(X, i), p1 = CSR_PTR(X, i + 1);
        for (int64_t mw = 0; mw < M; mw++) {
            double w = 1.0;
            if (C->weight)
                w = F32 ? (double)((const float *)C->weight)[i * M + mw]
                        : ((const double *)C->weight)[i * M + mw];
            double *G = partial + mw * D * D;
            for (int64_t p = p0; p < p1; p++) {
                const double wv = w * CSR_VAL(X, p);
                double *restrict row = G + CSR_IDX(X, p) * D;
                for (int64_t q = p; q < p1; q++) row[CSR_IDX(X, q)] += wv * CSR_VAL(X, q);
                for (int64_t c = 0; c < ky; c++) row[ycol + c] += wv * csr_y(C, i, c, F32);
                if (C->ones) row[one] += wv;
            }
            for (int64_t c = 0; c < ky; c++) {
                const double yc = w * csr_y(C, i, c, F32);
                double *restrict row = G + (ycol + c) * D;
                for (int64_t c2 = c; c2 < ky; c2++) row[ycol + c2] += yc * csr_y(C, i, c2, F32);
                if (C->ones) row[one] += yc;
            }
            if (C->ones) G[one * D + one] += w;
        }
    }
    return 0;
}

LF_INLINE int csr_gram(const lf_csr *X, const void *Y, int64_t ky, const void *weight,
                       int64_t n_weights, int ones, double *gram_out, lf_chunk_body body,
                       const int I64) {
    const int64_t n = X->n, d = X->d;
    ky = Y ? CSR_MAX(ky, 0) : 0;
    const int64_t D = d + ky + (ones ? 1 : 0), M = CSR_MAX(n_weights, 1);
    memset(gram_out, 0, (size_t)(M * D * D) * sizeof(double));
    if (n <= 0 || D == 0) return 0;
    const int64_t B = CSR_BLOCK_ROWS, nblocks = (n + B - 1) / B, width = M * D * D;
    /* work of the pass: about sum_i (nnz_i + ky + 1)^2 / 2 per weight column */
    const int64_t per_row = csr_nnz(X, I64) / CSR_MAX(n, 1) + ky + 1;
    const int64_t work = n * per_row * per_row * M;
    double *res = malloc((size_t)width * sizeof(double));
    if (!res) return -1;
    csr_ctx ctx = {X, NULL, NULL, NULL, NULL, Y, weight, 0, ky, M, D, ones ? 1 : 0};
    lf_chunk_job job = {csr_plan(nblocks, width, work), width, 0, 1, body, &ctx};
    const int rc = lf_run_chunks(&job, res);
    if (rc == 0)
        for (int64_t mw = 0; mw < M; mw++) {
            const double *src = res + mw * D * D;
            double *out = gram_out + mw * D * D;
            for (int64_t j = 0; j < D; j++)
                for (int64_t l = j; l < D; l++) out[j * D + l] = out[l * D + j] = src[j * D + l];
        }
    free(res);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- entry points */

/* The chunk bodies and entry points for one (data type, index type) pair. */
#define CSR_BODIES(SFX, F32, I64)                                                           \
    static int csr_loss_body_##SFX(void *ctx, int64_t c, int64_t a, int64_t b, double *part, \
                                   void *scratch) {                                         \
        (void)c;                                                                            \
        return csr_loss_chunk((const csr_ctx *)ctx, a, b, part, scratch, F32, I64);         \
    }                                                                                       \
    static int csr_matvec_body_##SFX(void *ctx, int64_t c, int64_t a, int64_t b,            \
                                     double *part, void *scratch) {                         \
        (void)c, (void)part;                                                                \
        return csr_matvec_chunk((const csr_ctx *)ctx, a, b, scratch, F32, I64);             \
    }                                                                                       \
    static int csr_rmatvec_body_##SFX(void *ctx, int64_t c, int64_t a, int64_t b,           \
                                      double *part, void *scratch) {                        \
        (void)c, (void)scratch;                                                             \
        return csr_rmatvec_chunk((const csr_ctx *)ctx, a, b, part, F32, I64);               \
    }                                                                                       \
    static int csr_gram_body_##SFX(void *ctx, int64_t c, int64_t a, int64_t b, double *part, \
                                   void *scratch) {                                         \
        (void)c, (void)scratch;                                                             \
        return csr_gram_chunk((const csr_ctx *)ctx, a, b, part, F32, I64);                  \
    }

CSR_BODIES(f32_i32, 1, 0)
CSR_BODIES(f32_i64, 1, 1)
CSR_BODIES(f64_i32, 0, 0)
CSR_BODIES(f64_i64, 0, 1)

#define CSR_ENTRY(SFX, F32)                                                                  \
    static int csr_loss_##SFX(const lf_csr *X, const lf_lm_loss_args *A, double *loss) {   \
        /* float32 data: decision values computed only, moments by csr_moments */      \
        if (F32 && (A->z_given || A->moments_out)) return -2;                             \
        return X->idx64 ? csr_loss(X, A, loss, csr_loss_body_##SFX##_i64, 1)                \
                        : csr_loss(X, A, loss, csr_loss_body_##SFX##_i32, 0);               \
    }                                                                                       \
    static int csr_matvec_##SFX(const lf_csr *X, int64_t k, const double *W,               \
                                const double *b, void *Z) {                                 \
        return X->idx64 ? csr_matvec(X, k, W, b, Z, csr_matvec_body_##SFX##_i64, F32, 1)    \
                        : csr_matvec(X, k, W, b, Z, csr_matvec_body_##SFX##_i32, F32, 0);   \
    }                                                                                       \
    static int csr_rmatvec_##SFX(const lf_csr *X, int64_t k, const double *R, double *G) { \
        return X->idx64 ? csr_rmatvec(X, k, R, G, 0, csr_rmatvec_body_##SFX##_i64, 1)       \
                        : csr_rmatvec(X, k, R, G, 0, csr_rmatvec_body_##SFX##_i32, 0);      \
    }                                                                                       \
    static int csr_moments_##SFX(const lf_csr *X, const double *w, double *M) {            \
        return X->idx64 ? csr_rmatvec(X, 2, w, M, 1, csr_rmatvec_body_##SFX##_i64, 1)       \
                        : csr_rmatvec(X, 2, w, M, 1, csr_rmatvec_body_##SFX##_i32, 0);      \
    }                                                                                       \
    static int csr_gram_##SFX(const lf_csr *X, const void *Y, int64_t ky, const void *w,   \
                              int64_t M, int ones, double *G) {                             \
        return X->idx64 ? csr_gram(X, Y, ky, w, M, ones, G, csr_gram_body_##SFX##_i64, 1)   \
                        : csr_gram(X, Y, ky, w, M, ones, G, csr_gram_body_##SFX##_i32, 0);  \
    }

CSR_ENTRY(f32, 1)
CSR_ENTRY(f64, 0)

const lf_csr_kernels LF_TARGET(lf_linear_model_csr)[] = {
    {csr_loss_f32, csr_loss_f64, csr_matvec_f32, csr_matvec_f64, csr_rmatvec_f32,
     csr_rmatvec_f64, csr_gram_f32, csr_gram_f64, csr_moments_f32, csr_moments_f64},
};
LF_DEFINE_SELECTOR(lf_csr_kernels, lf_linear_model_csr)
