# Fused linear-model kernels (csrc/linear_model.h): objective + gradient in one
# pass over X, the weighted Gram X^T W X (with shifts, targets and an
# intercept column) and a NaN/inf count.  Thin wrappers: validation and
# maths live in lossfast.linear_model.

cdef extern from "linear_model.h" nogil:
    enum:
        LF_LM_MAX_CHUNKS

    ctypedef struct lf_lm_loss_args:
        const void *X
        int64_t n
        int64_t d
        int64_t k
        const void *y
        const void *weight
        const double *coef
        const double *intercept
        lf_loss_fn loss
        int rowwise
        const lf_loss_params *params
        double *grad_coef
        double *grad_intercept
        void *z_out
        int z_given
        double *moments_out
        double *loss_per_output
        int64_t groups

    ctypedef int (*lf_lm_loss_fn)(const lf_lm_loss_args *, double *) noexcept nogil

    ctypedef struct lf_lm_gram_args:
        const void *X
        int64_t n
        int64_t d
        const void *Y
        int64_t ky
        const void *weight
        int64_t n_weights
        const double *shift
        int ones
        double *gram_out

    ctypedef int (*lf_lm_gram_fn)(const lf_lm_gram_args *) noexcept nogil
    ctypedef int64_t (*lf_lm_count_fn)(const void *, int64_t) noexcept nogil

    ctypedef struct lf_lm_kernels:
        lf_lm_loss_fn loss_f32
        lf_lm_loss_fn loss_f64
        lf_lm_gram_fn gram_f32
        lf_lm_gram_fn gram_f64
        lf_lm_count_fn nonfinite_f32
        lf_lm_count_fn nonfinite_f64
        int (*set_layout)(int) noexcept nogil
        int (*matvec_f32)(const void *, int64_t, int64_t, int64_t, const double *,
                          const double *, void *) noexcept nogil
        int (*matvec_f64)(const void *, int64_t, int64_t, int64_t, const double *,
                          const double *, void *) noexcept nogil

    const lf_lm_kernels *lf_linear_model()


def lm_matvec(const floating[:, ::1] X, const double[:, ::1] coef, const double[::1] intercept,
              floating[:, ::1] out):
    """out (n, k) = X coef^T + intercept (None: none), computed in float64 by
    the loss pass's forward loops on lossfast's threads."""
    cdef const lf_lm_kernels *kern = lf_linear_model()
    cdef int64_t n = X.shape[0], d = X.shape[1], k = coef.shape[0]
    cdef int status
    if coef.shape[1] != d or out.shape[0] != n or out.shape[1] != k:
        raise ValueError("lm_matvec: shapes do not match")
    if intercept is not None and intercept.shape[0] != k:
        raise ValueError("lm_matvec: intercept has the wrong length")
    if n == 0 or k == 0:
        return
    cdef const void *xp = &X[0, 0] if d else NULL
    cdef const double *wp = &coef[0, 0] if d else NULL
    cdef const double *bp = &intercept[0] if intercept is not None else NULL
    with nogil:
        if floating is float:
            status = kern.matvec_f32(xp, n, d, k, wp, bp, &out[0, 0])
        else:
            status = kern.matvec_f64(xp, n, d, k, wp, bp, &out[0, 0])
    if status != 0:
        raise MemoryError("lm_matvec: out of memory")


def lm_set_layout(int layout):
    """Test / benchmark hook: the dense lm_loss_gradient's block layout for the
    SIMD level in use -- 0 the kernel's own rule, 1 the row dots (a dot
    product over d per row and output), 2 the outputs along the SIMD lanes
    (linear_model.c).  Process-wide; the results agree to rounding."""
    if lf_linear_model().set_layout(layout) != 0:
        raise ValueError(f"layout must be 0, 1 or 2, got {layout}")


def lm_loss_gradient(const floating[:, ::1] X, y, const floating[::1] weight,
                     const double[:, ::1] coef, const double[::1] intercept, Kernel kernel,
                     LossParams params, double[:, ::1] grad_coef, double[::1] grad_intercept,
                     floating[:, ::1] z_out, double[::1] loss_per_output=None,
                     int64_t groups=1):
    """sum_i w_i l_i for the linear model (coef (k, d), intercept (k,) or None)
    on X (n, d), and when grad_coef is given its gradient R^T X (k, d) and
    sum_i R_i (grad_intercept), in one pass over X (see linear_model.h).

    The loss is the loss kernel `kernel` (kernel("loss", name)) with its
    packed hyper-parameters `params`; y is a C-contiguous (n, k) array of X's
    dtype for an elementwise kernel, an int64 (n,) label vector for a
    row-wise one.  z_out (n, k) receives the decision values when given,
    loss_per_output the loss of each output (k,) for an elementwise kernel,
    of each group (groups,) for a row-wise one (k models in one pass); the
    return value is then their sum.  groups (row-wise): the k outputs are
    `groups` models of k / groups classes, y (and weight) then holding
    n * groups labels (weights), row i's for model g at i * groups + g."""
    cdef lf_lm_loss_args a
    cdef const lf_lm_kernels *kern = lf_linear_model()
    cdef const unsigned char[::1] y_bytes = y.reshape(-1).view("u1")
    cdef double loss = 0.0
    cdef int status
    a.n = X.shape[0]
    a.d = X.shape[1]
    a.k = coef.shape[0]
    if coef.shape[1] != a.d:
        raise ValueError(f"coef has {coef.shape[1]} columns, X has {a.d}")
    a.X = &X[0, 0] if a.n and a.d else NULL
    a.y = &y_bytes[0] if y_bytes.shape[0] else NULL
    a.weight = &weight[0] if weight is not None and weight.shape[0] else NULL
    a.coef = &coef[0, 0] if a.k and a.d else NULL
    a.intercept = &intercept[0] if intercept is not None and intercept.shape[0] else NULL
    if kernel.kind != "loss":
        raise ValueError(f"{kernel.name!r} is not a loss kernel")
    # the float64 loss kernel for either dtype: per-block losses are float64
    a.loss = kernel.loss_fn(False)
    a.rowwise = 1 if kernel.rowwise else 0
    a.params = &params.p
    a.grad_coef = NULL
    if grad_coef is not None and grad_coef.shape[0] * grad_coef.shape[1]:
        a.grad_coef = &grad_coef[0, 0]
    a.grad_intercept = NULL
    if grad_intercept is not None and grad_intercept.shape[0]:
        a.grad_intercept = &grad_intercept[0]
    a.z_out = NULL
    if z_out is not None and z_out.shape[0] * z_out.shape[1]:
        a.z_out = &z_out[0, 0]
    a.z_given = 0
    a.moments_out = NULL
    a.groups = groups
    if groups < 1 or (groups > 1 and (not kernel.rowwise or a.k % groups)):
        raise ValueError(f"groups={groups} needs a row-wise kernel and divides k={a.k}")
    cdef int64_t rows = a.n * groups
    if kernel.rowwise and y.shape[0] != rows:
        raise ValueError(f"y has {y.shape[0]} labels, not n * groups = {rows}")
    if weight is not None and weight.shape[0] != (rows if kernel.rowwise else a.n):
        raise ValueError(f"weight has {weight.shape[0]} entries")
    a.loss_per_output = NULL
    cdef int64_t outputs = groups if kernel.rowwise else a.k
    if loss_per_output is not None:
        if loss_per_output.shape[0] != outputs:
            raise ValueError(f"loss_per_output has {loss_per_output.shape[0]} entries, not "
                             f"{outputs}")
        if outputs:
            a.loss_per_output = &loss_per_output[0]
    if grad_coef is not None and a.grad_coef == NULL and a.k * a.d:
        raise ValueError("grad_coef is empty")
    with nogil:
        if floating is float:
            status = kern.loss_f32(&a, &loss)
        else:
            status = kern.loss_f64(&a, &loss)
    if status == -1:
        raise MemoryError("lm_loss_gradient: out of memory")
    if status != 0:
        raise ValueError("lm_loss_gradient: invalid arguments")
    return loss


def lm_gram(const floating[:, ::1] X, const floating[:, ::1] Y, const floating[:, ::1] weight,
            const double[::1] shift, bint ones, double[:, :, ::1] out):
    """out[m] = A^T diag(weight[:, m]) A with A = [X - shift[:d], Y - shift[d:], 1]
    (Y, the weights, the shift and the ones column optional), float64,
    deterministic, one pass over X (see linear_model.h)."""
    cdef lf_lm_gram_args a
    cdef const lf_lm_kernels *kern = lf_linear_model()
    cdef int status
    a.n = X.shape[0]
    a.d = X.shape[1]
    a.X = &X[0, 0] if a.n and a.d else NULL
    a.Y = &Y[0, 0] if Y is not None and Y.shape[0] and Y.shape[1] else NULL
    a.ky = Y.shape[1] if Y is not None else 0
    a.weight = &weight[0, 0] if weight is not None and weight.shape[0] and weight.shape[1] else NULL
    a.n_weights = weight.shape[1] if weight is not None and weight.shape[1] else 1
    a.shift = &shift[0] if shift is not None and shift.shape[0] else NULL
    a.ones = 1 if ones else 0
    a.gram_out = &out[0, 0, 0]
    if (out.shape[0] != a.n_weights or out.shape[1] != a.d + a.ky + a.ones
            or out.shape[2] != out.shape[1]):
        raise ValueError("lm_gram: out has the wrong shape")
    if a.shift != NULL and shift.shape[0] != a.d + a.ky:
        raise ValueError("lm_gram: shift has the wrong length")
    with nogil:
        if floating is float:
            status = kern.gram_f32(&a)
        else:
            status = kern.gram_f64(&a)
    if status == -1:
        raise MemoryError("lm_gram: out of memory")
    if status != 0:
        raise ValueError("lm_gram: invalid arguments")


def lm_count_nonfinite(const floating[::1] x):
    """Number of NaN or +-inf entries of x (parallel, one pass)."""
    cdef const lf_lm_kernels *kern = lf_linear_model()
    cdef int64_t n = x.shape[0]
    cdef int64_t cnt = 0
    if n == 0:
        return 0
    with nogil:
        if floating is float:
            cnt = kern.nonfinite_f32(&x[0], n)
        else:
            cnt = kern.nonfinite_f64(&x[0], n)
    return cnt
