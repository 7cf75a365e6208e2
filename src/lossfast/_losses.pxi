# Elementwise loss engine (csrc/lf_elementwise.h): one entry point for every
# elementwise loss of every family.

MODE_SUM = LF_SUM
MODE_ELEM = LF_ELEM
MODE_GRAD = LF_GRAD

cdef const lf_ew_entry *_ew_table(int family) noexcept:
    if family == 0:
        return lf_ew_regression()
    if family == 1:
        return lf_ew_classification()
    return NULL

EW_FAMILIES = ("regression", "classification")


def ew_names(int family):
    """Names of the elementwise losses of a family, in table order."""
    cdef const lf_ew_entry *t = _ew_table(family)
    names = []
    while t != NULL and t.name != NULL:
        names.append(t.name.decode())
        t += 1
    return names


def ew_run(int family, int index, const floating[::1] y_true, const floating[::1] y_pred,
           const floating[::1] weight, int64_t n_cols, double p0, double p1, double p2,
           double p3, int mode, floating[::1] loss_out, floating[::1] grad_out,
           double grad_scale):
    """Run elementwise loss `index` of `family` over flat arrays (see lossfast.h);
    returns the weighted float64 sum when mode has MODE_SUM, else 0.0."""
    cdef lf_ew_args a
    cdef const lf_ew_entry *e = _ew_table(family) + index
    cdef lf_ew_fn fn
    cdef double s
    if floating is float:
        fn = e.f32
    else:
        fn = e.f64
    a.n = y_pred.shape[0]
    a.n_cols = n_cols
    a.y_true = &y_true[0] if a.n else NULL
    a.y_pred = &y_pred[0] if a.n else NULL
    a.weight = &weight[0] if weight is not None and weight.shape[0] else NULL
    a.params[0] = p0
    a.params[1] = p1
    a.params[2] = p2
    a.params[3] = p3
    a.loss_out = &loss_out[0] if loss_out is not None and a.n else NULL
    a.grad_out = &grad_out[0] if grad_out is not None and a.n else NULL
    a.grad_scale = grad_scale
    a.mode = mode
    with nogil:
        s = fn(&a)
    return s


cdef const lf_rw_entry *_rw_table(int family) noexcept:
    if family == 0:
        return lf_rw_classification()
    return NULL

RW_FAMILIES = ("classification",)


def rw_names(int family):
    """Names of the row-wise losses of a family, in table order."""
    cdef const lf_rw_entry *t = _rw_table(family)
    names = []
    while t != NULL and t.name != NULL:
        names.append(t.name.decode())
        t += 1
    return names


def rw_run(int family, int index, y_true, const floating[:, ::1] y_pred,
           const floating[::1] weight, double p0, double p1, double p2, double p3, int mode,
           floating[::1] loss_out, floating[:, ::1] grad_out, double grad_scale):
    """Run row-wise loss `index` of `family` (see lossfast.h).  `y_true` is a
    C-contiguous int64 vector of class indices or a float array of y_pred's
    dtype and shape, as the loss expects; returns the weighted float64 sum
    when mode has MODE_SUM, else 0.0."""
    cdef lf_rw_args a
    cdef const lf_rw_entry *e = _rw_table(family) + index
    cdef lf_rw_fn fn
    cdef double s
    cdef const unsigned char[::1] yt_bytes = y_true.reshape(-1).view("u1")
    if floating is float:
        fn = e.f32
    else:
        fn = e.f64
    a.n = y_pred.shape[0]
    a.n_classes = y_pred.shape[1]
    a.y_true = &yt_bytes[0] if yt_bytes.shape[0] else NULL
    a.y_pred = &y_pred[0, 0] if a.n and a.n_classes else NULL
    a.weight = &weight[0] if weight is not None and weight.shape[0] else NULL
    a.params[0] = p0
    a.params[1] = p1
    a.params[2] = p2
    a.params[3] = p3
    a.loss_out = &loss_out[0] if loss_out is not None and a.n else NULL
    a.grad_out = &grad_out[0, 0] if grad_out is not None and a.n and a.n_classes else NULL
    a.grad_scale = grad_scale
    a.mode = mode
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


def cls_check(str name, const floating[::1] x):
    """Number of elements of x breaking the classification check `name`
    ("outside_unit", "not_sign_label"; see lossfast.h).  NaN never counts."""
    cdef const lf_count_entry *t = lf_cls_checks()
    cdef bytes bname = name.encode()
    cdef int64_t n = x.shape[0], c
    while t.name != NULL and t.name != bname:
        t += 1
    if t.name == NULL:
        raise ValueError(f"unknown check {name!r}")
    if n == 0:
        return 0
    with nogil:
        if floating is float:
            c = t.f32(&x[0], n)
        else:
            c = t.f64(&x[0], n)
    return c
