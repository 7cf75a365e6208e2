/* Row-wise loss kernels for one float type: a template included twice by
 * losses_rowwise.c, with T (float / double) and SFX (f32 / f64) defined.
 * (A template file rather than one big macro, so compiler diagnostics and the
 * vectoriser report point at real lines.)
 *
 * Every kernel is `static double NAME_rows_SFX(const lf_rw_args *A, a, b)`:
 * rows [a, b) of A, returns sum_r w_r loss_r in float64 and writes the
 * LF_ELEM / LF_GRAD outputs of those rows.  losses_rowwise.c runs it over
 * deterministic row chunks. */

#define FN(name) LF_CAT(LF_CAT(name, _), SFX)

/* ------------------------------------------------------------ row helpers */

/* The row max (a NaN may or may not be picked: either way it reaches the
 * loss through exp(z - m)). */
LF_INLINE T FN(rowmax)(const T *restrict z, int64_t C) {
    T m = z[0];
    LF_PRAGMA(omp simd reduction(max : m))
    for (int64_t j = 1; j < C; j++) m = z[j] > m ? z[j] : m;
    return m;
}

/* With m the row max: e_j = exp(z_j - m) (stored to e_out unless NULL) and
 * the S for which sum_j e_j = 1 + S, summed in float64 as the entries below
 * the max plus (number of entries equal to the max - 1).  log(sum) is then
 * log1p(S), accurate when S is tiny (a confident row), where log(1 + S) would
 * lose it.  A NaN anywhere makes S NaN. */
LF_INLINE double FN(expsum)(const T *restrict z, int64_t C, T m, T *restrict e_out) {
    double s = 0.0, cnt = 0.0;
    if (e_out) {
        LF_PRAGMA(omp simd reduction(+ : s, cnt))
        for (int64_t j = 0; j < C; j++) {
            const T d = z[j] - m;
            const T e = LF_EXP(d);
            e_out[j] = e;
            s += (double)(d < 0 ? e : (d == 0 ? (T)0 : d));
            cnt += d == 0 ? 1.0 : 0.0;
        }
    } else {
        LF_PRAGMA(omp simd reduction(+ : s, cnt))
        for (int64_t j = 0; j < C; j++) {
            const T d = z[j] - m;
            const T e = LF_EXP(d);
            s += (double)(d < 0 ? e : (d == 0 ? (T)0 : d));
            cnt += d == 0 ? 1.0 : 0.0;
        }
    }
    return s + (cnt - 1.0);
}

#define LF_W(w, r) ((w) ? (double)(w)[r] : 1.0)

/* --------------------------------- softmax cross-entropy, class indices */

/* One row, any C: loss = (m - z_y) + log1p(S),
 * g_j = gw e_j / (1 + S) for j != y, g_y = gw (expm1(z_y - m) - S) / (1 + S)
 * (= gw (softmax_y - 1) without cancellation). */
LF_INLINE double FN(sxs_row)(const T *restrict z, int64_t C, int64_t y, T *restrict g,
                             double gw, const int GRAD) {
    const T m = FN(rowmax)(z, C);
    const double S = FN(expsum)(z, C, m, GRAD ? g : NULL);
    const int ok = y >= 0 && y < C;
    const T zy = ok ? z[ok ? y : 0] : (T)NAN;
    const double l = (double)(m - zy) + (double)LF_LOG1P((T)S);
    if (GRAD) {
        const double s = 1.0 + S;
        const T sc = (T)(gw / s);
        LF_PRAGMA(omp simd)
        for (int64_t j = 0; j < C; j++) g[j] *= sc;
        if (ok) g[y] = (T)(gw * ((double)LF_EXPM1(zy - m) - S) / s);
    }
    return l;
}

/* Rows with few classes (C <= LF_RW_SMALL_C): a block of up to LF_RW_XR rows
 * is transposed into et[j * LF_RW_XR + r] (in L1), so every step runs as a
 * SIMD loop across rows instead of a short loop along a row; the gradient is
 * transposed back through the index table tidx (tidx[r C + j] = j XR + r). */
static double FN(sxs_block)(const T *restrict z, const int64_t *restrict lab,
                            const T *restrict w, int64_t nr, int64_t C, T *restrict g,
                            T *restrict lo, double gs, int mode,
                            const int32_t *restrict tidx, T *restrict et) {
    enum { XR = LF_RW_XR };
    T m[XR], S[XR], cnt[XR], lr[XR], sc[XR], gy[XR], lbt[XR], zy[XR], wr[XR];
    int32_t off[XR];
    for (int64_t r = 0; r < nr; r++) {
        const int64_t y = lab[r];
        const int ok = y >= 0 && y < C;
        off[r] = (int32_t)(r * C);
        lbt[r] = ok ? (T)y : (T)-1;
        zy[r] = ok ? z[r * C + (ok ? y : 0)] : (T)NAN;
        wr[r] = w ? w[r] : (T)1;
    }
    for (int64_t j = 0; j < C; j++) {
        T *restrict ej = et + j * XR;
        const T *restrict zj = z + j;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) ej[r] = zj[off[r]];
    }
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        m[r] = et[r];
        S[r] = 0;
        cnt[r] = 0;
    }
    for (int64_t j = 1; j < C; j++) {
        const T *restrict ej = et + j * XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) m[r] = ej[r] > m[r] ? ej[r] : m[r];
    }
    for (int64_t j = 0; j < C; j++) {
        T *restrict ej = et + j * XR;
        LF_PRAGMA(omp simd)
        for (int64_t r = 0; r < nr; r++) {
            const T d = ej[r] - m[r];
            const T e = LF_EXP(d);
            ej[r] = e;
            S[r] += d < 0 ? e : (d == 0 ? (T)0 : d);
            cnt[r] += d == 0 ? (T)1 : (T)0;
        }
    }
    const int GRAD = (mode & LF_GRAD) != 0;
    LF_PRAGMA(omp simd)
    for (int64_t r = 0; r < nr; r++) {
        const T S1 = S[r] + (cnt[r] - (T)1);
        lr[r] = (m[r] - zy[r]) + LF_LOG1P(S1);
        const T s = (T)1 + S1;
        const T gw = (T)gs * wr[r];
        sc[r] = gw / s;
        gy[r] = gw * (LF_EXPM1(zy[r] - m[r]) - S1) / s;
    }
    double acc = 0.0;
    LF_PRAGMA(omp simd reduction(+ : acc))
    for (int64_t r = 0; r < nr; r++) acc += (double)wr[r] * (double)lr[r];
    if (mode & LF_ELEM) {
        for (int64_t r = 0; r < nr; r++) lo[r] = wr[r] * lr[r];
    }
    if (GRAD) {
        for (int64_t j = 0; j < C; j++) {
            T *restrict ej = et + j * XR;
            const T tj = (T)j;
            LF_PRAGMA(omp simd)
            for (int64_t r = 0; r < nr; r++) ej[r] = lbt[r] == tj ? gy[r] : ej[r] * sc[r];
        }
        const int64_t nn = nr * C;
        LF_PRAGMA(omp simd)
        for (int64_t i = 0; i < nn; i++) g[i] = et[tidx[i]];
    }
    return acc;
}

static double FN(softmax_xent_sparse_rows)(const lf_rw_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_classes;
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *z = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const double gs = A->grad_scale;
    double acc = 0.0;
    if (C <= LF_RW_SMALL_C) {
        int32_t tidx[LF_RW_XR * LF_RW_SMALL_C];
        T et[LF_RW_XR * LF_RW_SMALL_C];
        for (int64_t i = 0; i < LF_RW_XR * C; i++)
            tidx[i] = (int32_t)((i % C) * LF_RW_XR + i / C);
        for (int64_t r0 = a; r0 < b; r0 += LF_RW_XR) {
            const int64_t nr = b - r0 < LF_RW_XR ? b - r0 : LF_RW_XR;
            acc += FN(sxs_block)(z + r0 * C, lab + r0, w ? w + r0 : NULL, nr, C,
                                 go ? go + r0 * C : NULL, lo ? lo + r0 : NULL, gs, mode, tidx,
                                 et);
        }
        return acc;
    }
    for (int64_t r = a; r < b; r++) {
        const double wr = LF_W(w, r);
        const double l = GRAD ? FN(sxs_row)(z + r * C, C, lab[r], go + r * C, gs * wr, 1)
                              : FN(sxs_row)(z + r * C, C, lab[r], NULL, 0.0, 0);
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ------------------------------- softmax cross-entropy, dense targets */

/* p0 = 1 - label_smoothing, p1 = label_smoothing / C; tt_j = t_j p0 + p1,
 * Tt = sum_j tt_j: loss = sum_j tt_j (m - z_j) + Tt log1p(S),
 * g_j = gw (e_j Tt - tt_j - tt_j S) / (1 + S)  (= gw (softmax_j Tt - tt_j)). */
static double FN(softmax_xent_rows)(const lf_rw_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_classes;
    const T *t = (const T *)A->y_true, *z = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const T p0 = (T)A->params[0], p1 = (T)A->params[1];
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict zr = z + r * C, *restrict tr = t + r * C;
        T *restrict gr = GRAD ? go + r * C : NULL;
        const double wr = LF_W(w, r);
        const T m = FN(rowmax)(zr, C);
        double s = 0.0, cnt = 0.0, tsum = 0.0, tz = 0.0;
        LF_PRAGMA(omp simd reduction(+ : s, cnt, tsum, tz))
        for (int64_t j = 0; j < C; j++) {
            const T d = zr[j] - m;
            const T e = LF_EXP(d);
            const T tt = tr[j] * p0 + p1;
            if (GRAD) gr[j] = e;
            s += (double)(d < 0 ? e : (d == 0 ? (T)0 : d));
            cnt += d == 0 ? 1.0 : 0.0;
            tsum += (double)tt;
            tz += (double)(tt == 0 ? (T)0 : -tt * d);
        }
        const double S = s + (cnt - 1.0);
        const double l = tz + tsum * (double)LF_LOG1P((T)S);
        if (GRAD) {
            const T TT = (T)tsum, ST = (T)S, sc = (T)(A->grad_scale * wr / (1.0 + S));
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) {
                const T tt = tr[j] * p0 + p1;
                gr[j] = sc * ((gr[j] * TT - tt) - tt * ST);
            }
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ----------------------------------- cross-entropy of probabilities (Keras) */

/* Dense targets: q_j = p_j / P (P = row sum), qc_j = clip(q_j, eps, 1 - eps),
 * tt_j = t_j p0 + p1, loss = -sum_j tt_j log qc_j; with a_j = tt_j / q_j where
 * q_j is inside the clip range (else 0) and A = sum_j tt_j over those j,
 * g_k = gw (A - a_k) / P. */
static double FN(cce_prob_rows)(const lf_rw_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_classes;
    const T *t = (const T *)A->y_true, *p = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const T p0 = (T)A->params[0], p1 = (T)A->params[1];
    const T lo_c = (T)LF_PEPS, hi_c = (T)(1.0 - LF_PEPS);
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict pr = p + r * C, *restrict tr = t + r * C;
        const double wr = LF_W(w, r);
        double P = 0.0;
        LF_PRAGMA(omp simd reduction(+ : P))
        for (int64_t j = 0; j < C; j++) P += (double)pr[j];
        const T inv = (T)(1.0 / P);
        double L = 0.0, Ain = 0.0;
        LF_PRAGMA(omp simd reduction(+ : L, Ain))
        for (int64_t j = 0; j < C; j++) {
            const T q = pr[j] * inv;
            const T qc = q < lo_c ? lo_c : (q > hi_c ? hi_c : q);
            const T tt = tr[j] * p0 + p1;
            L += (double)(tt * LF_LOG(qc));
            Ain += (double)(q >= lo_c && q <= hi_c ? tt : (T)0);
        }
        const double l = -L;
        if (GRAD) {
            T *restrict gr = go + r * C;
            const T AT = (T)Ain, sc = (T)(A->grad_scale * wr) * inv;
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) {
                const T q = pr[j] * inv;
                const T tt = tr[j] * p0 + p1;
                const int in = q >= lo_c && q <= hi_c;
                const T ak = tt / (in ? q : (T)1);
                gr[j] = sc * (AT - (in ? ak : (q == q ? (T)0 : q)));
            }
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* Class indices: q = p_y / P, loss = -log clip(q); inside the clip range
 * g_j = gw / P for j != y and g_y = -gw (P - p_y) / (P p_y), else 0. */
static double FN(cce_prob_sparse_rows)(const lf_rw_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_classes;
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *p = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const T lo_c = (T)LF_PEPS, hi_c = (T)(1.0 - LF_PEPS);
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict pr = p + r * C;
        const double wr = LF_W(w, r);
        const int64_t y = lab[r];
        const int ok = y >= 0 && y < C;
        const T py = ok ? pr[ok ? y : 0] : (T)NAN;
        const int64_t yc = ok ? y : C; /* the other classes: [0, yc) and (yc, C) */
        double Po = 0.0;
        LF_PRAGMA(omp simd reduction(+ : Po))
        for (int64_t j = 0; j < yc; j++) Po += (double)pr[j];
        LF_PRAGMA(omp simd reduction(+ : Po))
        for (int64_t j = yc + 1; j < C; j++) Po += (double)pr[j];
        const double P = Po + (double)py;
        const T q = (T)((double)py / P);
        const T qc = q < lo_c ? lo_c : (q > hi_c ? hi_c : q);
        const double l = -(double)LF_LOG(qc);
        if (GRAD) {
            T *restrict gr = go + r * C;
            const int in = q >= lo_c && q <= hi_c;
            const T nanq = q == q ? (T)0 : q;
            const T gj = in ? (T)(A->grad_scale * wr / P) : nanq;
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) gr[j] = gj;
            if (ok) gr[y] = in ? (T)(-A->grad_scale * wr * Po / (P * (double)py)) : nanq;
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ------------------------------------------- multi-class hinge (PyTorch) */

/* p0 = margin: loss = sum_{j != y} max(0, margin - f_y + f_j) / C;
 * g_j = gw / C where that term is positive (j != y), g_y = -gw k / C with k
 * the number of positive terms. */
static double FN(multi_margin_rows)(const lf_rw_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_classes;
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *f = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out, *go = (T *)A->grad_out;
    const int mode = A->mode, GRAD = (mode & LF_GRAD) != 0;
    const T margin = (T)A->params[0];
    const double invC = 1.0 / (double)C;
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict fr = f + r * C;
        const double wr = LF_W(w, r);
        const int64_t y = lab[r];
        const int ok = y >= 0 && y < C;
        const T fy = ok ? fr[ok ? y : 0] : (T)NAN;
        const T base = margin - fy;
        const int64_t yc = ok ? y : C; /* the terms j != y: [0, yc) and (yc, C) */
        double L = 0.0, k = 0.0;
        LF_PRAGMA(omp simd reduction(+ : L, k))
        for (int64_t j = 0; j < yc; j++) {
            const T v = base + fr[j];
            L += (double)(v <= 0 ? (T)0 : v);
            k += v > 0 ? 1.0 : 0.0;
        }
        LF_PRAGMA(omp simd reduction(+ : L, k))
        for (int64_t j = yc + 1; j < C; j++) {
            const T v = base + fr[j];
            L += (double)(v <= 0 ? (T)0 : v);
            k += v > 0 ? 1.0 : 0.0;
        }
        const double l = L * invC;
        if (GRAD) {
            T *restrict gr = go + r * C;
            const T one = (T)(A->grad_scale * wr * invC);
            LF_PRAGMA(omp simd)
            for (int64_t j = 0; j < C; j++) {
                const T v = base + fr[j];
                gr[j] = v > 0 ? one : LF_NAN_OR_ZERO(T, v);
            }
            if (ok) gr[y] = fy == fy ? (T)(-(double)one * k) : fy;
        }
        if (mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

/* ------------------------------------------------ 0-1 loss of argmax scores */

/* loss = [argmax_j f_j != y] (first maximum, as numpy.argmax); NaN if the row
 * holds a NaN.  No gradient. */
static double FN(zero_one_argmax_rows)(const lf_rw_args *A, int64_t a, int64_t b) {
    const int64_t C = A->n_classes;
    const int64_t *lab = (const int64_t *)A->y_true;
    const T *f = (const T *)A->y_pred, *w = (const T *)A->weight;
    T *lo = (T *)A->loss_out;
    double acc = 0.0;
    for (int64_t r = a; r < b; r++) {
        const T *restrict fr = f + r * C;
        const double wr = LF_W(w, r);
        T m = fr[0];
        int64_t im = 0;
        int nan = fr[0] != fr[0];
        for (int64_t j = 1; j < C; j++) {
            if (fr[j] > m) {
                m = fr[j];
                im = j;
            }
            nan |= fr[j] != fr[j];
        }
        const double l = nan ? (double)NAN : (double)(im != lab[r]);
        if (A->mode & LF_ELEM) lo[r] = (T)(wr * l);
        acc += wr * l;
    }
    return acc;
}

#undef FN
