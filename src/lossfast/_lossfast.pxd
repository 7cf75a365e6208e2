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
    int lf_stream_probe(const unsigned char *const *src, const int64_t *src_bytes, int n_src,
                        unsigned char *const *dst, const int64_t *dst_bytes, int n_dst)
    int lf_rows_probe(const unsigned char *const *buf, const int64_t *const *off, int n,
                      const int64_t *order, int64_t m)

    enum:
        LF_SUM
        LF_ELEM
        LF_GRAD
        LF_CHECK
        LF_PARALLEL_THRESHOLD

    ctypedef struct lf_loss_params:
        pass

    ctypedef struct lf_param_field:
        const char *name
        size_t offset
    const lf_param_field lf_loss_param_fields[]

    ctypedef struct lf_loss_args:
        const void *y_true
        const void *y_pred
        const void *weight
        int64_t n
        int64_t n_cols
        const lf_loss_params *params
        void *loss_out
        void *grad_out
        double grad_scale
        int mode
        double *counts

    ctypedef double (*lf_loss_fn)(const lf_loss_args *) noexcept nogil
    ctypedef struct lf_loss_entry:
        const char *name
        const char *params
        lf_loss_fn f32
        lf_loss_fn f64
    const lf_loss_entry *lf_ew_regression()
    const lf_loss_entry *lf_ew_classification()
    const lf_loss_entry *lf_rw_classification()

    ctypedef struct lf_count_entry:
        int64_t (*f32)(const float *, int64_t) noexcept nogil
        int64_t (*f64)(const double *, int64_t) noexcept nogil
    const lf_count_entry *lf_outside_unit()

    ctypedef void (*lf_unary_f32)(const float *, float *, int64_t) noexcept nogil
    ctypedef void (*lf_unary_f64)(const double *, double *, int64_t) noexcept nogil
    ctypedef struct lf_unary_entry:
        const char *name
        lf_unary_f32 f32
        lf_unary_f64 f64
    const lf_unary_entry *lf_mathfuncs()


cdef extern from "labels.h" nogil:
    ctypedef struct lf_label_entry:
        int64_t (*outside)(const int64_t *, int64_t, int64_t) noexcept nogil
    const lf_label_entry *lf_labels_outside()
