# Dual coordinate descent for the linear SVM (csrc/svm_dual.h): liblinear's
# solver for a fixed intercept.  Thin wrappers: the intercept's outer loop
# and the estimator are in lossfast.linear_model._svm_dual.

from libc.stdint cimport uint64_t

cdef extern from "svm_dual.h" nogil:
    ctypedef struct lf_svm_dual_params:
        int loss
        double tol
        int64_t max_iter
        int init
        double iscale

    ctypedef struct lf_svm_dual_state:
        int64_t n_iter
        double gap
        uint64_t rng

    ctypedef int (*lf_svm_dual_dense_fn)(const lf_svm_dual_params *, lf_svm_dual_state *,
                                         const void *, int64_t, double *, double,
                                         int64_t *, int64_t, double *) noexcept nogil
    ctypedef int (*lf_svm_dual_csr_fn)(const lf_svm_dual_params *, lf_svm_dual_state *,
                                       const void *, const void *, const void *, int64_t,
                                       double *, double, int64_t *, int64_t,
                                       double *) noexcept nogil

    ctypedef struct lf_svm_dual_entry:
        lf_svm_dual_dense_fn dense_f32
        lf_svm_dual_dense_fn dense_f64
        lf_svm_dual_csr_fn csr_f32_i32
        lf_svm_dual_csr_fn csr_f32_i64
        lf_svm_dual_csr_fn csr_f64_i32
        lf_svm_dual_csr_fn csr_f64_i64

    const lf_svm_dual_entry *lf_svm_dual_kernels()


def svm_dual_cd(X, int loss, double tol, int64_t max_iter, bint init, uint64_t[::1] rng,
                double[:, ::1] rv, double b, int64_t[::1] rows, double[::1] w,
                double iscale=0.0):
    """Dual CD passes for the intercept b (see csrc/svm_dual.h).  X is a
    C-contiguous float32/float64 array or a (data, indices, indptr, d) tuple
    of CSR arrays; rv (n, 4) the rows' records: columns y (-1/+1), cost,
    qd (written when init) and alpha (in/out); rng (1 uint64) is the
    generator's state, carried over.
    iscale > 0: each row has one more feature of that value, whose weight is
    w's last entry (w then holds d + 1 values).  Returns (status, passes, gap): status 0 converged, 1 max_iter, 2 w not
    finite."""
    cdef lf_svm_dual_params p
    cdef lf_svm_dual_state s
    cdef const lf_svm_dual_entry *kern = lf_svm_dual_kernels()
    cdef int64_t n, d, m = rows.shape[0], r
    cdef int status = 0, kind
    cdef const float[:, ::1] x32
    cdef const double[:, ::1] x64
    cdef const float[::1] v32
    cdef const double[::1] v64
    cdef const unsigned char[::1] ind_b
    cdef const unsigned char[::1] ptr_b
    cdef const void *dp = NULL
    cdef const void *ip = NULL
    cdef int wide = 0
    p.loss, p.tol, p.max_iter, p.init, p.iscale = loss, tol, max_iter, init, iscale
    if not iscale >= 0.0:
        raise ValueError("svm_dual_cd: iscale must be >= 0")
    if rng.shape[0] != 1:
        raise ValueError("svm_dual_cd: rng holds one uint64")
    s.n_iter, s.gap, s.rng = 0, 0.0, rng[0]
    if isinstance(X, tuple):
        data, indices, indptr, d = X
        n = indptr.shape[0] - 1
        if indices.dtype != indptr.dtype or indices.dtype.kind != "i" or \
                indices.dtype.itemsize not in (4, 8):
            raise ValueError("svm_dual_cd: indices and indptr must both be int32 or int64")
        wide = indices.dtype.itemsize == 8
        ind_b = indices.view("u1")
        ptr_b = indptr.view("u1")
        ip = &ind_b[0] if ind_b.shape[0] else NULL
        if data.dtype.itemsize == 4:
            kind = 2
            v32 = data
            dp = &v32[0] if v32.shape[0] else NULL
        else:
            kind = 3
            v64 = data
            dp = &v64[0] if v64.shape[0] else NULL
    elif X.dtype.itemsize == 4:
        kind = 0
        x32 = X
        n, d = x32.shape[0], x32.shape[1]
        dp = &x32[0, 0] if n * d else NULL
    else:
        kind = 1
        x64 = X
        n, d = x64.shape[0], x64.shape[1]
        dp = &x64[0, 0] if n * d else NULL
    if rv.shape[0] != n or rv.shape[1] != 4 or w.shape[0] != d + (iscale > 0.0):
        raise ValueError("svm_dual_cd: inconsistent shapes")
    for r in range(m):
        if rows[r] < 0 or rows[r] >= n or not rv[rows[r], 1] > 0:
            raise ValueError("svm_dual_cd: rows must index rows of positive cost")
    if m == 0 or d == 0:
        return 0, 0, 0.0
    with nogil:
        if kind == 0:
            status = kern.dense_f32(&p, &s, dp, d, &rv[0, 0], b, &rows[0], m, &w[0])
        elif kind == 1:
            status = kern.dense_f64(&p, &s, dp, d, &rv[0, 0], b, &rows[0], m, &w[0])
        elif kind == 2:
            status = (kern.csr_f32_i64 if wide else kern.csr_f32_i32)(
                &p, &s, dp, ip, &ptr_b[0], d, &rv[0, 0], b, &rows[0], m, &w[0])
        else:
            status = (kern.csr_f64_i64 if wide else kern.csr_f64_i32)(
                &p, &s, dp, ip, &ptr_b[0], d, &rv[0, 0], b, &rows[0], m, &w[0])
    rng[0] = s.rng
    return status, s.n_iter, s.gap
