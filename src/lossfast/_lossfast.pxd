# C declarations of csrc/lossfast.h (and lf_common.h) for the Cython layer.
from libc.stdint cimport int64_t

cdef extern from "lossfast.h" nogil:
    int lf_simd_level()
    int lf_simd_level_supported()
    int lf_set_simd_level(int level)
    const char *lf_simd_level_name(int level)
    void lf_dispatch_init()
    int lf_get_num_threads()
    void lf_set_num_threads(int n)
    int lf_num_threads_setting()
    int lf_have_openmp()
    const char *lf_compiler()
    void lf_copy_probe(const void *src, void *dst, int64_t nbytes)

    enum:
        LF_SUM
        LF_ELEM
        LF_GRAD
        LF_PARALLEL_THRESHOLD

    ctypedef struct lf_ew_args:
        const void *y_true
        const void *y_pred
        const void *weight
        int64_t n
        int64_t n_cols
        double params[4]
        void *loss_out
        void *grad_out
        double grad_scale
        int mode

    ctypedef double (*lf_ew_fn)(const lf_ew_args *) noexcept nogil
    ctypedef struct lf_ew_entry:
        const char *name
        lf_ew_fn f32
        lf_ew_fn f64
    const lf_ew_entry *lf_ew_regression()
    const lf_ew_entry *lf_ew_classification()

    ctypedef struct lf_count_entry:
        const char *name
        int64_t (*f32)(const float *, int64_t) noexcept nogil
        int64_t (*f64)(const double *, int64_t) noexcept nogil
    const lf_count_entry *lf_cls_checks()

    ctypedef struct lf_rw_args:
        const void *y_true
        const void *y_pred
        const void *weight
        int64_t n
        int64_t n_classes
        double params[4]
        void *loss_out
        void *grad_out
        double grad_scale
        int mode

    ctypedef double (*lf_rw_fn)(const lf_rw_args *) noexcept nogil
    ctypedef struct lf_rw_entry:
        const char *name
        lf_rw_fn f32
        lf_rw_fn f64
    const lf_rw_entry *lf_rw_classification()

    ctypedef void (*lf_unary_f32)(const float *, float *, int64_t) noexcept nogil
    ctypedef void (*lf_unary_f64)(const double *, double *, int64_t) noexcept nogil
    ctypedef struct lf_unary_entry:
        const char *name
        lf_unary_f32 f32
        lf_unary_f64 f64
    const lf_unary_entry *lf_mathfuncs()
