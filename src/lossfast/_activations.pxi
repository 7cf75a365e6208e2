# Activation kernels (csrc/activations.c): forward and backward passes, by
# kernel (kernel("activation", name); the C declarations are in _kernels.pxi).


def act_run(Kernel kernel, const floating[::1] x, const floating[::1] grad, floating[::1] out,
            int64_t n_rows, int64_t n_cols, double negative_slope):
    """Run an activation kernel (see activations.h): x and out (and grad for
    a backward kernel) are flat C-contiguous arrays of n_rows * n_cols
    elements; out may be x or grad.  negative_slope is leaky_relu's."""
    cdef lf_act_args a
    cdef lf_act_fn fn
    if kernel.kind != "activation":
        raise ValueError(f"{kernel.name!r} is not an activation kernel")
    fn = kernel.act_fn(floating is float)
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
    a.negative_slope = negative_slope
    with nogil:
        fn(&a)
