/* Elementwise classification losses, written once as per-element value l and
 * derivative g = dl/dy_pred (see lf_elementwise.h). */
#include "lf_elementwise.h"

/* Binary cross-entropy from logits z = yp (PyTorch binary_cross_entropy_with_logits):
 * p0 = pos_weight, p1 = 1 - label_smoothing, p2 = label_smoothing / 2;
 * t = yt p1 + p2, sp = softplus(z) = max(z, 0) + log1p(exp(-|z|)),
 * l = pos_weight t (sp - z) + (1 - t) sp,  g = sigmoid(z) (pos_weight t + 1 - t) - pos_weight t.
 * Stable for any |z| (exp only of -|z|). */
LF_EW_LOSS(bce_logits,
           const T z = yp; const T t = yt * p1 + p2;
           const T e = LF_EXP(-LF_ABS(z));
           const T sp = (z > 0 ? z : (T)0) + LF_LOG1P(e);
           const T inv = (T)1 / ((T)1 + e);
           const T sig = z >= 0 ? inv : e * inv;
           const T pt = p0 * t;
           l = pt * (sp - z) + ((T)1 - t) * sp;
           g = sig * (pt + (T)1 - t) - pt;)

const lf_ew_entry LF_TARGET(lf_ew_classification)[] = {
    LF_EW_ENTRY(bce_logits),
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_ew_entry, lf_ew_classification)
