/* Dual coordinate descent for the L2-penalised linear SVM (csrc/svm_dual.c):
 * liblinear's solve_l2r_l1l2_svc (Hsieh et al., "A dual coordinate descent
 * method for large-scale linear SVM", ICML 2008), with its shrinking, on
 * the rows of a dense C-contiguous X or of a CSR X.
 *
 * For a fixed intercept b it solves
 *     min_w 0.5 ||w||^2 + sum_i C_i loss(y_i (w . x_i + b))
 * (hinge: max(0, 1 - m); squared hinge: max(0, 1 - m)^2) through its dual
 *     min_alpha 0.5 ||sum_i alpha_i y_i x_i||^2 + sum_i diag_i alpha_i^2 / 2
 *               - sum_i alpha_i (1 - y_i b),     0 <= alpha_i <= U_i
 * (hinge: diag 0, U = C_i; squared hinge: diag 1 / (2 C_i), U = inf), with
 * w = sum_i alpha_i y_i x_i kept in step.  The unpenalised intercept is the
 * caller's outer loop on b (csrc/svm_dual.c's header comment). */
#ifndef LF_SVM_DUAL_H
#define LF_SVM_DUAL_H

#include "lossfast.h"

typedef struct {
    int loss;           /* 0 hinge, 1 squared hinge */
    double tol;         /* liblinear's eps: stop when max PG - min PG <= tol */
    int64_t max_iter;   /* passes over the active rows */
    int init;           /* 1: compute diag + ||x_i||^2 + iscale^2 of the rows into qd first */
    /* > 0: every row has one more feature of this value, whose weight is
     * w[d] (w holds d + 1 values): the margins are y_i (w . x_i + b +
     * iscale w[d]), w[d] penalised as w[d]^2 / 2.  The intercept's proximal
     * steps (linear_model/_svm_dual.py); 0: no such feature. */
    double iscale;
} lf_svm_dual_params;

typedef struct {
    int64_t n_iter;     /* passes run by this call */
    double gap;         /* max PG - min PG of the last full pass */
    uint64_t rng;       /* the row-order generator (splitmix64), carried over */
} lf_svm_dual_state;

/* rows[0..m): the rows taking part (C_i > 0), permuted in place; rv (n x 4,
 * row-major) the per-row values of row i at rv[4 i + LF_SVM_*]: y_i (-1/+1),
 * C_i, qd_i (the diagonal of the dual's Hessian, written when init) and
 * alpha_i (in/out): one 32-byte record per row, so a row in the shuffled
 * order costs one cache line of them, not four.  w (d) in/out
 * (w = sum alpha_i y_i x_i on entry).  Returns 0 when converged, 1 at
 * max_iter, 2 when w is no longer finite. */
enum { LF_SVM_Y = 0, LF_SVM_COST = 1, LF_SVM_QD = 2, LF_SVM_ALPHA = 3, LF_SVM_RV = 4 };
typedef int (*lf_svm_dual_dense_fn)(const lf_svm_dual_params *P, lf_svm_dual_state *S,
                                    const void *X, int64_t d, double *rv, double b,
                                    int64_t *rows, int64_t m, double *w);
typedef int (*lf_svm_dual_csr_fn)(const lf_svm_dual_params *P, lf_svm_dual_state *S,
                                  const void *data, const void *indices, const void *indptr,
                                  int64_t d, double *rv, double b, int64_t *rows, int64_t m,
                                  double *w);

typedef struct {
    lf_svm_dual_dense_fn dense_f32, dense_f64;
    lf_svm_dual_csr_fn csr_f32_i32, csr_f32_i64, csr_f64_i32, csr_f64_i64;
} lf_svm_dual_entry;

const lf_svm_dual_entry *lf_svm_dual_kernels(void);

#endif
