/* The elementary functions of lf_math.h over arrays, so tests can measure
 * their accuracy and the vectoriser report shows they become SIMD code. */
#include "lossfast.h"
#include "lf_math.h"

#define LF_UNARY(NAME, FN)                                                      \
    static void NAME##_f32(const float *restrict x, float *restrict out, int64_t n) {   \
        for (int64_t i = 0; i < n; i++) out[i] = FN(x[i]);                      \
    }                                                                           \
    static void NAME##_f64(const double *restrict x, double *restrict out, int64_t n) { \
        for (int64_t i = 0; i < n; i++) out[i] = FN(x[i]);                      \
    }

LF_UNARY(exp, LF_EXP)
LF_UNARY(exp_neg, LF_EXP_NEG) /* x <= 0 only (lf_math.h) */
LF_UNARY(expm1, LF_EXPM1)
LF_UNARY(log, LF_LOG)
LF_UNARY(log_normal, LF_LOG_NORMAL) /* positive normal finite x only */
LF_UNARY(log1p, LF_LOG1P)
LF_UNARY(tanh, LF_TANH)

const lf_unary_entry LF_TARGET(lf_mathfuncs)[] = {
    {"exp", exp_f32, exp_f64},     {"exp_neg", exp_neg_f32, exp_neg_f64},
    {"expm1", expm1_f32, expm1_f64},
    {"log", log_f32, log_f64},     {"log_normal", log_normal_f32, log_normal_f64},
    {"log1p", log1p_f32, log1p_f64},
    {"tanh", tanh_f32, tanh_f64},  {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_unary_entry, lf_mathfuncs)
