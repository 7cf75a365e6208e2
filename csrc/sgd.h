/* Per-sample stochastic gradient descent, one epoch per call (csrc/sgd.c):
 * scikit-learn's plain SGD (sklearn/linear_model/_sgd_fast.pyx.tp) over the
 * rows of a dense C-contiguous X or of a CSR X, in a given row order.
 *
 * The weight vector is kept as wscale * w (Bottou's trick: the L2 shrinkage
 * w <- (1 - eta alpha (1 - l1_ratio)) w of every step is one multiplication
 * of wscale), the averaged weights of ASGD as (aw + average_a w) / average_b
 * (Bottou, "Stochastic gradient tricks", 2012), and the L1 part of the
 * penalty by the cumulative truncated gradient of Tsuruoka et al. (2009),
 * all exactly as scikit-learn's WeightVector, so for the same row order the
 * trajectory is the same.  The dot product and the update of a row run as
 * SIMD reductions (the only difference from scikit-learn's scalar loops:
 * the order of a sum of one row's products). */
#ifndef LF_SGD_H
#define LF_SGD_H

#include "lossfast.h"

/* the per-sample losses, with the derivative dloss/dp of the decision value
 * p (labels: -1/+1 for the margin losses, 0/1 for log_loss) */
enum {
    LF_SGD_HINGE = 0,            /* max(0, threshold - y p); threshold 0: perceptron */
    LF_SGD_SQUARED_HINGE = 1,    /* max(0, threshold - y p)^2 */
    LF_SGD_LOG = 2,              /* log(1 + exp(p)) - y p, y in {0, 1} */
    LF_SGD_MODIFIED_HUBER = 3,   /* (1 - y p)^2 for y p >= -1 (0 above 1), else -4 y p */
    LF_SGD_SQUARED_ERROR = 4,    /* 0.5 (p - y)^2 */
    LF_SGD_HUBER = 5,            /* 0.5 r^2 for |r| <= eps, else eps (|r| - eps / 2) */
    LF_SGD_EPS_INSENSITIVE = 6,  /* max(0, |y - p| - eps) */
    LF_SGD_SQ_EPS_INSENSITIVE = 7, /* max(0, |y - p| - eps)^2 */
};

/* penalty: 0 none, 1 L1, 2 L2, 3 elastic net (scikit-learn's numbering);
 * schedule: 1 constant, 2 optimal, 3 invscaling, 4 adaptive (eta as given),
 * 5 PA-I, 6 PA-II (passive-aggressive steps with eta0 as the aggressiveness C;
 * hinge for classification, epsilon-insensitive for regression) */
typedef struct {
    int loss;
    double threshold;          /* hinge family margin, or epsilon */
    int penalty;
    double alpha;
    double l1_ratio;
    int schedule;
    double eta0;
    double power_t;
    double optimal_init;       /* "optimal": eta = 1 / (alpha (optimal_init + t - 1)) */
    int fit_intercept;
    double intercept_decay;
    double average;            /* averaging from step t >= average on (0: off) */
    double weight_pos;         /* class weight of y > 0 */
    double weight_neg;
    int track_loss;            /* accumulate sumloss / objective_sum */
} lf_sgd_params;

/* The state carried between epochs (and partial_fit calls). */
typedef struct {
    double eta;                /* constant / adaptive: the step; else set per sample */
    double t;                  /* step counter (starts at 1) */
    double intercept;
    double average_intercept;
    double wscale;
    double sq_norm;            /* scikit-learn's running ||w||^2 (as its WeightVector) */
    double l1_norm;
    double average_a;
    double average_b;
    double u;                  /* cumulative L1 penalty */
    double sumloss;            /* of the last epoch */
    double objective_sum;
} lf_sgd_state;

/* One epoch over the m rows order[0..m) (int64 row indices).  w (d) holds
 * the weights divided by wscale, aw (d) the averaged-weight accumulator
 * (NULL without averaging), q (d) the L1 bookkeeping (NULL without an L1
 * part).  y and sample_weight are X's float type.  Returns a bit set: 1 when
 * the weights or the intercept are no longer finite, 2 when a decision value
 * was not finite (with finite weights: a row of X holds a NaN or an inf, so
 * the caller may defer its NaN/inf check of X to this flag). */
typedef int (*lf_sgd_dense_fn)(const lf_sgd_params *P, lf_sgd_state *S, const void *X,
                               int64_t d, const void *y, const void *sw,
                               const int64_t *order, int64_t m, void *w, void *aw, void *q);
typedef int (*lf_sgd_csr_fn)(const lf_sgd_params *P, lf_sgd_state *S, const void *data,
                             const void *indices, const void *indptr, int64_t d,
                             const void *y, const void *sw, const int64_t *order, int64_t m,
                             void *w, void *aw, void *q);
/* w <- wscale w with the averaged weights folded in (scikit-learn's reset_wscale) */
typedef void (*lf_sgd_reset_fn)(lf_sgd_state *S, int64_t d, void *w, void *aw);
/* an epoch's row order: order[0..m) permuted uniformly at random in place
 * (Fisher-Yates on splitmix64, state *rng carried over; csrc/lf_shuffle.h) */
typedef void (*lf_sgd_shuffle_fn)(int64_t *order, int64_t m, uint64_t *rng);

typedef struct {
    lf_sgd_dense_fn dense_f32, dense_f64;
    lf_sgd_csr_fn csr_f32_i32, csr_f32_i64, csr_f64_i32, csr_f64_i64;
    lf_sgd_reset_fn reset_f32, reset_f64;
    lf_sgd_shuffle_fn shuffle;
} lf_sgd_entry;

const lf_sgd_entry *lf_sgd_kernels(void);

#endif
