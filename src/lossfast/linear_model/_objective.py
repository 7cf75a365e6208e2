"""The objective of a linear model, on the matrix layer (``_matrix.py``).

For coefficients W (k x d), intercept b (k) and decision values
z_i = W x_i + b, the fused pass returns sum_i w_i l(y_i, z_i) and its
gradient R^T X, sum_i R_i (R_i = w_i dl/dz_i) in one pass over X.  The
solvers minimise the normalised objective

    F = (sum_i w_i l(y_i, z_i) + 0.5 * l2 * ||W||^2) / sum_i w_i

(the intercept is not penalised; l2 may also be one value per output, the
penalty then being 0.5 sum_c l2_c ||W_c||^2).  LinearRegression uses l2 = 2 * alpha
(sum w r^2 + alpha ||W||^2), LogisticRegression l2 = 1 / C (scikit-learn's
C sum w l + 0.5 ||W||^2 divided by C).  Dividing by sum(w) keeps gradients
O(1) whatever n, so one tolerance fits all data sizes (scikit-learn does the
same).

Preconditioning.  Offsets and scales of the columns make the problem badly
conditioned for a first-order method (80 rows with mean 100 already stall
L-BFGS).  So the solvers work in standardised coordinates theta = [W', b']:

    W = W' / s        (column j divided by s_j)
    b = b' - W m      (m the weighted column means; m = 0 without intercept)

i.e. z = ((x - m) / s) . W' + b', the model on centred, scaled columns --
without copying X: the map is folded into the (W, b) the kernel sees, and
the gradient is mapped back, dF/dW' = (dF/dW - m dF/db) / s, dF/db' = dF/db.
The penalty stays on the original coefficients, 0.5 l2 ||W' / s||^2, so the
minimiser is exactly the one of the original problem.  The scale is
s_j = sqrt(var_j + l2 / sum(w)): the square root of the diagonal of the
Hessian of F for a loss of unit curvature (Jacobi preconditioning), so
neither a tiny column nor a strong penalty makes a coordinate stiff; a
constant column without penalty gets s_j = 1.
"""
import numpy as np

from .. import _lossfast as _core

class LossSpec:
    """The loss-engine kernel a model uses, by name, with its named
    hyper-parameters (the fields of lf_loss_params the kernel reads, e.g.
    ``LossSpec("huber", {"delta": 1.0})``), packed once for the C kernel."""
    __slots__ = ("kernel", "params")

    def __init__(self, name, params=None):
        self.kernel = _core.kernel("loss", name)
        self.params = _core.LossParams(self.kernel, params)

    @classmethod
    def of(cls, loss):
        """The spec of an elementwise or row-wise lossfast loss object."""
        return cls(loss._kernel_name(), loss._kernel_params())

    @property
    def name(self):
        return self.kernel.name

    def _key(self):
        return self.kernel.name, tuple(sorted(self.params.values.items()))

    def __reduce__(self):
        # rebuilt by name in another process (Dask workers)
        return LossSpec, (self.kernel.name, dict(self.params.values))

    def __dask_tokenize__(self):
        return ("lossfast.LossSpec",) + self._key()

    def __eq__(self, other):
        return isinstance(other, LossSpec) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    @property
    def rowwise(self):
        """True for a row-wise (softmax family) kernel: y is int64 labels."""
        return self.kernel.rowwise


def _softmax(Z):
    from ..activations import softmax
    return softmax(np.asarray(Z, dtype=np.float64), axis=1)


def _sigmoid(z):
    from ..activations import sigmoid
    return sigmoid(np.asarray(z, dtype=np.float64))


_MARGIN_CURVATURE = ("squared_hinge", "modified_huber")


def _margin_curvature(name, y, Z):
    """The (generalised) second derivative d^2 l / dz^2 of a margin loss at
    the decision values Z (n, 1) for labels y (n, 1; -1/+1 or 0/1): 2 inside
    the margin (y z < 1) for the squared hinge, 2 on -1 <= y z < 1 for the
    modified Huber loss, 0 elsewhere; None for other losses."""
    if name not in _MARGIN_CURVATURE:
        return None
    t = np.where(np.asarray(y) == 0, -1.0, np.asarray(y, dtype=np.float64))
    m = t[:, 0] * np.asarray(Z[:, 0], dtype=np.float64)
    inside = m < 1.0
    if name == "modified_huber":
        inside &= m >= -1.0
    return 2.0 * inside


def _same_point(c0, b0, c1, b1):
    """Whether two models are the same point up to the rounding of a change
    of coordinates (the scale of the next C's objective)."""
    if (b0 is None) != (b1 is None) or c0.shape != c1.shape:
        return False
    tol = 1e-13
    # np.allclose's test (|a - b| <= atol + rtol |b|, NaN never close) without
    # its overhead: this runs at every evaluation of a path's fits
    if not np.all(np.abs(c0 - c1) <= tol * np.abs(c1)):
        return False
    if b0 is None:
        return True
    atol = tol * (1.0 + float(np.max(np.abs(c0), initial=0.0)))
    return bool(np.all(np.abs(b0 - b1) <= atol + tol * np.abs(b1)))


class LinearObjective:
    """F(theta) and its gradient over (X, y, sample_weight) for k outputs, in
    the standardised coordinates of the module docstring.

    ``X`` is a matrix-layer object (``_matrix.as_matrix``).  ``y_kernel`` is
    what the loss kernel takes: an (n, k) array of X's dtype (elementwise
    losses) or an int64 (n,) label vector (row-wise losses).
    ``total_weight`` normalises the penalty (sum of the weights of the full
    data set: for mini-batches it stays the full one).  ``center`` /
    ``scale`` are m and s (None: computed from X; pass ``scale=False`` for
    the plain, unpreconditioned coordinates).
    """

    def __init__(self, X, y_kernel, sample_weight, n_outputs, spec, fit_intercept, l2, *,
                 total_weight=None, center=None, scale=None):
        self.X = X
        self.y = y_kernel
        self.sw = sample_weight
        self.k = int(n_outputs)
        self.d = X.shape[1]
        self.spec = spec
        self.fit_intercept = bool(fit_intercept)
        sw_sum = float(X.shape[0]) if sample_weight is None else float(
            np.sum(sample_weight, dtype=np.float64))
        self.sw_sum = sw_sum
        self.total_weight = sw_sum if total_weight is None else float(total_weight)
        # an L1 term l1 ||W||_1 (same normalisation as l2), used by the proximal
        # solver (newton-cd) only; the smooth objective F does not include it
        self.l1 = 0.0
        self.l2 = l2 = np.asarray(l2, dtype=np.float64)
        # the penalty per unit weight, one row per output: (k, 1)
        self._ridge = np.broadcast_to(l2, (self.k,)).reshape(self.k, 1) / self.total_weight
        self.n_params = self.k * self.d + (self.k if self.fit_intercept else 0)
        # the loss / gradient at coef 0, intercept 0 (the usual start) when it
        # came with the moments (CSR: one scatter for both), served by raw()
        self._zero_eval = None
        if center is None or scale is None:
            fused = getattr(X, "moments_and_zero_gradient", None)
            fused = (fused(y_kernel, sample_weight, spec, self.fit_intercept)
                     if fused is not None and self.k == 1 and not spec.rowwise else None)
            if fused is not None:
                mean, var, self._zero_eval = fused
            else:
                mean, var = X.column_moments(sample_weight)
            # NaN / inf in X (a deferred check) show here first: raise now,
            # before the moments turn into warnings of NaN arithmetic
            X.check_finite_after(mean, var)
            if center is None:
                center = mean if self.fit_intercept else np.zeros(self.d)
            if scale is None:
                # around the mean with an intercept, around 0 without one
                second = var if self.fit_intercept else var + mean * mean
                scale = np.sqrt(second + float(np.mean(self._ridge)))
        if scale is False:
            scale = np.ones(self.d)
        scale = np.asarray(scale, dtype=np.float64).copy()
        scale[~(scale > 0) | ~np.isfinite(scale)] = 1.0
        self.center = np.asarray(center, dtype=np.float64)
        self.scale = scale
        self.n_evals = 0
        # fit() may defer the NaN/inf check of X to the first gradient
        # evaluation (validate_X(finite=False)): see check_finite_after.
        self.check_X_on_first_gradient = False

    # ----------------------------------------------------------------- coordinates

    def to_model(self, theta):
        """(coef (k, d), intercept (k,) or None) of the original model."""
        theta = np.asarray(theta, dtype=np.float64)
        kd = self.k * self.d
        coef = theta[:kd].reshape(self.k, self.d) / self.scale
        if not self.fit_intercept:
            return coef, None
        return coef, theta[kd:] - coef @ self.center

    def from_model(self, coef, intercept=None):
        """theta of the original model (coef (k, d), intercept (k,))."""
        coef = np.asarray(coef, dtype=np.float64).reshape(self.k, self.d)
        parts = [(coef * self.scale).reshape(-1)]
        if self.fit_intercept:
            b = np.zeros(self.k) if intercept is None else np.asarray(intercept, np.float64)
            parts.append(b + coef @ self.center)
        return np.concatenate(parts)

    def rows(self, idx):
        """The objective of the rows `idx` (a mini-batch), in the same
        coordinates and with the full data set's penalty normalisation."""
        sw = None if self.sw is None else self.sw[idx]
        return LinearObjective(self.X.take_rows(idx), self.y[idx], sw, self.k, self.spec,
                               self.fit_intercept, self.l2, total_weight=self.total_weight,
                               center=self.center, scale=self.scale)

    # ----------------------------------------------------------------- evaluation

    def raw(self, theta, *, grad=True, z_out=None, z_given=False):
        """(sum_i w_i l_i, dF/dW', dF/db') without the penalty or the
        normalisation (the gradients in standardised coordinates).  z_given:
        z_out already holds the decision values at theta (kinds with
        ``takes_decision_values``), so the pass skips computing them."""
        coef, b = self.to_model(theta)
        # a path of fits on the same rows, y and weights (LogisticRegressionCV's
        # fold) starts each fit where the last one stopped: the loss and its
        # gradient there (independent of C) are remembered, not recomputed
        memo = getattr(self.X, "eval_memo", None) if z_out is None else None
        if self._zero_eval is not None and not np.any(coef) and (b is None or not np.any(b)):
            # the start's pass came with the column moments (__init__)
            val, gc, gb = self._zero_eval[0], self._zero_eval[1].copy(), self._zero_eval[2].copy()
            if z_out is not None:
                z_out[...] = 0.0
            if not grad:
                return val, None, None
        elif memo is not None and memo.get("coef") is not None and _same_point(
                memo["coef"], memo["b"], coef, b):
            val, gc, gb = memo["val"], memo["gc"].copy(), memo["gb"].copy()
            if not grad:
                return val, None, None
        else:
            self.n_evals += 1
            extra = {"z_given": True} if z_given else {}
            val, gc, gb = self.X.loss_gradient(self.y, self.sw, coef, b, self.spec,
                                               grad=grad, z_out=z_out, **extra)
            if memo is not None and grad:
                memo.update(coef=coef.copy(), b=None if b is None else np.array(b),
                            val=val, gc=gc.copy(), gb=gb.copy())
        if not grad:
            return val, None, None
        if self.check_X_on_first_gradient:
            self.check_X_on_first_gradient = False
            self.X.check_finite_after(gc)
        g_coef = gc
        if self.fit_intercept:
            g_coef = gc - np.outer(gb, self.center)
        return val, g_coef / self.scale, gb

    def _penalised(self, theta, val, gc, gb, grad):
        kd = self.k * self.d
        w = theta[:kd].reshape(self.k, self.d) / self.scale     # original coefficients
        norm = self.sw_sum
        ridge = self._ridge
        f = val / norm + 0.5 * float(np.sum(ridge * w * w))
        if not grad:
            return f
        g = np.empty(self.n_params)
        g[:kd] = (gc / norm + ridge * w / self.scale).reshape(-1)
        if self.fit_intercept:
            g[kd:] = gb / norm
        return f, g

    def loss_grad(self, theta, z_out=None, z_given=False):
        """F(theta) and its gradient (float64); z_given as in raw."""
        theta = np.asarray(theta, dtype=np.float64)
        val, gc, gb = self.raw(theta, grad=True, z_out=z_out, z_given=z_given)
        return self._penalised(theta, val, gc, gb, True)

    def loss(self, theta):
        theta = np.asarray(theta, dtype=np.float64)
        val, _, _ = self.raw(theta, grad=False)
        return self._penalised(theta, val, None, None, False)

    def max_abs_gradient(self, theta):
        """max_i |dF/dtheta_i| (the stationarity measure of the solvers)."""
        _, g = self.loss_grad(theta)
        return float(np.max(np.abs(g))) if g.size else 0.0

    # ----------------------------------------------------------------- Hessian

    def _curvature_weights(self, Z):
        """Per-sample second derivatives of the loss at Z, as the (n, M)
        weight columns of the Gram kernel (M = 1, or k (k + 1) / 2 pairs of
        classes for the softmax), divided by sum(w).  Decision values kept
        where the rows live (the Dask kind's handle) give the kind's own
        per-chunk weights, computed by this method on each chunk."""
        if hasattr(Z, "curvature_weights"):
            return Z.curvature_weights(self)
        n = Z.shape[0]
        w = np.ones(n) if self.sw is None else self.sw.astype(np.float64)
        w = w / self.sw_sum
        name = self.spec.name
        if name == "mse":
            return (2.0 * w).reshape(n, 1), None
        if name == "bce_logits":
            p = _sigmoid(Z[:, 0])
            return (w * p * (1.0 - p)).reshape(n, 1), None
        if name in _MARGIN_CURVATURE:
            # (only here is y read: the Dask kind calls this on a proxy without it)
            return (w * _margin_curvature(name, self.y, Z)).reshape(n, 1), None
        if name == "softmax_xent_sparse":
            P = _softmax(Z)
            k = self.k
            pairs = [(a, c) for a in range(k) for c in range(a, k)]
            Wm = np.empty((n, len(pairs)))
            for m, (a, c) in enumerate(pairs):
                v = -P[:, a] * P[:, c]
                if a == c:
                    v += P[:, a]
                Wm[:, m] = w * v
            return Wm, pairs
        raise NotImplementedError(f"no Hessian for the loss {name!r}")

    def hessian(self, theta, Z):
        """The Hessian of F in the standardised coordinates at the decision
        values Z (n, k): A^T D A with A = [(X - m) / s, 1] from the weighted
        Gram kernel (the centring by the kernel's shift, per element in
        float64), plus the penalty l2 / sum(w) / s^2 on the coefficients.
        For the softmax, the k (k + 1) / 2 class-pair Grams fill the blocks,
        and the directions the softmax cannot see (one vector added to every
        class) get a positive curvature, so the Hessian is positive definite;
        the gradient has no component along them, so the Newton step is
        unchanged."""
        return self.hessian_from_gram(self.curvature_gram(Z))

    def curvature_gram(self, Z):
        """The (M, d1, d1) Grams A^T D_m A of A = [X - m, 1] weighted by the
        loss's curvature at the decision values Z, in the original
        coordinates (no scale, no penalty): the expensive part of
        ``hessian``.  It depends on C only through Z, so a path over C may
        reuse it as the curvature of a nearby point (``hessian_from_gram``
        adds this objective's scale and penalty)."""
        weights, pairs = self._curvature_weights(Z)
        fi = self.fit_intercept
        G = self.X.gram(weights, shift=self.center if fi else None, ones=fi)
        self.X.check_finite_after(G)
        return G, pairs

    def hessian_from_gram(self, gram):
        """``hessian`` from ``curvature_gram``'s (G, pairs) (G is not modified)."""
        G, pairs = gram
        G = G.copy()
        d, k = self.d, self.k
        fi = self.fit_intercept
        d1 = d + (1 if fi else 0)
        inv = np.ones(d1)
        inv[:d] = 1.0 / self.scale
        G *= inv[None, :, None] * inv[None, None, :]
        ridge = self._ridge / (self.scale * self.scale)          # (k, d)
        if pairs is None:
            H = G[0]
            H[np.arange(d), np.arange(d)] += ridge[0]
            return H
        size = self.n_params
        kd = k * d
        H = np.zeros((size, size))
        for m, (a, c) in enumerate(pairs):
            Gm = G[m]
            H[a * d:(a + 1) * d, c * d:(c + 1) * d] = Gm[:d, :d]
            H[c * d:(c + 1) * d, a * d:(a + 1) * d] = Gm[:d, :d]
            if fi:
                H[a * d:(a + 1) * d, kd + c] = Gm[:d, d]
                H[c * d:(c + 1) * d, kd + a] = Gm[:d, d]
                H[kd + c, a * d:(a + 1) * d] = Gm[:d, d]
                H[kd + a, c * d:(c + 1) * d] = Gm[:d, d]
                H[kd + a, kd + c] = H[kd + c, kd + a] = Gm[d, d]
        idx = np.arange(kd)
        H[idx, idx] += ridge.reshape(-1)
        shift = float(np.mean(np.diag(H))) or 1.0
        for j in range(d1):
            cols = (np.arange(k) * d + j) if j < d else (kd + np.arange(k))
            H[np.ix_(cols, cols)] += shift / k
        return H

    def _block_grams(self, weights, F, fi):
        """(M, f, f) blocks A_F^T diag(weights[:, m]) A_F of the active columns
        F (sorted feature indices) of A = [X - m, 1] (the ones column last when
        fi), without the d x d Gram: dense X by the Gram-columns kernel (one
        pass over the active columns per weight column, n f^2 / 2
        multiply-adds), CSR X by the sparse Gram of the column subset (one
        O(nnz) selection, then one pass for all M weight columns).  None for
        other kinds."""
        X = self.X
        M = weights.shape[1]
        if X.kind == "dense":
            cols = np.concatenate([F, [self.d]]).astype(np.int64) if fi else F
            shift = np.ascontiguousarray(self.center, dtype=np.float64) if fi else None
            out = np.empty((M, cols.size, cols.size))
            for m in range(M):
                w = np.ascontiguousarray(weights[:, m], dtype=X.dtype)
                _core.cd_gram_cols(X.X, w, shift, cols, cols, out[m])
            return out
        if X.kind == "csr":
            from ._sparse import CSRMatrix
            pos = np.full(self.d, -1, dtype=np.int64)
            pos[F] = np.arange(F.size)
            new = pos[X.indices]
            keep = new >= 0
            counts = np.cumsum(np.concatenate([[0], keep.astype(np.int64)]))
            indptr = counts[X.indptr.astype(np.int64)].astype(X.indptr.dtype)
            sub = CSRMatrix(np.ascontiguousarray(X.data[keep]),
                            np.ascontiguousarray(new[keep].astype(X.indices.dtype)), indptr,
                            (X.shape[0], F.size))
            return sub.gram(np.ascontiguousarray(weights), shift=self.center[F] if fi else None,
                            ones=fi)
        return None

    def hessian_active(self, theta, Z, idx):
        """H[idx][:, idx] of ``hessian`` for the parameter indices idx (the
        active set of newton_cd), forming only that block: the Grams of the
        active columns (``_block_grams``) for the M = 1 or k (k + 1) / 2
        class-pair weights, so an L1 fit with d large costs |active|^2
        memory, not (k d)^2.  Unlike ``hessian``, the softmax block gets no
        curvature along the invisible directions (newton_cd needs H positive
        semi-definite only; CD moves along coordinates).  Kinds without
        ``_block_grams`` (chunked, Dask) slice the full Hessian."""
        idx = np.asarray(idx, dtype=np.int64)
        d, k = self.d, self.k
        kd = k * d
        fi = self.fit_intercept
        weights, pairs = self._curvature_weights(Z)
        cls = np.where(idx < kd, idx // d, idx - kd)
        feat = np.where(idx < kd, idx % d, d)            # d: the intercept's column of ones
        F = np.unique(feat[feat < d]).astype(np.int64)
        G = self._block_grams(weights, F, fi)
        if G is None:
            return self.hessian(theta, Z)[np.ix_(idx, idx)]
        self.X.check_finite_after(G)
        f = F.size
        inv = np.ones(f + (1 if fi else 0))
        inv[:f] = 1.0 / self.scale[F]
        G *= inv[None, :, None] * inv[None, None, :]
        # the row of G of each active parameter's feature (the ones column: f)
        posF = np.full(d + 1, f, dtype=np.int64)
        posF[F] = np.arange(f)
        loc = posF[feat]
        if pairs is None:
            pairs = [(0, 0)]
        H = np.zeros((idx.size, idx.size))
        for m, (a, c) in enumerate(pairs):
            ia = np.flatnonzero(cls == a)
            ic = np.flatnonzero(cls == c)
            if ia.size == 0 or ic.size == 0:
                continue
            B = G[m][np.ix_(loc[ia], loc[ic])]
            H[np.ix_(ia, ic)] = B
            if a != c:
                H[np.ix_(ic, ia)] = B.T
        ridge = (self._ridge / (self.scale * self.scale)).reshape(-1)    # (k d,)
        coef = np.flatnonzero(idx < kd)
        H[coef, coef] += ridge[idx[coef]]
        return H

    def hessp(self, theta, Z):
        """v -> H v for the Hessian of F in the standardised coordinates at the
        decision values Z (n, k), without forming H: one matvec and one
        rmatvec of the matrix layer per product (Newton-CG).  product(v,
        image=True) returns (H v, A v): A v (n, k) float64 is the change of
        the decision values along v (Z is affine in theta), which Newton-CG
        sums into the step's own change (``_solvers.truncated_cg``)."""
        d, k = self.d, self.k
        fi = self.fit_intercept
        kd = k * d
        n = Z.shape[0]
        w = np.ones(n) if self.sw is None else self.sw.astype(np.float64)
        w = w / self.sw_sum
        name = self.spec.name
        if name == "mse":
            curv = (2.0 * w)[:, None]
            P = None
        elif name == "bce_logits":
            p = _sigmoid(Z[:, 0])
            curv = (w * p * (1.0 - p))[:, None]
            P = None
        elif name == "softmax_xent_sparse":
            P = _softmax(Z)
        elif name in _MARGIN_CURVATURE:
            curv = (w * _margin_curvature(name, self.y, Z))[:, None]
            P = None
        else:
            raise NotImplementedError(f"no Hessian for the loss {name!r}")
        ridge = self._ridge / (self.scale * self.scale)          # (k, d)

        def product(v, image=False):
            V = v[:kd].reshape(k, d)
            Vw = V / self.scale                               # direction of the original coef
            vb = v[kd:] - Vw @ self.center if fi else None
            U = np.asarray(self.X.matvec(Vw, vb), dtype=np.float64)   # A v, (n, k)
            if P is None:
                Q = curv * U
            else:
                Q = w[:, None] * (P * U - P * np.sum(P * U, axis=1, keepdims=True))
            G = self.X.rmatvec(Q)                             # (k, d) original coordinates
            out = np.empty_like(v)
            qb = Q.sum(axis=0)
            if fi:
                G = G - np.outer(qb, self.center)
                out[kd:] = qb
            out[:kd] = (G / self.scale + ridge * V).reshape(-1)
            return (out, U) if image else out

        return product
