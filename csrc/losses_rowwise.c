/* Row-wise (softmax family) losses: one fused pass per row computes the max,
 * the log-sum-exp, the loss and the gradient without an intermediate softmax
 * matrix.  Rows are cut into deterministic chunks (lf_chunk_size) reduced in
 * float64 and added in chunk order. */
#include "lossfast.h"
#include "lf_math.h"

/* Softmax cross-entropy of one row of logits z against class index y:
 * loss = logsumexp(z) - z[y];  g[j] = gs * (softmax(z)[j] - [j == y]). */
#define LF_SOFTMAX_XENT_SPARSE_ROW(TYPE, SFX)                                              \
    LF_INLINE double softmax_xent_sparse_row_##SFX(const TYPE *restrict z, int64_t C,       \
                                                   int64_t y, TYPE *restrict g, TYPE gs,    \
                                                   const int GRAD) {                       \
        TYPE m = z[0];                                                                      \
        for (int64_t j = 1; j < C; j++) m = z[j] > m ? z[j] : m;                            \
        double s = 0.0;                                                                     \
        if (GRAD) {                                                                         \
            LF_PRAGMA(omp simd reduction(+ : s))                                            \
            for (int64_t j = 0; j < C; j++) {                                               \
                const TYPE e = LF_EXP(z[j] - m);                                            \
                g[j] = e;                                                                   \
                s += (double)e;                                                             \
            }                                                                               \
        } else {                                                                            \
            LF_PRAGMA(omp simd reduction(+ : s))                                            \
            for (int64_t j = 0; j < C; j++) s += (double)LF_EXP(z[j] - m);                  \
        }                                                                                   \
        const int ok = y >= 0 && y < C;                                                     \
        const double lse = (double)m + (double)LF_LOG((TYPE)s);                             \
        if (GRAD) {                                                                         \
            const TYPE sc = (TYPE)((double)gs / s);                                         \
            for (int64_t j = 0; j < C; j++) g[j] *= sc;                                     \
            if (ok) g[y] -= gs;                                                             \
        }                                                                                   \
        return ok ? lse - (double)z[y] : __builtin_nan("");                                 \
    }

#define LF_RW_SPARSE_KERNEL(NAME, TYPE, SFX)                                                \
    static double NAME##_##SFX(const lf_rw_args *A) {                                       \
        const int64_t n = A->n, C = A->n_classes;                                           \
        const int64_t *lab = (const int64_t *)A->y_true;                                    \
        const TYPE *z = (const TYPE *)A->y_pred, *w = (const TYPE *)A->weight;              \
        TYPE *lo = (TYPE *)A->loss_out, *go = (TYPE *)A->grad_out;                          \
        const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;                             \
        const double gs = A->grad_scale;                                                    \
        const int64_t cs = (lf_chunk_size(n * C) + C - 1) / C;                              \
        const int64_t nch = C > 0 ? (n + cs - 1) / cs : 0;                                  \
        double part[LF_MAX_CHUNKS + 1];                                                     \
        const int nt = nch > 1 ? lf_threads_for(n * C) : 1;                                 \
        LF_PRAGMA(omp parallel for num_threads(nt) schedule(static) if (nt > 1))            \
        for (int64_t c = 0; c < nch; c++) {                                                 \
            const int64_t a = c * cs, b = a + cs < n ? a + cs : n;                          \
            double acc = 0.0;                                                               \
            for (int64_t r = a; r < b; r++) {                                               \
                const double wr = w ? (double)w[r] : 1.0;                                   \
                const double l = GRAD ? softmax_xent_sparse_row_##SFX(                      \
                                            z + r * C, C, lab[r], go + r * C,               \
                                            (TYPE)(gs * wr), 1)                             \
                                      : softmax_xent_sparse_row_##SFX(                      \
                                            z + r * C, C, lab[r], NULL, (TYPE)0, 0);        \
                if (mode & LF_ELEM) lo[r] = (TYPE)(wr * l);                                 \
                acc += wr * l;                                                              \
            }                                                                               \
            part[c] = acc;                                                                  \
        }                                                                                   \
        double s = 0.0;                                                                     \
        for (int64_t c = 0; c < nch; c++) s += part[c];                                     \
        return s;                                                                           \
    }

LF_SOFTMAX_XENT_SPARSE_ROW(float, f32)
LF_SOFTMAX_XENT_SPARSE_ROW(double, f64)
LF_RW_SPARSE_KERNEL(softmax_xent_sparse, float, f32)
LF_RW_SPARSE_KERNEL(softmax_xent_sparse, double, f64)

const lf_rw_entry LF_TARGET(lf_rw_classification)[] = {
    {"softmax_xent_sparse", softmax_xent_sparse_f32, softmax_xent_sparse_f64},
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_rw_entry, lf_rw_classification)
