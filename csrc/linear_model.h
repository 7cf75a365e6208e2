/* Fused kernels for linear models (csrc/linear_model.c).
 *
 * A linear model with k outputs has coefficients W (k x d, float64) and an
 * intercept b (k, float64).  For data X (n x d, row-major, float or double)
 * the kernels stream X once by row blocks:
 *
 *   loss:  Z = X W^T + b for the block (float64), the per-sample loss and
 *          its derivative from the loss engine (the float64 lf_loss_fn of
 *          lf_ew_regression() / lf_ew_classification() over the block's k
 *          outputs, or the float64 lf_loss_fn of lf_rw_classification() over its
 *          rows: one definition per loss), then
 *            loss           = sum_i w_i l_i
 *            grad_coef      = sum_i w_i dl_i/dz_i x_i^T   (k x d)  = R^T X
 *            grad_intercept = sum_i w_i dl_i/dz_i         (k)
 *          all accumulated in float64.
 *   gram:  for M weight vectors w_m and A = [X - s_X, Y - s_Y, 1] (the shifts
 *          s and the extra columns optional), G_m = A^T diag(w_m) A, float64.
 *          This is X^T W X and X^T W y for the normal equation (one pass), and
 *          the Hessian X^T D X (with its intercept row) for Newton.
 *
 * A block's Z and gradient are computed by one of two layouts, the same
 * sums in another order (linear_model.c, lm_use_lanes): row dots (a dot
 * product over d per row and output, for few outputs or large d) or the
 * outputs along the SIMD lanes (W^T and G^T register blocks, for many
 * outputs of small d, e.g. the batched folds of LogisticRegressionCV).
 *
 * float32 data: X, y, the weights and z_out are float32; X is read as it
 * is, and a block's decision values, targets, weights, losses and derivatives
 * are float64 (the engine's float64 kernel).  So the objective and gradient
 * carry only the rounding of the float32 data, not of float32 arithmetic, and
 * a solver can converge to tight tolerances on float32 data.
 *
 * Determinism: rows are cut into blocks, blocks into at most LF_LM_MAX_CHUNKS
 * runs ("chunks") whose layout depends only on n, d and k; each chunk
 * accumulates its blocks in order and the chunk results are added in chunk
 * order, so every result is bit-for-bit the same for any number of threads
 * (threads take chunks dynamically: which thread computes a chunk does not
 * change its result).
 */
#ifndef LF_LINEAR_MODEL_H
#define LF_LINEAR_MODEL_H

#include "lossfast.h"

#define LF_LM_MAX_CHUNKS 64
/* Bytes of per-chunk partial results (k x d gradients, M x D x D Grams) the
 * kernels allow themselves; beyond it they use fewer chunks (fewer threads). */
#define LF_LM_PARTIAL_BUDGET ((int64_t)64 << 20)

typedef struct lf_lm_loss_args {
    const void *X;            /* n x d, row-major, the kernel's float type */
    int64_t n, d, k;          /* samples, features, outputs (classes) */
    const void *y;            /* elementwise loss: n x k targets (X's type); row-wise: n int64 labels */
    const void *weight;       /* n sample weights (X's type), or NULL for ones */
    const double *coef;       /* k x d */
    const double *intercept;  /* k, or NULL for no intercept */
    lf_loss_fn loss;          /* the float64 function of a loss entry (either dtype of X) */
    int rowwise;              /* 1: an entry of lf_rw_classification(), 0: elementwise */
    const lf_loss_params *params; /* the loss's named hyper-parameters */
    double *grad_coef;        /* k x d output, or NULL: no gradient */
    double *grad_intercept;   /* k output, or NULL */
    void *z_out;              /* n x k decision values (X's type), or NULL */
    int z_given;              /* 1: z_out holds the decision values on entry (float64
                                 CSR data only: read, not computed from X and coef --
                                 e.g. a Newton step's Z + t X s); 0: computed */
    double *moments_out;      /* float64 CSR data, k = 1, with the gradient: 2 x d sums
                                 of w x and w x^2 per column (the column moments) from
                                 the gradient's scatter, or NULL */
    double *loss_per_output;  /* dense X: the loss of each output (elementwise) or of each
                                 group (row-wise), or NULL; the return value is their sum */
    int64_t groups;           /* row-wise losses: the k outputs are `groups` models of
                                 k / groups classes each, y and weight hold n * groups
                                 entries (row i's for model g at i * groups + g); 1: one */
} lf_lm_loss_args;

/* The loss engine on the m rows of a block starting at row a, shared by the
 * dense and the CSR passes: Z (m x k) the block's float64 decision values;
 * returns sum_i w_i l_i and, when R is given, writes R = w dl/dz (m x k).
 * float32 targets / weights are widened into ybuf (m x k) / wbuf (m); the
 * labels are the caller's (no LF_CHECK).  With L (m x k, elementwise losses
 * only) the weighted losses are written there instead and 0 is returned. */
static inline double lf_lm_block_loss(const lf_lm_loss_args *A, int64_t a, int64_t m,
                                      const double *Z, double *R, double *ybuf, double *wbuf,
                                      int f32, double *L) {
    const int64_t k = A->k;
    lf_loss_args e;
    e.weight = NULL;
    /* row-wise groups: the block's m rows are m * G rows of k / G classes */
    const int64_t G = A->rowwise && A->groups > 1 ? A->groups : 1;
    if (A->weight && f32) {
        const float *w = (const float *)A->weight + a * G;
        for (int64_t i = 0; i < m * G; i++) wbuf[i] = (double)w[i];
        e.weight = wbuf;
    } else if (A->weight) {
        e.weight = (const double *)A->weight + a * G;
    }
    if (A->rowwise) {
        e.y_true = (const int64_t *)A->y + a * G;
        e.n = m * G;
    } else if (f32) {
        const float *y = (const float *)A->y + a * k;
        for (int64_t i = 0; i < m * k; i++) ybuf[i] = (double)y[i];
        e.y_true = ybuf;
        e.n = m * k;
    } else {
        e.y_true = (const double *)A->y + a * k;
        e.n = m * k;
    }
    e.y_pred = Z;
    e.n_cols = k / G;
    e.params = A->params;
    e.loss_out = L;
    e.grad_out = R;
    e.grad_scale = 1.0;
    e.mode = (L ? LF_ELEM : LF_SUM) | (R ? LF_GRAD : 0);
    e.counts = NULL;
    return A->loss(&e);
}

/* Returns 0, -1 when memory could not be allocated, -2 for inconsistent
 * arguments (no loss, k < 1, no params).  *loss_out
 * receives sum_i w_i l_i (float64). */
typedef int (*lf_lm_loss_fn)(const lf_lm_loss_args *, double *loss_out);

typedef struct lf_lm_gram_args {
    const void *X;            /* n x d, row-major */
    int64_t n, d;
    const void *Y;            /* n x ky extra columns (X's type), or NULL */
    int64_t ky;
    const void *weight;       /* n x M weights (X's type, row-major), or NULL (M = 1, ones) */
    int64_t n_weights;        /* M (>= 1); with weight NULL every G_m is unweighted */
    const double *shift;      /* d + ky values subtracted from the columns of [X, Y], or NULL */
    int ones;                 /* 1: append a column of ones */
    double *gram_out;         /* M x D x D, D = d + ky + ones; full symmetric matrices */
} lf_lm_gram_args;

/* Returns 0, -1 when memory could not be allocated, -2 for missing arrays. */
typedef int (*lf_lm_gram_fn)(const lf_lm_gram_args *);

/* Number of entries of x[0..n) that are NaN or +-inf. */
typedef int64_t (*lf_lm_count_fn)(const void *x, int64_t n);

typedef int (*lf_lm_matvec_fn)(const void *X, int64_t n, int64_t d, int64_t k,
                               const double *W, const double *b, void *Z);

typedef struct lf_lm_kernels {
    lf_lm_loss_fn loss_f32, loss_f64;
    lf_lm_gram_fn gram_f32, gram_f64;
    lf_lm_count_fn nonfinite_f32, nonfinite_f64;
    /* Test / benchmark hook: the dense loss kernels' layout, 0 by their rule
     * (linear_model.c, lm_use_lanes), 1 the row dots, 2 the outputs along the
     * SIMD lanes; process-wide for this table; returns 0, or -2. */
    int (*set_layout)(int layout);
    /* Z (n x k, X's type) = X W^T + b (W k x d float64, b k or NULL), in
     * float64 and rounded once for float32 X; returns 0, or -1 (memory). */
    lf_lm_matvec_fn matvec_f32, matvec_f64;
} lf_lm_kernels;

/* The kernels of the SIMD level in use (a table of one entry). */
const lf_lm_kernels *lf_linear_model(void);

#endif
