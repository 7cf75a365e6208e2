/* The leave-one-out pass of RidgeCV(cv=None), "cov" mode (csrc/ridge_loo.c).
 *
 * With the centred, weighted data Xc = sqrt(W) (X - m), yc = sqrt(W) (Y - y_mean)
 * and the eigendecomposition Xc^T Xc = V diag(lam) V^T (computed once from the
 * Gram pass), the ridge hat matrix for penalty alpha_a has
 *
 *   H_ii(a)     = s_i^2 h0 + sum_j q_ij^2 inv[j, a]
 *   (H yc)_it(a) = sum_j q_ij c[j, t] inv[j, a],    q_i = V^T xc_i,
 *
 * inv[j, a] = 1 / (lam_j + alpha_a), c = V^T Xc^T yc, h0 = 1 / sum(w) with an
 * intercept (else 0), and the leave-one-out residual is
 * e_ita = (yc_it - (H yc)_it(a)) / (1 - H_ii(a)).
 *
 * The caller factors inv = R C (R: d x r, C: r x A, see _ridge_cv.py), which
 * is exact to rounding and has r much smaller than A when the eigenvalues are
 * far from the alphas; C = NULL means R is inv itself (r = A).  Per row
 * block the kernel computes [Q, Xc B_0, ..., Xc B_{k-1}] = Xc_block [V, B]
 * with B_t = V diag(c_t) R (d x r, formed once: the (H yc) factors ride on
 * the eigen-coordinates' product, in its padding columns for k r small),
 * then Q^2 R, and those times C: n d (d + k r) + n r (d + (1 + k) A)
 * multiply-adds, one pass over X, nothing of the size of X stored.
 *
 * Outputs: sq_sum[t * A + a] = sum_i e_ita^2 and, when looe is given,
 * looe[(i * k + t) * A + a] = e_ita.  Rows are cut into blocks and the blocks
 * into runs (chunks) that depend only on n; each chunk's sums are added in
 * chunk order by the chunk driver, so results are bit-for-bit the same for
 * any thread count.
 */
#ifndef LF_RIDGE_LOO_H
#define LF_RIDGE_LOO_H

#include "lossfast.h"

typedef struct lf_ridge_loo_args {
    const void *X;            /* n x d, row-major, the kernel's float type */
    int64_t n, d;
    const void *Y;            /* n x k targets (X's type) */
    int64_t k;
    const double *sqrt_w;     /* n square roots of the sample weights, or NULL (ones) */
    const double *x_mean;     /* d */
    const double *y_mean;     /* k */
    const double *V;          /* d x d, row-major: column j is eigenvector j */
    const double *c;          /* d x k: V^T Xc^T yc */
    const double *R;          /* d x r, row-major */
    int64_t r;
    const double *C;          /* r x A, row-major, or NULL (R is d x A) */
    int64_t n_alphas;         /* A */
    double h0;                /* 1 / sum(w) with an intercept, else 0 */
    double *sq_sum;           /* k x A output */
    double *looe;             /* n x k x A output, or NULL */
} lf_ridge_loo_args;

/* Returns 0, -1 when memory could not be allocated, -2 for inconsistent
 * arguments. */
typedef int (*lf_ridge_loo_fn)(const lf_ridge_loo_args *);

typedef struct lf_ridge_loo_kernels {
    lf_ridge_loo_fn loo_f32, loo_f64;
} lf_ridge_loo_kernels;

const lf_ridge_loo_kernels *lf_ridge_loo(void);

#endif
