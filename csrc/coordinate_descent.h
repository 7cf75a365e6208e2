/* Coordinate descent for the elastic net and L1 problems (csrc/coordinate_descent.c).
 *
 * The problem of every CD kernel here is scikit-learn's scaled elastic net
 *
 *   P(w) = 1/2 ||y - X w||^2 + alpha ||w||_1 + beta/2 ||w||^2      (w >= 0 if positive)
 *
 * (the caller has folded centring and sqrt(sample_weight) into X and y, and
 * scaled alpha, beta by n_samples), stopped on scikit-learn's duality gap
 * (formulation A for alpha > 0; B for alpha = 0 < beta; ||X^T r||^2 for
 * alpha = beta = 0).
 *
 *   moments:   one pass over X (n x d) and Y (n x k), with shifts s (close to
 *              the means, so nothing cancels): sum_i w_i (v_i - s), sum_i
 *              w_i (v_i - s)^2 for every column v of [X, Y], sum_i w_i
 *              (x_ij - s_j)(y_ic - s_c) and sum_i w_i.  The caller turns
 *              them into weighted means, centred column norms and X_c^T W y_c.
 *   gram_cols: a block of the shifted weighted Gram, out[s, r] = sum_i w_i
 *              (x_i,c_s - s_c_s)(x_i,r_r - s_r_r) for m columns c and nr rows
 *              r (all d by default), one pass over X (the caller applies the
 *              rank-one centring correction).  The Gram variant computes only
 *              the block of its working set S, so a sparse solution costs
 *              n |S|^2, not n d^2.
 *   cd_gram:   CD epochs over a working set S on the Gram columns, keeping
 *              Qw = G w for all d features; stops, as scikit-learn, when an
 *              epoch's largest update is <= dw_tol max|w| and the gap of the
 *              problem restricted to S is then <= tol (or at once when the
 *              start point's gap is <= tol).
 *   cd_resid:  CD on column-major data (d x n) updating the residual, with
 *              gap-safe screening (Fercoq et al. 2015, Ndiaye et al. 2017).
 *   quad_l1:   cyclic CD on min_d g.d + 1/2 d^T H d + sum_i l1_i |x_i + d_i|
 *              (the inner problem of proximal Newton).
 *   nnls:      CD on min_w 1/2 w^T G w - c^T w, w >= 0.
 *   csc_moments / csc_resid: the moments and residual-update CD for CSC
 *              sparse X, centring implicit (see lf_cd_csc_args).
 *
 * Reductions over rows use chunks whose layout depends only on n (results
 * are bit-identical for any thread count); CD itself is sequential.
 */
#ifndef LF_COORDINATE_DESCENT_H
#define LF_COORDINATE_DESCENT_H

#include "lossfast.h"

typedef struct lf_cd_moments_args {
    const void *X;          /* n x d, row-major (float or double) */
    int64_t n, d;
    const void *Y;          /* n x k, X's type */
    int64_t k;
    const void *weight;     /* n, X's type, or NULL (ones) */
    const double *shift;    /* d + k, or NULL (zeros) */
    double *sum_out;        /* d + k */
    double *sq_out;         /* d + k */
    double *xy_out;         /* d x k */
    double *sumw_out;       /* 1 */
} lf_cd_moments_args;

typedef struct lf_cd_gram_cols_args {
    const void *X;          /* n x d, row-major */
    int64_t n, d;
    const void *weight;     /* n or NULL */
    const double *shift;    /* d or NULL */
    const int64_t *cols;    /* m column indices (index d: a column of ones, not shifted) */
    int64_t m;
    const int64_t *rows;    /* nr row (feature) indices (d: ones), or NULL: all d */
    int64_t nr;
    double *out;            /* m x nr (m x d when rows is NULL) */
} lf_cd_gram_cols_args;

typedef struct lf_cd_gram_args {
    int64_t d;
    const double *gcols;    /* rows of length d: Gram columns */
    const int64_t *pos;     /* d: row of gcols holding column j (only read for j in ws) */
    const double *q;        /* d: X^T y */
    double yy;              /* y^T y */
    double *w;              /* d, in/out (zero outside ws) */
    double *Qw;             /* d, in/out: G w */
    const int64_t *ws;      /* working set */
    int64_t n_ws;
    double alpha, beta;
    int positive, random;
    uint64_t *rng;          /* xorshift state (random selection) */
    int64_t max_epochs;
    double tol;             /* absolute, on the restricted gap */
    double dw_tol;          /* ... computed when max|dw| <= dw_tol max|w| (scikit-learn) */
    double *gap_out;
} lf_cd_gram_args;

typedef struct lf_cd_resid_args {
    const void *Xt;         /* d x n, column j contiguous (float or double) */
    int64_t n, d;
    const double *y;        /* n */
    double *R;              /* n, in/out: y - X w */
    const double *norms;    /* d: ||X_j||^2 */
    double *w;              /* d, in/out */
    double alpha, beta;
    int positive, random, screening;
    uint64_t *rng;
    int64_t max_iter;
    double tol;             /* absolute, on the gap */
    double dw_tol;          /* the gap is computed when max|dw| <= dw_tol max|w| (scikit-learn) */
    double *gap_out;
} lf_cd_resid_args;

typedef struct lf_cd_quad_args {
    int64_t p;
    const double *H;        /* p x p */
    const double *g;        /* p */
    const double *x;        /* p */
    const double *l1;       /* p */
    double *dx;             /* p, in/out */
    double *Hd;             /* p, in/out: H dx */
    int64_t max_sweeps;
    double tol;             /* on the model's minimum-norm subgradient (max norm) */
    double *viol_out;
} lf_cd_quad_args;

typedef struct lf_cd_nnls_args {
    int64_t d;
    const double *G;        /* d x d */
    const double *c;        /* d */
    double *w;              /* d, in/out */
    double *Gw;             /* d, in/out: G w */
    int64_t max_sweeps;
    double tol;             /* on max KKT violation */
    double *viol_out;
} lf_cd_nnls_args;

/* CSC sparse X (column j: rows indices[indptr[j]:indptr[j+1]], values data[...]),
 * int32 or int64 indices (idx64), float or double data (f32).  Duplicate
 * entries must have been summed (the norms are sums of squares); the row
 * indices need not be sorted; explicit zeros and empty columns are harmless. */
typedef struct lf_cd_csc {
    const void *indptr;     /* d + 1 */
    const void *indices;    /* nnz row indices */
    const void *data;       /* nnz */
    int64_t n, d;
    int idx64, f32;
} lf_cd_csc;

/* csc_moments: s1_j = sum_i w_i x_ij, s2_j = sum_i w_i x_ij^2 and
 * xy[j, c] = sum_i w_i x_ij Yt[c, i] for every column j (parallel over
 * columns, each column summed in storage order: bit-identical for any thread
 * count). */
typedef struct lf_cd_csc_moments_args {
    const lf_cd_csc *X;
    const double *weight;   /* n or NULL (ones) */
    const double *Yt;       /* k x n (row c: target c), or NULL when k = 0 */
    int64_t k;
    double *s1, *s2;        /* d */
    double *xy;             /* d x k */
} lf_cd_csc_moments_args;

/* csc_resid: the elastic net P(w) = 1/2 sum_i W_i (y_i - (x_i - m) w)^2
 * + alpha ||w||_1 + beta/2 ||w||^2 on sparse X with the centring done
 * implicitly (as scikit-learn's sparse_enet_coordinate_descent with X_mean,
 * X never densified): the kernel keeps Rt = y - X w (sparse updates) and the
 * scalar s = m.w, so the residual is R = Rt + s; the centred column product
 * X_c^T W R = X^T W Rt - m_j sum_i W_i Rt_i (the other terms cancel because
 * m is the W-weighted mean), O(nnz_j) per coordinate.  W must sum to n when
 * m is given (the caller's rescaling) and y must then be W-centred.
 * Screening and the gap rule as cd_resid. */
typedef struct lf_cd_csc_args {
    const lf_cd_csc *X;
    const double *weight;   /* n or NULL (ones) */
    const double *xm;       /* d: the W-weighted column means, or NULL (no centring) */
    const double *y;        /* n */
    const double *norms;    /* d: ||X_c,j||^2_W */
    double *w;              /* d, in/out */
    double alpha, beta;
    int positive, random, screening;
    uint64_t *rng;
    int64_t max_iter;
    double tol, dw_tol;
    double *gap_out;
} lf_cd_csc_args;

/* csr_to_csc: the transpose of canonical CSR arrays (n rows, d columns) into
 * CSC (row indices sorted within each column), by a counting sort over row
 * chunks run in parallel: per-chunk column counts, their prefix sums in chunk
 * order, then each chunk scatters its entries.  The output does not depend
 * on the chunking or the thread count.  idx64: int64 indices / indptr in
 * and out (else int32); f32: float data.  Returns 0, or -1 (out of memory). */
typedef struct lf_cd_transpose_args {
    const void *indptr, *indices, *data;     /* CSR: n + 1, nnz, nnz */
    int64_t n, d;
    int idx64, f32;
    void *out_indptr, *out_indices, *out_data;   /* CSC: d + 1, nnz, nnz */
} lf_cd_transpose_args;

typedef int (*lf_cd_transpose_fn)(const lf_cd_transpose_args *);
typedef int (*lf_cd_csc_moments_fn)(const lf_cd_csc_moments_args *);
typedef int64_t (*lf_cd_csc_fn)(const lf_cd_csc_args *);

typedef int (*lf_cd_moments_fn)(const lf_cd_moments_args *);
typedef int (*lf_cd_gram_cols_fn)(const lf_cd_gram_cols_args *);
typedef int64_t (*lf_cd_gram_fn)(const lf_cd_gram_args *);
typedef int64_t (*lf_cd_resid_fn)(const lf_cd_resid_args *);
typedef int64_t (*lf_cd_quad_fn)(const lf_cd_quad_args *);
typedef int64_t (*lf_cd_nnls_fn)(const lf_cd_nnls_args *);

typedef struct lf_cd_kernels {
    lf_cd_moments_fn moments_f32, moments_f64;
    lf_cd_gram_cols_fn gram_cols_f32, gram_cols_f64;
    lf_cd_resid_fn resid_f32, resid_f64;
    lf_cd_gram_fn gram;
    lf_cd_quad_fn quad_l1;
    lf_cd_nnls_fn nnls;
    lf_cd_csc_moments_fn csc_moments;
    lf_cd_csc_fn csc_resid;
    lf_cd_transpose_fn csr_to_csc;
} lf_cd_kernels;

const lf_cd_kernels *lf_coordinate_descent(void);

#endif
