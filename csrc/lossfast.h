/* The C interface of lossfast's kernels, as seen by the Cython layer. */
#ifndef LOSSFAST_H
#define LOSSFAST_H

#include "lf_common.h"

/* ---- hyper-parameters of the losses, by name ----
 * One list: the struct below and the name -> offset table the Cython layer
 * fills it through (lf_loss_param_fields, dispatch.c) both come from it.  A
 * kernel reads the fields its table entry names (lf_ew_entry.params) and
 * derives what its loop needs from them itself.  A loss with a new
 * hyper-parameter name adds one line here. */
#define LF_LOSS_PARAMS(X)                                                       \
    X(delta)           /* huber */                                              \
    X(beta)            /* smooth_l1; 0 is L1 */                                 \
    X(sigma)           /* gaussian */                                           \
    X(q)               /* quantile */                                           \
    X(pos_weight)      /* bce_*: weight of the positive term */                 \
    X(label_smoothing) /* bce_*, softmax_xent, cce_prob */                      \
    X(gamma)           /* focal_*: focusing exponent */                         \
    X(alpha)           /* focal_*: class weight; NaN: no alpha_t */             \
    X(margin)          /* multi_margin */

typedef struct lf_loss_params {
#define LF_PARAM_FIELD(name) double name;
    LF_LOSS_PARAMS(LF_PARAM_FIELD)
#undef LF_PARAM_FIELD
} lf_loss_params;

typedef struct lf_param_field {
    const char *name; /* NULL name ends the table */
    size_t offset;    /* of the double in lf_loss_params */
} lf_param_field;
extern const lf_param_field lf_loss_param_fields[];

/* ---- the loss engines: one argument struct, one kernel type ----
 * Elementwise losses (lf_elementwise.h): y_true, y_pred (and the outputs)
 * hold n elements, in rows of n_cols elements for the weights; the loss of
 * element i is l_i, its derivative g_i = dl_i / dy_pred_i.
 * Row-wise losses (softmax family, losses_rowwise_t.h): y_pred is n rows of
 * n_cols classes, row-major; y_true is n int64 class indices (sparse losses)
 * or an (n, n_cols) array of y_pred's type (dense targets), as the entry
 * says; the loss of row r is l_r (a sum over its classes).  A sparse label
 * outside [0, n_cols) gives a NaN loss and no write outside the row (the
 * Python layer rejects such labels first).
 * Weights are per row (weight[i / n_cols] for an elementwise loss), or 1 when
 * weight is NULL.  One call computes any of:
 *   LF_SUM   -> return sum w l                     (float64, deterministic)
 *   LF_ELEM  -> loss_out = w l                     (one value per element / row)
 *   LF_GRAD  -> grad_out = grad_scale w dl/dy_pred (y_pred's shape)
 *   LF_CHECK -> (elementwise) counts[0] = elements whose inputs break the
 *               loss's rule (labels or probabilities out of range; NaN never
 *               counts), counts[1] = elements with y_pred exactly 0 or 1,
 *               counts[2] = elements with y_true strictly inside (0, 1),
 *               counted in the same pass (the last two tell a call with
 *               swapped arguments).  Without LF_CHECK nothing is checked.
 * Pointers are to float or double, as the entry's f32 / f64 function says;
 * all arrays are C-contiguous. */
enum { LF_SUM = 1, LF_ELEM = 2, LF_GRAD = 4, LF_CHECK = 8 };

typedef struct lf_loss_args {
    const void *y_true, *y_pred, *weight;
    int64_t n, n_cols;
    const lf_loss_params *params;
    void *loss_out, *grad_out;
    double grad_scale;
    int mode;
    double *counts; /* 3 values, written when mode has LF_CHECK */
} lf_loss_args;

typedef double (*lf_loss_fn)(const lf_loss_args *);
typedef struct lf_loss_entry {
    const char *name;   /* NULL name ends a table */
    const char *params; /* the lf_loss_params fields it reads, space-separated */
    lf_loss_fn f32, f64;
} lf_loss_entry;

/* The loss tables for the SIMD level in use.  Formulas are next to each
 * definition and in docs/losses.md.
 *   lf_ew_regression      elementwise (losses_regression.c)
 *   lf_ew_classification  elementwise (losses_classification.c)
 *   lf_rw_classification  row-wise (losses_rowwise.c): softmax_xent_sparse,
 *       softmax_xent, cce_prob, cce_prob_sparse, multi_margin (int64 labels,
 *       scores), zero_one_argmax (loss only) */
const lf_loss_entry *lf_ew_regression(void);
const lf_loss_entry *lf_ew_classification(void);
const lf_loss_entry *lf_rw_classification(void);

/* Probability check of the row-wise losses (losses_classification.c): the
 * number of elements of x outside [0, 1]; NaN never counts. */
typedef struct lf_count_entry {
    int64_t (*f32)(const float *x, int64_t n);
    int64_t (*f64)(const double *x, int64_t n);
} lf_count_entry;
const lf_count_entry *lf_outside_unit(void);

/* ---- the streaming probe of the benchmarks (probe.c; lf_stream_probe) ---- */
typedef struct lf_probe_entry {
    int (*stream)(const unsigned char *const *src, const int64_t *src_bytes, int n_src,
                  unsigned char *const *dst, const int64_t *dst_bytes, int n_dst);
    int (*rows)(const unsigned char *const *buf, const int64_t *const *off, int n,
                const int64_t *order, int64_t m);
} lf_probe_entry;
const lf_probe_entry *lf_probe(void);

/* ---- elementary functions over arrays (mathfuncs.c), for tests ---- */
typedef void (*lf_unary_f32)(const float *x, float *out, int64_t n);
typedef void (*lf_unary_f64)(const double *x, double *out, int64_t n);
typedef struct lf_unary_entry {
    const char *name;
    lf_unary_f32 f32;
    lf_unary_f64 f64;
} lf_unary_entry;
const lf_unary_entry *lf_mathfuncs(void);

#endif
