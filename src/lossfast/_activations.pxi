# Activation kernels (csrc/activations.c): forward and backward passes.

cdef extern from "activations.h" nogil:
    ctypedef struct lf_act_args:
        const void *x
        const void *grad
        void *out
        int64_t n_rows
        int64_t n_cols
        double param

    ctypedef void (*lf_act_fn)(const lf_act_args *) noexcept nogil
    ctypedef struct lf_act_entry:
        const char *name
        lf_act_fn f32
        lf_act_fn f64
    const lf_act_entry *lf_activations()


def act_names():
    """Names of the activation kernels, in table order."""
    cdef const lf_act_entry *t = lf_activations()
    names = []
    while t.name != NULL:
        names.append(t.name.decode())
        t += 1
    return names


def act_run(int index, const floating[::1] x, const floating[::1] grad, floating[::1] out,
            int64_t n_rows, int64_t n_cols, double param):
    """Run activation kernel `index` (see activations.h): x and out (and grad
    for a backward kernel) are flat C-contiguous arrays of n_rows * n_cols
    elements; out may be x or grad."""
    cdef lf_act_args a
    cdef const lf_act_entry *e = lf_activations() + index
    cdef lf_act_fn fn
    if floating is float:
        fn = e.f32
    else:
        fn = e.f64
    if x.shape[0] != n_rows * n_cols or out.shape[0] != x.shape[0] or (
            grad is not None and grad.shape[0] != x.shape[0]):
        raise ValueError("act_run: array sizes do not match n_rows * n_cols")
    if x.shape[0] == 0:
        return
    a.x = &x[0]
    a.grad = &grad[0] if grad is not None else NULL
    a.out = &out[0]
    a.n_rows = n_rows
    a.n_cols = n_cols
    a.param = param
    with nogil:
        fn(&a)
