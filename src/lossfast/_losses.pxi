# The loss engines (csrc/lossfast.h): one entry point for every elementwise
# loss and one for every row-wise loss, by kernel (kernel("loss", name)).

MODE_SUM = LF_SUM
MODE_ELEM = LF_ELEM
MODE_GRAD = LF_GRAD
MODE_CHECK = LF_CHECK


def ew_run(Kernel kernel, LossParams params, const floating[::1] y_true,
           const floating[::1] y_pred, const floating[::1] weight, int64_t n_cols, int mode,
           floating[::1] loss_out, floating[::1] grad_out, double grad_scale,
           double[::1] counts=None):
    """Run an elementwise loss kernel over flat arrays (see lossfast.h);
    returns the weighted float64 sum when mode has MODE_SUM, else 0.0.  With
    MODE_CHECK, `counts` (3 values) receives the kernel's input-check counts."""
    cdef lf_loss_args a
    cdef lf_loss_fn fn
    cdef double s
    cdef double cnt[3]
    if kernel.rowwise:
        raise ValueError(f"{kernel.name!r} is a row-wise loss kernel")
    fn = kernel.loss_fn(floating is float)
    a.n = y_pred.shape[0]
    a.n_cols = n_cols
    a.y_true = &y_true[0] if a.n else NULL
    a.y_pred = &y_pred[0] if a.n else NULL
    a.weight = &weight[0] if weight is not None and weight.shape[0] else NULL
    a.params = &params.p
    a.loss_out = &loss_out[0] if loss_out is not None and a.n else NULL
    a.grad_out = &grad_out[0] if grad_out is not None and a.n else NULL
    a.grad_scale = grad_scale
    a.mode = mode
    cnt[0] = cnt[1] = cnt[2] = 0.0
    a.counts = cnt
    with nogil:
        s = fn(&a)
    if counts is not None:
        counts[0], counts[1], counts[2] = cnt[0], cnt[1], cnt[2]
    return s


def rw_run(Kernel kernel, LossParams params, y_true, const floating[:, ::1] y_pred,
           const floating[::1] weight, int mode, floating[::1] loss_out,
           floating[:, ::1] grad_out, double grad_scale):
    """Run a row-wise loss kernel (see lossfast.h).  `y_true` is a
    C-contiguous int64 vector of class indices or a float array of y_pred's
    dtype and shape, as the kernel expects; returns the weighted float64 sum
    when mode has MODE_SUM, else 0.0."""
    cdef lf_loss_args a
    cdef lf_loss_fn fn
    cdef double s
    cdef const unsigned char[::1] yt_bytes = y_true.reshape(-1).view("u1")
    if not kernel.rowwise:
        raise ValueError(f"{kernel.name!r} is an elementwise loss kernel")
    fn = kernel.loss_fn(floating is float)
    a.n = y_pred.shape[0]
    a.n_cols = y_pred.shape[1]
    a.y_true = &yt_bytes[0] if yt_bytes.shape[0] else NULL
    a.y_pred = &y_pred[0, 0] if a.n and a.n_cols else NULL
    a.weight = &weight[0] if weight is not None and weight.shape[0] else NULL
    a.params = &params.p
    a.loss_out = &loss_out[0] if loss_out is not None and a.n else NULL
    a.grad_out = &grad_out[0, 0] if grad_out is not None and a.n and a.n_cols else NULL
    a.grad_scale = grad_scale
    a.mode = mode
    a.counts = NULL
    with nogil:
        s = fn(&a)
    return s


def math_eval(str name, floating[::1] x, floating[::1] out):
    """out = f(x) for the vectorised elementary function `name` (for tests)."""
    cdef const lf_unary_entry *t = lf_mathfuncs()
    cdef bytes bname = name.encode()
    while t.name != NULL and t.name != bname:
        t += 1
    if t.name == NULL:
        raise ValueError(f"unknown function {name!r}")
    cdef int64_t n = x.shape[0]
    if n == 0:
        return
    with nogil:
        if floating is float:
            t.f32(&x[0], &out[0], n)
        else:
            t.f64(&x[0], &out[0], n)


def labels_outside(const int64_t[::1] y, int64_t n_classes):
    """Number of class indices of y outside [0, n_classes) (one parallel pass):
    the label check of the sparse row-wise losses."""
    cdef const lf_label_entry *t = lf_labels_outside()
    cdef int64_t n = y.shape[0], c
    if n == 0:
        return 0
    with nogil:
        c = t.outside(&y[0], n, n_classes)
    return c


def outside_unit(const floating[::1] x):
    """Number of elements of x outside [0, 1] (one parallel pass; NaN never
    counts): the probability check of the row-wise losses."""
    cdef const lf_count_entry *t = lf_outside_unit()
    cdef int64_t n = x.shape[0], c
    if n == 0:
        return 0
    with nogil:
        if floating is float:
            c = t.f32(&x[0], n)
        else:
            c = t.f64(&x[0], n)
    return c
