/* The C interface of the activation kernels (activations.c), as seen by the
 * Cython layer (src/lossfast/_activations.pxi). */
#ifndef LF_ACTIVATIONS_H
#define LF_ACTIVATIONS_H

#include "lf_common.h"

/* One call: out = f(x) for a forward entry, out = d/dx given the upstream
 * gradient `grad` for a *_backward entry.  Arrays are C-contiguous float or
 * double (as the entry's f32 / f64 function says) of n_rows * n_cols
 * elements.  Elementwise entries see them as a flat array; the softmax family
 * works along rows of n_cols elements.  What `x` holds for a backward entry
 * (docs/activations.md): the forward output for sigmoid, tanh, softmax and
 * log_softmax, the forward input for relu and leaky_relu.  `out` may be the
 * same array as `x` or `grad` (in-place), never a partial overlap. */
typedef struct lf_act_args {
    const void *x, *grad;
    void *out;
    int64_t n_rows, n_cols;
    double negative_slope; /* leaky_relu and its backward */
} lf_act_args;

typedef void (*lf_act_fn)(const lf_act_args *);
typedef struct lf_act_entry {
    const char *name; /* NULL name ends the table */
    lf_act_fn f32, f64;
} lf_act_entry;

/* sigmoid, tanh, relu, leaky_relu, softmax, log_softmax and their
 * <name>_backward, for the SIMD level in use. */
const lf_act_entry *lf_activations(void);

#endif
