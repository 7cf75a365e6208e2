/* Row-wise (softmax family) losses: the loss of a row is a sum over its C
 * classes and needs row-level quantities first (max, log-sum-exp, row sum).
 * Each kernel is one fused pass per row (the row stays in L1 between its
 * steps): max, log-sum-exp, loss and gradient, no intermediate softmax matrix;
 * rows of few classes are handled in transposed blocks of 128 rows that stay
 * in L1 the same way, so SIMD lanes run across rows.
 * Rows are cut into deterministic chunks by the chunk driver (lf_plan_items
 * over n rows of C elements), each reduced in float64; chunk sums are added
 * in chunk order, so results are bit-identical for any thread count.  The
 * kernels for one float type are in losses_rowwise_t.h. */
#include <math.h>
#include "lf_helpers.h"

#define LF_TEMPLATE "losses_rowwise_t.h"
#include "lf_per_type.h"

/* The kernel of lf_loss_fn type: the chunk driver over rows, each row costing
 * n_classes elements (lf_plan_items). */
#define LF_RW_KERNEL(NAME, SFX)                                                            \
    static int NAME##_chunk_##SFX(void *ctx, int64_t c, int64_t a, int64_t b,              \
                                  double *partial, void *scratch) {                        \
        (void)c; (void)scratch;                                                            \
        partial[0] = NAME##_rows_##SFX((const lf_loss_args *)ctx, a, b);                     \
        return 0;                                                                          \
    }                                                                                      \
    static double NAME##_##SFX(const lf_loss_args *A) {                                      \
        if (A->n <= 0 || A->n_cols <= 0) return 0.0;                                    \
        lf_chunk_job job = {lf_plan_items(A->n, A->n_cols), 1, 0, 0,                    \
                            NAME##_chunk_##SFX, (void *)A};                                \
        double s = 0.0;                                                                    \
        lf_run_chunks(&job, &s);                                                           \
        return s;                                                                          \
    }

#define LF_RW_DEFINE(NAME) LF_RW_KERNEL(NAME, f32) LF_RW_KERNEL(NAME, f64)
#define LF_RW_ENTRY(NAME, PARAMS) {#NAME, PARAMS, NAME##_f32, NAME##_f64}

LF_RW_DEFINE(softmax_xent_sparse)
LF_RW_DEFINE(softmax_xent)
LF_RW_DEFINE(cce_prob)
LF_RW_DEFINE(cce_prob_sparse)
LF_RW_DEFINE(multi_margin)
LF_RW_DEFINE(zero_one_argmax)

/* y_true is int64 class indices for the *_sparse, multi_margin and
 * zero_one_argmax entries, an (n, C) array of targets for the others. */
const lf_loss_entry LF_TARGET(lf_rw_classification)[] = {
    LF_RW_ENTRY(softmax_xent_sparse, ""),
    LF_RW_ENTRY(softmax_xent, "label_smoothing"),
    LF_RW_ENTRY(cce_prob, "label_smoothing"),
    LF_RW_ENTRY(cce_prob_sparse, ""),
    LF_RW_ENTRY(multi_margin, "margin"),
    LF_RW_ENTRY(zero_one_argmax, ""),
    {NULL, NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_loss_entry, lf_rw_classification)
