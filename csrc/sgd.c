/* Per-sample SGD epochs (see sgd.h): scikit-learn's _plain_sgd loop body,
 * written once as a macro over the float type T and the row access (dense
 * rows: column j is j; CSR rows: column indices[j]), with the loss
 * derivatives of scikit-learn's SGD losses. */
#include <math.h>

#include "lf_gather.h"
#include "lf_shuffle.h"
#include "sgd.h"

#define LF_SGD_MAX_DLOSS 1e12

/* loss and derivative dloss/dp of the decision value p for the label y */
LF_INLINE double sgd_loss(const lf_sgd_params *P, double y, double p) {
    const double th = P->threshold;
    switch (P->loss) {
        case LF_SGD_HINGE: { double z = p * y; return z <= th ? th - z : 0.0; }
        case LF_SGD_SQUARED_HINGE: { double z = th - p * y; return z > 0 ? z * z : 0.0; }
        case LF_SGD_LOG: {
            /* log1pexp as scikit-learn's _loss (piecewise for accuracy) */
            double l;
            if (p <= -37) l = exp(p);
            else if (p <= -2) l = log1p(exp(p));
            else if (p <= 18) l = log(1.0 + exp(p));
            else if (p <= 33.3) l = p + exp(-p);
            else l = p;
            return l - y * p;
        }
        case LF_SGD_MODIFIED_HUBER: {
            double z = p * y;
            if (z >= 1.0) return 0.0;
            if (z >= -1.0) return (1.0 - z) * (1.0 - z);
            return -4.0 * z;
        }
        case LF_SGD_SQUARED_ERROR: { double r = p - y; return 0.5 * r * r; }
        case LF_SGD_HUBER: {
            double a = fabs(y - p);
            return a <= th ? 0.5 * a * a : th * (a - 0.5 * th);
        }
        case LF_SGD_EPS_INSENSITIVE: { double r = fabs(y - p) - th; return r > 0 ? r : 0.0; }
        case LF_SGD_SQ_EPS_INSENSITIVE: { double r = fabs(y - p) - th; return r > 0 ? r * r : 0.0; }
    }
    return 0.0;
}

LF_INLINE double sgd_dloss(const lf_sgd_params *P, double y, double p) {
    const double th = P->threshold;
    switch (P->loss) {
        case LF_SGD_HINGE: return p * y <= th ? -y : 0.0;
        case LF_SGD_SQUARED_HINGE: { double z = th - p * y; return z > 0 ? -2 * y * z : 0.0; }
        case LF_SGD_LOG:
            if (p > -37) { double e = exp(-p); return ((1 - y) - y * e) / (1 + e); }
            return exp(p) - y;
        case LF_SGD_MODIFIED_HUBER: {
            double z = p * y;
            if (z >= 1.0) return 0.0;
            if (z >= -1.0) return 2.0 * (1.0 - z) * -y;
            return -4.0 * y;
        }
        case LF_SGD_SQUARED_ERROR: return p - y;
        case LF_SGD_HUBER: {
            double r = p - y;
            return fabs(r) <= th ? r : (r >= 0 ? th : -th);
        }
        case LF_SGD_EPS_INSENSITIVE:
            if (y - p > th) return -1;
            if (p - y > th) return 1;
            return 0;
        case LF_SGD_SQ_EPS_INSENSITIVE: {
            double z = y - p;
            if (z > th) return -2 * (z - th);
            if (z < -th) return 2 * (-z - th);
            return 0;
        }
    }
    return 0.0;
}

/* scikit-learn's reset_wscale: fold average_a / average_b into aw and wscale into w */
#define LF_SGD_RESET(T, SFX)                                                              \
    static void sgd_reset_##SFX(lf_sgd_state *S, int64_t d, void *w_, void *aw_) {        \
        T *restrict w = (T *)w_;                                                          \
        T *restrict aw = (T *)aw_;                                                        \
        if (aw) {                                                                         \
            const T a = (T)S->average_a, ib = (T)(1.0 / S->average_b);                    \
            for (int64_t j = 0; j < d; j++) aw[j] = (aw[j] + a * w[j]) * ib;              \
            S->average_a = 0.0;                                                           \
            S->average_b = 1.0;                                                           \
        }                                                                                 \
        const T s = (T)S->wscale;                                                         \
        for (int64_t j = 0; j < d; j++) w[j] *= s;                                        \
        S->wscale = 1.0;                                                                  \
    }

/* the running ||w||^2 and ||w||_1 (of wscale * w) after the entries of w
 * changed by d2 in their sum of squares and d1 in their sum of |.| */
#define LF_SGD_NORMS_ADD(d2, d1)                                                          \
    {                                                                                     \
        const double sq_ = sq_norm + (d2) * (wscale * wscale);                            \
        const double l1_ = l1_norm + (d1) * wscale;                                       \
        sq_norm = sq_ > 0 ? sq_ : 0.0;                                                    \
        l1_norm = l1_ > 0 ? l1_ : 0.0;                                                    \
    }

/* The fused pass of a dense row i (the epoch's `fused` case: no running
 * norms, PA steps, L1 truncation or averaging): with cs the step of row i and
 * x' the next row in the order, one pass over w both takes the step,
 * w += cs x_i, and forms x' . w of the stepped w, so the next row's dot needs
 * no pass of its own that reloads w from this one's stores (the same products
 * as a separate pass, summed in two halves).  Without a step it only forms
 * x' . w: no stores for the next pass to wait on.  Dense unshuffled epoch
 * (1e5 x 100, hinge): 5.5 -> 4.4 ms.  Measured and left: storing w unchanged
 * branch-free (40 % slower: each pass then waits on the previous one's
 * stores), and forming x' . w_old + cs x' . x_i ahead of cs (no faster, and
 * that sum can cancel when a step is large). */
#define LF_SGD_FUSED_PASS(T)                                                              \
    const T cs = update != 0.0 ? (T)(update / wscale) : (T)0;                             \
    nx_ok = r + 1 < m;                                                                    \
    if (nx_ok) {                                                                          \
        const T *restrict xn = xv + (order[r + 1] - i) * d; /* dense rows */              \
        const int64_t h2 = nnz / 2;                                                       \
        double a0 = 0.0, a1 = 0.0;                                                        \
        if (update != 0.0) {                                                              \
            LF_PRAGMA(omp simd reduction(+ : a0, a1))                                     \
            for (int64_t j = 0; j < h2; j++) {                                            \
                const T w0 = w[j] + xv[j] * cs, w1 = w[j + h2] + xv[j + h2] * cs;         \
                w[j] = w0;                                                                \
                w[j + h2] = w1;                                                           \
                a0 += (double)(w0 * xn[j]);                                               \
                a1 += (double)(w1 * xn[j + h2]);                                          \
            }                                                                             \
            for (int64_t j = 2 * h2; j < nnz; j++) {                                      \
                const T w0 = w[j] + xv[j] * cs;                                           \
                w[j] = w0;                                                                \
                a0 += (double)(w0 * xn[j]);                                               \
            }                                                                             \
        } else {                                                                          \
            LF_PRAGMA(omp simd reduction(+ : a0, a1))                                     \
            for (int64_t j = 0; j < h2; j++) {                                            \
                a0 += (double)(w[j] * xn[j]);                                             \
                a1 += (double)(w[j + h2] * xn[j + h2]);                                   \
            }                                                                             \
            for (int64_t j = 2 * h2; j < nnz; j++) a0 += (double)(w[j] * xn[j]);          \
        }                                                                                 \
        nx_dot = a0 + a1;                                                                 \
    } else if (update != 0.0) {                                                           \
        LF_PRAGMA(omp simd)                                                               \
        for (int64_t j = 0; j < nnz; j++) w[j] += xv[j] * cs;                             \
    }

/* One epoch.  ROW(i) sets xv (values), and IDX(j) is the column of entry j
 * of the row, nnz its length.  The sequence of operations per sample is
 * scikit-learn's _plain_sgd. */
#define LF_SGD_EPOCH_BODY(T, THRESH, SFX, ROW, IDX, DENSE, PREFETCH, PREFETCH_META)       \
    T *restrict w = (T *)w_;                                                              \
    T *restrict aw = (T *)aw_;                                                            \
    T *restrict q = (T *)q_;                                                              \
    const T *restrict yv = (const T *)y_;                                                 \
    const T *restrict swv = (const T *)sw_;                                               \
    const int pen = P->penalty;                                                           \
    const double l1r = pen == 2 ? 0.0 : (pen == 1 ? 1.0 : P->l1_ratio);                   \
    const double alpha = P->alpha;                                                        \
    /* the running ||w||^2 / ||w||_1 feed only the epoch objective (the stopping rule) */ \
    const int need_norm = P->track_loss && pen > 0;                                       \
    const int need_l1 = need_norm && (pen == 1 || pen == 3);                              \
    /* passive-aggressive steps (schedule 5: PA-I, 6: PA-II) need ||x||^2 of each row */  \
    const int pa = P->schedule >= 5 ? P->schedule - 4 : 0;                                \
    double eta = S->eta, t = S->t, intercept = S->intercept;                              \
    double aint = S->average_intercept, wscale = S->wscale;                               \
    double sq_norm = S->sq_norm, l1_norm = S->l1_norm;                                    \
    double avg_a = S->average_a, avg_b = S->average_b, u = S->u;                          \
    double sumloss = 0.0, objsum = 0.0;                                                   \
    int bad_p = 0;                                                                        \
    /* dense rows without running norms, PA steps, L1 truncation or averaging:            \
     * the next row's dot product comes out of the pass that steps w                      \
     * (LF_SGD_FUSED_PASS) */                                                             \
    const int fused = DENSE && !need_norm && !pa && pen != 1 && pen != 3 &&               \
                     !(P->average > 0);                                                   \
    double nx_dot = 0.0;                                                                  \
    int nx_ok = 0;                                                                        \
    for (int64_t r = 0; r < m; r++) {                                                     \
        const int64_t i = order[r];                                                       \
        if (r + LF_SGD_FAR < m) {                                                         \
            /* a shuffled order: the per-row values LF_SGD_FAR rows ahead (the            \
             * row's entries LF_SGD_AHEAD ahead find its indptr in cache) */              \
            const int64_t f_ = order[r + LF_SGD_FAR];                                     \
            __builtin_prefetch(yv + f_);                                                  \
            if (swv) __builtin_prefetch(swv + f_);                                        \
            PREFETCH_META(f_)                                                             \
        }                                                                                 \
        if (r + LF_SGD_AHEAD < m) PREFETCH(order[r + LF_SGD_AHEAD])                       \
        ROW(i)                                                                            \
        double dot = 0.0, xx = 0.0;                                                       \
        if (DENSE && nx_ok) {                                                             \
            /* from the previous row's fused pass */                                      \
            dot = nx_dot;                                                                 \
        } else if (DENSE && (need_norm || pa)) {                                          \
            const int64_t h2 = nnz / 2;                                                   \
            double s0 = 0.0, s1 = 0.0, x0 = 0.0, x1 = 0.0;                                \
            LF_PRAGMA(omp simd reduction(+ : s0, s1, x0, x1))                             \
            for (int64_t j = 0; j < h2; j++) {                                            \
                s0 += (double)(w[j] * xv[j]);                                             \
                s1 += (double)(w[j + h2] * xv[j + h2]);                                   \
                x0 += (double)(xv[j] * xv[j]);                                            \
                x1 += (double)(xv[j + h2] * xv[j + h2]);                                  \
            }                                                                             \
            for (int64_t j = 2 * h2; j < nnz; j++) {                                      \
                s0 += (double)(w[j] * xv[j]);                                             \
                x0 += (double)(xv[j] * xv[j]);                                            \
            }                                                                             \
            dot = s0 + s1;                                                                \
            xx = x0 + x1;                                                                 \
        } else if (DENSE) {                                                               \
            /* four independent accumulators (quarters of the row): the next              \
             * sample's dot waits on this one, so the chain length matters */             \
            const int64_t q4 = nnz / 4;                                                   \
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;                                \
            LF_PRAGMA(omp simd reduction(+ : s0, s1, s2, s3))                             \
            for (int64_t j = 0; j < q4; j++) {                                            \
                s0 += (double)(w[j] * xv[j]);                                             \
                s1 += (double)(w[j + q4] * xv[j + q4]);                                   \
                s2 += (double)(w[j + 2 * q4] * xv[j + 2 * q4]);                           \
                s3 += (double)(w[j + 3 * q4] * xv[j + 3 * q4]);                           \
            }                                                                             \
            for (int64_t j = 4 * q4; j < nnz; j++) s0 += (double)(w[j] * xv[j]);          \
            dot = (s0 + s1) + (s2 + s3);                                                  \
        } else if (sizeof(*xv) == 8) {                                                    \
            /* float64: lf_gather.h's dot (4-wide gathers, a shorter chain of adds) */    \
            LF_SPARSE_DOT(dot, xv, ix, nnz, (const double *)(const void *)w)              \
        } else {                                                                          \
            /* four interleaved accumulators: one accumulator's chain of adds is the      \
             * latency bound of a short sparse row */                                     \
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;                                \
            int64_t j = 0;                                                                \
            for (; j + 4 <= nnz; j += 4) {                                                \
                s0 += (double)(w[IDX(j)] * xv[j]);                                        \
                s1 += (double)(w[IDX(j + 1)] * xv[j + 1]);                                \
                s2 += (double)(w[IDX(j + 2)] * xv[j + 2]);                                \
                s3 += (double)(w[IDX(j + 3)] * xv[j + 3]);                                \
            }                                                                             \
            for (; j < nnz; j++) s0 += (double)(w[IDX(j)] * xv[j]);                       \
            dot = (s0 + s1) + (s2 + s3);                                                  \
        }                                                                                 \
        const double p = dot * wscale + intercept;                                        \
        bad_p |= !isfinite(p);                                                            \
        if (P->schedule == 2) eta = 1.0 / (alpha * (P->optimal_init + t - 1));            \
        else if (P->schedule == 3) eta = P->eta0 / pow(t, P->power_t);                    \
        const double y = (double)yv[i];                                                   \
        if (P->track_loss) {                                                              \
            const double l = sgd_loss(P, y, p);                                           \
            sumloss += l;                                                                 \
            objsum += l;                                                                  \
            if (pen > 0 && !pa) {       /* PA's objective is the loss alone (sklearn) */  \
                const double nrm = sqrt(sq_norm);                                         \
                objsum += alpha * ((1 - l1r) * 0.5 * nrm * nrm + l1r * l1_norm);          \
            }                                                                             \
        }                                                                                 \
        const double cw = y > 0.0 ? P->weight_pos : P->weight_neg;                        \
        double update;                                                                    \
        if (pa) {                                                                         \
            /* Crammer et al. 2006: the step l / ||x||^2 capped at eta0 (PA-I), or        \
             * l / (||x||^2 + 1 / (2 eta0)) (PA-II), towards the label's side */          \
            double sq = xx;                                                               \
            if (!DENSE) {                                                                 \
                sq = 0.0;                                                                 \
                for (int64_t j = 0; j < nnz; j++) sq += (double)xv[j] * (double)xv[j];    \
            }                                                                             \
            const double l = sgd_loss(P, y, p);                                           \
            if (pa == 1) {                                                                \
                if (sq == 0.0) continue;      /* scikit-learn skips the row (t too) */    \
                update = l / sq < P->eta0 ? l / sq : P->eta0;                             \
            } else {                                                                      \
                update = l / (sq + 0.5 / P->eta0);                                        \
            }                                                                             \
            if (P->loss == LF_SGD_HINGE) update *= y;                                     \
            else if (y - p < 0) update = -update;                                         \
        } else {                                                                          \
            double dl = sgd_dloss(P, y, p);                                               \
            dl = dl < -LF_SGD_MAX_DLOSS ? -LF_SGD_MAX_DLOSS                               \
                                        : (dl > LF_SGD_MAX_DLOSS ? LF_SGD_MAX_DLOSS : dl); \
            update = -eta * dl;                                                           \
        }                                                                                 \
        update *= cw * (double)(swv ? swv[i] : (T)1);                                     \
        if (pen >= 2) {                                                                   \
            double c = 1.0 - (1.0 - l1r) * eta * alpha;                                   \
            c = c > 0 ? c : 0.0;                                                          \
            wscale *= c;                                                                  \
            sq_norm *= c * c;                                                             \
            l1_norm *= fabs(c);                                                           \
            if (wscale < THRESH) {                                                        \
                if (aw) {                                                                 \
                    const T a = (T)avg_a, ib = (T)(1.0 / avg_b);                          \
                    LF_PRAGMA(omp simd)                                                   \
                    for (int64_t j = 0; j < d; j++) aw[j] = (aw[j] + a * w[j]) * ib;      \
                    avg_a = 0.0;                                                          \
                    avg_b = 1.0;                                                          \
                }                                                                         \
                const T s = (T)wscale;                                                    \
                LF_PRAGMA(omp simd)                                                       \
                for (int64_t j = 0; j < d; j++) w[j] *= s;                                \
                wscale = 1.0;                                                             \
                if (need_norm) {      /* exact again: no drift of the running sums */     \
                    double s2 = 0.0, s1 = 0.0;                                            \
                    LF_PRAGMA(omp simd reduction(+ : s2, s1))                             \
                    for (int64_t j = 0; j < d; j++) {                                     \
                        s2 += (double)w[j] * (double)w[j];                                \
                        s1 += fabs((double)w[j]);                                         \
                    }                                                                     \
                    sq_norm = s2;                                                         \
                    l1_norm = s1;                                                         \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        if (DENSE && fused) {                                                             \
            LF_SGD_FUSED_PASS(T)                                                          \
        } else if (update != 0.0) {                                                       \
            const T cs = (T)(update / wscale);                                            \
            if (DENSE && !need_l1) {                                                      \
                /* ||w + c x||^2 from the row's dot product and norm: the same value      \
                 * as scikit-learn's recomputed sum over the row, up to rounding */       \
                LF_PRAGMA(omp simd)                                                       \
                for (int64_t j = 0; j < nnz; j++) w[j] += xv[j] * cs;                     \
                if (need_norm) {                                                          \
                    const double c = (double)cs, ws2 = wscale * wscale;                   \
                    const double sq = sq_norm / ws2 + 2.0 * c * dot + c * c * xx;         \
                    sq_norm = (sq > 0 ? sq : 0.0) * ws2;                                  \
                }                                                                         \
            } else if (!DENSE && !need_norm) {                                            \
                for (int64_t j = 0; j < nnz; j++) w[IDX(j)] += xv[j] * cs;                \
            } else {                                                                      \
                /* the running norms move by the change of the row's entries (the         \
                 * rest of w is untouched; scikit-learn 1.9 sets them to the norms of     \
                 * the row's entries alone, wrong on CSR rows) */                         \
                double d2 = 0.0, d1 = 0.0;                                                \
                for (int64_t j = 0; j < nnz; j++) {                                       \
                    const T v0 = w[IDX(j)], v = v0 + xv[j] * cs;                          \
                    w[IDX(j)] = v;                                                        \
                    d2 += (double)v * (double)v - (double)v0 * (double)v0;                \
                    d1 += fabs((double)v) - fabs((double)v0);                             \
                }                                                                         \
                LF_SGD_NORMS_ADD(d2, d1)                                                  \
            }                                                                             \
        }                                                                                 \
        if (P->fit_intercept && update != 0.0) intercept += update * P->intercept_decay;  \
        if (P->average > 0 && P->average <= t) {                                          \
            const double num_iter = t - P->average + 1;                                   \
            const double mu = 1.0 / num_iter;                                             \
            const T ca = (T)(avg_a * (-update / wscale));                                 \
            if (ca != 0 && DENSE) {                                                       \
                LF_PRAGMA(omp simd)                                                       \
                for (int64_t j = 0; j < nnz; j++) aw[j] += xv[j] * ca;                    \
            } else if (ca != 0) {                                                         \
                for (int64_t j = 0; j < nnz; j++) aw[IDX(j)] += xv[j] * ca;               \
            }                                                                             \
            if (num_iter > 1) avg_b /= (1.0 - mu);                                        \
            avg_a += mu * avg_b * wscale;                                                 \
            aint += (intercept - aint) / num_iter;                                        \
        }                                                                                 \
        if (pen == 1 || pen == 3) {                                                       \
            u += l1r * eta * alpha;                                                       \
            double d2 = 0.0, d1 = 0.0;                                                    \
            for (int64_t j = 0; j < nnz; j++) {                                           \
                const int64_t c = IDX(j);                                                 \
                const T z = w[c];                                                         \
                const double wz = wscale * (double)z;                                     \
                if (wz > 0.0) {                                                           \
                    const double v = (double)w[c] - (u + (double)q[c]) / wscale;          \
                    w[c] = (T)(v > 0.0 ? v : 0.0);                                        \
                } else if (wz < 0.0) {                                                    \
                    const double v = (double)w[c] + (u - (double)q[c]) / wscale;          \
                    w[c] = (T)(v < 0.0 ? v : 0.0);                                        \
                }                                                                         \
                q[c] += (T)(wscale * (double)(w[c] - z));                                 \
                d2 += (double)w[c] * (double)w[c] - (double)z * (double)z;                \
                d1 += fabs((double)w[c]) - fabs((double)z);                               \
            }                                                                             \
            /* the truncation changes the norms too (scikit-learn's stay stale) */        \
            if (need_norm) LF_SGD_NORMS_ADD(d2, d1)                                       \
        }                                                                                 \
        t += 1;                                                                           \
    }                                                                                     \
    S->eta = eta; S->t = t; S->intercept = intercept; S->average_intercept = aint;        \
    S->wscale = wscale; S->sq_norm = sq_norm; S->l1_norm = l1_norm;                       \
    S->average_a = avg_a; S->average_b = avg_b; S->u = u;                                 \
    S->sumloss = sumloss; S->objective_sum = objsum;                                      \
    if (!isfinite(intercept)) return 1 | (bad_p ? 2 : 0);                                 \
    for (int64_t j = 0; j < d; j++)                                                       \
        if (!isfinite((double)w[j])) return 1 | (bad_p ? 2 : 0);                          \
    return bad_p ? 2 : 0;

/* (ix: no column indices; the CSR dot's branch is compiled, never taken) */
#define LF_DENSE_ROW(T)                                                                   \
    const T *restrict xv = X + i * d;                                                     \
    const int64_t nnz = d;                                                                \
    const int32_t *ix = NULL;                                                             \
    (void)ix;

/* Software prefetch of the row LF_SGD_AHEAD samples on (a shuffled order
 * defeats the hardware prefetcher; a row is a few cache lines). */
#define LF_SGD_AHEAD 3
#define LF_SGD_FAR 10
#define LF_DENSE_META(i2)
#define LF_CSR_META(i2) __builtin_prefetch(indptr + (i2));
#if defined(__GNUC__)
#define LF_PREFETCH_SPAN(p, nbytes)                                                       \
    do {                                                                                  \
        const char *pf_ = (const char *)(p);                                              \
        for (int64_t o_ = 0; o_ < (int64_t)(nbytes); o_ += 64) __builtin_prefetch(pf_ + o_); \
    } while (0);
#else
#define LF_PREFETCH_SPAN(p, nbytes)
#endif
#define LF_DENSE_PREFETCH(T, i2) LF_PREFETCH_SPAN(X + (i2) * d, d * (int64_t)sizeof(T))
#define LF_CSR_PREFETCH(T, I, i2)                                                         \
    {                                                                                     \
        const I pa_ = indptr[i2], pn_ = indptr[(i2) + 1] - pa_;                           \
        LF_PREFETCH_SPAN(data + pa_, pn_ * (int64_t)sizeof(T))                            \
        LF_PREFETCH_SPAN(indices + pa_, pn_ * (int64_t)sizeof(I))                         \
    }
#define LF_DENSE_PREFETCH_f32(i2) LF_DENSE_PREFETCH(float, i2)
#define LF_DENSE_PREFETCH_f64(i2) LF_DENSE_PREFETCH(double, i2)
#define LF_CSR_PREFETCH_f32_i32(i2) LF_CSR_PREFETCH(float, int32_t, i2)
#define LF_CSR_PREFETCH_f32_i64(i2) LF_CSR_PREFETCH(float, int64_t, i2)
#define LF_CSR_PREFETCH_f64_i32(i2) LF_CSR_PREFETCH(double, int32_t, i2)
#define LF_CSR_PREFETCH_f64_i64(i2) LF_CSR_PREFETCH(double, int64_t, i2)
#define LF_DENSE_IDX(j) (j)

#define LF_SGD_DENSE(T, THRESH, SFX)                                                      \
    static int sgd_dense_##SFX(const lf_sgd_params *P_, lf_sgd_state *S, const void *X_,  \
                               int64_t d, const void *y_, const void *sw_,                \
                               const int64_t *order, int64_t m, void *w_, void *aw_,      \
                               void *q_) {                                                \
        const lf_sgd_params Pv = *P_, *const P = &Pv;                                     \
        const T *restrict X = (const T *)X_;                                              \
        LF_SGD_EPOCH_BODY(T, THRESH, SFX, LF_DENSE_ROW_##SFX, LF_DENSE_IDX, 1,            \
                          LF_DENSE_PREFETCH_##SFX, LF_DENSE_META)                         \
    }

#define LF_CSR_ROW(T, I)                                                                  \
    const I a_ = indptr[i];                                                               \
    const T *restrict xv = data + a_;                                                     \
    const I *restrict ix = indices + a_;                                                  \
    const int64_t nnz = (int64_t)(indptr[i + 1] - a_);
#define LF_CSR_IDX(j) (ix[j])

#define LF_SGD_CSR(T, I, THRESH, SFX)                                                     \
    static int sgd_csr_##SFX(const lf_sgd_params *P_, lf_sgd_state *S, const void *data_, \
                             const void *indices_, const void *indptr_, int64_t d,        \
                             const void *y_, const void *sw_, const int64_t *order,       \
                             int64_t m, void *w_, void *aw_, void *q_) {                  \
        const lf_sgd_params Pv = *P_, *const P = &Pv;                                     \
        const T *restrict data = (const T *)data_;                                        \
        const I *restrict indices = (const I *)indices_;                                  \
        const I *restrict indptr = (const I *)indptr_;                                    \
        LF_SGD_EPOCH_BODY(T, THRESH, SFX, LF_CSR_ROW_##SFX, LF_CSR_IDX, 0,                \
                          LF_CSR_PREFETCH_##SFX, LF_CSR_META)                             \
    }

#define LF_DENSE_ROW_f32(i) LF_DENSE_ROW(float)
#define LF_DENSE_ROW_f64(i) LF_DENSE_ROW(double)
#define LF_CSR_ROW_f32_i32(i) LF_CSR_ROW(float, int32_t)
#define LF_CSR_ROW_f32_i64(i) LF_CSR_ROW(float, int64_t)
#define LF_CSR_ROW_f64_i32(i) LF_CSR_ROW(double, int32_t)
#define LF_CSR_ROW_f64_i64(i) LF_CSR_ROW(double, int64_t)

/* scikit-learn resets wscale below 1e-9 (float64) / 1e-6 (float32) */
LF_SGD_DENSE(float, 1e-6, f32)
LF_SGD_DENSE(double, 1e-9, f64)
LF_SGD_CSR(float, int32_t, 1e-6, f32_i32)
LF_SGD_CSR(float, int64_t, 1e-6, f32_i64)
LF_SGD_CSR(double, int32_t, 1e-9, f64_i32)
LF_SGD_CSR(double, int64_t, 1e-9, f64_i64)
LF_SGD_RESET(float, f32)
LF_SGD_RESET(double, f64)

static void sgd_shuffle(int64_t *order, int64_t m, uint64_t *rng) {
    lf_shuffle_rows(order, m, rng);
}

const lf_sgd_entry LF_TARGET(lf_sgd_kernels)[] = {{
    sgd_dense_f32, sgd_dense_f64, sgd_csr_f32_i32, sgd_csr_f32_i64, sgd_csr_f64_i32,
    sgd_csr_f64_i64, sgd_reset_f32, sgd_reset_f64, sgd_shuffle}};
LF_DEFINE_SELECTOR(lf_sgd_entry, lf_sgd_kernels)
