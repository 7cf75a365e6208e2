/* Fused optimizer steps: SGD, RMSprop, Adagrad, Adam, AdamW (SPEC 2.3).
 *
 * The formulas, their order of operations and the defaults are PyTorch's
 * torch.optim single-tensor implementations (torch/optim/{sgd,rmsprop,adagrad,
 * adam}.py): each element of each tensor is read once and written once per
 * step.  Hyper-parameters are rounded to the tensor's type the way PyTorch
 * passes Python scalars to a float kernel; step-dependent factors (bias
 * corrections, Adagrad's decayed rate) are computed in double.
 *
 * Structure, for each optimizer:
 *   <opt>_span_<T>:  one straight loop over restrict pointers, with the options
 *                    that are constant for a step (weight decay, maximize,
 *                    momentum, nesterov, amsgrad, centered) as compile-time
 *                    flags, so no option costs a branch per element;
 *   <opt>_piece_<T>: elements [lo, hi) of one tensor: picks the specialised span;
 *   <opt>_<T>:       the table entry: the step's constants, then lf_optim_run,
 *                    which splits the elements of all tensors between threads.
 *
 * FP contraction is off in this file: no fused multiply-add is formed, so the
 * vector body, the scalar tail and every SIMD target compute bit-identical
 * results (add, mul, div and sqrt are correctly rounded everywhere).  A step is
 * therefore bit-for-bit the same for any thread count, any split of the work
 * and any SIMD level, and it follows PyTorch's single-tensor operations one
 * rounding at a time, with one exception: Adam multiplies by 1 / sqrt(bc2)
 * where PyTorch divides by sqrt(bc2) (at most one ulp in the denominator).  The
 * divider (sqrt and division) is what limits a step once it runs from cache:
 * dropping one of Adam's three divider operations made its in-cache cost 25 %
 * lower (float64: 2.6 -> 1.9 ns per element and core), so that the step stays
 * memory-bound on two threads.  FMA would buy nothing here.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <math.h>
#include "optim.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- the driver: split the elements of all tensors between threads ---- */

typedef void (*lf_piece_fn)(const lf_optim_args *A, const double *K, int64_t i, int64_t lo,
                            int64_t hi);

/* The work is cut into chunks of LF_OPT_CHUNK elements of one tensor (cut on
 * 64-byte boundaries of the parameter, so two threads never write one cache
 * line) that threads take in order from an atomic counter.  A thread the OS
 * delays (on a shared machine) leaves its chunks to the others rather than
 * holding up the whole step, as an even static split would.  Pieces are
 * elementwise and computed without FP contraction, so how the work is cut
 * never changes a result. */
#define LF_OPT_CHUNK 32768

static inline int64_t lf_opt_nchunks(int64_t n) { return (n + LF_OPT_CHUNK - 1) / LF_OPT_CHUNK; }

/* Offset o of a tensor of n elements at `base`, moved up to a 64-byte boundary. */
static inline int64_t lf_opt_cut(const void *base, int64_t o, int64_t n, size_t itemsize) {
    if (o <= 0) return 0;
    if (o >= n) return n;
    const uintptr_t mis = ((uintptr_t)base + (uintptr_t)o * itemsize) & 63;
    if (mis) o += (int64_t)((64 - mis + itemsize - 1) / itemsize);
    return o < n ? o : n;
}

/* Runs piece() over every element of every tensor; below LF_PARALLEL_THRESHOLD
 * elements in total, on the calling thread only. */
static void lf_optim_run(const lf_optim_args *A, const double *K, lf_piece_fn piece,
                         size_t itemsize) {
    int64_t total = 0, nchunks = 0;
    for (int64_t i = 0; i < A->n_tensors; i++) {
        total += A->size[i];
        nchunks += lf_opt_nchunks(A->size[i]);
    }
    int nt = lf_threads_for(total);
    if (nt > nchunks) nt = (int)nchunks;
    if (nt <= 1) {
        for (int64_t i = 0; i < A->n_tensors; i++)
            if (A->size[i] > 0) piece(A, K, i, 0, A->size[i]);
        return;
    }
    int64_t next = 0;
#pragma omp parallel num_threads(nt)
    {
        int64_t ti = 0, first = 0; /* chunk `first` is the first chunk of tensor ti */
        for (;;) {
            int64_t c;
#pragma omp atomic capture
            c = next++;
            if (c >= nchunks) break;
            while (c >= first + lf_opt_nchunks(A->size[ti])) first += lf_opt_nchunks(A->size[ti++]);
            const int64_t k = c - first, n = A->size[ti];
            const int64_t lo = lf_opt_cut(A->param[ti], k * LF_OPT_CHUNK, n, itemsize);
            const int64_t hi = lf_opt_cut(A->param[ti], (k + 1) * LF_OPT_CHUNK, n, itemsize);
            if (hi > lo) piece(A, K, ti, lo, hi);
        }
    }
}

#define LF_PTR(T, ARR, i, lo) ((ARR) ? (T *)(ARR)[i] + (lo) : (T *)0)

/* ---- SGD ----
 * d = -g if maximize else g;  d += wd * p
 * momentum: buf = d on the first step, else buf = mu * buf + (1 - dampening) * d;
 *           d = d + mu * buf if nesterov else buf
 * p -= lr * d
 * K: lr, weight_decay, momentum, 1 - dampening; MOM: 0 none, 1 first step, 2 later steps. */
#define LF_SGD(T, SFX)                                                                        \
    LF_INLINE void sgd_span_##SFX(T *restrict p, const T *restrict g, T *restrict buf,        \
                                  int64_t n, const T lr, const T wd, const T mu,              \
                                  const T damp1, const int WD, const int MAX, const int MOM,  \
                                  const int NEST) {                                           \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = MAX ? -g[i] : g[i];                                                         \
            if (WD) d = d + wd * p0;                                                          \
            if (MOM) {                                                                        \
                const T b = MOM == 1 ? d : buf[i] * mu + damp1 * d;                           \
                buf[i] = b;                                                                   \
                d = NEST ? d + mu * b : b;                                                    \
            }                                                                                 \
            p[i] = p0 - lr * d;                                                               \
        }                                                                                     \
    }                                                                                         \
    static void sgd_piece_##SFX(const lf_optim_args *A, const double *K, int64_t i,           \
                                int64_t lo, int64_t hi) {                                     \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *b = LF_PTR(T, A->state[0], i, lo);                                                 \
        const int64_t n = hi - lo;                                                            \
        const T lr = (T)K[0], wd = (T)K[1], mu = (T)K[2], d1 = (T)K[3];                       \
        const int wdf = K[1] != 0, mx = (A->flags & LF_OPT_MAXIMIZE) != 0;                    \
        const int mom = K[2] == 0 ? 0 : (A->step <= 1 ? 1 : 2);                               \
        const int nest = (A->flags & LF_OPT_NESTEROV) != 0;                                   \
        _LF_SGD_WD(SFX)                                                                       \
    }                                                                                         \
    static void sgd_##SFX(const lf_optim_args *A) {                                           \
        const double K[4] = {A->lr, A->weight_decay, A->momentum, 1.0 - A->dampening};       \
        lf_optim_run(A, K, sgd_piece_##SFX, sizeof(T));                                       \
    }

#define _LF_SGD_CALL(SFX, WD, MX, MOM, NEST) \
    sgd_span_##SFX(p, g, b, n, lr, wd, mu, d1, WD, MX, MOM, NEST)
#define _LF_SGD_NEST(SFX, WD, MX, MOM) \
    (nest ? _LF_SGD_CALL(SFX, WD, MX, MOM, 1) : _LF_SGD_CALL(SFX, WD, MX, MOM, 0))
#define _LF_SGD_MOM(SFX, WD, MX)                                                       \
    (mom == 0 ? _LF_SGD_CALL(SFX, WD, MX, 0, 0)                                        \
              : (mom == 1 ? _LF_SGD_NEST(SFX, WD, MX, 1) : _LF_SGD_NEST(SFX, WD, MX, 2)))
#define _LF_SGD_MX(SFX, WD) (mx ? _LF_SGD_MOM(SFX, WD, 1) : _LF_SGD_MOM(SFX, WD, 0))
#define _LF_SGD_WD(SFX) wdf ? _LF_SGD_MX(SFX, 1) : _LF_SGD_MX(SFX, 0);

/* lerp(a, b, w) as PyTorch computes it: a + w * (b - a) if |w| < 0.5, else
 * b - (b - a) * (1 - w).  Written as base + c * (b - a) with base = a, c = w
 * or base = b, c = -(1 - w) (the same roundings); SMALL is constant per step. */
#define LF_LERP(SMALL, a, b, c) ((SMALL ? (a) : (b)) + (c) * ((b) - (a)))

/* ---- RMSprop ----
 * d = -g if maximize else g;  d += wd * p
 * v = alpha * v + (1 - alpha) * d^2
 * centered: gavg = lerp(gavg, d, 1 - alpha), avg = sqrt(v - gavg^2) + eps; else avg = sqrt(v) + eps
 * momentum: buf = mu * buf + d / avg, p -= lr * buf;  else p -= lr * d / avg
 * K: lr, weight_decay, momentum, alpha, 1 - alpha, eps, lerp small (|1 - alpha| < 0.5). */
#define LF_RMSPROP(T, SFX, SQRT)                                                              \
    LF_INLINE void rmsprop_span_##SFX(T *restrict p, const T *restrict g, T *restrict sq,     \
                                      T *restrict buf, T *restrict ga, int64_t n, const T lr, \
                                      const T wd, const T mu, const T alpha, const T w,       \
                                      const T c, const T eps, const int small, const int WD,  \
                                      const int MAX, const int CENT, const int MOM) {         \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = MAX ? -g[i] : g[i];                                                         \
            if (WD) d = d + wd * p0;                                                          \
            const T v = sq[i] * alpha + w * d * d;                                            \
            sq[i] = v;                                                                        \
            T avg;                                                                            \
            if (CENT) {                                                                       \
                const T a0 = ga[i];                                                           \
                const T a = LF_LERP(small, a0, d, c);                                         \
                ga[i] = a;                                                                    \
                avg = SQRT(v - a * a) + eps;                                                  \
            } else {                                                                          \
                avg = SQRT(v) + eps;                                                          \
            }                                                                                 \
            if (MOM) {                                                                        \
                const T b = buf[i] * mu + d / avg;                                            \
                buf[i] = b;                                                                   \
                p[i] = p0 - lr * b;                                                           \
            } else {                                                                          \
                p[i] = p0 - lr * d / avg;                                                     \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    static void rmsprop_piece_##SFX(const lf_optim_args *A, const double *K, int64_t i,       \
                                    int64_t lo, int64_t hi) {                                 \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *sq = LF_PTR(T, A->state[0], i, lo), *b = LF_PTR(T, A->state[1], i, lo);            \
        T *ga = LF_PTR(T, A->state[2], i, lo);                                                \
        const int64_t n = hi - lo;                                                            \
        const T lr = (T)K[0], wd = (T)K[1], mu = (T)K[2], al = (T)K[3], w = (T)K[4];          \
        const T eps = (T)K[5];                                                                \
        const int small = K[6] != 0;                                                          \
        const T c = small ? w : -((T)1 - w);                                                  \
        const int wdf = K[1] != 0, mx = (A->flags & LF_OPT_MAXIMIZE) != 0;                    \
        const int cent = (A->flags & LF_OPT_CENTERED) != 0, mom = K[2] > 0;                   \
        _LF_RMS_WD(SFX)                                                                       \
    }                                                                                         \
    static void rmsprop_##SFX(const lf_optim_args *A) {                                       \
        const double w = 1.0 - A->alpha;                                                      \
        const double K[7] = {A->lr, A->weight_decay, A->momentum, A->alpha, w, A->eps,         \
                             fabs(w) < 0.5};                                                  \
        lf_optim_run(A, K, rmsprop_piece_##SFX, sizeof(T));                                   \
    }

#define _LF_RMS_CALL(SFX, WD, MX, CENT, MOM) \
    rmsprop_span_##SFX(p, g, sq, b, ga, n, lr, wd, mu, al, w, c, eps, small, WD, MX, CENT, MOM)
#define _LF_RMS_MOM(SFX, WD, MX, CENT) \
    (mom ? _LF_RMS_CALL(SFX, WD, MX, CENT, 1) : _LF_RMS_CALL(SFX, WD, MX, CENT, 0))
#define _LF_RMS_CENT(SFX, WD, MX) (cent ? _LF_RMS_MOM(SFX, WD, MX, 1) : _LF_RMS_MOM(SFX, WD, MX, 0))
#define _LF_RMS_MX(SFX, WD) (mx ? _LF_RMS_CENT(SFX, WD, 1) : _LF_RMS_CENT(SFX, WD, 0))
#define _LF_RMS_WD(SFX) wdf ? _LF_RMS_MX(SFX, 1) : _LF_RMS_MX(SFX, 0);

/* ---- Adagrad ----
 * d = -g if maximize else g;  d += wd * p
 * clr = lr / (1 + (t - 1) * lr_decay)   (double)
 * sum += d^2;  p -= clr * d / (sqrt(sum) + eps)
 * K: clr, weight_decay, eps. */
#define LF_ADAGRAD(T, SFX, SQRT)                                                              \
    LF_INLINE void adagrad_span_##SFX(T *restrict p, const T *restrict g, T *restrict sum,    \
                                      int64_t n, const T clr, const T wd, const T eps,        \
                                      const int WD, const int MAX) {                          \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = MAX ? -g[i] : g[i];                                                         \
            if (WD) d = d + wd * p0;                                                          \
            const T s = sum[i] + d * d;                                                       \
            sum[i] = s;                                                                       \
            p[i] = p0 - clr * d / (SQRT(s) + eps);                                            \
        }                                                                                     \
    }                                                                                         \
    static void adagrad_piece_##SFX(const lf_optim_args *A, const double *K, int64_t i,       \
                                    int64_t lo, int64_t hi) {                                 \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *s = LF_PTR(T, A->state[0], i, lo);                                                 \
        const int64_t n = hi - lo;                                                            \
        const T clr = (T)K[0], wd = (T)K[1], eps = (T)K[2];                                   \
        const int wdf = K[1] != 0, mx = (A->flags & LF_OPT_MAXIMIZE) != 0;                    \
        if (wdf)                                                                              \
            mx ? adagrad_span_##SFX(p, g, s, n, clr, wd, eps, 1, 1)                           \
               : adagrad_span_##SFX(p, g, s, n, clr, wd, eps, 1, 0);                          \
        else                                                                                  \
            mx ? adagrad_span_##SFX(p, g, s, n, clr, wd, eps, 0, 1)                           \
               : adagrad_span_##SFX(p, g, s, n, clr, wd, eps, 0, 0);                          \
    }                                                                                         \
    static void adagrad_##SFX(const lf_optim_args *A) {                                       \
        const double K[3] = {A->lr / (1.0 + (double)(A->step - 1) * A->lr_decay),             \
                             A->weight_decay, A->eps};                                        \
        lf_optim_run(A, K, adagrad_piece_##SFX, sizeof(T));                                   \
    }

/* ---- Adam and AdamW ----
 * d = -g if maximize else g
 * Adam: d += wd * p;  AdamW: p *= 1 - lr * wd
 * m = lerp(m, d, 1 - beta1);  v = beta2 * v + (1 - beta2) * d^2
 * amsgrad: vmax = max(vmax, v) (NaN propagates, as torch.maximum)
 * bc1 = 1 - beta1^t, bc2 = 1 - beta2^t (double)
 * p -= (lr / bc1) * m / (sqrt(vmax or v) * (1 / sqrt(bc2)) + eps)
 * K: weight_decay, 1 - lr * wd, lerp coefficient, beta2, 1 - beta2, 1 / sqrt(bc2), eps,
 *    lr / bc1, lerp small, wd mode (0 none, 1 Adam's L2, 2 AdamW's decoupled). */
#define LF_ADAM(T, SFX, SQRT)                                                                 \
    LF_INLINE void adam_span_##SFX(T *restrict p, const T *restrict g, T *restrict m,         \
                                   T *restrict v, T *restrict vmax, int64_t n, const T wd,    \
                                   const T decay, const T c, const T beta2, const T w2,       \
                                   const T rbc2s, const T eps, const T step_size,             \
                                   const int small, const int WD, const int MAX,              \
                                   const int AMS) {                                           \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T p0 = p[i];                                                                      \
            T d = MAX ? -g[i] : g[i];                                                         \
            if (WD == 2) p0 = p0 * decay;                                                     \
            if (WD == 1) d = d + wd * p0;                                                     \
            const T m0 = m[i];                                                                \
            const T m1 = LF_LERP(small, m0, d, c);                                            \
            const T v1 = v[i] * beta2 + w2 * d * d;                                           \
            m[i] = m1;                                                                        \
            v[i] = v1;                                                                        \
            T vd = v1;                                                                        \
            if (AMS) {                                                                        \
                const T vm = vmax[i];                                                         \
                vd = (vm < v1 || v1 != v1) ? v1 : vm;                                         \
                vmax[i] = vd;                                                                 \
            }                                                                                 \
            const T denom = SQRT(vd) * rbc2s + eps;                                           \
            p[i] = p0 - step_size * m1 / denom;                                               \
        }                                                                                     \
    }                                                                                         \
    static void adam_piece_##SFX(const lf_optim_args *A, const double *K, int64_t i,          \
                                 int64_t lo, int64_t hi) {                                    \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *m = LF_PTR(T, A->state[0], i, lo), *v = LF_PTR(T, A->state[1], i, lo);             \
        T *vm = LF_PTR(T, A->state[2], i, lo);                                                \
        const int64_t n = hi - lo;                                                            \
        const T wd = (T)K[0], decay = (T)K[1], w1 = (T)K[2], b2 = (T)K[3], w2 = (T)K[4];      \
        const T rbc2s = (T)K[5], eps = (T)K[6], ss = (T)K[7];                                  \
        const int small = K[8] != 0, wdm = (int)K[9];                                         \
        const T c = small ? w1 : -((T)1 - w1);                                                \
        const int mx = (A->flags & LF_OPT_MAXIMIZE) != 0;                                     \
        const int ams = (A->flags & LF_OPT_AMSGRAD) != 0;                                     \
        _LF_ADAM_WD(SFX)                                                                      \
    }

#define _LF_ADAM_CALL(SFX, WD, MX, AMS) \
    adam_span_##SFX(p, g, m, v, vm, n, wd, decay, c, b2, w2, rbc2s, eps, ss, small, WD, MX, AMS)
#define _LF_ADAM_AMS(SFX, WD, MX) \
    (ams ? _LF_ADAM_CALL(SFX, WD, MX, 1) : _LF_ADAM_CALL(SFX, WD, MX, 0))
#define _LF_ADAM_MX(SFX, WD) (mx ? _LF_ADAM_AMS(SFX, WD, 1) : _LF_ADAM_AMS(SFX, WD, 0))
#define _LF_ADAM_WD(SFX)                                                          \
    wdm == 2 ? _LF_ADAM_MX(SFX, 2) : (wdm == 1 ? _LF_ADAM_MX(SFX, 1) : _LF_ADAM_MX(SFX, 0));

static void adam_consts(const lf_optim_args *A, int decoupled, double K[10]) {
    const double t = (double)A->step;
    const double bc1 = 1.0 - pow(A->beta1, t), bc2 = 1.0 - pow(A->beta2, t);
    const double w1 = 1.0 - A->beta1;
    K[0] = A->weight_decay;
    K[1] = 1.0 - A->lr * A->weight_decay;
    K[2] = w1;
    K[3] = A->beta2;
    K[4] = 1.0 - A->beta2;
    K[5] = 1.0 / sqrt(bc2);
    K[6] = A->eps;
    K[7] = A->lr / bc1;
    K[8] = fabs(w1) < 0.5;
    K[9] = A->weight_decay == 0 ? 0 : (decoupled ? 2 : 1);
}

#define LF_ADAM_ENTRIES(T, SFX)                                                               \
    static void adam_##SFX(const lf_optim_args *A) {                                          \
        double K[10];                                                                         \
        adam_consts(A, 0, K);                                                                 \
        lf_optim_run(A, K, adam_piece_##SFX, sizeof(T));                                      \
    }                                                                                         \
    static void adamw_##SFX(const lf_optim_args *A) {                                         \
        double K[10];                                                                         \
        adam_consts(A, 1, K);                                                                 \
        lf_optim_run(A, K, adam_piece_##SFX, sizeof(T));                                      \
    }

LF_SGD(float, f32)
LF_SGD(double, f64)
LF_RMSPROP(float, f32, sqrtf)
LF_RMSPROP(double, f64, sqrt)
LF_ADAGRAD(float, f32, sqrtf)
LF_ADAGRAD(double, f64, sqrt)
LF_ADAM(float, f32, sqrtf)
LF_ADAM(double, f64, sqrt)
LF_ADAM_ENTRIES(float, f32)
LF_ADAM_ENTRIES(double, f64)

const lf_optim_entry LF_TARGET(lf_optim)[] = {
    {"sgd", sgd_f32, sgd_f64},
    {"rmsprop", rmsprop_f32, rmsprop_f64},
    {"adagrad", adagrad_f32, adagrad_f64},
    {"adam", adam_f32, adam_f64},
    {"adamw", adamw_f32, adamw_f64},
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_optim_entry, lf_optim)
