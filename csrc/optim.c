/* Fused optimizer steps: SGD, RMSprop, Adagrad, Adam, AdamW, NAdam, RAdam, Adamax,
 * Adadelta, Rprop, Lion; and the gradient norms of clipping.
 *
 * The formulas, their order of operations and the defaults are PyTorch's
 * torch.optim single-tensor implementations (torch/optim/<name>.py; Lion, which
 * PyTorch lacks, is Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms"): each element of each tensor is read once and written once per
 * step.  Hyper-parameters are rounded to the tensor's type the way PyTorch
 * passes Python scalars to a float kernel; step-dependent factors (bias
 * corrections, Adagrad's decayed rate, NAdam's momentum cache, RAdam's
 * rectification) are computed in double.
 *
 * Structure, for each optimizer <opt>:
 *   <opt>_hyper:      the struct of its hyper-parameters, one per parameter group,
 *                     published field by field in <opt>_fields (the caller fills it
 *                     by name);
 *   <opt>_span_<T>:   one straight loop over restrict pointers, with the options
 *                     that are constant for a step (weight decay mode, momentum,
 *                     nesterov, amsgrad, centered, rectification) as compile-time
 *                     flags, so no option costs a branch per element;
 *   <opt>_piece_<T>:  elements [lo, hi) of one tensor: the step's constants from
 *                     the tensor's group, then the specialised span;
 *   a table entry:    name, state slots, fields and the two pieces, run by
 *                     optim_run, which splits the elements of all tensors (of all
 *                     groups) between threads.
 * `maximize` and the caller's gradient scale (clipping folded into the step) are
 * one multiplier: d = g * (maximize ? -scale : scale), exact for scale 1.
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
#include <stdlib.h>
#include "optim.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- the driver: split the elements of all tensors between threads ---- */

typedef void (*optim_piece_fn)(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi);

/* The work is cut into chunks of OPTIM_CHUNK elements of one tensor (cut on
 * 64-byte boundaries of the parameter, so two threads never write one cache
 * line) that threads take in order from an atomic counter.  A thread the OS
 * delays (on a shared machine) leaves its chunks to the others rather than
 * holding up the whole step, as an even static split would.  Pieces are
 * elementwise and computed without FP contraction, so how the work is cut
 * never changes a result. */
#define OPTIM_CHUNK 32768

static inline int64_t optim_nchunks(int64_t n) { return (n + OPTIM_CHUNK - 1) / OPTIM_CHUNK; }

/* Offset o of a tensor of n elements at `base`, moved up to a 64-byte boundary. */
static inline int64_t optim_cut(const void *base, int64_t o, int64_t n, size_t itemsize) {
    if (o <= 0) return 0;
    if (o >= n) return n;
    const uintptr_t mis = ((uintptr_t)base + (uintptr_t)o * itemsize) & 63;
    if (mis) o += (int64_t)((64 - mis + itemsize - 1) / itemsize);
    return o < n ? o : n;
}

/* Runs piece() over every element of every tensor; below LF_PARALLEL_THRESHOLD
 * elements in total, on the calling thread only. */
static void optim_run(const lf_optim_args *A, optim_piece_fn piece, size_t itemsize) {
    int64_t total = 0, nchunks = 0;
    for (int64_t i = 0; i < A->n_tensors; i++) {
        total += A->size[i];
        nchunks += optim_nchunks(A->size[i]);
    }
    int nt = lf_threads_for(total);
    if (nt > nchunks) nt = (int)nchunks;
    if (nt <= 1) {
        for (int64_t i = 0; i < A->n_tensors; i++)
            if (A->size[i] > 0) piece(A, i, 0, A->size[i]);
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
            while (c >= first + optim_nchunks(A->size[ti])) first += optim_nchunks(A->size[ti++]);
            const int64_t k = c - first, n = A->size[ti];
            const int64_t lo = optim_cut(A->param[ti], k * OPTIM_CHUNK, n, itemsize);
            const int64_t hi = optim_cut(A->param[ti], (k + 1) * OPTIM_CHUNK, n, itemsize);
            if (hi > lo) piece(A, ti, lo, hi);
        }
    }
}

/* The hyper-parameters and step number of tensor i's group. */
#define OPTIM_HYPER(TYPE, A, i) \
    ((const TYPE *)((const char *)(A)->hyper + (size_t)(A)->group[i] * sizeof(TYPE)))
#define OPTIM_STEP(A, i) ((A)->step[(A)->group[i]])
/* Slot k of tensor i from element lo (NULL when the slot is unused). */
#define OPTIM_STATE(T, A, k, i, lo) ((A)->state[k] ? (T *)(A)->state[k][i] + (lo) : (T *)0)
/* The gradient multiplier: maximize and the caller's scale. */
#define OPTIM_GSCALE(T, A, h) ((T)((h)->maximize ? -(A)->grad_scale : (A)->grad_scale))
#define OPTIM_F64(S, f) {#f, offsetof(S, f), LF_FIELD_F64}
#define OPTIM_INT(S, f) {#f, offsetof(S, f), LF_FIELD_INT}
#define OPTIM_END {NULL, 0, 0}

/* lerp(a, b, w) as PyTorch computes it: a + w * (b - a) if |w| < 0.5, else
 * b - (b - a) * (1 - w).  Written as base + c * (b - a) with base = a, c = w
 * or base = b, c = -(1 - w) (the same roundings); SMALL is constant per step. */
#define OPTIM_LERP(SMALL, a, b, c) ((SMALL ? (a) : (b)) + (c) * ((b) - (a)))
/* The lerp coefficient c of weight w (see OPTIM_LERP) in type T. */
#define OPTIM_LERP_C(T, small, w) ((small) ? (T)(w) : -((T)1 - (T)(w)))

/* Calls of a span with the piece's local names and the given option flags. */
#define RMSPROP_SPAN(SFX, ...) \
    rmsprop_span_##SFX(p, g, sq, b, ga, n, gs, lr, wd, mu, al, w, c, eps, small, __VA_ARGS__)
#define ADAM_SPAN(SFX, ...) \
    adam_span_##SFX(p, g, m, v, vm, n, gs, wd, decay, c, b2, w2, rbc2s, eps, ss, small, __VA_ARGS__)
#define NADAM_SPAN(SFX, ...) \
    nadam_span_##SFX(p, g, m, v, n, gs, wd, decay, c, b2, w2, bc2, eps, c1, c2, small, __VA_ARGS__)
#define RADAM_SPAN(SFX, ...) \
    radam_span_##SFX(p, g, m, v, n, gs, wd, decay, c, b2, w2, bc1, lr, sbc2, eps, rc, small, \
                     __VA_ARGS__)

/* Weight decay modes: none, L2 (d += wd * p), decoupled (p *= 1 - lr * wd). */
enum { WD_NONE = 0, WD_L2 = 1, WD_DECOUPLED = 2 };
static inline int wd_mode(double wd, int decoupled) {
    return wd == 0 ? WD_NONE : (decoupled ? WD_DECOUPLED : WD_L2);
}

/* ---- SGD ----
 * d = g * scale, negated if maximize;  d += wd * p
 * momentum: buf = d on the first step, else buf = mu * buf + (1 - dampening) * d;
 *           d = d + mu * buf if nesterov else buf
 * p -= lr * d
 * MOM: 0 none, 1 first step, 2 later steps. */
typedef struct sgd_hyper {
    double lr, momentum, dampening, weight_decay;
    int nesterov, maximize;
} sgd_hyper;
static const lf_optim_field sgd_fields[] = {
    OPTIM_F64(sgd_hyper, lr), OPTIM_F64(sgd_hyper, momentum), OPTIM_F64(sgd_hyper, dampening),
    OPTIM_F64(sgd_hyper, weight_decay), OPTIM_INT(sgd_hyper, nesterov),
    OPTIM_INT(sgd_hyper, maximize), OPTIM_END};
static const char *const sgd_states[] = {"momentum_buffer", NULL};

#define SGD_KERNEL(T, SFX)                                                                    \
    LF_INLINE void sgd_span_##SFX(T *restrict p, const T *restrict g, T *restrict buf,        \
                                  int64_t n, const T gs, const T lr, const T wd, const T mu,  \
                                  const T damp1, const int WD, const int MOM,                 \
                                  const int NEST) {                                           \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = g[i] * gs;                                                                  \
            if (WD) d = d + wd * p0;                                                          \
            if (MOM) {                                                                        \
                const T b = MOM == 1 ? d : buf[i] * mu + damp1 * d;                           \
                buf[i] = b;                                                                   \
                d = NEST ? d + mu * b : b;                                                    \
            }                                                                                 \
            p[i] = p0 - lr * d;                                                               \
        }                                                                                     \
    }                                                                                         \
    static void sgd_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) {  \
        const sgd_hyper *h = OPTIM_HYPER(sgd_hyper, A, i);                                    \
        T *p = (T *)A->param[i] + lo, *b = OPTIM_STATE(T, A, 0, i, lo);                       \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        const int64_t n = hi - lo;                                                            \
        const T gs = OPTIM_GSCALE(T, A, h), lr = (T)h->lr, wd = (T)h->weight_decay;           \
        const T mu = (T)h->momentum, d1 = (T)(1.0 - h->dampening);                            \
        const int mom = h->momentum == 0 ? 0 : (OPTIM_STEP(A, i) <= 1 ? 1 : 3);               \
        switch ((h->weight_decay != 0) * 8 + (mom + (mom && h->nesterov))) {                  \
            case 0: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 0, 0, 0); break;           \
            case 1: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 0, 1, 0); break;           \
            case 2: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 0, 1, 1); break;           \
            case 3: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 0, 2, 0); break;           \
            case 4: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 0, 2, 1); break;           \
            case 8: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 1, 0, 0); break;           \
            case 9: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 1, 1, 0); break;           \
            case 10: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 1, 1, 1); break;          \
            case 11: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 1, 2, 0); break;          \
            default: sgd_span_##SFX(p, g, b, n, gs, lr, wd, mu, d1, 1, 2, 1); break;          \
        }                                                                                     \
    }

/* ---- RMSprop ----
 * d = g * scale (negated if maximize);  d += wd * p
 * v = alpha * v + (1 - alpha) * d^2
 * centered: gavg = lerp(gavg, d, 1 - alpha), avg = sqrt(v - gavg^2) + eps; else avg = sqrt(v) + eps
 * momentum: buf = mu * buf + d / avg, p -= lr * buf;  else p -= lr * d / avg */
typedef struct rmsprop_hyper {
    double lr, alpha, eps, weight_decay, momentum;
    int centered, maximize;
} rmsprop_hyper;
static const lf_optim_field rmsprop_fields[] = {
    OPTIM_F64(rmsprop_hyper, lr), OPTIM_F64(rmsprop_hyper, alpha), OPTIM_F64(rmsprop_hyper, eps),
    OPTIM_F64(rmsprop_hyper, weight_decay), OPTIM_F64(rmsprop_hyper, momentum),
    OPTIM_INT(rmsprop_hyper, centered), OPTIM_INT(rmsprop_hyper, maximize), OPTIM_END};
static const char *const rmsprop_states[] = {"square_avg", "momentum_buffer", "grad_avg", NULL};

#define RMSPROP_KERNEL(T, SFX, SQRT)                                                          \
    LF_INLINE void rmsprop_span_##SFX(T *restrict p, const T *restrict g, T *restrict sq,     \
                                      T *restrict buf, T *restrict ga, int64_t n, const T gs, \
                                      const T lr, const T wd, const T mu, const T alpha,      \
                                      const T w, const T c, const T eps, const int small,     \
                                      const int WD, const int CENT, const int MOM) {          \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = g[i] * gs;                                                                  \
            if (WD) d = d + wd * p0;                                                          \
            const T v = sq[i] * alpha + w * d * d;                                            \
            sq[i] = v;                                                                        \
            T avg;                                                                            \
            if (CENT) {                                                                       \
                const T a0 = ga[i];                                                           \
                const T a = OPTIM_LERP(small, a0, d, c);                                      \
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
    static void rmsprop_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo,            \
                                    int64_t hi) {                                             \
        const rmsprop_hyper *h = OPTIM_HYPER(rmsprop_hyper, A, i);                            \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *sq = OPTIM_STATE(T, A, 0, i, lo), *b = OPTIM_STATE(T, A, 1, i, lo);                \
        T *ga = OPTIM_STATE(T, A, 2, i, lo);                                                  \
        const int64_t n = hi - lo;                                                            \
        const double w1 = 1.0 - h->alpha;                                                     \
        const int small = fabs(w1) < 0.5;                                                     \
        const T gs = OPTIM_GSCALE(T, A, h), lr = (T)h->lr, wd = (T)h->weight_decay;           \
        const T mu = (T)h->momentum, al = (T)h->alpha, w = (T)w1, eps = (T)h->eps;            \
        const T c = OPTIM_LERP_C(T, small, w1);                                               \
        const int v = (h->weight_decay != 0) * 4 + (h->centered != 0) * 2 + (h->momentum > 0); \
        switch (v) {                                                                          \
            case 0: RMSPROP_SPAN(SFX, 0, 0, 0); break;                                         \
            case 1: RMSPROP_SPAN(SFX, 0, 0, 1); break;                                         \
            case 2: RMSPROP_SPAN(SFX, 0, 1, 0); break;                                         \
            case 3: RMSPROP_SPAN(SFX, 0, 1, 1); break;                                         \
            case 4: RMSPROP_SPAN(SFX, 1, 0, 0); break;                                         \
            case 5: RMSPROP_SPAN(SFX, 1, 0, 1); break;                                         \
            case 6: RMSPROP_SPAN(SFX, 1, 1, 0); break;                                         \
            default: RMSPROP_SPAN(SFX, 1, 1, 1); break;                                        \
        }                                                                                     \
    }

/* ---- Adagrad ----
 * d = g * scale (negated if maximize);  d += wd * p
 * clr = lr / (1 + (t - 1) * lr_decay)   (double)
 * sum += d^2;  p -= clr * d / (sqrt(sum) + eps) */
typedef struct adagrad_hyper {
    double lr, lr_decay, weight_decay, eps;
    int maximize;
} adagrad_hyper;
static const lf_optim_field adagrad_fields[] = {
    OPTIM_F64(adagrad_hyper, lr), OPTIM_F64(adagrad_hyper, lr_decay),
    OPTIM_F64(adagrad_hyper, weight_decay), OPTIM_F64(adagrad_hyper, eps),
    OPTIM_INT(adagrad_hyper, maximize), OPTIM_END};
static const char *const adagrad_states[] = {"sum", NULL};

#define ADAGRAD_KERNEL(T, SFX, SQRT)                                                          \
    LF_INLINE void adagrad_span_##SFX(T *restrict p, const T *restrict g, T *restrict sum,    \
                                      int64_t n, const T gs, const T clr, const T wd,         \
                                      const T eps, const int WD) {                            \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = g[i] * gs;                                                                  \
            if (WD) d = d + wd * p0;                                                          \
            const T s = sum[i] + d * d;                                                       \
            sum[i] = s;                                                                       \
            p[i] = p0 - clr * d / (SQRT(s) + eps);                                            \
        }                                                                                     \
    }                                                                                         \
    static void adagrad_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo,            \
                                    int64_t hi) {                                             \
        const adagrad_hyper *h = OPTIM_HYPER(adagrad_hyper, A, i);                            \
        T *p = (T *)A->param[i] + lo, *s = OPTIM_STATE(T, A, 0, i, lo);                       \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        const int64_t n = hi - lo;                                                            \
        const T gs = OPTIM_GSCALE(T, A, h);                                                   \
        const T clr = (T)(h->lr / (1.0 + (double)(OPTIM_STEP(A, i) - 1) * h->lr_decay));      \
        const T wd = (T)h->weight_decay, eps = (T)h->eps;                                     \
        if (h->weight_decay != 0)                                                             \
            adagrad_span_##SFX(p, g, s, n, gs, clr, wd, eps, 1);                              \
        else                                                                                  \
            adagrad_span_##SFX(p, g, s, n, gs, clr, wd, eps, 0);                              \
    }

/* ---- Adam and AdamW ----
 * d = g * scale (negated if maximize)
 * Adam: d += wd * p;  AdamW: p *= 1 - lr * wd
 * m = lerp(m, d, 1 - beta1);  v = beta2 * v + (1 - beta2) * d^2
 * amsgrad: vmax = max(vmax, v) (NaN propagates, as torch.maximum)
 * bc1 = 1 - beta1^t, bc2 = 1 - beta2^t (double)
 * p -= (lr / bc1) * m / (sqrt(vmax or v) * (1 / sqrt(bc2)) + eps) */
typedef struct adam_hyper {
    double lr, beta1, beta2, eps, weight_decay;
    int amsgrad, maximize;
} adam_hyper;
static const lf_optim_field adam_fields[] = {
    OPTIM_F64(adam_hyper, lr), OPTIM_F64(adam_hyper, beta1), OPTIM_F64(adam_hyper, beta2),
    OPTIM_F64(adam_hyper, eps), OPTIM_F64(adam_hyper, weight_decay),
    OPTIM_INT(adam_hyper, amsgrad), OPTIM_INT(adam_hyper, maximize), OPTIM_END};
static const char *const adam_states[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq", NULL};

#define ADAM_KERNEL(T, SFX, SQRT)                                                             \
    LF_INLINE void adam_span_##SFX(T *restrict p, const T *restrict g, T *restrict m,         \
                                   T *restrict v, T *restrict vmax, int64_t n, const T gs,    \
                                   const T wd, const T decay, const T c, const T beta2,       \
                                   const T w2, const T rbc2s, const T eps, const T step_size, \
                                   const int small, const int WD, const int AMS) {            \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T p0 = p[i];                                                                      \
            T d = g[i] * gs;                                                                  \
            if (WD == WD_DECOUPLED) p0 = p0 * decay;                                          \
            if (WD == WD_L2) d = d + wd * p0;                                                 \
            const T m0 = m[i];                                                                \
            const T m1 = OPTIM_LERP(small, m0, d, c);                                         \
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
    LF_INLINE void adam_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi, \
                                    int decoupled) {                                          \
        const adam_hyper *h = OPTIM_HYPER(adam_hyper, A, i);                                  \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *m = OPTIM_STATE(T, A, 0, i, lo), *v = OPTIM_STATE(T, A, 1, i, lo);                 \
        T *vm = OPTIM_STATE(T, A, 2, i, lo);                                                  \
        const int64_t n = hi - lo;                                                            \
        const double t = (double)OPTIM_STEP(A, i), w1 = 1.0 - h->beta1;                       \
        const double bc1 = 1.0 - pow(h->beta1, t), bc2 = 1.0 - pow(h->beta2, t);              \
        const int small = fabs(w1) < 0.5, wdm = wd_mode(h->weight_decay, decoupled);          \
        const T gs = OPTIM_GSCALE(T, A, h), wd = (T)h->weight_decay;                          \
        const T decay = (T)(1.0 - h->lr * h->weight_decay), c = OPTIM_LERP_C(T, small, w1);   \
        const T b2 = (T)h->beta2, w2 = (T)(1.0 - h->beta2), rbc2s = (T)(1.0 / sqrt(bc2));     \
        const T eps = (T)h->eps, ss = (T)(h->lr / bc1);                                       \
        switch (wdm * 2 + (h->amsgrad != 0)) {                                                \
            case 0: ADAM_SPAN(SFX, 0, 0); break;                                               \
            case 1: ADAM_SPAN(SFX, 0, 1); break;                                               \
            case 2: ADAM_SPAN(SFX, 1, 0); break;                                               \
            case 3: ADAM_SPAN(SFX, 1, 1); break;                                               \
            case 4: ADAM_SPAN(SFX, 2, 0); break;                                               \
            default: ADAM_SPAN(SFX, 2, 1); break;                                              \
        }                                                                                     \
    }                                                                                         \
    static void adam_l2_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        adam_piece_##SFX(A, i, lo, hi, 0);                                                    \
    }                                                                                         \
    static void adamw_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        adam_piece_##SFX(A, i, lo, hi, 1);                                                    \
    }

/* ---- NAdam ----
 * d = g * scale (negated if maximize)
 * weight decay: d += wd * p, or p *= 1 - lr * wd with decoupled_weight_decay
 * m = lerp(m, d, 1 - beta1);  v = beta2 * v + (1 - beta2) * d^2
 * denom = sqrt(v / bc2) + eps,  bc2 = 1 - beta2^t
 * p += (-lr (1 - mu) / (1 - mu_product)) * d / denom
 * p += (-lr mu_next / (1 - mu_product mu_next)) * m / denom
 * mu = beta1 (1 - 0.5 * 0.96^(t momentum_decay)), mu_next the same at t + 1 and
 * mu_product the product of mu over steps 1..t: these three depend on the history
 * of the group's hyper-parameters and are the caller's (fields mu, mu_next,
 * mu_product, computed in double). */
typedef struct nadam_hyper {
    double lr, beta1, beta2, eps, weight_decay, mu, mu_next, mu_product;
    int decoupled_weight_decay, maximize;
} nadam_hyper;
static const lf_optim_field nadam_fields[] = {
    OPTIM_F64(nadam_hyper, lr), OPTIM_F64(nadam_hyper, beta1), OPTIM_F64(nadam_hyper, beta2),
    OPTIM_F64(nadam_hyper, eps), OPTIM_F64(nadam_hyper, weight_decay),
    OPTIM_F64(nadam_hyper, mu), OPTIM_F64(nadam_hyper, mu_next),
    OPTIM_F64(nadam_hyper, mu_product), OPTIM_INT(nadam_hyper, decoupled_weight_decay),
    OPTIM_INT(nadam_hyper, maximize), OPTIM_END};
static const char *const nadam_states[] = {"exp_avg", "exp_avg_sq", NULL};

#define NADAM_KERNEL(T, SFX, SQRT)                                                            \
    LF_INLINE void nadam_span_##SFX(T *restrict p, const T *restrict g, T *restrict m,        \
                                    T *restrict v, int64_t n, const T gs, const T wd,         \
                                    const T decay, const T c, const T beta2, const T w2,      \
                                    const T bc2, const T eps, const T c1, const T c2,         \
                                    const int small, const int WD) {                          \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T p0 = p[i];                                                                      \
            T d = g[i] * gs;                                                                  \
            if (WD == WD_DECOUPLED) p0 = p0 * decay;                                          \
            if (WD == WD_L2) d = d + wd * p0;                                                 \
            const T m0 = m[i];                                                                \
            const T m1 = OPTIM_LERP(small, m0, d, c);                                         \
            const T v1 = v[i] * beta2 + w2 * d * d;                                           \
            m[i] = m1;                                                                        \
            v[i] = v1;                                                                        \
            const T denom = SQRT(v1 / bc2) + eps;                                             \
            const T p1 = p0 + c1 * d / denom;                                                 \
            p[i] = p1 + c2 * m1 / denom;                                                      \
        }                                                                                     \
    }                                                                                         \
    static void nadam_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        const nadam_hyper *h = OPTIM_HYPER(nadam_hyper, A, i);                                \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *m = OPTIM_STATE(T, A, 0, i, lo), *v = OPTIM_STATE(T, A, 1, i, lo);                 \
        const int64_t n = hi - lo;                                                            \
        const double t = (double)OPTIM_STEP(A, i), w1 = 1.0 - h->beta1;                       \
        const int small = fabs(w1) < 0.5;                                                     \
        const int wdm = wd_mode(h->weight_decay, h->decoupled_weight_decay);                  \
        const T gs = OPTIM_GSCALE(T, A, h), wd = (T)h->weight_decay;                          \
        const T decay = (T)(1.0 - h->lr * h->weight_decay), c = OPTIM_LERP_C(T, small, w1);   \
        const T b2 = (T)h->beta2, w2 = (T)(1.0 - h->beta2), bc2 = (T)(1.0 - pow(h->beta2, t)); \
        const T eps = (T)h->eps;                                                              \
        const T c1 = (T)(-h->lr * (1.0 - h->mu) / (1.0 - h->mu_product));                    \
        const T c2 = (T)(-h->lr * h->mu_next / (1.0 - h->mu_product * h->mu_next));           \
        switch (wdm) {                                                                        \
            case WD_NONE: NADAM_SPAN(SFX, 0); break;                                           \
            case WD_L2: NADAM_SPAN(SFX, 1); break;                                             \
            default: NADAM_SPAN(SFX, 2); break;                                                \
        }                                                                                     \
    }

/* ---- RAdam ----
 * d = g * scale (negated if maximize)
 * weight decay: d += wd * p, or p *= 1 - lr * wd with decoupled_weight_decay
 * m = lerp(m, d, 1 - beta1);  v = beta2 * v + (1 - beta2) * d^2
 * bc1 = 1 - beta1^t, bc2 = 1 - beta2^t, rho_inf = 2 / (1 - beta2) - 1,
 * rho_t = rho_inf - 2 t beta2^t / bc2 (double)
 * rho_t > 5: rect = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
 *            p -= (m / bc1) * lr * (sqrt(bc2) / (sqrt(v) + eps)) * rect
 * else:      p -= (m / bc1) * lr */
typedef struct radam_hyper {
    double lr, beta1, beta2, eps, weight_decay;
    int decoupled_weight_decay, maximize;
} radam_hyper;
static const lf_optim_field radam_fields[] = {
    OPTIM_F64(radam_hyper, lr), OPTIM_F64(radam_hyper, beta1), OPTIM_F64(radam_hyper, beta2),
    OPTIM_F64(radam_hyper, eps), OPTIM_F64(radam_hyper, weight_decay),
    OPTIM_INT(radam_hyper, decoupled_weight_decay), OPTIM_INT(radam_hyper, maximize), OPTIM_END};
static const char *const radam_states[] = {"exp_avg", "exp_avg_sq", NULL};

#define RADAM_KERNEL(T, SFX, SQRT)                                                            \
    LF_INLINE void radam_span_##SFX(T *restrict p, const T *restrict g, T *restrict m,        \
                                    T *restrict v, int64_t n, const T gs, const T wd,         \
                                    const T decay, const T c, const T beta2, const T w2,      \
                                    const T bc1, const T lr, const T sbc2, const T eps,       \
                                    const T rect, const int small, const int WD,              \
                                    const int RECT) {                                         \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T p0 = p[i];                                                                      \
            T d = g[i] * gs;                                                                  \
            if (WD == WD_DECOUPLED) p0 = p0 * decay;                                          \
            if (WD == WD_L2) d = d + wd * p0;                                                 \
            const T m0 = m[i];                                                                \
            const T m1 = OPTIM_LERP(small, m0, d, c);                                         \
            const T v1 = v[i] * beta2 + w2 * d * d;                                           \
            m[i] = m1;                                                                        \
            v[i] = v1;                                                                        \
            const T u = m1 / bc1 * lr;                                                        \
            p[i] = RECT ? p0 - u * (sbc2 / (SQRT(v1) + eps)) * rect : p0 - u;                 \
        }                                                                                     \
    }                                                                                         \
    static void radam_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        const radam_hyper *h = OPTIM_HYPER(radam_hyper, A, i);                                \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *m = OPTIM_STATE(T, A, 0, i, lo), *v = OPTIM_STATE(T, A, 1, i, lo);                 \
        const int64_t n = hi - lo;                                                            \
        const double t = (double)OPTIM_STEP(A, i), w1 = 1.0 - h->beta1;                       \
        const double b2t = pow(h->beta2, t), bc2d = 1.0 - b2t;                                \
        const double rho_inf = 2.0 / (1.0 - h->beta2) - 1.0;                                  \
        const double rho_t = rho_inf - 2.0 * t * b2t / bc2d;                                  \
        const int rectify = rho_t > 5.0;                                                      \
        const double rect = rectify ? sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /          \
                                           ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))       \
                                    : 1.0;                                                    \
        const int small = fabs(w1) < 0.5;                                                     \
        const int wdm = wd_mode(h->weight_decay, h->decoupled_weight_decay);                  \
        const T gs = OPTIM_GSCALE(T, A, h), wd = (T)h->weight_decay;                          \
        const T decay = (T)(1.0 - h->lr * h->weight_decay), c = OPTIM_LERP_C(T, small, w1);   \
        const T b2 = (T)h->beta2, w2 = (T)(1.0 - h->beta2);                                   \
        const T bc1 = (T)(1.0 - pow(h->beta1, t)), lr = (T)h->lr, sbc2 = (T)sqrt(bc2d);       \
        const T eps = (T)h->eps, rc = (T)rect;                                                \
        switch (wdm * 2 + rectify) {                                                          \
            case 0: RADAM_SPAN(SFX, 0, 0); break;                                              \
            case 1: RADAM_SPAN(SFX, 0, 1); break;                                              \
            case 2: RADAM_SPAN(SFX, 1, 0); break;                                              \
            case 3: RADAM_SPAN(SFX, 1, 1); break;                                              \
            case 4: RADAM_SPAN(SFX, 2, 0); break;                                              \
            default: RADAM_SPAN(SFX, 2, 1); break;                                             \
        }                                                                                     \
    }

/* ---- Adamax ----
 * d = g * scale (negated if maximize);  d += wd * p
 * m = lerp(m, d, 1 - beta1);  u = max(beta2 * u, |d| + eps) (NaN propagates)
 * p -= (lr / (1 - beta1^t)) * m / u */
typedef struct adamax_hyper {
    double lr, beta1, beta2, eps, weight_decay;
    int maximize;
} adamax_hyper;
static const lf_optim_field adamax_fields[] = {
    OPTIM_F64(adamax_hyper, lr), OPTIM_F64(adamax_hyper, beta1), OPTIM_F64(adamax_hyper, beta2),
    OPTIM_F64(adamax_hyper, eps), OPTIM_F64(adamax_hyper, weight_decay),
    OPTIM_INT(adamax_hyper, maximize), OPTIM_END};
static const char *const adamax_states[] = {"exp_avg", "exp_inf", NULL};

#define ADAMAX_KERNEL(T, SFX)                                                                 \
    LF_INLINE void adamax_span_##SFX(T *restrict p, const T *restrict g, T *restrict m,       \
                                     T *restrict u, int64_t n, const T gs, const T wd,        \
                                     const T c, const T beta2, const T eps, const T clr,      \
                                     const int small, const int WD) {                         \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = g[i] * gs;                                                                  \
            if (WD) d = d + wd * p0;                                                          \
            const T m0 = m[i];                                                                \
            const T m1 = OPTIM_LERP(small, m0, d, c);                                         \
            const T a = u[i] * beta2, b = (d < 0 ? -d : d) + eps;                             \
            const T u1 = (a < b || b != b) ? b : a;                                           \
            m[i] = m1;                                                                        \
            u[i] = u1;                                                                        \
            p[i] = p0 - clr * m1 / u1;                                                        \
        }                                                                                     \
    }                                                                                         \
    static void adamax_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        const adamax_hyper *h = OPTIM_HYPER(adamax_hyper, A, i);                              \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *m = OPTIM_STATE(T, A, 0, i, lo), *u = OPTIM_STATE(T, A, 1, i, lo);                 \
        const int64_t n = hi - lo;                                                            \
        const double t = (double)OPTIM_STEP(A, i), w1 = 1.0 - h->beta1;                       \
        const int small = fabs(w1) < 0.5;                                                     \
        const T gs = OPTIM_GSCALE(T, A, h), wd = (T)h->weight_decay;                          \
        const T c = OPTIM_LERP_C(T, small, w1), b2 = (T)h->beta2, eps = (T)h->eps;            \
        const T clr = (T)(h->lr / (1.0 - pow(h->beta1, t)));                                  \
        if (h->weight_decay != 0)                                                             \
            adamax_span_##SFX(p, g, m, u, n, gs, wd, c, b2, eps, clr, small, 1);              \
        else                                                                                  \
            adamax_span_##SFX(p, g, m, u, n, gs, wd, c, b2, eps, clr, small, 0);              \
    }

/* ---- Adadelta ----
 * d = g * scale (negated if maximize);  d += wd * p
 * v = rho * v + (1 - rho) * d^2
 * delta = sqrt(acc + eps) / sqrt(v + eps) * d
 * acc = rho * acc + (1 - rho) * delta^2;  p -= lr * delta */
typedef struct adadelta_hyper {
    double lr, rho, eps, weight_decay;
    int maximize;
} adadelta_hyper;
static const lf_optim_field adadelta_fields[] = {
    OPTIM_F64(adadelta_hyper, lr), OPTIM_F64(adadelta_hyper, rho),
    OPTIM_F64(adadelta_hyper, eps), OPTIM_F64(adadelta_hyper, weight_decay),
    OPTIM_INT(adadelta_hyper, maximize), OPTIM_END};
static const char *const adadelta_states[] = {"square_avg", "acc_delta", NULL};

#define ADADELTA_KERNEL(T, SFX, SQRT)                                                         \
    LF_INLINE void adadelta_span_##SFX(T *restrict p, const T *restrict g, T *restrict sq,    \
                                       T *restrict acc, int64_t n, const T gs, const T lr,    \
                                       const T wd, const T rho, const T w, const T eps,       \
                                       const int WD) {                                        \
        for (int64_t i = 0; i < n; i++) {                                                     \
            const T p0 = p[i];                                                                \
            T d = g[i] * gs;                                                                  \
            if (WD) d = d + wd * p0;                                                          \
            const T v = sq[i] * rho + w * d * d;                                              \
            const T a0 = acc[i];                                                              \
            const T delta = SQRT(a0 + eps) / SQRT(v + eps) * d;                               \
            sq[i] = v;                                                                        \
            acc[i] = a0 * rho + w * delta * delta;                                            \
            p[i] = p0 - lr * delta;                                                           \
        }                                                                                     \
    }                                                                                         \
    static void adadelta_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo,           \
                                     int64_t hi) {                                            \
        const adadelta_hyper *h = OPTIM_HYPER(adadelta_hyper, A, i);                          \
        T *p = (T *)A->param[i] + lo;                                                         \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        T *sq = OPTIM_STATE(T, A, 0, i, lo), *acc = OPTIM_STATE(T, A, 1, i, lo);              \
        const int64_t n = hi - lo;                                                            \
        const T gs = OPTIM_GSCALE(T, A, h), lr = (T)h->lr, wd = (T)h->weight_decay;           \
        const T rho = (T)h->rho, w = (T)(1.0 - h->rho), eps = (T)h->eps;                      \
        if (h->weight_decay != 0)                                                             \
            adadelta_span_##SFX(p, g, sq, acc, n, gs, lr, wd, rho, w, eps, 1);                \
        else                                                                                  \
            adadelta_span_##SFX(p, g, sq, acc, n, gs, lr, wd, rho, w, eps, 0);                \
    }

/* ---- Rprop ----
 * d = g * scale (negated if maximize);  s = sign(d * prev)  (sign(NaN) = 0, as torch.sign)
 * f = eta_plus if s > 0, eta_minus if s < 0, else 1
 * step_size = clamp(step_size * f, step_size_min, step_size_max)   (NaN propagates)
 * d = 0 where f == eta_minus;  p -= sign(d) * step_size;  prev = d
 * step_size starts at lr (the caller fills it), prev at 0. */
typedef struct rprop_hyper {
    double lr, eta_minus, eta_plus, step_size_min, step_size_max;
    int maximize;
} rprop_hyper;
static const lf_optim_field rprop_fields[] = {
    OPTIM_F64(rprop_hyper, lr), OPTIM_F64(rprop_hyper, eta_minus),
    OPTIM_F64(rprop_hyper, eta_plus), OPTIM_F64(rprop_hyper, step_size_min),
    OPTIM_F64(rprop_hyper, step_size_max), OPTIM_INT(rprop_hyper, maximize), OPTIM_END};
static const char *const rprop_states[] = {"prev", "step_size", NULL};

#define RPROP_KERNEL(T, SFX)                                                                  \
    static void rprop_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        const rprop_hyper *h = OPTIM_HYPER(rprop_hyper, A, i);                                \
        T *restrict p = (T *)A->param[i] + lo;                                                \
        const T *restrict g = (const T *)A->grad[i] + lo;                                     \
        T *restrict prev = OPTIM_STATE(T, A, 0, i, lo);                                       \
        T *restrict ss = OPTIM_STATE(T, A, 1, i, lo);                                         \
        const int64_t n = hi - lo;                                                            \
        const T gs = OPTIM_GSCALE(T, A, h), em = (T)h->eta_minus, ep = (T)h->eta_plus;        \
        const T lo_s = (T)h->step_size_min, hi_s = (T)h->step_size_max;                       \
        for (int64_t k = 0; k < n; k++) {                                                     \
            const T d = g[k] * gs;                                                            \
            const T s = d * prev[k];                                                          \
            const T f = s > 0 ? ep : (s < 0 ? em : (T)1);                                     \
            T st = ss[k] * f;                                                                 \
            st = st < lo_s ? lo_s : st;                                                       \
            st = st > hi_s ? hi_s : st;                                                       \
            const T d1 = f == em ? (T)0 : d;                                                  \
            const T sg = (T)(d1 > 0) - (T)(d1 < 0);                                           \
            ss[k] = st;                                                                       \
            prev[k] = d1;                                                                     \
            p[k] = p[k] - sg * st;                                                            \
        }                                                                                     \
    }

/* ---- Lion ----
 * d = g * scale (negated if maximize)
 * p *= 1 - lr * wd  (decoupled weight decay, if wd != 0)
 * u = sign(beta1 * m + (1 - beta1) * d)  (sign(0) = 0; NaN propagates)
 * p -= lr * u;  m = beta2 * m + (1 - beta2) * d */
typedef struct lion_hyper {
    double lr, beta1, beta2, weight_decay;
    int maximize;
} lion_hyper;
static const lf_optim_field lion_fields[] = {
    OPTIM_F64(lion_hyper, lr), OPTIM_F64(lion_hyper, beta1), OPTIM_F64(lion_hyper, beta2),
    OPTIM_F64(lion_hyper, weight_decay), OPTIM_INT(lion_hyper, maximize), OPTIM_END};
static const char *const lion_states[] = {"exp_avg", NULL};

#define LION_KERNEL(T, SFX)                                                                   \
    LF_INLINE void lion_span_##SFX(T *restrict p, const T *restrict g, T *restrict m,         \
                                   int64_t n, const T gs, const T lr, const T decay,          \
                                   const T b1, const T w1, const T b2, const T w2,            \
                                   const int WD) {                                            \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T p0 = p[i];                                                                      \
            const T d = g[i] * gs, m0 = m[i];                                                 \
            if (WD) p0 = p0 * decay;                                                          \
            const T c = m0 * b1 + w1 * d;                                                     \
            const T u = c != c ? c : (T)(c > 0) - (T)(c < 0);                                 \
            p[i] = p0 - lr * u;                                                               \
            m[i] = m0 * b2 + w2 * d;                                                          \
        }                                                                                     \
    }                                                                                         \
    static void lion_piece_##SFX(const lf_optim_args *A, int64_t i, int64_t lo, int64_t hi) { \
        const lion_hyper *h = OPTIM_HYPER(lion_hyper, A, i);                                  \
        T *p = (T *)A->param[i] + lo, *m = OPTIM_STATE(T, A, 0, i, lo);                       \
        const T *g = (const T *)A->grad[i] + lo;                                              \
        const int64_t n = hi - lo;                                                            \
        const T gs = OPTIM_GSCALE(T, A, h), lr = (T)h->lr;                                    \
        const T decay = (T)(1.0 - h->lr * h->weight_decay);                                   \
        const T b1 = (T)h->beta1, w1 = (T)(1.0 - h->beta1);                                   \
        const T b2 = (T)h->beta2, w2 = (T)(1.0 - h->beta2);                                   \
        if (h->weight_decay != 0)                                                             \
            lion_span_##SFX(p, g, m, n, gs, lr, decay, b1, w1, b2, w2, 1);                    \
        else                                                                                  \
            lion_span_##SFX(p, g, m, n, gs, lr, decay, b1, w1, b2, w2, 0);                    \
    }

/* One step function per optimizer and type: optim_run over the optimizer's piece. */
#define OPTIM_STEP_FN(NAME, PIECE, T, SFX) \
    static void NAME##_##SFX(const lf_optim_args *A) { optim_run(A, PIECE##_##SFX, sizeof(T)); }

#define OPTIM_KERNELS(T, SFX, SQRT)                        \
    SGD_KERNEL(T, SFX)                                     \
    RMSPROP_KERNEL(T, SFX, SQRT)                           \
    ADAGRAD_KERNEL(T, SFX, SQRT)                           \
    ADAM_KERNEL(T, SFX, SQRT)                              \
    NADAM_KERNEL(T, SFX, SQRT)                             \
    RADAM_KERNEL(T, SFX, SQRT)                             \
    ADAMAX_KERNEL(T, SFX)                                  \
    ADADELTA_KERNEL(T, SFX, SQRT)                          \
    RPROP_KERNEL(T, SFX)                                   \
    LION_KERNEL(T, SFX)                                    \
    OPTIM_STEP_FN(sgd, sgd_piece, T, SFX)                  \
    OPTIM_STEP_FN(rmsprop, rmsprop_piece, T, SFX)          \
    OPTIM_STEP_FN(adagrad, adagrad_piece, T, SFX)          \
    OPTIM_STEP_FN(adam, adam_l2_piece, T, SFX)             \
    OPTIM_STEP_FN(adamw, adamw_piece, T, SFX)              \
    OPTIM_STEP_FN(nadam, nadam_piece, T, SFX)              \
    OPTIM_STEP_FN(radam, radam_piece, T, SFX)              \
    OPTIM_STEP_FN(adamax, adamax_piece, T, SFX)            \
    OPTIM_STEP_FN(adadelta, adadelta_piece, T, SFX)        \
    OPTIM_STEP_FN(rprop, rprop_piece, T, SFX)              \
    OPTIM_STEP_FN(lion, lion_piece, T, SFX)

OPTIM_KERNELS(float, f32, sqrtf)
OPTIM_KERNELS(double, f64, sqrt)

#define OPTIM_ENTRY(NAME, HYPER) \
    {#NAME, NAME##_states, sizeof(HYPER##_hyper), HYPER##_fields, NAME##_f32, NAME##_f64}

const lf_optim_entry LF_TARGET(lf_optim)[] = {
    OPTIM_ENTRY(sgd, sgd),
    OPTIM_ENTRY(rmsprop, rmsprop),
    OPTIM_ENTRY(adagrad, adagrad),
    OPTIM_ENTRY(adam, adam),
    {"adamw", adam_states, sizeof(adam_hyper), adam_fields, adamw_f32, adamw_f64},
    OPTIM_ENTRY(nadam, nadam),
    OPTIM_ENTRY(radam, radam),
    OPTIM_ENTRY(adamax, adamax),
    OPTIM_ENTRY(adadelta, adadelta),
    OPTIM_ENTRY(rprop, rprop),
    OPTIM_ENTRY(lion, lion),
    {NULL, NULL, 0, NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_optim_entry, lf_optim)

/* ---- gradient norms ----
 * Each tensor is cut into chunks of NORM_CHUNK elements (so the cut depends only
 * on the tensor's size); a chunk is reduced with NORM_LANES float64 accumulators,
 * element k going to lane k % NORM_LANES, the lanes then added in order; chunk
 * results are combined in (tensor, chunk) order.  The same operations in the same
 * order whatever the vector width or the number of threads. */
#define NORM_CHUNK 65536
#define NORM_LANES 8
enum { NORM_POW = 0, NORM_L1 = 1, NORM_L2 = 2, NORM_INF = 3 };

#define NORM_KERNEL(T, SFX)                                                                   \
    static double norm_chunk_##SFX(const T *restrict x, int64_t n, int kind, double p) {      \
        double acc[NORM_LANES] = {0};                                                         \
        int64_t i = 0;                                                                        \
        const int64_t nv = n - n % NORM_LANES;                                                \
        if (kind == NORM_L2) {                                                                \
            for (; i < nv; i += NORM_LANES)                                                   \
                for (int j = 0; j < NORM_LANES; j++) {                                        \
                    const double v = (double)x[i + j];                                        \
                    acc[j] = acc[j] + v * v;                                                  \
                }                                                                             \
            for (; i < n; i++) acc[i % NORM_LANES] += (double)x[i] * (double)x[i];            \
        } else if (kind == NORM_L1) {                                                         \
            for (; i < nv; i += NORM_LANES)                                                   \
                for (int j = 0; j < NORM_LANES; j++) {                                        \
                    const double v = (double)x[i + j];                                        \
                    acc[j] = acc[j] + (v < 0 ? -v : v);                                       \
                }                                                                             \
            for (; i < n; i++) acc[i % NORM_LANES] += fabs((double)x[i]);                     \
        } else if (kind == NORM_INF) {                                                        \
            for (; i < nv; i += NORM_LANES)                                                   \
                for (int j = 0; j < NORM_LANES; j++) {                                        \
                    const double v = (double)x[i + j], a = v < 0 ? -v : v;                    \
                    acc[j] = (a > acc[j] || a != a) ? a : acc[j];                             \
                }                                                                             \
            for (; i < n; i++) {                                                              \
                const double a = fabs((double)x[i]);                                          \
                const int j = (int)(i % NORM_LANES);                                          \
                acc[j] = (a > acc[j] || a != a) ? a : acc[j];                                 \
            }                                                                                 \
        } else {                                                                              \
            for (; i < n; i++) acc[i % NORM_LANES] += pow(fabs((double)x[i]), p);             \
        }                                                                                     \
        double r = acc[0];                                                                    \
        for (int j = 1; j < NORM_LANES; j++)                                                  \
            r = kind == NORM_INF ? ((acc[j] > r || acc[j] != acc[j]) ? acc[j] : r) : r + acc[j]; \
        return r;                                                                             \
    }                                                                                         \
    static void scale_chunk_##SFX(T *restrict x, int64_t n, T s) {                            \
        for (int64_t i = 0; i < n; i++) x[i] = x[i] * s;                                      \
    }

NORM_KERNEL(float, f32)
NORM_KERNEL(double, f64)

static int64_t norm_nchunks(int64_t n) { return (n + NORM_CHUNK - 1) / NORM_CHUNK; }

/* chunk c (global index) -> tensor and element range, with `start[i]` the first
 * global chunk of tensor i. */
static void norm_locate(int64_t c, int64_t n, const int64_t *start, const int64_t *size,
                        int64_t *ti, int64_t *lo, int64_t *len) {
    int64_t a = 0, b = n - 1;
    while (a < b) { /* the last tensor whose start <= c */
        const int64_t mid = (a + b + 1) / 2;
        if (start[mid] <= c) a = mid; else b = mid - 1;
    }
    *ti = a;
    *lo = (c - start[a]) * NORM_CHUNK;
    const int64_t rest = size[a] - *lo;
    *len = rest < NORM_CHUNK ? rest : NORM_CHUNK;
}

/* `start` (n + 1 entries): the first global chunk of each tensor; returns the total. */
static int64_t norm_starts(int64_t n, const int64_t *size, int64_t *start) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) {
        if (start) start[i] = c;
        c += norm_nchunks(size[i]);
    }
    return c;
}

static double norm_one(int64_t c, int64_t n, const int64_t *start, const int64_t *size,
                       const void *const *data, const int *f64, int kind, double p) {
    int64_t ti, lo, len;
    norm_locate(c, n, start, size, &ti, &lo, &len);
    return f64[ti] ? norm_chunk_f64((const double *)data[ti] + lo, len, kind, p)
                   : norm_chunk_f32((const float *)data[ti] + lo, len, kind, p);
}

static inline double norm_combine(double r, double x, int kind) {
    return kind == NORM_INF ? ((x > r || x != x) ? x : r) : r + x;
}

static double norm_sum(int64_t n, const int64_t *size, const void *const *data, const int *f64,
                       double p) {
    const int kind = isinf(p) ? NORM_INF : (p == 1.0 ? NORM_L1 : (p == 2.0 ? NORM_L2 : NORM_POW));
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) total += size[i];
    const int64_t nchunks = norm_starts(n, size, NULL);
    if (nchunks == 0) return 0.0;
    int64_t *start = (int64_t *)malloc((size_t)n * sizeof(int64_t));
    const int nt = lf_threads_for(total);
    double *part = nt > 1 && nchunks > 1 ? (double *)malloc((size_t)nchunks * sizeof(double))
                                         : NULL;
    double r = 0.0;
    if (start) norm_starts(n, size, start);
    if (start && part) { /* chunks in parallel, combined in order */
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
        for (int64_t c = 0; c < nchunks; c++)
            part[c] = norm_one(c, n, start, size, data, f64, kind, p);
        for (int64_t c = 0; c < nchunks; c++) r = norm_combine(r, part[c], kind);
    } else if (start) { /* the same chunks, on this thread */
        for (int64_t c = 0; c < nchunks; c++)
            r = norm_combine(r, norm_one(c, n, start, size, data, f64, kind, p), kind);
    } else { /* out of memory for the chunk index: the same order, tensor by tensor */
        for (int64_t i = 0; i < n; i++)
            for (int64_t lo = 0; lo < size[i]; lo += NORM_CHUNK) {
                const int64_t len = size[i] - lo < NORM_CHUNK ? size[i] - lo : NORM_CHUNK;
                const double x =
                    f64[i] ? norm_chunk_f64((const double *)data[i] + lo, len, kind, p)
                           : norm_chunk_f32((const float *)data[i] + lo, len, kind, p);
                r = norm_combine(r, x, kind);
            }
    }
    free(start);
    free(part);
    return r;
}

static void norm_scale(int64_t n, const int64_t *size, void *const *data, const int *f64,
                       double s) {
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) total += size[i];
    const int nt = lf_threads_for(total);
    const int64_t nchunks = norm_starts(n, size, NULL);
    int64_t *start = nt > 1 ? (int64_t *)malloc((size_t)n * sizeof(int64_t)) : NULL;
    if (start) {
        norm_starts(n, size, start);
#pragma omp parallel for num_threads(nt) schedule(static)
        for (int64_t c = 0; c < nchunks; c++) {
            int64_t ti, lo, len;
            norm_locate(c, n, start, size, &ti, &lo, &len);
            if (f64[ti])
                scale_chunk_f64((double *)data[ti] + lo, len, s);
            else
                scale_chunk_f32((float *)data[ti] + lo, len, (float)s);
        }
        free(start);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        if (f64[i])
            scale_chunk_f64((double *)data[i], size[i], s);
        else
            scale_chunk_f32((float *)data[i], size[i], (float)s);
    }
}

const lf_optim_norm_entry LF_TARGET(lf_optim_norm)[] = {{norm_sum, norm_scale}};
LF_DEFINE_SELECTOR(lf_optim_norm_entry, lf_optim_norm)
