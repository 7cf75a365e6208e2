/* Regression losses: each is its per-element value l and derivative
 * g = dl/dy_pred, with r = y_pred - y_true.  Parameters p0..p3 are prepared
 * by the Python classes (src/lossfast/losses.py says which). */
#include "lf_elementwise.h"

/* r^2 */
LF_EW_LOSS(mse, const T r = yp - yt; l = r * r; g = (T)2 * r;)

/* |r|; sign(r), 0 at r == 0 */
LF_EW_LOSS(mae, const T r = yp - yt; l = LF_ABS(r); g = LF_SIGN(T, r);)

/* p0 = delta, p1 = delta / 2: 0.5 r^2 if |r| <= delta else delta (|r| - delta / 2) */
LF_EW_LOSS(huber,
           const T r = yp - yt; const T a = LF_ABS(r);
           l = a <= p0 ? (T)0.5 * r * r : p0 * (a - p1);
           g = r > p0 ? p0 : (r < -p0 ? -p0 : r);)

/* p0 = beta, p1 = 1 / beta (0 when beta == 0), p2 = beta / 2:
 * 0.5 r^2 / beta if |r| < beta else |r| - beta / 2 */
LF_EW_LOSS(smooth_l1,
           const T r = yp - yt; const T a = LF_ABS(r);
           l = a < p0 ? (T)0.5 * r * r * p1 : a - p2;
           g = a < p0 ? r * p1 : LF_SIGN(T, r);)

/* log(cosh r) = log1p(cosh r - 1) for |r| < 0.625 (series for cosh r - 1: no
 * cancellation), else |r| - log 2 + log1p(e) with e = exp(-2|r|); derivative
 * tanh(r), which for |r| >= 0.625 is sign(r) (1 - e) / (1 + e).  One exp and
 * one reciprocal serve the loss and the derivative. */
LF_EW_LOSS(log_cosh,
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
           const T e = LF_EXP((T)-2 * a);
           const T x = small ? c * z : e;
           const T u = (T)1 + x;
           const T inv = (T)1 / u;
           const T L = LF_LOG(u) + (x - (u - (T)1)) * inv; /* log1p(x), 0 <= x < 1 */
           l = small ? L : a - (T)0.69314718055994530942 + L;
           const T tb = ((T)1 - e) * inv;
           g = small ? LF_TANH_SMALL(r) : (r < 0 ? -tb : tb);)

/* p0 = sigma^2, p1 = -1 / (2 sigma^2): sigma^2 (1 - exp(-r^2 / (2 sigma^2))) */
LF_EW_LOSS(gaussian,
           const T r = yp - yt; const T x = r * r * p1;
           l = -p0 * LF_EXPM1(x);
           g = r * LF_EXP(x);)

/* p0 = q, p1 = q - 1, e = y_true - y_pred: max(q e, (q - 1) e); derivative
 * -q if e > 0, 1 - q if e < 0, 0 at e == 0 */
LF_EW_LOSS(quantile,
           const T e = yt - yp;
           l = e > 0 ? p0 * e : p1 * e;
           g = e > 0 ? -p0 : (e < 0 ? -p1 : e * (T)0);)

const lf_ew_entry LF_TARGET(lf_ew_regression)[] = {
    LF_EW_ENTRY(mse),       LF_EW_ENTRY(mae),      LF_EW_ENTRY(huber),
    LF_EW_ENTRY(smooth_l1), LF_EW_ENTRY(log_cosh), LF_EW_ENTRY(gaussian),
    LF_EW_ENTRY(quantile),  {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_ew_entry, lf_ew_regression)
