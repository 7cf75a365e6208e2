# The leave-one-out pass of RidgeCV(cv=None) (csrc/ridge_loo.h): one pass over
# X for every alpha.  A thin wrapper: the maths is in
# lossfast.linear_model._ridge_cv.

cdef extern from "ridge_loo.h" nogil:
    ctypedef struct lf_ridge_loo_args:
        const void *X
        int64_t n
        int64_t d
        const void *Y
        int64_t k
        const double *sqrt_w
        const double *x_mean
        const double *y_mean
        const double *V
        const double *c
        const double *R
        int64_t r
        const double *C
        int64_t n_alphas
        double h0
        double *sq_sum
        double *looe

    ctypedef int (*lf_ridge_loo_fn)(const lf_ridge_loo_args *) noexcept nogil

    ctypedef struct lf_ridge_loo_kernels:
        lf_ridge_loo_fn loo_f32
        lf_ridge_loo_fn loo_f64

    const lf_ridge_loo_kernels *lf_ridge_loo()


def ridge_loo(const floating[:, ::1] X, const floating[:, ::1] Y, const double[::1] sqrt_w,
              const double[::1] x_mean, const double[::1] y_mean, const double[:, ::1] V,
              const double[:, ::1] c, const double[:, ::1] R, const double[:, ::1] C,
              double h0, double[:, ::1] sq_sum, double[:, :, ::1] looe):
    """sq_sum[t, a] = sum_i e_ita^2 of the leave-one-out residuals of ridge
    regression for every alpha (and looe[i, t, a] = e_ita when given), from
    the eigenvectors V of the centred Gram, c = V^T Xc^T yc and the factors
    R (d, r), C (r, A) (or None: R is (d, A)) of 1 / (lam_j + alpha_a); one
    deterministic pass over X (see ridge_loo.h)."""
    cdef lf_ridge_loo_args a
    cdef const lf_ridge_loo_kernels *kern = lf_ridge_loo()
    cdef int status
    a.n = X.shape[0]
    a.d = X.shape[1]
    a.k = Y.shape[1]
    a.r = R.shape[1]
    a.n_alphas = C.shape[1] if C is not None else R.shape[1]
    if (Y.shape[0] != a.n or x_mean.shape[0] != a.d or y_mean.shape[0] != a.k
            or V.shape[0] != a.d or V.shape[1] != a.d or c.shape[0] != a.d
            or c.shape[1] != a.k or R.shape[0] != a.d
            or (C is not None and C.shape[0] != a.r)
            or sq_sum.shape[0] != a.k or sq_sum.shape[1] != a.n_alphas
            or (sqrt_w is not None and sqrt_w.shape[0] != a.n)
            or (looe is not None and (looe.shape[0] != a.n or looe.shape[1] != a.k
                                      or looe.shape[2] != a.n_alphas))):
        raise ValueError("ridge_loo: inconsistent shapes")
    if a.n == 0 or a.d == 0 or a.k == 0 or a.r == 0 or a.n_alphas == 0:
        raise ValueError("ridge_loo: empty input")
    a.X = &X[0, 0]
    a.Y = &Y[0, 0]
    a.sqrt_w = &sqrt_w[0] if sqrt_w is not None else NULL
    a.x_mean = &x_mean[0]
    a.y_mean = &y_mean[0]
    a.V = &V[0, 0]
    a.c = &c[0, 0]
    a.R = &R[0, 0]
    a.C = &C[0, 0] if C is not None else NULL
    a.h0 = h0
    a.sq_sum = &sq_sum[0, 0]
    a.looe = &looe[0, 0, 0] if looe is not None else NULL
    with nogil:
        if floating is float:
            status = kern.loo_f32(&a)
        else:
            status = kern.loo_f64(&a)
    if status == -1:
        raise MemoryError("ridge_loo: out of memory")
    if status != 0:
        raise ValueError("ridge_loo: invalid arguments")
