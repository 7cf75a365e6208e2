# Per-sample SGD epochs (csrc/sgd.h): scikit-learn's plain SGD over dense or
# CSR rows.  Thin wrappers: the schedules, stopping rules and the estimator
# API are in lossfast.linear_model._sgd.

from libc.stdint cimport uint64_t

cdef extern from "sgd.h" nogil:
    ctypedef struct lf_sgd_params:
        int loss
        double threshold
        int penalty
        double alpha
        double l1_ratio
        int schedule
        double eta0
        double power_t
        double optimal_init
        int fit_intercept
        double intercept_decay
        double average
        double weight_pos
        double weight_neg
        int track_loss

    ctypedef struct lf_sgd_state:
        double eta
        double t
        double intercept
        double average_intercept
        double wscale
        double sq_norm
        double l1_norm
        double average_a
        double average_b
        double u
        double sumloss
        double objective_sum

    ctypedef int (*lf_sgd_dense_fn)(const lf_sgd_params *, lf_sgd_state *, const void *,
                                    int64_t, const void *, const void *, const int64_t *,
                                    int64_t, void *, void *, void *) noexcept nogil
    ctypedef int (*lf_sgd_csr_fn)(const lf_sgd_params *, lf_sgd_state *, const void *,
                                  const void *, const void *, int64_t, const void *,
                                  const void *, const int64_t *, int64_t, void *, void *,
                                  void *) noexcept nogil
    ctypedef void (*lf_sgd_reset_fn)(lf_sgd_state *, int64_t, void *, void *) noexcept nogil
    ctypedef void (*lf_sgd_shuffle_fn)(int64_t *, int64_t, uint64_t *) noexcept nogil

    ctypedef struct lf_sgd_entry:
        lf_sgd_dense_fn dense_f32
        lf_sgd_dense_fn dense_f64
        lf_sgd_csr_fn csr_f32_i32
        lf_sgd_csr_fn csr_f32_i64
        lf_sgd_csr_fn csr_f64_i32
        lf_sgd_csr_fn csr_f64_i64
        lf_sgd_reset_fn reset_f32
        lf_sgd_reset_fn reset_f64
        lf_sgd_shuffle_fn shuffle

    const lf_sgd_entry *lf_sgd_kernels()

# the order of the fields of lf_sgd_state in the state vector
SGD_STATE_FIELDS = ("eta", "t", "intercept", "average_intercept", "wscale", "sq_norm",
                    "l1_norm", "average_a", "average_b", "u", "sumloss", "objective_sum")


cdef void _sgd_params(lf_sgd_params *p, dict params) except *:
    p.loss = params["loss"]
    p.threshold = params["threshold"]
    p.penalty = params["penalty"]
    p.alpha = params["alpha"]
    p.l1_ratio = params["l1_ratio"]
    p.schedule = params["schedule"]
    p.eta0 = params["eta0"]
    p.power_t = params["power_t"]
    p.optimal_init = params["optimal_init"]
    p.fit_intercept = params["fit_intercept"]
    p.intercept_decay = params["intercept_decay"]
    p.average = params["average"]
    p.weight_pos = params["weight_pos"]
    p.weight_neg = params["weight_neg"]
    p.track_loss = params["track_loss"]


cdef void _sgd_state_in(lf_sgd_state *s, const double[::1] v) except *:
    if v.shape[0] != 12:
        raise ValueError("the SGD state vector has 12 entries")
    s.eta, s.t, s.intercept, s.average_intercept = v[0], v[1], v[2], v[3]
    s.wscale, s.sq_norm, s.l1_norm, s.average_a = v[4], v[5], v[6], v[7]
    s.average_b, s.u, s.sumloss, s.objective_sum = v[8], v[9], v[10], v[11]


cdef void _sgd_state_out(const lf_sgd_state *s, double[::1] v) noexcept:
    v[0], v[1], v[2], v[3] = s.eta, s.t, s.intercept, s.average_intercept
    v[4], v[5], v[6], v[7] = s.wscale, s.sq_norm, s.l1_norm, s.average_a
    v[8], v[9], v[10], v[11] = s.average_b, s.u, s.sumloss, s.objective_sum


def sgd_epoch_dense(dict params, double[::1] state, const floating[:, ::1] X,
                    const floating[::1] y, const floating[::1] sample_weight,
                    const int64_t[::1] order, floating[::1] w, floating[::1] aw,
                    floating[::1] q):
    """One SGD epoch over the rows order of X (see csrc/sgd.h); state (12
    float64, SGD_STATE_FIELDS) is read and written back.  Returns 0, or 1
    when the weights became non-finite."""
    cdef lf_sgd_params p
    cdef lf_sgd_state s
    cdef const lf_sgd_entry *kern = lf_sgd_kernels()
    cdef int64_t n = X.shape[0], d = X.shape[1], m = order.shape[0], r
    cdef int status
    _sgd_params(&p, params)
    _sgd_state_in(&s, state)
    if y.shape[0] != n or w.shape[0] != d:
        raise ValueError("sgd_epoch_dense: inconsistent shapes")
    if sample_weight is not None and sample_weight.shape[0] != n:
        raise ValueError("sgd_epoch_dense: sample_weight has the wrong length")
    if (aw is not None and aw.shape[0] != d) or (q is not None and q.shape[0] != d):
        raise ValueError("sgd_epoch_dense: aw / q have the wrong length")
    if p.average > 0 and aw is None:
        raise ValueError("sgd_epoch_dense: averaging needs aw")
    if (p.penalty == 1 or p.penalty == 3) and q is None:
        raise ValueError("sgd_epoch_dense: an L1 penalty needs q")
    for r in range(m):
        if order[r] < 0 or order[r] >= n:
            raise ValueError("sgd_epoch_dense: row index out of range")
    if m == 0 or d == 0:
        return 0
    with nogil:
        if floating is float:
            status = kern.dense_f32(&p, &s, &X[0, 0], d, &y[0],
                                    &sample_weight[0] if sample_weight is not None else NULL,
                                    &order[0], m, &w[0], &aw[0] if aw is not None else NULL,
                                    &q[0] if q is not None else NULL)
        else:
            status = kern.dense_f64(&p, &s, &X[0, 0], d, &y[0],
                                    &sample_weight[0] if sample_weight is not None else NULL,
                                    &order[0], m, &w[0], &aw[0] if aw is not None else NULL,
                                    &q[0] if q is not None else NULL)
    _sgd_state_out(&s, state)
    return status


def sgd_epoch_csr(dict params, double[::1] state, const floating[::1] data, indices, indptr,
                  int64_t d, const floating[::1] y, const floating[::1] sample_weight,
                  const int64_t[::1] order, floating[::1] w, floating[::1] aw,
                  floating[::1] q):
    """sgd_epoch_dense for CSR X given by its canonical arrays (int32 or
    int64 indices / indptr of one type)."""
    cdef lf_sgd_params p
    cdef lf_sgd_state s
    cdef const lf_sgd_entry *kern = lf_sgd_kernels()
    cdef const unsigned char[::1] ind_b = indices.view("u1")
    cdef const unsigned char[::1] ptr_b = indptr.view("u1")
    cdef int wide = indices.dtype.itemsize == 8
    cdef int64_t n = indptr.shape[0] - 1, m = order.shape[0], r
    cdef const void *ind_p
    cdef int status
    if indices.dtype != indptr.dtype or indices.dtype.kind != "i" or \
            indices.dtype.itemsize not in (4, 8):
        raise ValueError("sgd_epoch_csr: indices and indptr must both be int32 or int64")
    _sgd_params(&p, params)
    _sgd_state_in(&s, state)
    if y.shape[0] != n or w.shape[0] != d:
        raise ValueError("sgd_epoch_csr: inconsistent shapes")
    if sample_weight is not None and sample_weight.shape[0] != n:
        raise ValueError("sgd_epoch_csr: sample_weight has the wrong length")
    if (aw is not None and aw.shape[0] != d) or (q is not None and q.shape[0] != d):
        raise ValueError("sgd_epoch_csr: aw / q have the wrong length")
    if p.average > 0 and aw is None:
        raise ValueError("sgd_epoch_csr: averaging needs aw")
    if (p.penalty == 1 or p.penalty == 3) and q is None:
        raise ValueError("sgd_epoch_csr: an L1 penalty needs q")
    for r in range(m):
        if order[r] < 0 or order[r] >= n:
            raise ValueError("sgd_epoch_csr: row index out of range")
    if m == 0 or d == 0:
        return 0
    ind_p = &ind_b[0] if ind_b.shape[0] else NULL
    with nogil:
        if floating is float:
            status = (kern.csr_f32_i64 if wide else kern.csr_f32_i32)(
                &p, &s, &data[0] if data.shape[0] else NULL, ind_p, &ptr_b[0], d, &y[0],
                &sample_weight[0] if sample_weight is not None else NULL, &order[0], m,
                &w[0], &aw[0] if aw is not None else NULL, &q[0] if q is not None else NULL)
        else:
            status = (kern.csr_f64_i64 if wide else kern.csr_f64_i32)(
                &p, &s, &data[0] if data.shape[0] else NULL, ind_p, &ptr_b[0], d, &y[0],
                &sample_weight[0] if sample_weight is not None else NULL, &order[0], m,
                &w[0], &aw[0] if aw is not None else NULL, &q[0] if q is not None else NULL)
    _sgd_state_out(&s, state)
    return status


def sgd_reset_wscale(double[::1] state, floating[::1] w, floating[::1] aw):
    """w <- wscale w and the averaged weights aw <- (aw + average_a w) /
    average_b (scikit-learn's reset_wscale); the state is updated."""
    cdef lf_sgd_state s
    cdef const lf_sgd_entry *kern = lf_sgd_kernels()
    _sgd_state_in(&s, state)
    if aw is not None and aw.shape[0] != w.shape[0]:
        raise ValueError("sgd_reset_wscale: aw has the wrong length")
    if w.shape[0]:
        if floating is float:
            kern.reset_f32(&s, w.shape[0], &w[0], &aw[0] if aw is not None else NULL)
        else:
            kern.reset_f64(&s, w.shape[0], &w[0], &aw[0] if aw is not None else NULL)
    _sgd_state_out(&s, state)


def sgd_shuffle(int64_t[::1] order, uint64_t[::1] rng):
    """Permute the row order in place, uniformly at random, from the
    generator state rng (1 uint64, carried over)."""
    if rng.shape[0] != 1:
        raise ValueError("sgd_shuffle: rng holds one uint64")
    if order.shape[0] > 1:
        with nogil:
            lf_sgd_kernels().shuffle(&order[0], order.shape[0], &rng[0])
