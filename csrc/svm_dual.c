/* Dual coordinate descent for the linear SVM (see svm_dual.h): liblinear's
 * solve_l2r_l1l2_svc with shrinking, written once as a macro over the float
 * type T and the row access (dense rows, CSR rows).
 *
 * One pass: the active rows in a random order (Fisher-Yates on the
 * splitmix64 stream of the state); for row i the dual gradient
 * G = y_i (w . x_i + b) - 1 + diag_i alpha_i, its projection PG on the box
 * [0, U_i], and when |PG| > 1e-12 the exact one-variable minimiser
 * alpha_i <- clip(alpha_i - G / qd_i, 0, U_i), w += (new - old) y_i x_i.
 * Rows at a bound whose gradient points out of the box by more than the
 * last pass's extreme projected gradients leave the active set; when the
 * active rows meet the tolerance, every row is checked once more
 * (liblinear's rule), so the result satisfies max PG - min PG <= tol over
 * all rows. */
#include <math.h>

#include "lf_gather.h"
#include "lf_shuffle.h"
#include "svm_dual.h"

/* ROW(i) sets xv, nnz and (CSR) ix; DOT / AXPY are the row's dot product with
 * w and w += c x_i; RV(i, Y) etc. the row's values in its record (svm_dual.h) */
#define RV(i, F) rv[LF_SVM_RV * (i) + LF_SVM_##F]
#define LF_SVM_DUAL_BODY(T, ROW, DOT, AXPY, PREFETCH_META, PREFETCH_ROW)                                               \
    const int hinge = P->loss == 0;                                                       \
    /* the intercept's feature (csrc/svm_dual.h): its weight v = w[d] */                  \
    const double iscale = P->iscale;                                                      \
    double v = iscale != 0.0 ? w[d] : 0.0;                                                \
    int64_t active = m;                                                                   \
    if (P->init) {                                                                        \
        for (int64_t r = 0; r < m; r++) {                                                 \
            const int64_t i = rows[r];                                                    \
            ROW(i)                                                                        \
            double s = 0.0;                                                               \
            for (int64_t j = 0; j < nnz; j++) s += (double)xv[j] * (double)xv[j];         \
            RV(i, QD) = s + iscale * iscale + (hinge ? 0.0 : 0.5 / RV(i, COST));          \
        }                                                                                 \
    }                                                                                     \
    double pg_max_old = INFINITY, pg_min_old = -INFINITY;                                 \
    uint64_t rng = S->rng;                                                                \
    int64_t it = 0;                                                                       \
    int status = 1;                                                                       \
    while (it < P->max_iter) {                                                            \
        double pg_max = -INFINITY, pg_min = INFINITY;                                     \
        lf_shuffle_rows(rows, active, &rng);                                              \
        for (int64_t r = 0; r < active; r++) {                                            \
            const int64_t i = rows[r];                                                    \
            /* the rows come in a random order: fetch the per-row values         \
             * LF_SVM_FAR rows ahead and the row's entries LF_SVM_NEAR ahead */     \
            if (r + LF_SVM_FAR < active) {                                                \
                const int64_t f_ = rows[r + LF_SVM_FAR];                                  \
                __builtin_prefetch(rv + LF_SVM_RV * f_, 1);                               \
                PREFETCH_META(f_)                                                         \
            }                                                                             \
            if (r + LF_SVM_NEAR < active) PREFETCH_ROW(rows[r + LF_SVM_NEAR])             \
            ROW(i)                                                                        \
            const double yi = RV(i, Y), a = RV(i, ALPHA);                                 \
            const double diag = hinge ? 0.0 : 0.5 / RV(i, COST);                          \
            const double upper = hinge ? RV(i, COST) : INFINITY;                          \
            double dot;                                                                   \
            DOT                                                                           \
            const double G = yi * (dot + b + iscale * v) - 1.0 + diag * a;                \
            double PG = 0.0;                                                              \
            if (a == 0.0) {                                                               \
                if (G > pg_max_old) {                                                     \
                    active--;                                                             \
                    rows[r] = rows[active]; rows[active] = i;                             \
                    r--;                                                                  \
                    continue;                                                             \
                }                                                                         \
                if (G < 0.0) PG = G;                                                      \
            } else if (a == upper) {                                                      \
                if (G < pg_min_old) {                                                     \
                    active--;                                                             \
                    rows[r] = rows[active]; rows[active] = i;                             \
                    r--;                                                                  \
                    continue;                                                             \
                }                                                                         \
                if (G > 0.0) PG = G;                                                      \
            } else {                                                                      \
                PG = G;                                                                   \
            }                                                                             \
            pg_max = PG > pg_max ? PG : pg_max;                                           \
            pg_min = PG < pg_min ? PG : pg_min;                                           \
            if (fabs(PG) > 1e-12) {                                                       \
                double an = a - G / RV(i, QD);                                            \
                an = an < 0.0 ? 0.0 : (an > upper ? upper : an);                          \
                RV(i, ALPHA) = an;                                                        \
                const double c = (an - a) * yi;                                           \
                AXPY                                                                      \
                v += c * iscale;                                                          \
            }                                                                             \
        }                                                                                 \
        it++;                                                                             \
        S->gap = pg_max - pg_min;                                                         \
        if (!(pg_max - pg_min > P->tol)) {   /* also when no row is active */           \
            if (active == m) { status = 0; break; }                                       \
            active = m;                                                                   \
            pg_max_old = INFINITY;                                                        \
            pg_min_old = -INFINITY;                                                       \
            continue;                                                                     \
        }                                                                                 \
        pg_max_old = pg_max > 0.0 ? pg_max : INFINITY;                                    \
        pg_min_old = pg_min < 0.0 ? pg_min : -INFINITY;                                   \
    }                                                                                     \
    S->rng = rng;                                                                         \
    if (iscale != 0.0) w[d] = v;                                                          \
    S->n_iter = it;                                                                       \
    for (int64_t j = 0; j < d; j++)                                                       \
        if (!isfinite(w[j])) return 2;                                                    \
    return status;

#define LF_SVM_FAR 8
#define LF_SVM_NEAR 3
#define LF_SVM_PREFETCH_SPAN(p, nbytes)                                                   \
    {                                                                                     \
        const char *pf_ = (const char *)(p);                                              \
        for (int64_t o_ = 0; o_ < (int64_t)(nbytes); o_ += 64) __builtin_prefetch(pf_ + o_); \
    }
#define LF_SVM_DENSE_META(i2)
#define LF_SVM_DENSE_PREFETCH(i2) LF_SVM_PREFETCH_SPAN(X + (i2) * d, d * (int64_t)sizeof(*X))
#define LF_SVM_CSR_META(i2) __builtin_prefetch(indptr + (i2));
#define LF_SVM_CSR_PREFETCH(i2)                                                           \
    {                                                                                     \
        const int64_t pa_ = (int64_t)indptr[i2], pn_ = (int64_t)indptr[(i2) + 1] - pa_;   \
        LF_SVM_PREFETCH_SPAN(data + pa_, pn_ * (int64_t)sizeof(*data))                    \
        LF_SVM_PREFETCH_SPAN(indices + pa_, pn_ * (int64_t)sizeof(*indices))              \
    }

#define LF_SVM_DENSE_ROW(T) const T *restrict xv = X + i * d; const int64_t nnz = d;
#define LF_SVM_DENSE_DOT                                                                  \
    {                                                                                     \
        double s0 = 0.0;                                                                  \
        LF_PRAGMA(omp simd reduction(+ : s0))                                             \
        for (int64_t j = 0; j < nnz; j++) s0 += w[j] * (double)xv[j];                     \
        dot = s0;                                                                         \
    }
#define LF_SVM_DENSE_AXPY                                                                 \
    LF_PRAGMA(omp simd)                                                                   \
    for (int64_t j = 0; j < nnz; j++) w[j] += c * (double)xv[j];

#define LF_SVM_CSR_ROW(T, I)                                                              \
    const I a_ = indptr[i];                                                               \
    const T *restrict xv = data + a_;                                                     \
    const I *restrict ix = indices + a_;                                                  \
    const int64_t nnz = (int64_t)(indptr[i + 1] - a_);                                    \
    (void)ix;
/* float64 data: lf_gather.h's dot (4-wide gathers on AVX2 / AVX-512); float32:
 * four accumulators (a short sparse row is bound by the latency of its adds) */
#define LF_SVM_CSR_DOT LF_SPARSE_DOT(dot, xv, ix, nnz, w)
#define LF_SVM_CSR_AXPY for (int64_t j = 0; j < nnz; j++) w[ix[j]] += c * (double)xv[j];

#define LF_SVM_DENSE(T, SFX)                                                              \
    static int svm_dual_dense_##SFX(const lf_svm_dual_params *P, lf_svm_dual_state *S,    \
                                    const void *X_, int64_t d, double *rv, double b,      \
                                    int64_t *rows, int64_t m, double *w_) {               \
        const T *restrict X = (const T *)X_;                                              \
        double *restrict w = w_;                                                          \
        LF_SVM_DUAL_BODY(T, LF_SVM_DENSE_ROW_##SFX, LF_SVM_DENSE_DOT, LF_SVM_DENSE_AXPY,  \
                         LF_SVM_DENSE_META, LF_SVM_DENSE_PREFETCH)                        \
    }
#define LF_SVM_CSR(T, I, SFX)                                                             \
    static int svm_dual_csr_##SFX(const lf_svm_dual_params *P, lf_svm_dual_state *S,      \
                                  const void *data_, const void *indices_,                \
                                  const void *indptr_, int64_t d, double *rv, double b,   \
                                  int64_t *rows, int64_t m, double *w_) {                 \
        const T *restrict data = (const T *)data_;                                        \
        const I *restrict indices = (const I *)indices_;                                  \
        const I *restrict indptr = (const I *)indptr_;                                    \
        double *restrict w = w_;                                                          \
        LF_SVM_DUAL_BODY(T, LF_SVM_CSR_ROW_##SFX, LF_SVM_CSR_DOT, LF_SVM_CSR_AXPY,        \
                         LF_SVM_CSR_META, LF_SVM_CSR_PREFETCH)                            \
    }

#define LF_SVM_DENSE_ROW_f32(i) LF_SVM_DENSE_ROW(float)
#define LF_SVM_DENSE_ROW_f64(i) LF_SVM_DENSE_ROW(double)
#define LF_SVM_CSR_ROW_f32_i32(i) LF_SVM_CSR_ROW(float, int32_t)
#define LF_SVM_CSR_ROW_f32_i64(i) LF_SVM_CSR_ROW(float, int64_t)
#define LF_SVM_CSR_ROW_f64_i32(i) LF_SVM_CSR_ROW(double, int32_t)
#define LF_SVM_CSR_ROW_f64_i64(i) LF_SVM_CSR_ROW(double, int64_t)

LF_SVM_DENSE(float, f32)
LF_SVM_DENSE(double, f64)
LF_SVM_CSR(float, int32_t, f32_i32)
LF_SVM_CSR(float, int64_t, f32_i64)
LF_SVM_CSR(double, int32_t, f64_i32)
LF_SVM_CSR(double, int64_t, f64_i64)

const lf_svm_dual_entry LF_TARGET(lf_svm_dual_kernels)[] = {{
    svm_dual_dense_f32, svm_dual_dense_f64, svm_dual_csr_f32_i32, svm_dual_csr_f32_i64,
    svm_dual_csr_f64_i32, svm_dual_csr_f64_i64}};
LF_DEFINE_SELECTOR(lf_svm_dual_entry, lf_svm_dual_kernels)
