/* Regression losses: each is its per-element value l and derivative
 * g = dl/dy_pred, with r = y_pred - y_true (formulas: docs/losses.md).  The
 * hyper-parameters are the named fields of lf_loss_params the table entry
 * lists; the Python classes are in src/lossfast/losses/_regression.py. */
#include "lf_elementwise.h"

/* r^2 */
LF_EW_LOSS(mse, (), const T r = yp - yt; l = r * r; g = (T)2 * r;)

/* |r|; sign(r), 0 at r == 0 */
LF_EW_LOSS(mae, (), const T r = yp - yt; l = LF_ABS(r); g = LF_SIGN(T, r);)

/* 0.5 r^2 if |r| <= delta else delta (|r| - delta / 2); derivative clip(r, -delta, delta) */
LF_EW_LOSS(huber,
           (const T delta = (T)P->delta; const T half = (T)(0.5 * P->delta);),
           const T r = yp - yt; const T a = LF_ABS(r);
           l = a <= delta ? (T)0.5 * r * r : delta * (a - half);
           g = r > delta ? delta : (r < -delta ? -delta : r);)

/* 0.5 r^2 / beta if |r| < beta else |r| - beta / 2 (beta == 0: L1) */
LF_EW_LOSS(smooth_l1,
           (const T beta = (T)P->beta;
            const T inv = (T)(P->beta > 0 ? 1.0 / P->beta : 0.0);
            const T half = (T)(0.5 * P->beta);),
           const T r = yp - yt; const T a = LF_ABS(r);
           l = a < beta ? (T)0.5 * r * r * inv : a - half;
           g = a < beta ? r * inv : LF_SIGN(T, r);)

/* log(cosh r) = log1p(cosh r - 1) for |r| < 0.625 (series for cosh r - 1: no
 * cancellation), else |r| - log 2 + log1p(e) with e = exp(-2|r|); derivative
 * tanh(r), which for |r| >= 0.625 is sign(r) (1 - e) / (1 + e).  One exp and
 * one reciprocal serve the loss and the derivative; the log1p of x in [0, 1)
 * is lf_math.h's log1p_unit (no range reduction and no special cases, a NaN
 * r reaches l through a). */
LF_EW_LOSS(log_cosh, (),
           const T r = yp - yt; const T a = LF_ABS(r); const T z = r * r;
           T c = (T)(1.0 / 6402373705728000.0);
           c = c * z + (T)(1.0 / 20922789888000.0);
           c = c * z + (T)(1.0 / 87178291200.0);
           c = c * z + (T)(1.0 / 479001600.0);
           c = c * z + (T)(1.0 / 3628800.0);
           c = c * z + (T)(1.0 / 40320.0);
           c = c * z + (T)(1.0 / 720.0);
           c = c * z + (T)(1.0 / 24.0);
           c = c * z + (T)0.5;
           const int small = a < (T)0.625;
           const T e = LF_EXP_NEG((T)-2 * a);
           const T x = small ? c * z : e;
           const T u = (T)1 + x;
           const T inv = (T)1 / u;
           const T L = LF_LOG1P_UNIT(x); /* log1p(x), 0 <= x < 1 */
           l = small ? L : a - (T)0.69314718055994530942 + L;
           const T tb = ((T)1 - e) * inv;
           g = small ? LF_TANH_SMALL(r) : (r < 0 ? -tb : tb);)

/* sigma^2 (1 - exp(-r^2 / (2 sigma^2))); derivative r exp(-r^2 / (2 sigma^2)) */
LF_EW_LOSS(gaussian,
           (const double s2 = P->sigma * P->sigma;
            const T s2T = (T)s2; const T k = (T)(-0.5 / s2);),
           const T r = yp - yt; const T x = r * r * k;
           const T e = LF_EXP_NEG(x); /* x <= 0 (or NaN) */
           l = -s2T * LF_EXPM1_WITH(x, e);
           g = r * e;)

/* e = y_true - y_pred: max(q e, (q - 1) e); derivative -q if e > 0, 1 - q if
 * e < 0, 0 at e == 0 */
LF_EW_LOSS(quantile,
           (const T q = (T)P->q; const T qm1 = (T)(P->q - 1.0);),
           const T e = yt - yp;
           l = e > 0 ? q * e : qm1 * e;
           g = e > 0 ? -q : (e < 0 ? -qm1 : e * (T)0);)

const lf_loss_entry LF_TARGET(lf_ew_regression)[] = {
    LF_EW_ENTRY(mse, ""),           LF_EW_ENTRY(mae, ""),
    LF_EW_ENTRY(huber, "delta"),    LF_EW_ENTRY(smooth_l1, "beta"),
    LF_EW_ENTRY(log_cosh, ""),      LF_EW_ENTRY(gaussian, "sigma"),
    LF_EW_ENTRY(quantile, "q"),     {NULL, NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_loss_entry, lf_ew_regression)
