/* The one driver for elementwise losses.
 *
 * A loss is written once as a BODY that reads `yt`, `yp` (type T) and the
 * parameters p0..p3 (type T) and sets `l` (the loss of the element) and `g`
 * (its derivative with respect to yp).  LF_EW_LOSS(name, BODY) generates the
 * float and double kernels `name_f32` / `name_f64` with the lf_ew_fn
 * signature: chunked deterministic reductions, sample weights, all output
 * modes and OpenMP threads.  Each (mode, weighting) combination is a separate
 * straight loop the compiler vectorises (`omp simd reduction` permits the
 * reordered float64 accumulation within a chunk).
 */
#ifndef LF_ELEMENTWISE_H
#define LF_ELEMENTWISE_H

#include "lossfast.h"
#include "lf_math.h"

#define LF_EW_SPAN(NAME, TYPE, SFX, ...)                                                    \
    LF_INLINE double NAME##_##SFX##_span(                                                   \
        const TYPE *restrict yt_, const TYPE *restrict yp_, const TYPE *restrict w_,        \
        double wsc, int64_t n, const TYPE p0, const TYPE p1, const TYPE p2, const TYPE p3,  \
        TYPE *restrict lo_, TYPE *restrict go_, double gs, const int SUM, const int ELEM,   \
        const int GRAD, const int WVEC) {                                                   \
        typedef TYPE T;                                                                     \
        (void)p0; (void)p1; (void)p2; (void)p3;                                             \
        double acc = 0.0;                                                                   \
        const T wl = (T)wsc, wg = (T)(wsc * gs), gsT = (T)gs;                               \
        LF_PRAGMA(omp simd reduction(+ : acc))                                              \
        for (int64_t i = 0; i < n; i++) {                                                   \
            const T yt = yt_[i], yp = yp_[i];                                               \
            T l, g;                                                                         \
            __VA_ARGS__                                                                     \
            if (SUM) acc += WVEC ? (double)l * (double)w_[i] : (double)l;                   \
            if (ELEM) lo_[i] = WVEC ? l * w_[i] : l * wl;                                   \
            if (GRAD) go_[i] = WVEC ? g * (w_[i] * gsT) : g * wg;                           \
        }                                                                                   \
        return WVEC ? acc : acc * wsc;                                                      \
    }

/* Elements [a, b) of one chunk: picks the specialised loop for the mode and
 * the weighting (none, one weight per element, one weight per row of n_cols). */
#define LF_EW_CHUNK(NAME, TYPE, SFX)                                                        \
    static double NAME##_##SFX##_chunk(const lf_ew_args *A, int64_t a, int64_t b) {         \
        const TYPE *yt = (const TYPE *)A->y_true + a, *yp = (const TYPE *)A->y_pred + a;    \
        const TYPE *w = (const TYPE *)A->weight;                                            \
        TYPE *lo = A->loss_out ? (TYPE *)A->loss_out + a : NULL;                            \
        TYPE *go = A->grad_out ? (TYPE *)A->grad_out + a : NULL;                            \
        const TYPE p0 = (TYPE)A->params[0], p1 = (TYPE)A->params[1];                        \
        const TYPE p2 = (TYPE)A->params[2], p3 = (TYPE)A->params[3];                        \
        const double gs = A->grad_scale;                                                    \
        const int64_t nc = A->n_cols;                                                       \
        double acc = 0.0;                                                                   \
        int64_t i = a;                                                                      \
        while (i < b) {                                                                     \
            int64_t e = b, off = i - a;                                                     \
            const TYPE *wv = NULL;                                                          \
            double ws = 1.0;                                                                \
            if (w && nc == 1) wv = w + i;                                                   \
            else if (w) {                                                                   \
                const int64_t row = i / nc;                                                 \
                ws = (double)w[row];                                                        \
                if ((row + 1) * nc < b) e = (row + 1) * nc;                                 \
            }                                                                               \
            const int64_t m = e - i;                                                        \
            TYPE *lo2 = lo ? lo + off : NULL, *go2 = go ? go + off : NULL;                  \
            _LF_EW_MODES(NAME##_##SFX##_span, yt + off, yp + off, m, lo2, go2)              \
            i = e;                                                                          \
        }                                                                                   \
        return acc;                                                                         \
    }

#define _LF_EW_CALL(SPAN, YT, YP, M, LO, GO, S, E, G)                                       \
    (wv ? SPAN(YT, YP, wv, 1.0, M, p0, p1, p2, p3, LO, GO, gs, S, E, G, 1)                  \
        : SPAN(YT, YP, NULL, ws, M, p0, p1, p2, p3, LO, GO, gs, S, E, G, 0))

#define _LF_EW_MODES(SPAN, YT, YP, M, LO, GO)                                               \
    switch (A->mode) {                                                                      \
        case LF_SUM: acc += _LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 1, 0, 0); break;           \
        case LF_ELEM: _LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 1, 0); break;                 \
        case LF_GRAD: _LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 0, 1); break;                 \
        case LF_SUM | LF_GRAD: acc += _LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 1, 0, 1); break;  \
        case LF_ELEM | LF_GRAD: _LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 1, 1); break;        \
        default: break;                                                                     \
    }

/* The kernel: deterministic chunks (lf_chunk_size) run by OpenMP threads,
 * chunk sums added in chunk order. */
#define LF_EW_KERNEL(NAME, TYPE, SFX)                                                       \
    static double NAME##_##SFX(const lf_ew_args *A) {                                       \
        const int64_t n = A->n;                                                             \
        const int64_t cs = lf_chunk_size(n);                                                \
        const int64_t nch = (n + cs - 1) / cs;                                              \
        double part[LF_MAX_CHUNKS];                                                         \
        const int nt = nch > 1 ? lf_threads_for(n) : 1;                                     \
        (void)nt; /* unused without OpenMP */                                               \
        LF_PRAGMA(omp parallel for num_threads(nt) schedule(static) if (nt > 1))            \
        for (int64_t c = 0; c < nch; c++) {                                                 \
            const int64_t a = c * cs, b = a + cs < n ? a + cs : n;                          \
            part[c] = NAME##_##SFX##_chunk(A, a, b);                                        \
        }                                                                                   \
        double s = 0.0;                                                                     \
        for (int64_t c = 0; c < nch; c++) s += part[c];                                     \
        return s;                                                                           \
    }

#define LF_EW_LOSS(NAME, ...)                                                               \
    LF_EW_SPAN(NAME, float, f32, __VA_ARGS__)                                               \
    LF_EW_SPAN(NAME, double, f64, __VA_ARGS__)                                              \
    LF_EW_CHUNK(NAME, float, f32)                                                           \
    LF_EW_CHUNK(NAME, double, f64)                                                          \
    LF_EW_KERNEL(NAME, float, f32)                                                          \
    LF_EW_KERNEL(NAME, double, f64)

/* A table row for the loss NAME. */
#define LF_EW_ENTRY(NAME) {#NAME, NAME##_f32, NAME##_f64}

/* sign(x) with sign(0) = 0 and NaN kept. */
#define LF_SIGN(T, x) ((x) == (x) ? (T)((x) > 0) - (T)((x) < 0) : (x))

#endif
