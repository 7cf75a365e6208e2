# Linear-model kernels on CSR sparse X (csrc/linear_model_csr.h): the fused
# loss/gradient pass, X W^T + b, R^T X and the weighted Gram, never densified.
# Thin wrappers: the CSR arrays arrive canonical (sorted, no duplicates) from
# lossfast.linear_model._sparse, which validates.

cdef extern from "linear_model_csr.h" nogil:
    ctypedef struct lf_csr:
        const void *indptr
        const void *indices
        const void *data
        int64_t n
        int64_t d
        int idx64

    ctypedef int (*lf_csr_loss_fn)(const lf_csr *, const lf_lm_loss_args *, double *) noexcept nogil
    ctypedef int (*lf_csr_matvec_fn)(const lf_csr *, int64_t, const double *, const double *,
                                     void *) noexcept nogil
    ctypedef int (*lf_csr_rmatvec_fn)(const lf_csr *, int64_t, const double *,
                                      double *) noexcept nogil
    ctypedef int (*lf_csr_gram_fn)(const lf_csr *, const void *, int64_t, const void *, int64_t,
                                   int, double *) noexcept nogil
    ctypedef int (*lf_csr_moments_fn)(const lf_csr *, const double *, double *) noexcept nogil

    ctypedef struct lf_csr_kernels:
        lf_csr_loss_fn loss_f32
        lf_csr_loss_fn loss_f64
        lf_csr_matvec_fn matvec_f32
        lf_csr_matvec_fn matvec_f64
        lf_csr_rmatvec_fn rmatvec_f32
        lf_csr_rmatvec_fn rmatvec_f64
        lf_csr_gram_fn gram_f32
        lf_csr_gram_fn gram_f64
        lf_csr_moments_fn moments_f32
        lf_csr_moments_fn moments_f64

    const lf_csr_kernels *lf_linear_model_csr()


cdef int _csr_view(lf_csr *X, const floating[::1] data, indices, indptr, int64_t d) except -1:
    """Fill X from the CSR arrays (indices / indptr int32 or int64, same type)."""
    cdef const unsigned char[::1] ind = indices.view("u1")
    cdef const unsigned char[::1] ptr = indptr.view("u1")
    if indices.dtype.itemsize != indptr.dtype.itemsize:
        raise ValueError("indices and indptr must have the same integer type")
    X.idx64 = 1 if indptr.dtype.itemsize == 8 else 0
    X.n = indptr.shape[0] - 1
    X.d = d
    X.indptr = &ptr[0]
    X.indices = &ind[0] if ind.shape[0] else NULL
    X.data = &data[0] if data.shape[0] else NULL
    return 0


def csr_loss_gradient(const floating[::1] data, indices, indptr, int64_t d, y,
                      const floating[::1] weight, const double[:, ::1] coef,
                      const double[::1] intercept, Kernel kernel, LossParams params,
                      double[:, ::1] grad_coef, double[::1] grad_intercept,
                      floating[:, ::1] z_out, bint z_given=False,
                      double[:, ::1] moments_out=None):
    """lm_loss_gradient (see _linear_model.pxi) for CSR X given by its arrays.
    z_given: z_out (float64 data only) holds the decision values, read
    instead of computed from X and coef (the pass then only scatters the
    gradient).  moments_out (2, d; float64 data, one output, with the
    gradient): the column sums of w x and w x^2 from the same scatter."""
    cdef lf_csr X
    cdef lf_lm_loss_args a
    cdef const lf_csr_kernels *kern = lf_linear_model_csr()
    cdef const unsigned char[::1] y_bytes = y.reshape(-1).view("u1")
    cdef double loss = 0.0
    cdef int status
    _csr_view(&X, data, indices, indptr, d)
    a.X = NULL
    a.n = X.n
    a.d = d
    a.k = coef.shape[0]
    if coef.shape[1] != d:
        raise ValueError(f"coef has {coef.shape[1]} columns, X has {d}")
    a.y = &y_bytes[0] if y_bytes.shape[0] else NULL
    a.weight = &weight[0] if weight is not None and weight.shape[0] else NULL
    a.coef = &coef[0, 0] if a.k and d else NULL
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
    a.z_given = 1 if z_given else 0
    if z_given and (floating is float or a.z_out == NULL) and X.n:
        raise ValueError("csr_loss_gradient: z_given needs float64 data and z_out")
    a.moments_out = NULL
    if moments_out is not None:
        if (floating is float or moments_out.shape[0] != 2 or moments_out.shape[1] != d
                or a.k != 1 or grad_coef is None):
            raise ValueError("csr_loss_gradient: moments_out needs float64 data, one output, "
                             "the gradient and a (2, d) array")
        a.moments_out = &moments_out[0, 0] if d else NULL
    a.loss_per_output = NULL
    a.groups = 1
    with nogil:
        if floating is float:
            status = kern.loss_f32(&X, &a, &loss)
        else:
            status = kern.loss_f64(&X, &a, &loss)
    if status == -1:
        raise MemoryError("csr_loss_gradient: out of memory")
    if status != 0:
        raise ValueError("csr_loss_gradient: invalid arguments")
    return loss


def csr_matvec(const floating[::1] data, indices, indptr, int64_t d,
               const double[:, ::1] coef, const double[::1] intercept, floating[:, ::1] out):
    """out (n, k) = X coef^T + intercept (None: no intercept)."""
    cdef lf_csr X
    cdef const lf_csr_kernels *kern = lf_linear_model_csr()
    cdef int status
    cdef int64_t k = coef.shape[0]
    _csr_view(&X, data, indices, indptr, d)
    if coef.shape[1] != d or out.shape[0] != X.n or out.shape[1] != k:
        raise ValueError("csr_matvec: shapes do not match")
    if X.n == 0 or k == 0:
        return
    cdef const double *b = &intercept[0] if intercept is not None and intercept.shape[0] else NULL
    cdef const double *W = &coef[0, 0] if d else NULL
    with nogil:
        if floating is float:
            status = kern.matvec_f32(&X, k, W, b, &out[0, 0])
        else:
            status = kern.matvec_f64(&X, k, W, b, &out[0, 0])
    if status != 0:
        raise MemoryError("csr_matvec: out of memory")


def csr_rmatvec(const floating[::1] data, indices, indptr, int64_t d, const double[:, ::1] R,
                double[:, ::1] out):
    """out (k, d) = R^T X for R (n, k) float64."""
    cdef lf_csr X
    cdef const lf_csr_kernels *kern = lf_linear_model_csr()
    cdef int status
    cdef int64_t k = R.shape[1]
    _csr_view(&X, data, indices, indptr, d)
    if R.shape[0] != X.n or out.shape[0] != k or out.shape[1] != d:
        raise ValueError("csr_rmatvec: shapes do not match")
    if k == 0 or d == 0:
        return
    cdef const double *Rp = &R[0, 0] if X.n else NULL
    with nogil:
        if floating is float:
            status = kern.rmatvec_f32(&X, k, Rp, &out[0, 0])
        else:
            status = kern.rmatvec_f64(&X, k, Rp, &out[0, 0])
    if status != 0:
        raise MemoryError("csr_rmatvec: out of memory")


def csr_moments(const floating[::1] data, indices, indptr, int64_t d, sample_weight,
                double[:, ::1] out):
    """out (2, d) = [w^T X; w^T X^2] for weights w (n,) float64 or None (ones)."""
    cdef lf_csr X
    cdef const lf_csr_kernels *kern = lf_linear_model_csr()
    cdef int status
    cdef const double[::1] w
    cdef const double *wp = NULL
    _csr_view(&X, data, indices, indptr, d)
    if out.shape[0] != 2 or out.shape[1] != d:
        raise ValueError("csr_moments: out must be (2, d)")
    if sample_weight is not None:
        w = sample_weight
        if w.shape[0] != X.n:
            raise ValueError("csr_moments: sample_weight must have n entries")
        if X.n:
            wp = &w[0]
    if d == 0:
        return
    with nogil:
        if floating is float:
            status = kern.moments_f32(&X, wp, &out[0, 0])
        else:
            status = kern.moments_f64(&X, wp, &out[0, 0])
    if status != 0:
        raise MemoryError("csr_moments: out of memory")


def csr_gram(const floating[::1] data, indices, indptr, int64_t d, const floating[:, ::1] Y,
             const floating[:, ::1] weight, bint ones, double[:, :, ::1] out):
    """out[m] = A^T diag(weight[:, m]) A with A = [X, Y, 1] (Y, weight optional)."""
    cdef lf_csr X
    cdef const lf_csr_kernels *kern = lf_linear_model_csr()
    cdef int status
    _csr_view(&X, data, indices, indptr, d)
    cdef int64_t ky = Y.shape[1] if Y is not None else 0
    cdef int64_t M = weight.shape[1] if weight is not None else 1
    cdef int64_t D = d + ky + (1 if ones else 0)
    if out.shape[0] != M or out.shape[1] != D or out.shape[2] != D:
        raise ValueError("csr_gram: out has the wrong shape")
    if Y is not None and Y.shape[0] != X.n or weight is not None and weight.shape[0] != X.n:
        raise ValueError("csr_gram: Y / weight rows do not match X")
    cdef const void *Yp = &Y[0, 0] if Y is not None and Y.shape[0] and ky else NULL
    cdef const void *Wp = &weight[0, 0] if weight is not None and weight.shape[0] else NULL
    if D == 0:
        return
    with nogil:
        if floating is float:
            status = kern.gram_f32(&X, Yp, ky, Wp, M, 1 if ones else 0, &out[0, 0, 0])
        else:
            status = kern.gram_f64(&X, Yp, ky, Wp, M, 1 if ones else 0, &out[0, 0, 0])
    if status != 0:
        raise MemoryError("csr_gram: out of memory")
