/* Fused optimizer steps and gradient norms (csrc/optim.c): the C interface seen by
 * the Cython layer.
 *
 * One call updates a list of tensors ("multi-tensor" step) in place, one fused
 * pass over memory, OpenMP threads over the total number of elements.  The
 * tensors may belong to several parameter groups, each with its own
 * hyper-parameters and step count (one call per step for all groups).  The
 * update formulas and defaults are PyTorch's torch.optim; optim.c states each
 * one.  Every array is C-contiguous float (the entry's f32 function) or double
 * (f64); a tensor's parameter, gradient and state arrays all have size[i]
 * elements and must not overlap one another.
 *
 * Hyper-parameters are named fields of a struct private to each optimizer in
 * optim.c.  An entry publishes the struct's size and a table of its fields
 * (name, offset, type), so the caller fills the struct by name: the Cython
 * layer needs no per-optimizer code, and adding an optimizer touches only
 * optim.c and its Python declaration.  The caller validates hyper-parameters
 * (optim.c trusts them). */
#ifndef LF_OPTIM_H
#define LF_OPTIM_H

#include "lf_common.h"

#define LF_OPTIM_MAX_STATE 3 /* state arrays per tensor */

enum { LF_FIELD_F64 = 0, LF_FIELD_INT = 1 }; /* a field is a double or an int */

typedef struct lf_optim_field {
    const char *name; /* NULL name ends the table */
    size_t offset;
    int type;         /* LF_FIELD_* */
} lf_optim_field;

typedef struct lf_optim_args {
    int64_t n_tensors;
    const int64_t *size;              /* elements of each tensor */
    void **param;                     /* updated in place */
    const void **grad;
    void **state[LF_OPTIM_MAX_STATE]; /* state[k][i]: slot k of tensor i; unused slot: NULL */
    const int32_t *group;             /* the parameter group of each tensor */
    const void *hyper;                /* one hyper-parameter struct per group, hyper_size apart */
    const int64_t *step;              /* per group: the 1-based number of this step */
    double grad_scale;                /* every gradient is multiplied by this (1: unchanged) */
} lf_optim_args;

typedef void (*lf_optim_fn)(const lf_optim_args *);
typedef struct lf_optim_entry {
    const char *name;                 /* NULL name ends the table */
    const char *const *state_names;   /* the state slots, in order (NULL-terminated) */
    size_t hyper_size;                /* bytes of the hyper-parameter struct */
    const lf_optim_field *fields;
    lf_optim_fn f32, f64;
} lf_optim_entry;

/* The optimizer steps for the SIMD level in use, looked up by name. */
const lf_optim_entry *lf_optim(void);

/* Gradient norms for clipping.  `sum` reduces n tensors (f64[i]: double, else
 * float) to sum |x|^p for finite p > 0 (p == 1 and p == 2 without pow), or to max
 * |x| for p == inf, in float64, in chunks whose size depends only on each
 * tensor's size, combined in order: bit-identical for any thread count and SIMD
 * path.  NaN propagates.  `scale` multiplies every element by s (rounded to the
 * tensor's type). */
typedef struct lf_optim_norm_entry {
    double (*sum)(int64_t n, const int64_t *size, const void *const *data, const int *f64,
                  double p);
    void (*scale)(int64_t n, const int64_t *size, void *const *data, const int *f64, double s);
} lf_optim_norm_entry;
const lf_optim_norm_entry *lf_optim_norm(void);

#endif
