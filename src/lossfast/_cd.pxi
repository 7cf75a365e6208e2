# Coordinate-descent kernels (csrc/coordinate_descent.h): moments and Gram
# columns of the (weighted, shifted) data, CD epochs for the elastic net on a
# Gram or on residuals, the inner CD of proximal Newton and NNLS by CD.
# Thin wrappers: validation and maths live in lossfast.linear_model.

from libc.stdint cimport uint64_t

cdef extern from "coordinate_descent.h" nogil:
    ctypedef struct lf_cd_moments_args:
        const void *X
        int64_t n
        int64_t d
        const void *Y
        int64_t k
        const void *weight
        const double *shift
        double *sum_out
        double *sq_out
        double *xy_out
        double *sumw_out

    ctypedef struct lf_cd_gram_cols_args:
        const void *X
        int64_t n
        int64_t d
        const void *weight
        const double *shift
        const int64_t *cols
        int64_t m
        const int64_t *rows
        int64_t nr
        double *out

    ctypedef struct lf_cd_gram_args:
        int64_t d
        const double *gcols
        const int64_t *pos
        const double *q
        double yy
        double *w
        double *Qw
        const int64_t *ws
        int64_t n_ws
        double alpha
        double beta
        int positive
        int random
        uint64_t *rng
        int64_t max_epochs
        double tol
        double dw_tol
        double *gap_out

    ctypedef struct lf_cd_resid_args:
        const void *Xt
        int64_t n
        int64_t d
        const double *y
        double *R
        const double *norms
        double *w
        double alpha
        double beta
        int positive
        int random
        int screening
        uint64_t *rng
        int64_t max_iter
        double tol
        double dw_tol
        double *gap_out

    ctypedef struct lf_cd_quad_args:
        int64_t p
        const double *H
        const double *g
        const double *x
        const double *l1
        double *dx
        double *Hd
        int64_t max_sweeps
        double tol
        double *viol_out

    ctypedef struct lf_cd_nnls_args:
        int64_t d
        const double *G
        const double *c
        double *w
        double *Gw
        int64_t max_sweeps
        double tol
        double *viol_out

    ctypedef struct lf_cd_csc:
        const void *indptr
        const void *indices
        const void *data
        int64_t n
        int64_t d
        int idx64
        int f32

    ctypedef struct lf_cd_csc_moments_args:
        const lf_cd_csc *X
        const double *weight
        const double *Yt
        int64_t k
        double *s1
        double *s2
        double *xy

    ctypedef struct lf_cd_csc_args:
        const lf_cd_csc *X
        const double *weight
        const double *xm
        const double *y
        const double *norms
        double *w
        double alpha
        double beta
        int positive
        int random
        int screening
        uint64_t *rng
        int64_t max_iter
        double tol
        double dw_tol
        double *gap_out

    ctypedef struct lf_cd_transpose_args:
        const void *indptr
        const void *indices
        const void *data
        int64_t n
        int64_t d
        int idx64
        int f32
        void *out_indptr
        void *out_indices
        void *out_data

    ctypedef int (*lf_cd_transpose_fn)(const lf_cd_transpose_args *) noexcept nogil
    ctypedef int (*lf_cd_csc_moments_fn)(const lf_cd_csc_moments_args *) noexcept nogil
    ctypedef int64_t (*lf_cd_csc_fn)(const lf_cd_csc_args *) noexcept nogil

    ctypedef int (*lf_cd_moments_fn)(const lf_cd_moments_args *) noexcept nogil
    ctypedef int (*lf_cd_gram_cols_fn)(const lf_cd_gram_cols_args *) noexcept nogil
    ctypedef int64_t (*lf_cd_gram_fn)(const lf_cd_gram_args *) noexcept nogil
    ctypedef int64_t (*lf_cd_resid_fn)(const lf_cd_resid_args *) noexcept nogil
    ctypedef int64_t (*lf_cd_quad_fn)(const lf_cd_quad_args *) noexcept nogil
    ctypedef int64_t (*lf_cd_nnls_fn)(const lf_cd_nnls_args *) noexcept nogil

    ctypedef struct lf_cd_kernels:
        lf_cd_moments_fn moments_f32
        lf_cd_moments_fn moments_f64
        lf_cd_gram_cols_fn gram_cols_f32
        lf_cd_gram_cols_fn gram_cols_f64
        lf_cd_resid_fn resid_f32
        lf_cd_resid_fn resid_f64
        lf_cd_gram_fn gram
        lf_cd_quad_fn quad_l1
        lf_cd_nnls_fn nnls
        lf_cd_csc_moments_fn csc_moments
        lf_cd_csc_fn csc_resid
        lf_cd_transpose_fn csr_to_csc

    const lf_cd_kernels *lf_coordinate_descent()


def cd_moments(const floating[:, ::1] X, const floating[:, ::1] Y, const floating[::1] weight,
               const double[::1] shift, double[::1] sum_out, double[::1] sq_out,
               double[:, ::1] xy_out):
    """One pass over X (n, d) and Y (n, k): sum_i w_i (v - s), sum_i w_i (v - s)^2
    for the columns of [X, Y] (into sum_out, sq_out, length d + k), sum_i w_i
    (x - s)(y - s) into xy_out (d, k); returns sum_i w_i."""
    cdef lf_cd_moments_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef double sumw = 0.0
    cdef int status
    a.n = X.shape[0]
    a.d = X.shape[1]
    a.k = Y.shape[1]
    if Y.shape[0] != a.n or sum_out.shape[0] != a.d + a.k or sq_out.shape[0] != a.d + a.k:
        raise ValueError("cd_moments: inconsistent shapes")
    if xy_out.shape[0] != a.d or xy_out.shape[1] != a.k:
        raise ValueError("cd_moments: xy_out has the wrong shape")
    if weight is not None and weight.shape[0] != a.n:
        raise ValueError("cd_moments: weight has the wrong length")
    if shift is not None and shift.shape[0] != a.d + a.k:
        raise ValueError("cd_moments: shift has the wrong length")
    if a.n == 0 or a.d == 0 or a.k == 0:
        raise ValueError("cd_moments: empty input")
    a.X = &X[0, 0]
    a.Y = &Y[0, 0]
    a.weight = &weight[0] if weight is not None else NULL
    a.shift = &shift[0] if shift is not None else NULL
    a.sum_out = &sum_out[0]
    a.sq_out = &sq_out[0]
    a.xy_out = &xy_out[0, 0]
    a.sumw_out = &sumw
    with nogil:
        if floating is float:
            status = kern.moments_f32(&a)
        else:
            status = kern.moments_f64(&a)
    if status == -1:
        raise MemoryError("cd_moments: out of memory")
    return sumw


def cd_gram_cols(const floating[:, ::1] X, const floating[::1] weight, const double[::1] shift,
                 const int64_t[::1] cols, const int64_t[::1] rows, double[:, ::1] out):
    """out[s, r] = sum_i w_i (x_i,cols[s] - s_cols[s])(x_i,rows[r] - s_rows[r])
    (m x nr; rows None: all d features; index d stands for a column of ones,
    not shifted), one pass over X."""
    cdef lf_cd_gram_cols_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef int status
    a.n = X.shape[0]
    a.d = X.shape[1]
    a.m = cols.shape[0]
    a.nr = rows.shape[0] if rows is not None else a.d
    if out.shape[0] != a.m or out.shape[1] != a.nr:
        raise ValueError("cd_gram_cols: out has the wrong shape")
    if weight is not None and weight.shape[0] != a.n:
        raise ValueError("cd_gram_cols: weight has the wrong length")
    if shift is not None and shift.shape[0] != a.d:
        raise ValueError("cd_gram_cols: shift has the wrong length")
    if a.m == 0:
        return
    if a.n == 0 or a.d == 0:
        raise ValueError("cd_gram_cols: empty X")
    a.X = &X[0, 0]
    a.weight = &weight[0] if weight is not None else NULL
    a.shift = &shift[0] if shift is not None else NULL
    a.cols = &cols[0]
    a.rows = &rows[0] if rows is not None and rows.shape[0] else NULL
    if rows is not None and rows.shape[0] == 0:
        return
    a.out = &out[0, 0]
    with nogil:
        if floating is float:
            status = kern.gram_cols_f32(&a)
        else:
            status = kern.gram_cols_f64(&a)
    if status == -1:
        raise MemoryError("cd_gram_cols: out of memory")
    if status != 0:
        raise ValueError("cd_gram_cols: column index out of range")


def cd_enet_gram(const double[:, ::1] gcols, const int64_t[::1] pos, const double[::1] q,
                 double yy, double[::1] w, double[::1] Qw, const int64_t[::1] ws,
                 double alpha, double beta, bint positive, bint random, uint64_t[::1] rng,
                 int64_t max_epochs, double tol, double dw_tol):
    """CD epochs over the working set ws on the Gram columns (row pos[j] of
    gcols is column j); w, Qw = G w updated in place; the gap is checked when
    an epoch's largest update is <= dw_tol max|w|.  Returns (epochs, gap of
    the problem restricted to ws)."""
    cdef lf_cd_gram_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef double gap = 0.0
    cdef int64_t ep
    cdef Py_ssize_t f
    a.d = q.shape[0]
    if w.shape[0] != a.d or Qw.shape[0] != a.d or pos.shape[0] != a.d:
        raise ValueError("cd_enet_gram: inconsistent lengths")
    if gcols.shape[1] != a.d:
        raise ValueError("cd_enet_gram: gcols has the wrong width")
    for f in range(ws.shape[0]):
        if ws[f] < 0 or ws[f] >= a.d or pos[ws[f]] < 0 or pos[ws[f]] >= gcols.shape[0]:
            raise ValueError("cd_enet_gram: working set entry without a Gram column")
    if rng.shape[0] != 1:
        raise ValueError("cd_enet_gram: rng must have one entry")
    a.gcols = &gcols[0, 0] if gcols.shape[0] else NULL
    a.pos = &pos[0] if a.d else NULL
    a.q = &q[0] if a.d else NULL
    a.yy = yy
    a.w = &w[0] if a.d else NULL
    a.Qw = &Qw[0] if a.d else NULL
    a.ws = &ws[0] if ws.shape[0] else NULL
    a.n_ws = ws.shape[0]
    a.alpha = alpha
    a.beta = beta
    a.positive = positive
    a.random = random
    a.rng = &rng[0]
    a.max_epochs = max_epochs
    a.tol = tol
    a.dw_tol = dw_tol
    a.gap_out = &gap
    with nogil:
        ep = kern.gram(&a)
    return ep, gap


def cd_enet_resid(const floating[:, ::1] Xt, const double[::1] y, double[::1] R,
                  const double[::1] norms, double[::1] w, double alpha, double beta,
                  bint positive, bint random, bint screening, uint64_t[::1] rng,
                  int64_t max_iter, double tol, double dw_tol):
    """CD with residual updates on Xt (d, n: the columns of X); R = y - X w
    and w updated in place.  Returns (iterations, gap)."""
    cdef lf_cd_resid_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef double gap = 0.0
    cdef int64_t it
    a.d = Xt.shape[0]
    a.n = Xt.shape[1]
    if y.shape[0] != a.n or R.shape[0] != a.n or norms.shape[0] != a.d or w.shape[0] != a.d:
        raise ValueError("cd_enet_resid: inconsistent lengths")
    if rng.shape[0] != 1:
        raise ValueError("cd_enet_resid: rng must have one entry")
    if a.n == 0 or a.d == 0:
        raise ValueError("cd_enet_resid: empty input")
    a.Xt = &Xt[0, 0]
    a.y = &y[0]
    a.R = &R[0]
    a.norms = &norms[0]
    a.w = &w[0]
    a.alpha = alpha
    a.beta = beta
    a.positive = positive
    a.random = random
    a.screening = screening
    a.rng = &rng[0]
    a.max_iter = max_iter
    a.tol = tol
    a.dw_tol = dw_tol
    a.gap_out = &gap
    with nogil:
        if floating is float:
            it = kern.resid_f32(&a)
        else:
            it = kern.resid_f64(&a)
    if it < 0:
        raise MemoryError("cd_enet_resid: out of memory")
    return it, gap


def cd_quad_l1(const double[:, ::1] H, const double[::1] g, const double[::1] x,
               const double[::1] l1, double[::1] dx, double[::1] Hd, int64_t max_sweeps,
               double tol):
    """Cyclic CD sweeps on g.d + 1/2 d^T H d + sum l1_i |x_i + d_i| from dx
    (Hd = H dx kept); returns (sweeps, max minimum-norm subgradient)."""
    cdef lf_cd_quad_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef double viol = 0.0
    cdef int64_t sw
    a.p = g.shape[0]
    if (H.shape[0] != a.p or H.shape[1] != a.p or x.shape[0] != a.p or l1.shape[0] != a.p
            or dx.shape[0] != a.p or Hd.shape[0] != a.p):
        raise ValueError("cd_quad_l1: inconsistent shapes")
    if a.p == 0:
        return 0, 0.0
    a.H = &H[0, 0]
    a.g = &g[0]
    a.x = &x[0]
    a.l1 = &l1[0]
    a.dx = &dx[0]
    a.Hd = &Hd[0]
    a.max_sweeps = max_sweeps
    a.tol = tol
    a.viol_out = &viol
    with nogil:
        sw = kern.quad_l1(&a)
    return sw, viol


def cd_nnls(const double[:, ::1] G, const double[::1] c, double[::1] w, double[::1] Gw,
            int64_t max_sweeps, double tol):
    """CD sweeps on 1/2 w^T G w - c^T w, w >= 0 (Gw = G w kept); returns
    (sweeps, max KKT violation)."""
    cdef lf_cd_nnls_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef double viol = 0.0
    cdef int64_t sw
    a.d = c.shape[0]
    if G.shape[0] != a.d or G.shape[1] != a.d or w.shape[0] != a.d or Gw.shape[0] != a.d:
        raise ValueError("cd_nnls: inconsistent shapes")
    if a.d == 0:
        return 0, 0.0
    a.G = &G[0, 0]
    a.c = &c[0]
    a.w = &w[0]
    a.Gw = &Gw[0]
    a.max_sweeps = max_sweeps
    a.tol = tol
    a.viol_out = &viol
    with nogil:
        sw = kern.nnls(&a)
    return sw, viol


cdef int _csc_view(lf_cd_csc *X, const floating[::1] data, indices, indptr, int64_t n) except -1:
    """Fill X from CSC arrays (indices / indptr int32 or int64, same type;
    column j holds rows indices[indptr[j]:indptr[j+1]])."""
    cdef const unsigned char[::1] ind = indices.view("u1")
    cdef const unsigned char[::1] ptr = indptr.view("u1")
    cdef int64_t nnz
    if indices.dtype.itemsize != indptr.dtype.itemsize or indices.dtype.kind != "i" \
            or indptr.dtype.kind != "i":
        raise ValueError("indices and indptr must have the same signed integer type")
    if indices.shape[0] != data.shape[0]:
        raise ValueError("indices and data must have the same length")
    X.idx64 = 1 if indptr.dtype.itemsize == 8 else 0
    X.f32 = 1 if floating is float else 0
    X.n = n
    X.d = indptr.shape[0] - 1
    nnz = int(indptr[X.d]) if X.d >= 0 else 0
    if X.d < 0 or nnz != data.shape[0] or int(indptr[0]) != 0:
        raise ValueError("inconsistent CSC arrays")
    X.indptr = &ptr[0]
    X.indices = &ind[0] if ind.shape[0] else NULL
    X.data = &data[0] if data.shape[0] else NULL
    return 0


def cd_csc_moments(const floating[::1] data, indices, indptr, int64_t n,
                   const double[::1] weight, const double[:, ::1] Yt, double[::1] s1,
                   double[::1] s2, double[:, ::1] xy):
    """For CSC X (n rows): s1_j = sum_i w_i x_ij, s2_j = sum_i w_i x_ij^2,
    xy[j, c] = sum_i w_i x_ij Yt[c, i] (weight None: ones)."""
    cdef lf_cd_csc X
    cdef lf_cd_csc_moments_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    _csc_view(&X, data, indices, indptr, n)
    if s1.shape[0] != X.d or s2.shape[0] != X.d:
        raise ValueError("cd_csc_moments: s1 / s2 have the wrong length")
    if Yt.shape[1] != n or xy.shape[0] != X.d or xy.shape[1] != Yt.shape[0]:
        raise ValueError("cd_csc_moments: inconsistent shapes")
    if weight is not None and weight.shape[0] != n:
        raise ValueError("cd_csc_moments: weight has the wrong length")
    if X.d == 0:
        return
    a.X = &X
    a.weight = &weight[0] if weight is not None else NULL
    a.k = Yt.shape[0]
    a.Yt = &Yt[0, 0] if a.k and n else NULL
    a.s1 = &s1[0]
    a.s2 = &s2[0]
    a.xy = &xy[0, 0] if a.k else NULL
    with nogil:
        kern.csc_moments(&a)


def cd_enet_csc(const floating[::1] data, indices, indptr, int64_t n, const double[::1] weight,
                const double[::1] xm, const double[::1] y, const double[::1] norms,
                double[::1] w, double alpha, double beta, bint positive, bint random,
                bint screening, uint64_t[::1] rng, int64_t max_iter, double tol, double dw_tol):
    """Residual-update CD on CSC X with implicit centring by xm (None: none);
    w updated in place.  Returns (iterations, gap).  The row indices must be
    in [0, n) (checked once by lossfast.linear_model._coordinate_descent)."""
    cdef lf_cd_csc X
    cdef lf_cd_csc_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef double gap = 0.0
    cdef int64_t it
    _csc_view(&X, data, indices, indptr, n)
    if y.shape[0] != n or norms.shape[0] != X.d or w.shape[0] != X.d:
        raise ValueError("cd_enet_csc: inconsistent lengths")
    if (weight is not None and weight.shape[0] != n) or (xm is not None and xm.shape[0] != X.d):
        raise ValueError("cd_enet_csc: weight / xm have the wrong length")
    if rng.shape[0] != 1:
        raise ValueError("cd_enet_csc: rng must have one entry")
    if n == 0 or X.d == 0:
        raise ValueError("cd_enet_csc: empty input")
    a.X = &X
    a.weight = &weight[0] if weight is not None else NULL
    a.xm = &xm[0] if xm is not None else NULL
    a.y = &y[0]
    a.norms = &norms[0]
    a.w = &w[0]
    a.alpha = alpha
    a.beta = beta
    a.positive = positive
    a.random = random
    a.screening = screening
    a.rng = &rng[0]
    a.max_iter = max_iter
    a.tol = tol
    a.dw_tol = dw_tol
    a.gap_out = &gap
    with nogil:
        it = kern.csc_resid(&a)
    if it < 0:
        raise MemoryError("cd_enet_csc: out of memory")
    return it, gap


def cd_csr_to_csc(const floating[::1] data, indices, indptr, int64_t d, floating[::1] out_data,
                  out_indices, out_indptr):
    """CSC arrays (out_*, preallocated: nnz, nnz, d + 1; the index type of
    the input) of canonical CSR arrays with d columns, row indices sorted
    within each column; parallel counting sort."""
    cdef lf_cd_transpose_args a
    cdef const lf_cd_kernels *kern = lf_coordinate_descent()
    cdef const unsigned char[::1] ind = indices.view("u1")
    cdef const unsigned char[::1] ptr = indptr.view("u1")
    cdef unsigned char[::1] oind = out_indices.view("u1")
    cdef unsigned char[::1] optr = out_indptr.view("u1")
    cdef int status
    cdef int64_t nnz = data.shape[0]
    isz = indptr.dtype.itemsize
    if (indices.dtype.itemsize != isz or out_indices.dtype.itemsize != isz
            or out_indptr.dtype.itemsize != isz or indptr.dtype.kind != "i"):
        raise ValueError("cd_csr_to_csc: all index arrays must have one signed integer type")
    if (indices.shape[0] != nnz or out_data.shape[0] != nnz or out_indices.shape[0] != nnz
            or out_indptr.shape[0] != d + 1 or indptr.shape[0] < 1 or int(indptr[-1]) != nnz):
        raise ValueError("cd_csr_to_csc: inconsistent array lengths")
    a.idx64 = 1 if isz == 8 else 0
    a.f32 = 1 if floating is float else 0
    a.n = indptr.shape[0] - 1
    a.d = d
    a.indptr = &ptr[0]
    a.indices = &ind[0] if nnz else NULL
    a.data = &data[0] if nnz else NULL
    a.out_indptr = &optr[0]
    a.out_indices = &oind[0] if nnz else NULL
    a.out_data = &out_data[0] if nnz else NULL
    with nogil:
        status = kern.csr_to_csc(&a)
    if status != 0:
        raise MemoryError("cd_csr_to_csc: out of memory")
