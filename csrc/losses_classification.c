/* Elementwise classification losses, written once as per-element value l and
 * derivative g = dl/dy_pred (see lf_elementwise.h), and the label / probability
 * checks the Python layer runs before them.  Parameters p0..p3 are prepared by
 * the classes in src/lossfast/losses/_classification.py.
 *
 * Logistic pieces from logits z share one exp and one division:
 *   e = exp(-|z|) in (0, 1],  inv = 1 / (1 + e),  L = log1p(e),
 *   sigmoid(z) = z >= 0 ? inv : e inv,   sigmoid(-z) = 1 - sigmoid(z) = z >= 0 ? e inv : inv,
 *   softplus(z) = -log(1 - sigmoid(z)) = max(z, 0) + L,
 *   softplus(-z) = -log(sigmoid(z)) = max(-z, 0) + L.
 * Each is computed directly (no 1 - x cancellation), so losses and gradients
 * keep their relative accuracy and stay finite for any finite |z| (1e4 and
 * far beyond).
 *
 * Probabilities are clipped to [LF_PEPS, 1 - LF_PEPS] (Keras' epsilon); the
 * gradient is 0 where y_pred lies outside that range (as Keras' clip). */
#include "lf_elementwise.h"

#define LF_PEPS 1e-7
#define LF_PLO(T) ((T)LF_PEPS)
#define LF_PHI(T) ((T)(1.0 - LF_PEPS))

/* x if it is NaN, else 0: keeps "NaN in gives NaN out" through a select. */
#define LF_NAN_OR_ZERO(T, x) ((x) == (x) ? (T)0 : (x))

#define LF_LOGISTIC_PIECES(T, z)                                                          \
    const T e_ = LF_EXP(-LF_ABS(z));                                                      \
    const T u_ = (T)1 + e_;                                                               \
    const T inv_ = (T)1 / u_;                                                             \
    const T L_ = LF_LOG1P_UNIT(e_, u_, inv_);                                            \
    const int pos_ = (z) >= 0;                                                            \
    const T sig = pos_ ? inv_ : e_ * inv_;       /* sigmoid(z)   */                       \
    const T sigm = pos_ ? e_ * inv_ : inv_;      /* sigmoid(-z)  */                       \
    const T sp = (pos_ ? (z) : (T)0) + L_;       /* softplus(z)  */                       \
    const T spn = (pos_ ? (T)0 : -(z)) + L_;     /* softplus(-z) */

/* Binary cross-entropy from logits z = yp (PyTorch binary_cross_entropy_with_logits):
 * p0 = pos_weight, p1 = 1 - label_smoothing, p2 = label_smoothing / 2;
 * t = yt p1 + p2,
 * l = pos_weight t softplus(-z) + (1 - t) softplus(z),
 * g = (1 - t) sigmoid(z) - pos_weight t sigmoid(-z).
 * With p0 = 1, p1 = 1, p2 = 0 it is the logistic loss of 0/1 targets. */
LF_EW_LOSS(bce_logits,
           const T z = yp; const T t = yt * p1 + p2;
           LF_LOGISTIC_PIECES(T, z)
           const T pt = p0 * t; const T nt = (T)1 - t;
           l = pt * spn + nt * sp;
           g = nt * sig - pt * sigm;)

/* Binary cross-entropy of probabilities (Keras binary_crossentropy, extended
 * with PyTorch's pos_weight): p0..p2 as bce_logits; p = clip(yp),
 * l = -(pos_weight t log p + (1 - t) log(1 - p)),
 * g = ((1 - t) p - pos_weight t (1 - p)) / (p (1 - p)) inside the clip range, else 0. */
LF_EW_LOSS(bce_prob,
           const T t = yt * p1 + p2;
           const T p = yp < LF_PLO(T) ? LF_PLO(T) : (yp > LF_PHI(T) ? LF_PHI(T) : yp);
           const T q = (T)1 - p;
           const T pt = p0 * t; const T nt = (T)1 - t;
           l = -(pt * LF_LOG(p) + nt * LF_LOG(q));
           const T gi = (nt * p - pt * q) / (p * q);
           g = (yp >= LF_PLO(T) && yp <= LF_PHI(T)) ? gi : LF_NAN_OR_ZERO(T, yp);)

/* Binary focal loss from logits (torchvision sigmoid_focal_loss):
 * p0 = gamma, p1 = alpha, p2 = 1 - alpha (p1 = p2 = 1 without alpha),
 * p3 = 0^gamma (1 if gamma == 0 else 0: m^gamma where m underflows to 0; a
 * parameter rather than a test of gamma in the loop, which GCC would unswitch
 * into two loops and then not vectorise);
 * p = sigmoid(z), ce = t softplus(-z) + (1 - t) softplus(z),
 * m = 1 - p_t = t (1 - p) + (1 - t) p, alpha_t = p1 t + p2 (1 - t),
 * l = alpha_t ce m^gamma,
 * g = alpha_t ((p - t) m^gamma + ce gamma m^(gamma - 1) (1 - 2t) p (1 - p)),
 * where m^(gamma-1) p (1 - p) is taken as 0 when m underflows to 0 (its limit
 * for 0/1 targets, as p (1 - p) <= m then). */
LF_EW_LOSS(focal_logits,
           const T z = yp; const T t = yt; const T nt = (T)1 - t;
           LF_LOGISTIC_PIECES(T, z)
           const T ce = t * spn + nt * sp;
           const T m = t * sigm + nt * sig;
           const int mpos = m > 0;
           const T mp = LF_EXP(p0 * LF_LOG(mpos ? m : (T)1));
           const T pw = mpos ? mp : p3;
           const T md = (p0 * pw * (sig * sigm)) / (mpos ? m : (T)1);
           const T dm = mpos ? md : (T)0;
           const T at = p1 * t + p2 * nt;
           l = at * ce * pw;
           g = at * ((nt * sig - t * sigm) * pw + ce * dm * (nt - t));)

/* Binary focal loss of probabilities (Keras BinaryFocalCrossentropy, the
 * torchvision formula): p = clip(yp), ce = -(t log p + (1 - t) log(1 - p)),
 * m, alpha_t and p0..p3 as focal_logits; l = alpha_t ce m^gamma,
 * g = alpha_t ((p - t) / (p (1 - p)) m^gamma + ce gamma m^(gamma - 1) (1 - 2t))
 * inside the clip range, else 0. */
LF_EW_LOSS(focal_prob,
           const T t = yt; const T nt = (T)1 - t;
           const T p = yp < LF_PLO(T) ? LF_PLO(T) : (yp > LF_PHI(T) ? LF_PHI(T) : yp);
           const T q = (T)1 - p;
           const T ce = -(t * LF_LOG(p) + nt * LF_LOG(q));
           const T m = t * q + nt * p;
           const int mpos = m > 0;
           const T mp = LF_EXP(p0 * LF_LOG(mpos ? m : (T)1));
           const T pw = mpos ? mp : p3;
           const T md = (p0 * pw) / (mpos ? m : (T)1);
           const T dm = mpos ? md : (T)0;
           const T at = p1 * t + p2 * nt;
           l = at * ce * pw;
           const T gi = at * ((p - t) * pw / (p * q) + ce * dm * (nt - t));
           g = (yp >= LF_PLO(T) && yp <= LF_PHI(T)) ? gi : LF_NAN_OR_ZERO(T, yp);)

/* Labels of the margin losses: -1/+1, with 0 read as -1 (0/1 labels). */
#define LF_SIGN_LABEL(T, y) ((y) == 0 ? (T)-1 : (y))

/* Hinge: m = 1 - t f, l = max(0, m), g = -t where m > 0, else 0. */
LF_EW_LOSS(hinge,
           const T t = LF_SIGN_LABEL(T, yt); const T m = (T)1 - t * yp;
           l = m <= 0 ? (T)0 : m;
           g = m > 0 ? -t : LF_NAN_OR_ZERO(T, m);)

/* Squared hinge: l = max(0, m)^2, g = -2 t m where m > 0, else 0. */
LF_EW_LOSS(squared_hinge,
           const T t = LF_SIGN_LABEL(T, yt); const T m = (T)1 - t * yp;
           l = m <= 0 ? (T)0 : m * m;
           g = m > 0 ? (T)-2 * t * m : LF_NAN_OR_ZERO(T, m);)

/* Perceptron: s = -t f, l = max(0, s), g = -t where t f < 0, else 0. */
LF_EW_LOSS(perceptron,
           const T t = LF_SIGN_LABEL(T, yt); const T s = -(t * yp);
           l = s <= 0 ? (T)0 : s;
           g = s > 0 ? -t : LF_NAN_OR_ZERO(T, s);)

/* 0-1 loss of predicted labels: l = [yt != yp] (NaN if either is NaN); no gradient. */
LF_EW_LOSS(zero_one,
           const int ok = yt == yt && yp == yp;
           l = ok ? (T)(yt != yp) : yt + yp;
           g = (T)0;)

/* Kullback-Leibler divergence term (Keras kl_divergence), summed over a row
 * by the caller: tc = clip(yt, eps, 1), pc = clip(yp, eps, 1),
 * l = tc log(tc / pc), g = -tc / pc inside [eps, 1], else 0. */
LF_EW_LOSS(kl_div,
           const T tc = yt < LF_PLO(T) ? LF_PLO(T) : (yt > (T)1 ? (T)1 : yt);
           const T pc = yp < LF_PLO(T) ? LF_PLO(T) : (yp > (T)1 ? (T)1 : yp);
           const T r = tc / pc;
           l = tc * LF_LOG(r);
           g = (yp >= LF_PLO(T) && yp <= (T)1) ? -r : LF_NAN_OR_ZERO(T, yp);)

const lf_ew_entry LF_TARGET(lf_ew_classification)[] = {
    LF_EW_ENTRY(bce_logits),    LF_EW_ENTRY(bce_prob),   LF_EW_ENTRY(focal_logits),
    LF_EW_ENTRY(focal_prob),    LF_EW_ENTRY(hinge),      LF_EW_ENTRY(squared_hinge),
    LF_EW_ENTRY(perceptron),    LF_EW_ENTRY(zero_one),   LF_EW_ENTRY(kl_div),
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_ew_entry, lf_ew_classification)

/* ---- input checks: how many elements break a rule (NaN never counts: it
 * flows through the loss as NaN).  One pass, no allocation. ---- */
#define LF_COUNT_CHECK(NAME, BAD)                                                         \
    static int64_t NAME##_f32(const float *restrict x, int64_t n) {                       \
        int64_t c = 0;                                                                    \
        const int nt = lf_threads_for(n);                                                 \
        LF_PRAGMA(omp parallel for simd reduction(+ : c) num_threads(nt) if (nt > 1))     \
        for (int64_t i = 0; i < n; i++) {                                                 \
            const float v = x[i];                                                         \
            c += (BAD) ? 1 : 0;                                                           \
        }                                                                                 \
        return c;                                                                         \
    }                                                                                     \
    static int64_t NAME##_f64(const double *restrict x, int64_t n) {                      \
        int64_t c = 0;                                                                    \
        const int nt = lf_threads_for(n);                                                 \
        LF_PRAGMA(omp parallel for simd reduction(+ : c) num_threads(nt) if (nt > 1))     \
        for (int64_t i = 0; i < n; i++) {                                                 \
            const double v = x[i];                                                        \
            c += (BAD) ? 1 : 0;                                                           \
        }                                                                                 \
        return c;                                                                         \
    }

/* probabilities: outside [0, 1] */
LF_COUNT_CHECK(outside_unit, v < 0 || v > 1)
/* margin-loss labels: not one of -1, 0, +1 */
LF_COUNT_CHECK(not_sign_label, v == v && v != -1 && v != 0 && v != 1)

const lf_count_entry LF_TARGET(lf_cls_checks)[] = {
    {"outside_unit", outside_unit_f32, outside_unit_f64},
    {"not_sign_label", not_sign_label_f32, not_sign_label_f64},
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_count_entry, lf_cls_checks)
