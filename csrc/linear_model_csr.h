/* Linear-model kernels on CSR sparse X (csrc/linear_model_csr.c).
 *
 * X is n x d in compressed sparse row form: row i holds the entries
 * data[p], column indices[p], for p in [indptr[i], indptr[i + 1]).  Indices
 * are int32 or int64 (idx64), data float or double (the kernel's type), and
 * the kernels need canonical CSR (indices sorted within a row, no
 * duplicates: the Python layer canonicalises once).  Nothing is densified:
 *
 *   loss:   the fused pass of linear_model.h on CSR rows: z_i = W x_i + b,
 *           the per-sample loss and derivative from the loss engine over a
 *           block of rows, then R^T X and sum_i R_i; all in float64.
 *   matvec: Z = X W^T + b, (n x k) in X's type.
 *   rmatvec: G = R^T X, (k x d) float64, for R (n x k) float64.
 *   moments: M = [w^T X; w^T (X .* X)], (2 x d) float64, for weights w (n)
 *           or none (all 1): the column sums and sums of squares in one pass.
 *   gram:   G_m = A^T diag(w_m) A with A = [X, Y, 1] (Y dense n x ky of X's
 *           type, optional), D x D dense float64 (D = d + ky + ones): X^T W X,
 *           X^T W y and the column sums the rank-one centring needs.  The
 *           d x d output is dense, so this is for moderate d.
 *
 * Determinism: rows are cut into blocks and blocks into chunks whose layout
 * depends only on n, d and k (never on the thread count); each chunk
 * accumulates its rows in order into its own float64 partial result, and
 * the partials are added in chunk order: results are bit-for-bit the same
 * for any number of threads.
 */
#ifndef LF_LINEAR_MODEL_CSR_H
#define LF_LINEAR_MODEL_CSR_H

#include "linear_model.h"

typedef struct lf_csr {
    const void *indptr;   /* n + 1 offsets (int32 or int64, as idx64) */
    const void *indices;  /* nnz column indices (int32 or int64) */
    const void *data;     /* nnz values, the kernel's float type */
    int64_t n, d;
    int idx64;            /* 1: indptr and indices are int64; 0: int32 */
} lf_csr;

/* The loss pass: `lm` holds everything of linear_model.h's loss arguments
 * but X (ignored); its n and d must equal the matrix's.  Returns 0, -1 (out
 * of memory) or -2 (bad arguments). */
typedef int (*lf_csr_loss_fn)(const lf_csr *X, const lf_lm_loss_args *lm, double *loss_out);
/* Z (n x k, X's type) = X coef^T + intercept (NULL: none). */
typedef int (*lf_csr_matvec_fn)(const lf_csr *X, int64_t k, const double *coef,
                                const double *intercept, void *Z);
/* G (k x d, float64) = R^T X for R (n x k, float64). */
typedef int (*lf_csr_rmatvec_fn)(const lf_csr *X, int64_t k, const double *R, double *G);
/* M (2 x d, float64) = [w^T X; w^T X.^2], w (n, float64) or NULL (ones). */
typedef int (*lf_csr_moments_fn)(const lf_csr *X, const double *w, double *M);
/* gram_out (M x D x D) for M weight columns (weight n x M of X's type, or
 * NULL: one unweighted Gram), Y (n x ky of X's type) or NULL, ones 0/1. */
typedef int (*lf_csr_gram_fn)(const lf_csr *X, const void *Y, int64_t ky, const void *weight,
                              int64_t n_weights, int ones, double *gram_out);

typedef struct lf_csr_kernels {
    lf_csr_loss_fn loss_f32, loss_f64;
    lf_csr_matvec_fn matvec_f32, matvec_f64;
    lf_csr_rmatvec_fn rmatvec_f32, rmatvec_f64;
    lf_csr_gram_fn gram_f32, gram_f64;
    lf_csr_moments_fn moments_f32, moments_f64;
} lf_csr_kernels;

const lf_csr_kernels *lf_linear_model_csr(void);

#endif
