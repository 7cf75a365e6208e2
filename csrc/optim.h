/* Fused optimizer steps (csrc/optim.c): the C interface seen by the Cython layer.
 *
 * One call updates a list of tensors ("multi-tensor" step) in place, one fused
 * pass over memory, OpenMP threads over the total number of elements.  The
 * update formulas and defaults are PyTorch's torch.optim (SPEC 2.3); optim.c
 * states each one.  Every array is C-contiguous float (the entry's f32
 * function) or double (f64); a tensor's parameter, gradient and state arrays
 * all have size[i] elements and must not overlap one another.
 *
 * State arrays per optimizer (state[k][i] is slot k of tensor i; an unused
 * slot may be NULL):
 *   "sgd"      state[0] = momentum buffer            (momentum != 0)
 *   "rmsprop"  state[0] = square average, state[1] = momentum buffer (momentum > 0),
 *              state[2] = gradient average (centered)
 *   "adagrad"  state[0] = sum of squares
 *   "adam"     state[0] = exp_avg, state[1] = exp_avg_sq, state[2] = max_exp_avg_sq (amsgrad)
 *   "adamw"    as "adam", with decoupled weight decay
 * The caller validates hyper-parameters (optim.c trusts them). */
#ifndef LF_OPTIM_H
#define LF_OPTIM_H

#include "lf_common.h"

enum {
    LF_OPT_NESTEROV = 1, /* sgd */
    LF_OPT_MAXIMIZE = 2, /* all: ascend, g = -g */
    LF_OPT_AMSGRAD = 4,  /* adam, adamw */
    LF_OPT_CENTERED = 8, /* rmsprop */
};

typedef struct lf_optim_args {
    int64_t n_tensors;
    const int64_t *size; /* elements of each tensor */
    void **param;        /* updated in place */
    const void **grad;
    void **state[3];
    int64_t step;        /* the 1-based number of this step (first step: 1) */
    double lr, weight_decay;
    double momentum, dampening; /* sgd (momentum also rmsprop) */
    double alpha;               /* rmsprop */
    double beta1, beta2;        /* adam, adamw */
    double eps;                 /* rmsprop, adagrad, adam, adamw */
    double lr_decay;            /* adagrad */
    int flags;                  /* LF_OPT_* */
} lf_optim_args;

typedef void (*lf_optim_fn)(const lf_optim_args *);
typedef struct lf_optim_entry {
    const char *name; /* NULL name ends the table */
    lf_optim_fn f32, f64;
} lf_optim_entry;

/* The optimizer steps for the SIMD level in use: "sgd", "rmsprop", "adagrad",
 * "adam", "adamw", in that order. */
const lf_optim_entry *lf_optim(void);

#endif
