/* Row-wise (softmax family) losses: the loss of a row is a sum over its C
 * classes and needs row-level quantities first (max, log-sum-exp, row sum).
 * Each kernel is one fused pass per row (the row stays in L1 between its
 * steps): max, log-sum-exp, loss and gradient, no intermediate softmax matrix;
 * rows of few classes are handled in transposed blocks of 128 rows that stay
 * in L1 the same way, so SIMD lanes run across rows.
 * Rows are cut into deterministic chunks (lf_chunk_size over n * C elements),
 * each reduced in float64; chunk sums are added in chunk order, so results are
 * bit-identical for any thread count.  The kernels for one float type are in
 * losses_rowwise_t.h. */
#include <math.h>
#include "lossfast.h"
#include "lf_math.h"

#define LF_PEPS 1e-7
#define LF_NAN_OR_ZERO(T, x) ((x) == (x) ? (T)0 : (x))

#define T float
#define SFX f32
#include "losses_rowwise_t.h"
#undef T
#undef SFX
#define T double
#define SFX f64
#include "losses_rowwise_t.h"
#undef T
#undef SFX

/* The kernel of lf_rw_fn type: chunks of rows run by OpenMP threads. */
#define LF_RW_KERNEL(NAME, SFX)                                                            \
    static double NAME##_##SFX(const lf_rw_args *A) {                                      \
        const int64_t n = A->n, C = A->n_classes;                                          \
        if (n <= 0 || C <= 0) return 0.0;                                                  \
        const int64_t cs = (lf_chunk_size(n * C) + C - 1) / C;                             \
        const int64_t nch = (n + cs - 1) / cs;                                             \
        double part[LF_MAX_CHUNKS + 1];                                                    \
        const int nt = nch > 1 ? lf_threads_for(n * C) : 1;                                \
        LF_PRAGMA(omp parallel for num_threads(nt) schedule(static) if (nt > 1))           \
        for (int64_t c = 0; c < nch; c++) {                                                \
            const int64_t a = c * cs, b = a + cs < n ? a + cs : n;                         \
            part[c] = NAME##_rows_##SFX(A, a, b);                                          \
        }                                                                                  \
        double s = 0.0;                                                                    \
        for (int64_t c = 0; c < nch; c++) s += part[c];                                    \
        return s;                                                                          \
    }

#define LF_RW_DEFINE(NAME) LF_RW_KERNEL(NAME, f32) LF_RW_KERNEL(NAME, f64)
#define LF_RW_ENTRY(NAME) {#NAME, NAME##_f32, NAME##_f64}

LF_RW_DEFINE(softmax_xent_sparse)
LF_RW_DEFINE(softmax_xent)
LF_RW_DEFINE(cce_prob)
LF_RW_DEFINE(cce_prob_sparse)
LF_RW_DEFINE(multi_margin)
LF_RW_DEFINE(zero_one_argmax)

/* y_true is int64 class indices for the *_sparse, multi_margin and
 * zero_one_argmax entries, an (n, C) array of targets for the others. */
const lf_rw_entry LF_TARGET(lf_rw_classification)[] = {
    LF_RW_ENTRY(softmax_xent_sparse), LF_RW_ENTRY(softmax_xent),
    LF_RW_ENTRY(cce_prob),            LF_RW_ENTRY(cce_prob_sparse),
    LF_RW_ENTRY(multi_margin),        LF_RW_ENTRY(zero_one_argmax),
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_rw_entry, lf_rw_classification)
