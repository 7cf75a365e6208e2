/* Elementwise classification losses, written once as per-element value l and
 * derivative g = dl/dy_pred (see lf_elementwise.h; formulas: docs/losses.md),
 * with their input rules (counted under LF_CHECK in the same pass):
 * labels of the binary losses in [0, 1] (soft labels allowed), probabilities
 * in [0, 1], margin-loss labels in {-1, 0, 1}.  The hyper-parameters are the
 * named fields of lf_loss_params each table entry lists; the Python classes
 * are in src/lossfast/losses/_classification.py.
 *
 * Logistic pieces from logits z share one exp and the reciprocal inv:
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
#include "labels.h"

/* x outside [0, 1] (NaN is not) */
#define LF_OUTSIDE_UNIT(x) ((x) < 0 || (x) > 1)

#define LF_LOGISTIC_PIECES(T, z)                                                          \
    const T e_ = LF_EXP_NEG(-LF_ABS(z));                                                  \
    const T inv_ = (T)1 / ((T)1 + e_);                                                    \
    const T L_ = LF_LOG1P_UNIT(e_);                                                       \
    const int pos_ = (z) >= 0;                                                            \
    const T sig = pos_ ? inv_ : e_ * inv_;       /* sigmoid(z)   */                       \
    const T sigm = pos_ ? e_ * inv_ : inv_;      /* sigmoid(-z)  */                       \
    const T sp = (pos_ ? (z) : (T)0) + L_;       /* softplus(z)  */                       \
    const T spn = (pos_ ? (T)0 : -(z)) + L_;     /* softplus(-z) */

/* Pieces of a clipped probability p in [LF_PEPS, 1 - LF_PEPS]: q = 1 - p
 * (rounded), inv_pq = 1 / (p q), lp = log p and lq = log(1 - p) = log1p(-p):
 * log q plus the rounding error of q, ((1 - p) - q) / q = (-p - (q - 1)) q
 * inv_pq (exact terms: q - 1 is exact for p <= 1/2 and 0 above), so a small
 * p keeps its relative accuracy (log q alone: 19 % off at p = 1e-7 in float32).
 * One division serves log1p and the gradient. */
#define LF_PROB_PIECES(T, p)                                                              \
    const T q = (T)1 - (p);                                                               \
    const T inv_pq = (T)1 / ((p) * q);                                                    \
    const T lp = LF_LOG_NORMAL(p);                                                        \
    const T lq = LF_LOG_NORMAL(q) + (-(p) - (q - (T)1)) * ((p) * inv_pq);

/* The constants of the binary cross-entropies: pw = pos_weight,
 * keep = 1 - label_smoothing, shift = label_smoothing / 2 (t = yt keep + shift). */
#define LF_BCE_SETUP                                                                      \
    (const T pw = (T)P->pos_weight; const T keep = (T)(1.0 - P->label_smoothing);        \
     const T shift = (T)(0.5 * P->label_smoothing);)

/* Binary cross-entropy from logits z = yp (PyTorch binary_cross_entropy_with_logits):
 * t = yt (1 - label_smoothing) + label_smoothing / 2,
 * l = pos_weight t softplus(-z) + (1 - t) softplus(z),
 * g = (1 - t) sigmoid(z) - pos_weight t sigmoid(-z).
 * With pos_weight 1 and no smoothing it is the logistic loss of 0/1 targets.
 * Rule: yt in [0, 1]. */
LF_EW_CHECKED_LOSS(bce_logits, LF_BCE_SETUP, LF_OUTSIDE_UNIT(yt),
           const T z = yp; const T t = yt * keep + shift;
           LF_LOGISTIC_PIECES(T, z)
           const T pt = pw * t; const T nt = (T)1 - t;
           l = pt * spn + nt * sp;
           g = nt * sig - pt * sigm;)

/* Binary cross-entropy of probabilities (Keras binary_crossentropy, extended
 * with PyTorch's pos_weight): t as bce_logits; p = clip(yp),
 * l = -(pos_weight t log p + (1 - t) log(1 - p)),
 * g = ((1 - t) p - pos_weight t (1 - p)) / (p (1 - p)) inside the clip range, else 0.
 * Rule: yt and yp in [0, 1]. */
LF_EW_CHECKED_LOSS(bce_prob, LF_BCE_SETUP, LF_OUTSIDE_UNIT(yt) || LF_OUTSIDE_UNIT(yp),
           const T t = yt * keep + shift;
           const T p = LF_CLIP_PROB(T, yp);
           LF_PROB_PIECES(T, p)
           const T pt = pw * t; const T nt = (T)1 - t;
           l = LF_NAN_KEEP(yp, -(pt * lp + nt * lq));
           const T gi = (nt * p - pt * q) * inv_pq;
           g = LF_IN_CLIP(T, yp) ? gi : LF_NAN_OR_ZERO(T, yp);)

/* The constants of the focal losses: gam = gamma, a1 = alpha and a0 = 1 - alpha
 * (both 1 when alpha is NaN: no alpha_t), zpow = 0^gamma (1 if gamma == 0
 * else 0: m^gamma where m underflows to 0; a constant rather than a test of
 * gamma in the loop, which GCC would unswitch into two loops and then not
 * vectorise). */
#define LF_FOCAL_SETUP                                                                    \
    (const int noalpha = P->alpha != P->alpha; const T gam = (T)P->gamma;                \
     const T a1 = noalpha ? (T)1 : (T)P->alpha; const T a0 = noalpha ? (T)1 : (T)(1.0 - P->alpha); \
     const T zpow = (T)(P->gamma == 0 ? 1.0 : 0.0);)

/* m^gamma (pw) and dm = gamma m^(gamma - 1) X of the focal losses (X: the
 * factor of the chain rule), for any gamma: exp(gamma log m) and
 * (gamma m^gamma X) / m, zpow and 0 where m == 0; for gamma == 2 (the default of
 * torchvision and Keras): m m and m, no exp, log or division.  The kernel
 * picks the form once per call (focal_kernel below), not per element. */
#define LF_FOCAL_POW_ANY(T, m, X)                                                         \
    const int mpos_ = (m) > 0;                                                            \
    const T mq_ = mpos_ ? (m) : (T)1;                                                     \
    const T mp_ = LF_EXP_NEG(gam * LF_LOG(mq_)); /* m <= 1 (+ rounding), gamma >= 0 */    \
    const T pw = mpos_ ? mp_ : zpow;                                                      \
    const T md_ = (gam * pw * (X)) / mq_; /* not (m^gamma / m): 1 / m overflows */        \
    const T dm = mpos_ ? md_ : (T)0;
#define LF_FOCAL_POW_SQUARE(T, m, X)                                                      \
    const T pw = (m) * (m);                                                               \
    const T dm = ((T)2 * (m)) * (X);                                                      \
    (void)zpow;

/* Binary focal loss from logits (torchvision sigmoid_focal_loss):
 * p = sigmoid(z), ce = t softplus(-z) + (1 - t) softplus(z),
 * m = 1 - p_t = t (1 - p) + (1 - t) p, alpha_t = alpha t + (1 - alpha) (1 - t),
 * l = alpha_t ce m^gamma,
 * g = alpha_t ((p - t) m^gamma + ce gamma m^(gamma - 1) (1 - 2t) p (1 - p)),
 * where m^(gamma-1) p (1 - p) is taken as 0 when m underflows to 0 (its limit
 * for 0/1 targets, as p (1 - p) <= m then).  Rule: yt in [0, 1]. */
#define LF_FOCAL_LOGITS_BODY(POW)                                                         \
    const T z = yp; const T t = yt; const T nt = (T)1 - t;                                \
    LF_LOGISTIC_PIECES(T, z)                                                              \
    const T ce = t * spn + nt * sp;                                                       \
    const T m = t * sigm + nt * sig;                                                      \
    POW(T, m, sig * sigm)                                                                 \
    const T at = a1 * t + a0 * nt;                                                        \
    l = at * ce * pw;                                                                     \
    g = at * ((nt * sig - t * sigm) * pw + ce * dm * (nt - t));
LF_EW_CHECKED_LOSS(focal_logits_any, LF_FOCAL_SETUP, LF_OUTSIDE_UNIT(yt),
                   LF_FOCAL_LOGITS_BODY(LF_FOCAL_POW_ANY))
LF_EW_CHECKED_LOSS(focal_logits_sq, LF_FOCAL_SETUP, LF_OUTSIDE_UNIT(yt),
                   LF_FOCAL_LOGITS_BODY(LF_FOCAL_POW_SQUARE))

/* Binary focal loss of probabilities (Keras BinaryFocalCrossentropy, the
 * torchvision formula): p = clip(yp), ce = -(t log p + (1 - t) log(1 - p)),
 * m and alpha_t as focal_logits; l = alpha_t ce m^gamma,
 * g = alpha_t ((p - t) / (p (1 - p)) m^gamma + ce gamma m^(gamma - 1) (1 - 2t))
 * inside the clip range, else 0.  Rule: yt and yp in [0, 1]. */
#define LF_FOCAL_PROB_BODY(POW)                                                           \
    const T t = yt; const T nt = (T)1 - t;                                                \
    const T p = LF_CLIP_PROB(T, yp);                                                      \
    LF_PROB_PIECES(T, p)                                                                  \
    const T ce = -(t * lp + nt * lq);                                                     \
    const T m = t * q + nt * p;                                                           \
    POW(T, m, (T)1)                                                                       \
    const T at = a1 * t + a0 * nt;                                                        \
    l = LF_NAN_KEEP(yp, at * ce * pw);                                                    \
    const T gi = at * ((p - t) * pw * inv_pq + ce * dm * (nt - t));                       \
    g = LF_IN_CLIP(T, yp) ? gi : LF_NAN_OR_ZERO(T, yp);
LF_EW_CHECKED_LOSS(focal_prob_any, LF_FOCAL_SETUP, LF_OUTSIDE_UNIT(yt) || LF_OUTSIDE_UNIT(yp),
                   LF_FOCAL_PROB_BODY(LF_FOCAL_POW_ANY))
LF_EW_CHECKED_LOSS(focal_prob_sq, LF_FOCAL_SETUP, LF_OUTSIDE_UNIT(yt) || LF_OUTSIDE_UNIT(yp),
                   LF_FOCAL_PROB_BODY(LF_FOCAL_POW_SQUARE))

/* The focal kernels: the gamma == 2 form or the general one. */
#define LF_FOCAL_KERNEL(NAME, SFX)                                                        \
    static double NAME##_##SFX(const lf_loss_args *A) {                                   \
        return A->params->gamma == 2.0 ? NAME##_sq_##SFX(A) : NAME##_any_##SFX(A);         \
    }
LF_FOCAL_KERNEL(focal_logits, f32)
LF_FOCAL_KERNEL(focal_logits, f64)
LF_FOCAL_KERNEL(focal_prob, f32)
LF_FOCAL_KERNEL(focal_prob, f64)

/* Labels of the margin losses: -1/+1, with 0 read as -1 (0/1 labels); any
 * other value (NaN aside) breaks their rule. */
#define LF_SIGN_LABEL(T, y) ((y) == 0 ? (T)-1 : (y))
#define LF_NOT_SIGN_LABEL(y) ((y) == (y) && (y) != -1 && (y) != 0 && (y) != 1)

/* Hinge: m = 1 - t f, l = max(0, m), g = -t where m > 0, else 0. */
LF_EW_CHECKED_LOSS(hinge, (), LF_NOT_SIGN_LABEL(yt),
           const T t = LF_SIGN_LABEL(T, yt); const T m = (T)1 - t * yp;
           l = m <= 0 ? (T)0 : m;
           g = m > 0 ? -t : LF_NAN_OR_ZERO(T, m);)

/* Squared hinge: l = max(0, m)^2, g = -2 t m where m > 0, else 0. */
LF_EW_CHECKED_LOSS(squared_hinge, (), LF_NOT_SIGN_LABEL(yt),
           const T t = LF_SIGN_LABEL(T, yt); const T m = (T)1 - t * yp;
           l = m <= 0 ? (T)0 : m * m;
           g = m > 0 ? (T)-2 * t * m : LF_NAN_OR_ZERO(T, m);)

/* Perceptron: s = -t f, l = max(0, s), g = -t where t f < 0, else 0. */
LF_EW_CHECKED_LOSS(perceptron, (), LF_NOT_SIGN_LABEL(yt),
           const T t = LF_SIGN_LABEL(T, yt); const T s = -(t * yp);
           l = s <= 0 ? (T)0 : s;
           g = s > 0 ? -t : LF_NAN_OR_ZERO(T, s);)

/* Modified Huber (T. Zhang 2004; scikit-learn's SGD "modified_huber", a
 * quadratically smoothed hinge): z = t f, l = max(0, 1 - z)^2 for z >= -1,
 * else -4 z; g = -2 t max(0, 1 - z) for z >= -1, else -4 t. */
LF_EW_CHECKED_LOSS(modified_huber, (), LF_NOT_SIGN_LABEL(yt),
           const T t = LF_SIGN_LABEL(T, yt); const T z = t * yp; const T m = (T)1 - z;
           const int lin = z < (T)-1;
           l = lin ? (T)-4 * z : (m <= 0 ? (T)0 : m * m);   /* NaN m propagates */
           g = lin ? (T)-4 * t : (m > 0 ? (T)-2 * t * m : LF_NAN_OR_ZERO(T, m));)

/* 0-1 loss of predicted labels: l = [yt != yp] (NaN if either is NaN); no gradient. */
LF_EW_LOSS(zero_one, (),
           const int ok = yt == yt && yp == yp;
           l = ok ? (T)(yt != yp) : yt + yp;
           g = (T)0;)

/* Kullback-Leibler divergence term (Keras kl_divergence), summed over a row
 * by the caller: tc = clip(yt, eps, 1), pc = clip(yp, eps, 1),
 * l = tc log(tc / pc), g = -tc / pc inside [eps, 1], else 0.
 * Rule: yt and yp in [0, 1]. */
LF_EW_CHECKED_LOSS(kl_div, (), LF_OUTSIDE_UNIT(yt) || LF_OUTSIDE_UNIT(yp),
           const T tc = yt < LF_PLO(T) ? LF_PLO(T) : (yt > (T)1 ? (T)1 : yt);
           const T pc = yp < LF_PLO(T) ? LF_PLO(T) : (yp > (T)1 ? (T)1 : yp);
           const T r = tc / pc;
           l = tc * LF_LOG(r);
           g = (yp >= LF_PLO(T) && yp <= (T)1) ? -r : LF_NAN_OR_ZERO(T, yp);)

const lf_loss_entry LF_TARGET(lf_ew_classification)[] = {
    LF_EW_ENTRY(bce_logits, "pos_weight label_smoothing"),
    LF_EW_ENTRY(bce_prob, "pos_weight label_smoothing"),
    LF_EW_ENTRY(focal_logits, "gamma alpha"),
    LF_EW_ENTRY(focal_prob, "gamma alpha"),
    LF_EW_ENTRY(hinge, ""),
    LF_EW_ENTRY(squared_hinge, ""),
    LF_EW_ENTRY(perceptron, ""),
    LF_EW_ENTRY(modified_huber, ""),
    LF_EW_ENTRY(zero_one, ""),
    LF_EW_ENTRY(kl_div, ""),
    {NULL, NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_loss_entry, lf_ew_classification)

/* ---- the probability check of the row-wise losses: elements outside
 * [0, 1] (NaN never counts), on the chunk driver.  One pass, no allocation. */
#define LF_OUTSIDE_UNIT_COUNT(TYPE, SFX)                                                  \
    static int outside_unit_chunk_##SFX(void *ctx, int64_t c, int64_t a, int64_t b,       \
                                        double *partial, void *scratch) {                 \
        const TYPE *restrict x = (const TYPE *)ctx;                                       \
        double cnt = 0.0;                                                                 \
        (void)c; (void)scratch;                                                           \
        LF_PRAGMA(omp simd reduction(+ : cnt))                                            \
        for (int64_t i = a; i < b; i++) cnt += LF_OUTSIDE_UNIT(x[i]) ? 1.0 : 0.0;         \
        partial[0] = cnt;                                                                 \
        return 0;                                                                         \
    }                                                                                     \
    static int64_t outside_unit_##SFX(const TYPE *x, int64_t n) {                         \
        lf_chunk_job job = {lf_plan_items(n, 1), 1, 0, 0, outside_unit_chunk_##SFX,       \
                            (void *)x};                                                   \
        double r = 0.0;                                                                   \
        if (n > 0) lf_run_chunks(&job, &r);                                               \
        return (int64_t)r;                                                                \
    }

LF_OUTSIDE_UNIT_COUNT(float, f32)
LF_OUTSIDE_UNIT_COUNT(double, f64)

const lf_count_entry LF_TARGET(lf_outside_unit)[] = {{outside_unit_f32, outside_unit_f64}};
LF_DEFINE_SELECTOR(lf_count_entry, lf_outside_unit)

/* ---- the label check of the sparse row-wise losses (labels.h) */
typedef struct labels_ctx {
    const int64_t *y;
    int64_t n_classes;
} labels_ctx;

static int labels_outside_chunk(void *ctx, int64_t c, int64_t a, int64_t b, double *partial,
                                void *scratch) {
    const labels_ctx *L = (const labels_ctx *)ctx;
    const int64_t *restrict y = L->y;
    const uint64_t nc = (uint64_t)L->n_classes;
    int64_t cnt = 0;
    (void)c; (void)scratch;
    /* y < 0 or y >= C as one unsigned compare */
    LF_PRAGMA(omp simd reduction(+ : cnt))
    for (int64_t i = a; i < b; i++) cnt += (uint64_t)y[i] >= nc ? 1 : 0;
    partial[0] = (double)cnt;
    return 0;
}

static int64_t labels_outside(const int64_t *y, int64_t n, int64_t n_classes) {
    labels_ctx ctx = {y, n_classes};
    lf_chunk_job job = {lf_plan_items(n, 1), 1, 0, 0, labels_outside_chunk, &ctx};
    double r = 0.0;
    if (n > 0) lf_run_chunks(&job, &r);
    return (int64_t)r;
}

const lf_label_entry LF_TARGET(lf_labels_outside)[] = {{labels_outside}};
LF_DEFINE_SELECTOR(lf_label_entry, lf_labels_outside)
