/* The C interface of lossfast's kernels, as seen by the Cython layer. */
#ifndef LOSSFAST_H
#define LOSSFAST_H

#include "lf_common.h"

/* ---- elementwise loss engine (lf_elementwise.h) ----
 * One call computes, for a loss given by its per-element value l and
 * derivative g = dl/dy_pred, any of:
 *   LF_SUM  -> return sum_i w_i * l_i            (float64, deterministic)
 *   LF_ELEM -> loss_out[i] = w_i * l_i
 *   LF_GRAD -> grad_out[i] = grad_scale * w_i * g_i
 * The weight of element i is weight[i / n_cols] (one weight per row), or 1
 * when weight is NULL.  Pointers are to float or double, as the entry's f32 /
 * f64 function says; all arrays are C-contiguous with n elements. */
enum { LF_SUM = 1, LF_ELEM = 2, LF_GRAD = 4 };

typedef struct lf_ew_args {
    const void *y_true, *y_pred, *weight;
    int64_t n, n_cols;
    double params[4];
    void *loss_out, *grad_out;
    double grad_scale;
    int mode;
} lf_ew_args;

typedef double (*lf_ew_fn)(const lf_ew_args *);
typedef struct lf_ew_entry {
    const char *name; /* NULL name ends a table */
    lf_ew_fn f32, f64;
} lf_ew_entry;

/* Families of elementwise losses: tables for the SIMD level in use. */
const lf_ew_entry *lf_ew_regression(void);

/* lf_ew_classification entries (losses_classification.c says the formulas):
 *   bce_logits     p0 = pos_weight, p1 = 1 - label_smoothing, p2 = label_smoothing / 2
 *                  (1, 1, 0: logistic loss of 0/1 targets on logits)
 *   bce_prob       same parameters, probabilities clipped to [1e-7, 1 - 1e-7]
 *   focal_logits, focal_prob   p0 = gamma, p1 = alpha, p2 = 1 - alpha, p3 = 0^gamma
 *   hinge, squared_hinge, perceptron   labels -1/+1 (0 read as -1), no parameters
 *   zero_one       [y_true != y_pred], no gradient
 *   kl_div         one term t log(t / p) of a KL row sum */
const lf_ew_entry *lf_ew_classification(void);

/* Input checks of the classification losses (losses_classification.c): the
 * number of elements of x that break the entry's rule ("outside_unit":
 * x < 0 or x > 1; "not_sign_label": x not in {-1, 0, 1}); NaN never counts. */
typedef struct lf_count_entry {
    const char *name; /* NULL name ends a table */
    int64_t (*f32)(const float *x, int64_t n);
    int64_t (*f64)(const double *x, int64_t n);
} lf_count_entry;
const lf_count_entry *lf_cls_checks(void);

/* ---- row-wise losses (softmax family) ----
 * y_pred is (n, n_classes) row-major logits or probabilities; y_true is
 * either n int64 class indices (sparse losses) or an (n, n_classes) array of
 * the same float type (dense targets), as the entry says.  The loss of a row
 * is the row sum; weights are per row.
 *   LF_SUM  -> return sum_r w_r * loss_r         (float64, deterministic)
 *   LF_ELEM -> loss_out[r] = w_r * loss_r       (n values)
 *   LF_GRAD -> grad_out[r, j] = grad_scale * w_r * d loss_r / d y_pred[r, j]
 * A sparse label outside [0, n_classes) gives a NaN loss and no write
 * outside the row (the Python layer rejects such labels first). */
typedef struct lf_rw_args {
    const void *y_true, *y_pred, *weight;
    int64_t n, n_classes;
    double params[4];
    void *loss_out, *grad_out;
    double grad_scale;
    int mode;
} lf_rw_args;

typedef double (*lf_rw_fn)(const lf_rw_args *);
typedef struct lf_rw_entry {
    const char *name; /* NULL name ends a table */
    lf_rw_fn f32, f64;
} lf_rw_entry;
/* lf_rw_classification entries (losses_rowwise_t.h says the formulas):
 *   softmax_xent_sparse  int64 labels, logits            (no parameters)
 *   softmax_xent         dense targets, logits           p0 = 1 - ls, p1 = ls / C
 *   cce_prob             dense targets, probabilities    p0 = 1 - ls, p1 = ls / C
 *   cce_prob_sparse      int64 labels, probabilities     (no parameters)
 *   multi_margin         int64 labels, scores            p0 = margin
 *   zero_one_argmax      int64 labels, scores            loss only */
const lf_rw_entry *lf_rw_classification(void);

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
