/* The leave-one-out pass of RidgeCV (ridge_loo.h): per block of rows, three
 * small matrix products with the output columns along the SIMD lanes (rl_mm) and
 * the residuals of every alpha, on the chunk driver. */
#include <stdlib.h>
#include <string.h>
#include "ridge_loo.h"

#define RL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RL_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RL_MAX_CHUNKS 64

/* One SIMD register of doubles (GCC vector extension: zmm, ymm or xmm). */
#if defined(LF_TARGET_AVX512)
#define RL_VL 8
#elif defined(LF_TARGET_AVX2)
#define RL_VL 4
#else
#define RL_VL 2
#endif
typedef double rl_vec __attribute__((vector_size(RL_VL * 8), aligned(RL_VL * 8)));
/* the micro-tile's rows: 12 x 2 registers of accumulators with AVX-512's 32
 * registers, 6 x 2 with 16; rows per block: a multiple of them */
#if defined(LF_TARGET_AVX512)
#define RL_MR 12
#else
#define RL_MR 6
#endif
#define RL_ROWS 192
#define RL_TW (2 * RL_VL) /* the micro-tile's width: 2 registers of output columns */

static int64_t rl_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/* The padded operands shared by every thread, and the sizes (columns padded
 * to multiples of RL_TW with zeros). */
typedef struct rl_plan {
    const lf_ridge_loo_args *A;
    int F32;
    int64_t dq, rq, aq;
    double *Vp;   /* d x dq: V */
    double *Rp;   /* d x rq: R */
    double *Cp;   /* r x aq: C, or NULL */
} rl_plan;

/* Out[i, :] = sum_j In[i, j] W[j, :] for i < rows (a multiple of RL_MR) and the
 * no (a multiple of RL_TW) columns of W: output columns along the SIMD lanes,
 * so no horizontal sums; an RL_MR x (2 registers) tile of accumulators per pass
 * over j (2 loads + RL_MR broadcasts per 2 RL_MR multiply-adds; 12 rows on
 * AVX-512 measured 4 % faster than 6 for the leave-one-out pass at d = 100).
 * Each output is summed over j in order whatever the tile.  W and Out rows
 * 64-byte aligned. */
static void rl_mm(const double *restrict In, int64_t ldi, int64_t rows, int64_t ni,
                  const double *restrict W, int64_t no, double *restrict Out) {
    const int64_t st = no / RL_VL;
    for (int64_t i = 0; i < rows; i += RL_MR) {
        const double *x = In + i * ldi;
        for (int64_t l = 0; l < no; l += RL_TW) {
            rl_vec acc[RL_MR][2];
#pragma GCC unroll 16
            for (int r = 0; r < RL_MR; r++) acc[r][0] = acc[r][1] = (rl_vec){0};
            for (int64_t j = 0; j < ni; j++) {
                const rl_vec *w = (const rl_vec *)(W + j * no + l);
                const rl_vec w0 = w[0], w1 = w[1];
#pragma GCC unroll 16
                for (int r = 0; r < RL_MR; r++) {
                    const double p = x[r * ldi + j];
                    acc[r][0] += p * w0;
                    acc[r][1] += p * w1;
                }
            }
            rl_vec *o = (rl_vec *)(Out + i * no + l);
#pragma GCC unroll 16
            for (int r = 0; r < RL_MR; r++) {
                o[r * st] = acc[r][0];
                o[r * st + 1] = acc[r][1];
            }
        }
    }
}

#define RL_PACK(T, SFX)                                                                     \
    /* P[i, j] = s_i (x_ij - m_j), float64; rows m..m6 zero */                              \
    static void rl_pack_##SFX(const T *restrict X, int64_t m, int64_t m6, int64_t d,        \
                              const double *restrict s, const double *restrict mu,          \
                              double *restrict P) {                                         \
        for (int64_t i = 0; i < m; i++) {                                                   \
            const T *restrict x = X + i * d;                                                \
            double *restrict p = P + i * d;                                                 \
            const double si = s ? s[i] : 1.0;                                               \
            LF_PRAGMA(omp simd)                                                             \
            for (int64_t j = 0; j < d; j++) p[j] = si * ((double)x[j] - mu[j]);             \
        }                                                                                   \
        memset(P + m * d, 0, (size_t)((m6 - m) * d) * sizeof(double));                    \
    }
RL_PACK(float, f32)
RL_PACK(double, f64)

static int rl_chunk(void *ctx, int64_t c, int64_t b0, int64_t b1, double *partial,
                    void *scratch) {
    const rl_plan *L = (const rl_plan *)ctx;
    const lf_ridge_loo_args *A = L->A;
    const int64_t n = A->n, d = A->d, k = A->k, NA = A->n_alphas, r = A->r;
    const int64_t dq = L->dq, rq = L->rq, aq = L->aq;
    const int64_t S = RL_ROWS, ts = L->F32 ? 4 : 8;
    double *Q = (double *)scratch;          /* S x dq: [Xc V, Xc B_0, ..., Xc B_{k-1}] */
    double *U = Q + S * dq;                 /* S x d: Q[:, :d]^2 */
    double *Z = U + S * d;                  /* S x rq */
    double *H = Z + S * rq;                 /* S x aq */
    double *HY = H + S * aq;                /* S x aq */
    double *P = HY + S * aq;                /* S x d */
    (void)c;
    for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t a0 = blk * S, m = RL_MIN(S, n - a0), m6 = rl_up(m, RL_MR);
        const char *Xb = (const char *)A->X + a0 * d * ts;
        const double *s = A->sqrt_w ? A->sqrt_w + a0 : NULL;
        if (L->F32) rl_pack_f32((const float *)Xb, m, m6, d, s, A->x_mean, P);
        else rl_pack_f64((const double *)Xb, m, m6, d, s, A->x_mean, P);
        /* one product for the eigen-coordinates and every target's (H yc) factor */
        rl_mm(P, d, m6, d, L->Vp, dq, Q);
        for (int64_t i = 0; i < m6; i++) {
            const double *restrict q = Q + i * dq;
            double *restrict u = U + i * d;
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < d; j++) u[j] = q[j] * q[j];
        }
        /* H = Q^2 R C, then 1 / (1 - H_ii) with the intercept's s_i^2 / sum(w) */
        if (L->Cp) {
            rl_mm(U, d, m6, d, L->Rp, rq, Z);
            rl_mm(Z, rq, m6, r, L->Cp, aq, H);
        } else {
            rl_mm(U, d, m6, d, L->Rp, rq, H);
        }
        for (int64_t i = 0; i < m; i++) {
            const double si = s ? s[i] : 1.0, hi = si * si * A->h0;
            double *restrict h = H + i * aq;
            LF_PRAGMA(omp simd)
            for (int64_t a = 0; a < NA; a++) h[a] = 1.0 / (1.0 - (h[a] + hi));
        }
        for (int64_t t = 0; t < k; t++) {
            /* (H yc)_t = (Xc B_t) C, Xc B_t the columns d + t r .. of Q (with C
             * NULL, B_t = V diag(c_t) inv: those columns are (H yc)_t itself) */
            const double *hyt;
            int64_t ldh;
            if (L->Cp) {
                rl_mm(Q + d + t * r, dq, m6, r, L->Cp, aq, HY);
                hyt = HY;
                ldh = aq;
            } else {
                hyt = Q + d + t * r;
                ldh = dq;
            }
            const double ym = A->y_mean[t];
            double *restrict acc = partial + t * NA;
            for (int64_t i = 0; i < m; i++) {
                const double yv = L->F32 ? (double)((const float *)A->Y)[(a0 + i) * k + t]
                                         : ((const double *)A->Y)[(a0 + i) * k + t];
                const double yc = (s ? s[i] : 1.0) * (yv - ym);
                const double *restrict h = H + i * aq;
                const double *restrict hy = hyt + i * ldh;
                if (A->looe) {
                    double *restrict out = A->looe + ((a0 + i) * k + t) * NA;
                    LF_PRAGMA(omp simd)
                    for (int64_t a = 0; a < NA; a++) {
                        const double e = (yc - hy[a]) * h[a];
                        out[a] = e;
                        acc[a] += e * e;
                    }
                } else {
                    LF_PRAGMA(omp simd)
                    for (int64_t a = 0; a < NA; a++) {
                        const double e = (yc - hy[a]) * h[a];
                        acc[a] += e * e;
                    }
                }
            }
        }
    }
    return 0;
}

static double *rl_alloc(int64_t count) {
    size_t bytes = ((size_t)(count > 0 ? count : 1) * sizeof(double) + 63) & ~(size_t)63;
    double *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

LF_INLINE int rl_loo(const lf_ridge_loo_args *A, const int F32) {
    const int64_t n = A->n, d = A->d, k = A->k, NA = A->n_alphas, r = A->r;
    if (k < 1 || NA < 1 || r < 1 || d < 1 || !A->X || !A->Y || !A->x_mean || !A->y_mean ||
        !A->V || !A->c || !A->R || !A->sq_sum || (!A->C && r != NA))
        return -2;
    memset(A->sq_sum, 0, (size_t)(k * NA) * sizeof(double));
    if (n <= 0) return 0;
    rl_plan L;
    L.A = A;
    L.F32 = F32;
    L.dq = rl_up(d + k * r, RL_TW);
    L.rq = rl_up(r, RL_TW);
    L.aq = A->C ? rl_up(NA, RL_TW) : L.rq;
    L.Vp = rl_alloc(d * L.dq);
    L.Rp = rl_alloc(d * L.rq);
    L.Cp = A->C ? rl_alloc(r * L.aq) : NULL;
    int status = 0;
    if (!L.Vp || !L.Rp || (A->C && !L.Cp)) {
        status = -1;
        goto done;
    }
    /* Vp = [V, B_0, ..., B_{k-1}], B_t = V diag(c[:, t]) R (d x r) */
    for (int64_t j = 0; j < d; j++) {
        double *restrict vp = L.Vp + j * L.dq;
        for (int64_t l = 0; l < d; l++) vp[l] = A->V[j * d + l];
        for (int64_t t = 0; t < k; t++)
            for (int64_t p = 0; p < r; p++) {
                double b = 0.0;
                for (int64_t l = 0; l < d; l++) b += A->V[j * d + l] * A->c[l * k + t] * A->R[l * r + p];
                vp[d + t * r + p] = b;
            }
    }
    for (int64_t j = 0; j < d; j++)
        for (int64_t p = 0; p < r; p++) L.Rp[j * L.rq + p] = A->R[j * r + p];
    if (A->C)
        for (int64_t p = 0; p < r; p++)
            for (int64_t a = 0; a < NA; a++) L.Cp[p * L.aq + a] = A->C[p * NA + a];
    {
        const int64_t S = RL_ROWS, nblocks = (n + S - 1) / S;
        const int64_t width = k * NA;
        const size_t scratch =
            (size_t)((2 * d + L.dq + L.rq + 2 * L.aq) * S) * sizeof(double);
        lf_chunk_job job = {lf_plan_runs(nblocks, RL_MIN(nblocks, RL_MAX_CHUNKS),
                                         n * d * RL_MAX(d / 8, 1)),
                            width, scratch, 1, rl_chunk, &L};
        status = lf_run_chunks(&job, A->sq_sum);
    }
done:
    free(L.Vp);
    free(L.Rp);
    free(L.Cp);
    return status;
}

static int rl_loo_f32(const lf_ridge_loo_args *A) { return rl_loo(A, 1); }
static int rl_loo_f64(const lf_ridge_loo_args *A) { return rl_loo(A, 0); }

const lf_ridge_loo_kernels LF_TARGET(lf_ridge_loo)[] = {{rl_loo_f32, rl_loo_f64}};
LF_DEFINE_SELECTOR(lf_ridge_loo_kernels, lf_ridge_loo)
