/* The one definition of the elementwise loss kernels.
 *
 * A loss is written once: LF_EW_LOSS(name, (SETUP), BODY), or
 * LF_EW_CHECKED_LOSS(name, (SETUP), RULE, BODY) for a loss whose inputs have
 * a rule.  SETUP (in parentheses, may be empty) declares the constants of
 * type T the loop needs from the named hyper-parameters `P->field`
 * (lf_loss_params, lossfast.h); BODY reads `yt`, `yp` (type T) and those
 * constants and sets `l` (the loss of the element) and `g` (its derivative
 * with respect to yp); RULE is an expression of `yt`, `yp`, true for an
 * element that breaks the rule (never for NaN).  The macros generate the
 * float and double kernels `name_f32` / `name_f64` of lf_loss_fn type: every
 * output mode, sample weights, the LF_CHECK counts, deterministic chunks run
 * on threads by the chunk driver (lf_run_chunks).  Each (mode, weighting,
 * check) combination is a separate straight loop the compiler vectorises
 * (`omp simd reduction` permits the reordered float64 accumulation within a
 * chunk).  Under LF_CHECK the counts come from a second loop over each span
 * right after the loss loop, while the span is in cache (the same pass over
 * memory; the loss loop itself is the unchecked one, so results do not
 * depend on the check); without LF_CHECK nothing of it runs, so callers that
 * build their labels themselves (the linear-model kernels) do not pay for it.
 */
#ifndef LF_ELEMENTWISE_H
#define LF_ELEMENTWISE_H

#include "lf_helpers.h"

/* Chunk partials: the weighted sum and the three LF_CHECK counts. */
#define LF_EW_WIDTH 4

#define LF_EW_COUNT_PIECE ((int64_t)1 << 30)

#define LF_EW_SPAN(NAME, TYPE, ITYPE, SFX, SETUP, RULE, ...)                                       \
    LF_INLINE double NAME##_##SFX##_span(                                                   \
        const TYPE *restrict yt_, const TYPE *restrict yp_, const TYPE *restrict w_,        \
        double wsc, int64_t n, const lf_loss_params *P, TYPE *restrict lo_,                 \
        TYPE *restrict go_, double gs, const int SUM, const int ELEM, const int GRAD,       \
        const int WVEC, const int CHECK, double *restrict cnt) {                            \
        typedef TYPE T;                                                                     \
        (void)P;                                                                            \
        LF_UNPAREN SETUP                                                                    \
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
        if (CHECK) {                                                                        \
            /* the same span again, while it is in cache: no extra pass over memory.       \
             * Integer counters as wide as T (a compare mask added as is: one             \
             * instruction per counter and vector, where float64 counters of float        \
             * data took conversions and twice the adds), over pieces of at most 2^30     \
             * elements so they cannot overflow. */                                         \
            for (int64_t s0 = 0; s0 < n; s0 += LF_EW_COUNT_PIECE) {                         \
                const int64_t s1 = n - s0 < LF_EW_COUNT_PIECE ? n : s0 + LF_EW_COUNT_PIECE; \
                ITYPE nbad = 0, nlab = 0, nsoft = 0;                                        \
                LF_PRAGMA(omp simd reduction(+ : nbad, nlab, nsoft))                        \
                for (int64_t i = s0; i < s1; i++) {                                         \
                    const T yt = yt_[i], yp = yp_[i];                                       \
                    nbad += (RULE) ? 1 : 0;                                                 \
                    nlab += (yp == 0 || yp == 1) ? 1 : 0;                                   \
                    nsoft += (yt > 0 && yt < 1) ? 1 : 0;                                    \
                }                                                                           \
                cnt[0] += (double)nbad;                                                     \
                cnt[1] += (double)nlab;                                                     \
                cnt[2] += (double)nsoft;                                                    \
            }                                                                               \
        }                                                                                   \
        return WVEC ? acc : acc * wsc;                                                      \
    }

/* One span with the weighting of the caller (per element or one scale). */
#define LF_EW_CALL(SPAN, YT, YP, M, LO, GO, S, E, G, C)                                     \
    (wv ? SPAN(YT, YP, wv, 1.0, M, A->params, LO, GO, gs, S, E, G, 1, C, cnt)               \
        : SPAN(YT, YP, NULL, ws, M, A->params, LO, GO, gs, S, E, G, 0, C, cnt))

/* The specialised loop for the mode (output combination, with or without the check). */
#define LF_EW_MODES(SPAN, YT, YP, M, LO, GO)                                                \
    switch (A->mode) {                                                                      \
        case LF_SUM: acc += LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 1, 0, 0, 0); break;         \
        case LF_ELEM: LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 1, 0, 0); break;               \
        case LF_GRAD: LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 0, 1, 0); break;               \
        case LF_SUM | LF_GRAD: acc += LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 1, 0, 1, 0); break; \
        case LF_ELEM | LF_GRAD: LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 1, 1, 0); break;     \
        case LF_CHECK | LF_SUM: acc += LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 1, 0, 0, 1); break; \
        case LF_CHECK | LF_ELEM: LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 1, 0, 1); break;    \
        case LF_CHECK | LF_GRAD: LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 0, 1, 1); break;    \
        case LF_CHECK | LF_SUM | LF_GRAD:                                                   \
            acc += LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 1, 0, 1, 1); break;                  \
        case LF_CHECK | LF_ELEM | LF_GRAD:                                                  \
            LF_EW_CALL(SPAN, YT, YP, M, LO, GO, 0, 1, 1, 1); break;                         \
        default: break;                                                                     \
    }

/* Elements [a, b) of one chunk (a chunk body of the driver): picks the
 * specialised loop for the mode and the weighting: none; one weight per
 * element (n_cols == 1); one weight per row of n_cols elements.  Rows of at
 * least LF_EW_LONG_ROW elements run as one loop per row with that row's
 * weight; shorter rows have their weights expanded per element into a small
 * stack buffer, LF_EW_WBLOCK elements at a time, so the loop stays long and
 * vectorised.  partial[0] = the weighted sum, partial[1..3] = the counts. */
#define LF_EW_LONG_ROW 64
#define LF_EW_WBLOCK 1024
#define LF_EW_CHUNK(NAME, TYPE, SFX)                                                        \
    static int NAME##_##SFX##_chunk(void *ctx, int64_t c_, int64_t a, int64_t b,            \
                                    double *partial, void *scratch_) {                      \
        const lf_loss_args *A = (const lf_loss_args *)ctx;                                      \
        (void)c_; (void)scratch_;                                                           \
        const TYPE *yt = (const TYPE *)A->y_true + a, *yp = (const TYPE *)A->y_pred + a;    \
        const TYPE *w = (const TYPE *)A->weight;                                            \
        TYPE *lo = A->loss_out ? (TYPE *)A->loss_out + a : NULL;                            \
        TYPE *go = A->grad_out ? (TYPE *)A->grad_out + a : NULL;                            \
        const double gs = A->grad_scale;                                                    \
        const int64_t nc = A->n_cols;                                                       \
        double *cnt = partial + 1;                                                          \
        TYPE wbuf[LF_EW_WBLOCK];                                                            \
        double acc = 0.0;                                                                   \
        int64_t i = a;                                                                      \
        int64_t row = w ? a / nc : 0, col = w ? a - row * nc : 0;                           \
        while (i < b) {                                                                     \
            int64_t e = b;                                                                  \
            const int64_t off = i - a;                                                      \
            const TYPE *wv = NULL;                                                          \
            double ws = 1.0;                                                                \
            if (w && nc == 1) {                                                             \
                wv = w + i;                                                                 \
            } else if (w && nc >= LF_EW_LONG_ROW) {                                         \
                ws = (double)w[row];                                                        \
                if (i + (nc - col) < b) e = i + (nc - col);                                 \
                row++;                                                                      \
                col = 0;                                                                    \
            } else if (w) {                                                                 \
                if (i + LF_EW_WBLOCK < b) e = i + LF_EW_WBLOCK;                             \
                for (int64_t k = 0; k < e - i;) {                                           \
                    const int64_t take = nc - col < e - i - k ? nc - col : e - i - k;       \
                    const TYPE wr = w[row];                                                 \
                    for (int64_t j = 0; j < take; j++) wbuf[k + j] = wr;                    \
                    k += take;                                                              \
                    col += take;                                                            \
                    if (col == nc) { col = 0; row++; }                                      \
                }                                                                           \
                wv = wbuf;                                                                  \
            }                                                                               \
            const int64_t m = e - i;                                                        \
            TYPE *lo2 = lo ? lo + off : NULL, *go2 = go ? go + off : NULL;                  \
            LF_EW_MODES(NAME##_##SFX##_span, yt + off, yp + off, m, lo2, go2)               \
            i = e;                                                                          \
        }                                                                                   \
        partial[0] = acc;                                                                   \
        return 0;                                                                           \
    }

/* The kernel: the chunk driver over lf_plan_items(n, 1). */
#define LF_EW_KERNEL(NAME, TYPE, SFX)                                                       \
    static double NAME##_##SFX(const lf_loss_args *A) {                                       \
        lf_chunk_job job = {lf_plan_items(A->n, 1), LF_EW_WIDTH, 0, 0,                      \
                            NAME##_##SFX##_chunk, (void *)A};                               \
        double r[LF_EW_WIDTH] = {0.0, 0.0, 0.0, 0.0};                                       \
        if (A->n > 0) lf_run_chunks(&job, r);                                               \
        if ((A->mode & LF_CHECK) && A->counts) {                                            \
            A->counts[0] = r[1];                                                            \
            A->counts[1] = r[2];                                                            \
            A->counts[2] = r[3];                                                            \
        }                                                                                   \
        return r[0];                                                                        \
    }

#define LF_EW_LOSS(NAME, SETUP, ...) LF_EW_CHECKED_LOSS(NAME, SETUP, 0, __VA_ARGS__)

#define LF_EW_CHECKED_LOSS(NAME, SETUP, RULE, ...)                                          \
    LF_EW_SPAN(NAME, float, int32_t, f32, SETUP, RULE, __VA_ARGS__)                         \
    LF_EW_SPAN(NAME, double, int64_t, f64, SETUP, RULE, __VA_ARGS__)                        \
    LF_EW_CHUNK(NAME, float, f32)                                                           \
    LF_EW_CHUNK(NAME, double, f64)                                                          \
    LF_EW_KERNEL(NAME, float, f32)                                                          \
    LF_EW_KERNEL(NAME, double, f64)

/* A table row for the loss NAME, reading the named parameters PARAMS. */
#define LF_EW_ENTRY(NAME, PARAMS) {#NAME, PARAMS, NAME##_f32, NAME##_f64}

#endif
