"""Solvers over the fused objective: L-BFGS, Newton (Cholesky) and mini-batch
optimizers from ``lossfast.optim``.  Pure NumPy (SciPy is not a runtime
dependency); every evaluation of the objective is one pass of the C kernel
over X.

L-BFGS (Nocedal & Wright, Algorithm 7.4 with the two-loop recursion and a
strong-Wolfe line search, Algorithms 3.5 / 3.6 with safeguarded cubic
interpolation, c1 = 1e-4, c2 = 0.9).  It stops like SciPy's L-BFGS-B with
the options scikit-learn uses: when max_i |g_i| <= gtol, or when the
relative decrease (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol
(64 * machine epsilon), or after max_iter iterations.
"""
import math

import numpy as np

_EPS = np.finfo(np.float64).eps


class SolverResult:
    __slots__ = ("x", "f", "n_iter", "converged", "curve", "message")

    def __init__(self, x, f, n_iter, converged, curve, message):
        self.x, self.f, self.n_iter = x, f, n_iter
        self.converged, self.curve, self.message = converged, curve, message


# the one number format of the objective wherever it is shown (verbose lines,
# the demo table)
OBJECTIVE_FORMAT = ".8g"


def _report(verbose, name, it, f, gmax=None, extra=""):
    if verbose:
        g = "" if gmax is None else f"  max|grad| {gmax:.3e}"
        print(f"[{name}] iter {it:4d}  objective {f:{OBJECTIVE_FORMAT}}{g}{extra}", flush=True)


# --------------------------------------------------------------------------- line search


def _cubic_min(a, fa, da, b, fb, db):
    """Minimiser of the cubic through (a, fa, da) and (b, fb, db), or None."""
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if not math.isfinite(disc) or disc < 0:
        return None
    d2 = math.copysign(math.sqrt(disc), b - a)
    den = db - da + 2.0 * d2
    if den == 0 or not math.isfinite(den):
        return None
    t = b - (b - a) * (db + d2 - d1) / den
    return t if math.isfinite(t) else None


def wolfe_line_search(fg, x, f0, g0, p, alpha1, *, c1=1e-4, c2=0.9, max_ls=50, noise=None):
    """Step alpha along p with f(x + alpha p) <= f0 + c1 alpha g0.p and
    |g(x + alpha p).p| <= c2 |g0.p|.  Returns (alpha, f, g) or None.  With a
    list `noise`, True is appended when a trial point's values contradict its
    slope (slope_contradicts): the evidence that f is at its rounding level."""
    dphi0 = float(g0 @ p)
    if not dphi0 < 0:
        return None
    evals = 0

    def phi(alpha):
        f, g = fg(x + alpha * p)
        f, d = float(f), float(g @ p)
        if noise is not None and slope_contradicts(f0, f, d):
            noise.append(True)
        return f, g, d

    def zoom(lo, hi):
        # lo, hi: (alpha, f, g, dphi); lo satisfies sufficient decrease
        nonlocal evals
        while evals < max_ls:
            a_lo, f_lo, g_lo, d_lo = lo
            a_hi, f_hi, _, d_hi = hi
            width = abs(a_hi - a_lo)
            if width <= 1e-14 * max(abs(a_lo), abs(a_hi)):
                break
            t = _cubic_min(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi) if math.isfinite(f_hi) else None
            lo_b, hi_b = min(a_lo, a_hi), max(a_lo, a_hi)
            if t is None or not (lo_b + 0.1 * width <= t <= hi_b - 0.1 * width):
                t = 0.5 * (a_lo + a_hi)
            f, g, d = phi(t)
            evals += 1
            if not math.isfinite(f) or f > f0 + c1 * t * dphi0 or f >= f_lo:
                hi = (t, f, g, d)
            else:
                if abs(d) <= -c2 * dphi0:
                    return t, f, g
                if d * (a_hi - a_lo) >= 0:
                    hi = lo
                lo = (t, f, g, d)
        a_lo, f_lo, g_lo, _ = lo
        if a_lo > 0 and f_lo < f0:
            return a_lo, f_lo, g_lo  # sufficient decrease without the curvature condition
        return None

    prev = (0.0, f0, g0, dphi0)
    alpha = alpha1
    while evals < max_ls:
        f, g, d = phi(alpha)
        evals += 1
        if not math.isfinite(f) or not np.all(np.isfinite(g)):
            # overflow far along p: the minimum is in between
            return zoom(prev, (alpha, math.inf, g, math.inf))
        if f > f0 + c1 * alpha * dphi0 or (evals > 1 and f >= prev[1]):
            return zoom(prev, (alpha, f, g, d))
        if abs(d) <= -c2 * dphi0:
            return alpha, f, g
        if d >= 0:
            return zoom((alpha, f, g, d), prev)
        prev = (alpha, f, g, d)
        alpha *= 4.0
    return None


# --------------------------------------------------------------------------- L-BFGS


def _stop_reason(f_old, f, gmax, gtol, ftol):
    """Why an L-BFGS / Newton iteration stops (None: go on); scikit-learn's rules:
    the largest gradient entry is below gtol, or the objective's relative
    reduction is below ftol."""
    if gmax <= gtol:
        return "max|grad| <= tol"
    if (f_old - f) <= ftol * max(abs(f_old), abs(f), 1.0):
        return "relative reduction of the objective <= ftol"
    return None


ROUNDING_MESSAGE = ("the objective cannot be decreased further at float64 precision "
                    "(the predicted decrease is at its rounding level)")


def at_rounding_level(f, g, p, contradicted=False):
    """True when a line search along p cannot decrease f because the
    decrease a full step predicts, |g . p|, is within a few hundred float64
    roundings of f, or because the computed values contradicted the slopes
    (`contradicted`, see slope_contradicts): the iterate is as stationary as f
    can tell.  A solver whose line search fails there has converged, not
    failed."""
    return contradicted or abs(float(g @ p)) <= 256.0 * _EPS * max(abs(f), 1.0)


def slope_contradicts(f0, f_t, d_t):
    """True when the trial point x + t p (t > 0) still has a descent slope d_t =
    g(x + t p).p < 0 but its computed value f_t is not below f0 = f(x).  The
    objectives here are convex, so their slope along p only grows with t: a
    negative slope at t means f decreases on all of [0, t], and f_t >= f0 is
    then rounding in the computed f.  This catches the rounding level that
    the bound of at_rounding_level misses when f itself is computed with
    cancellation (raw columns with means of 1e4: residuals of a few units
    from predictions of 1e4, so f carries ~1e4 roundings, not a few)."""
    return math.isfinite(f_t) and f_t >= f0 and d_t < 0


def lbfgs(fg, x0, *, max_iter=100, gtol=1e-4, ftol=64 * _EPS, m=10, max_ls=50, verbose=0,
          name="lbfgs"):
    """Minimise f with gradient; fg(x) -> (f, g).  See the module docstring."""
    x = np.array(x0, dtype=np.float64)
    f, g = fg(x)
    curve = []
    S, Y, rho = [], [], []
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    if not math.isfinite(f):
        return SolverResult(x, f, 0, False, curve, "objective is not finite at the start")
    if gmax <= gtol:
        return SolverResult(x, f, 0, True, curve, "gradient below tol at the start")
    it = 0
    message = "max_iter reached"
    converged = False
    retried = False
    while it < max_iter:
        # two-loop recursion: p = -H g
        q = g.copy()
        alphas = []
        for s, y, r in zip(reversed(S), reversed(Y), reversed(rho)):
            a = r * float(s @ q)
            alphas.append(a)
            q -= a * y
        if S:
            q *= float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1])
        for (s, y, r), a in zip(zip(S, Y, rho), reversed(alphas)):
            b = r * float(y @ q)
            q += (a - b) * s
        p = -q
        if not float(g @ p) < 0:
            S.clear(), Y.clear(), rho.clear()
            p = -g
        # first step (and after a restart): 1 / ||p|| as L-BFGS-B, then the unit step
        alpha1 = 1.0 if S else 1.0 / max(float(np.linalg.norm(p)), 1e-300)
        noise = []
        ls = wolfe_line_search(fg, x, f, g, p, alpha1, max_ls=max_ls, noise=noise)
        if ls is None:
            if S and not retried:
                # the quasi-Newton model is off: restart from steepest descent
                S.clear(), Y.clear(), rho.clear()
                retried = True
                continue
            converged = at_rounding_level(f, g, p, contradicted=bool(noise))
            message = (ROUNDING_MESSAGE if converged else
                       "line search failed (the objective cannot be decreased further)")
            break
        retried = False
        alpha, f_new, g_new = ls
        s = alpha * p
        y = g_new - g
        sy = float(s @ y)
        if sy > _EPS * float(y @ y):
            S.append(s), Y.append(y), rho.append(1.0 / sy)
            if len(S) > m:
                S.pop(0), Y.pop(0), rho.pop(0)
        x = x + s
        f_old, f, g = f, float(f_new), g_new
        it += 1
        curve.append(f)
        gmax = float(np.max(np.abs(g)))
        _report(verbose, name, it, f, gmax)
        reason = _stop_reason(f_old, f, gmax, gtol, ftol)
        if reason:
            converged, message = True, reason
            break
    return SolverResult(x, f, it, converged, curve, message)


# --------------------------------------------------------------------------- Newton


def cholesky_solve(A, B):
    """Solve A X = B for symmetric positive definite A by Cholesky after
    symmetric diagonal scaling (so the condition estimate does not depend on
    the units of the features).  Returns (X, rcond_estimate), or (None, 0.0)
    when A is not numerically positive definite."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    dg = np.diag(A).copy()
    if not (np.all(np.isfinite(A)) and np.all(dg > 0)):
        return None, 0.0
    s = 1.0 / np.sqrt(dg)
    As = A * s[:, None] * s[None, :]
    try:
        L = np.linalg.cholesky(As)
    except np.linalg.LinAlgError:
        return None, 0.0
    ld = np.diag(L)
    rcond = float((ld.min() / ld.max()) ** 2)
    vec = B.ndim == 1
    Bs = (B.reshape(-1, 1) if vec else B) * s[:, None]
    Z = solve_triangular(L, Bs, lower=True)
    Xs = solve_triangular(L.T, Z, lower=False)
    Xs *= s[:, None]
    return (Xs[:, 0] if vec else Xs), rcond


def solve_triangular(T, B, *, lower, block=64):
    """T X = B for triangular T by blocks (NumPy only): each diagonal block by
    a small dense solve, the rest by matrix products."""
    n = T.shape[0]
    X = np.array(B, dtype=np.float64)
    starts = list(range(0, n, block))
    if not lower:
        starts.reverse()
    for i0 in starts:
        i1 = min(i0 + block, n)
        X[i0:i1] = np.linalg.solve(T[i0:i1, i0:i1], X[i0:i1])
        if lower:
            X[i1:] -= T[i1:, i0:i1] @ X[i0:i1]
        else:
            X[:i0] -= T[:i0, i0:i1] @ X[i0:i1]
    return X


def dense_newton_step(hess):
    """The Newton step from the dense Hessian: H s = -g by Cholesky; a
    Hessian that is not numerically positive definite (no penalty and
    separable or collinear data) gives the minimum-norm least-squares step."""
    def step(x, aux, g):
        H = hess(x, aux)
        s, rcond = cholesky_solve(H, -g)
        if s is None or rcond < 1e-14:
            s = np.linalg.lstsq(H, -g, rcond=None)[0]
        return s
    return step


# truncated_cg with the solver's gtol: a residual r at the forcing tolerance
# with LAST_STEP_LO gtol < max|r| <= LAST_STEP_HI gtol is refined to
# max|r| <= LAST_STEP_LO gtol (see truncated_cg)
LAST_STEP_LO, LAST_STEP_HI = 0.25, 10.0


def truncated_cg(hessp, g, *, max_iter=100, images=False, gtol=None):
    """An approximate solution of H s = -g by conjugate gradients on the
    Hessian-vector product hessp(v) = H v, stopped when the residual is below
    min(0.5, sqrt(||g||)) ||g|| (the forcing sequence of Nocedal & Wright,
    Algorithm 7.1) or at negative curvature.

    gtol: the outer solver stops at max|gradient| <= gtol, and the residual r
    is the gradient the quadratic model predicts after the step.  When r
    meets the forcing tolerance with max|r| in (LAST_STEP_LO, LAST_STEP_HI]
    gtol, the next outer iteration would only just miss (or just meet) the
    stop: CG goes on until max|r| <= LAST_STEP_LO gtol, so that this step is
    likely the last one -- a product or two instead of another iteration's
    pass and products (measured: LinearSVC squared hinge on CSR with an
    intercept, 7 products and 5 passes -> see bench/README.md).

    images: hessp(v, image=True) returns (H v, A v) with A v the change of
    the decision values along v (``LinearObjective.hessp``); the result is
    then (s, A s), A s summed from the products' images at no extra pass
    (None when s is the fallback -g, and when the model's gradient after the
    step, r, is within LAST_STEP_HI gtol: the likely last step is evaluated
    from X)."""
    gnorm = float(np.linalg.norm(g))
    eta = min(0.5, math.sqrt(gnorm)) * gnorm
    s = np.zeros_like(g)
    As = None
    r = -g.copy()
    p = r.copy()
    rr = float(r @ r)
    for _ in range(max_iter):
        if images:
            Hp, Ap = hessp(p, image=True)
        else:
            Hp = hessp(p)
        pHp = float(p @ Hp)
        if not pHp > 0:
            if not s.any():
                return (-g, None) if images else -g
            return (s, As) if images else s
        alpha = rr / pHp
        s += alpha * p
        if images:
            As = alpha * Ap if As is None else As + alpha * Ap
        r -= alpha * Hp
        rr_new = float(r @ r)
        if math.sqrt(rr_new) <= eta and not (
                gtol and LAST_STEP_LO * gtol < float(np.max(np.abs(r))) <= LAST_STEP_HI * gtol):
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    if images and gtol and float(np.max(np.abs(r))) <= LAST_STEP_HI * gtol:
        # likely the last step: no image, so the trial point's decision values
        # come from X and the outer stop is decided on exact ones (summed
        # images drift by rounding; at tol=1e-12 a stop on them left
        # max|grad| at 7e-9)
        As = None
    return (s, As) if images else s


def cg_newton_step(hessp_at, images=False, gtol=None):
    """The Newton-CG step: truncated CG on hessp_at(x, aux) -> (v -> H v),
    never forming the Hessian (for many parameters or sparse X).  images:
    the step is (s, A s), see truncated_cg and ``newton``; gtol: the outer
    solver's, see truncated_cg."""
    def step(x, aux, g):
        return truncated_cg(hessp_at(x, aux), g, images=images, gtol=gtol)
    return step


# newton recomputes the decision values from X at least every this many
# iterations when the step gives their change (their sums then cannot drift)
Z_REFRESH = 16


def newton(fg_z, step_fn, x0, *, max_iter=100, gtol=1e-4, ftol=64 * _EPS, verbose=0,
           name="newton"):
    """Newton's method with a backtracking (Armijo) line search.

    fg_z(x) -> (f, g, aux) evaluates the objective, its gradient and whatever
    the step needs (the decision values); step_fn(x, aux, g) -> the Newton
    step (``dense_newton_step`` or ``cg_newton_step``).  Stops as lbfgs
    does.

    A step_fn may return (step, image), image the change of the decision
    values along step (Newton-CG sums it from its products): the trial point
    x + t step is then evaluated as fg_z(x + t step, z=aux + t image), its
    decision values known, so the pass only computes the gradient (one of
    its two halves over X on CSR).  Every Z_REFRESH iterations, and for a
    step without an image, they are recomputed from X; a stop seen on
    summed ones is confirmed on those from X."""
    x = np.array(x0, dtype=np.float64)
    f, g, aux = fg_z(x)
    curve = []
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    if gmax <= gtol:
        return SolverResult(x, f, 0, True, curve, "gradient below tol at the start")
    it = 0
    converged, message = False, "max_iter reached"
    while it < max_iter:
        step = step_fn(x, aux, g)
        step, image = step if isinstance(step, tuple) else (step, None)
        gs = float(g @ step)
        if not gs < 0:
            step, gs, image = -g, -float(g @ g), None
        if (it + 1) % Z_REFRESH == 0:
            image = None
        t = 1.0
        accepted = noise = False
        for _ in range(40):
            if image is None:
                f_new, g_new, aux_new = fg_z(x + t * step)
            else:
                f_new, g_new, aux_new = fg_z(x + t * step, z=aux + t * image)
            if math.isfinite(f_new) and f_new <= f + 1e-4 * t * gs:
                accepted = True
                break
            noise = noise or slope_contradicts(f, float(f_new), float(g_new @ step))
            t *= 0.5
        if not accepted:
            converged = at_rounding_level(f, g, step, contradicted=noise)
            message = (ROUNDING_MESSAGE if converged else
                       "line search failed (the objective cannot be decreased further)")
            break
        x = x + t * step
        f_old, f, g, aux = f, float(f_new), g_new, aux_new
        it += 1
        curve.append(f)
        gmax = float(np.max(np.abs(g)))
        _report(verbose, name, it, f, gmax, f"  step {t:g}")
        reason = _stop_reason(f_old, f, gmax, gtol, ftol)
        if reason and image is not None:
            # the stop was seen on summed decision values: confirm it on the
            # ones from X (rare: the likely last step comes without an image)
            f, g, aux = fg_z(x)
            curve[-1] = f = float(f)
            gmax = float(np.max(np.abs(g)))
            reason = _stop_reason(f_old, f, gmax, gtol, ftol)
        if reason:
            converged, message = True, reason
            break
    return SolverResult(x, f, it, converged, curve, message)


# --------------------------------------------------------------------------- conjugate gradients


def conjugate_gradient(fg, x0, *, max_iter=1000, gtol=1e-4, verbose=0, name="cg",
                       refresh=10):
    """Minimise a convex quadratic f (squared error with an L2 penalty) by
    linear conjugate gradients on its gradient g(x) = H x - c.

    One pass over X per iteration: the Hessian-vector product is the exact
    difference H p = g(x + p) - g(x), the step along p is exact, and f and g
    at the new point follow from the quadratic (recomputed from X every
    `refresh` iterations and before stopping, so rounding cannot drift).
    Stops when max |g| <= gtol (the stopping rule of the other solvers)."""
    x = np.array(x0, dtype=np.float64)
    f, g = fg(x)
    curve = []
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    if gmax <= gtol:
        return SolverResult(x, f, 0, True, curve, "gradient below tol at the start")
    p = -g
    rr = float(g @ g)
    converged, message = False, "max_iter reached"
    it = 0
    while it < max_iter:
        _, gp = fg(x + p)
        Hp = gp - g
        pHp = float(p @ Hp)
        if not pHp > 0:
            converged = at_rounding_level(f, g, p)
            message = (ROUNDING_MESSAGE if converged else
                       "non-positive curvature: the objective is not a convex quadratic")
            break
        alpha = rr / pHp
        x = x + alpha * p
        f = f + alpha * float(g @ p) + 0.5 * alpha * alpha * pHp
        g = g + alpha * Hp
        it += 1
        if it % refresh == 0:
            f, g = fg(x)
        gmax = float(np.max(np.abs(g)))
        if gmax <= gtol and it % refresh:
            f, g = fg(x)                      # confirm on the exact gradient
            gmax = float(np.max(np.abs(g)))
        curve.append(float(f))
        _report(verbose, name, it, f, gmax)
        if gmax <= gtol:
            converged, message = True, "max|grad| <= tol"
            break
        rr_new = float(g @ g)
        p = -g + (rr_new / rr) * p
        rr = rr_new
    return SolverResult(x, f, it, converged, curve, message)


# --------------------------------------------------------------------------- mini-batch optimizers

# optimizers whose step is lr * (a gradient normalised per coordinate) rather
# than lr * gradient: their learning rate is a distance, not an inverse curvature
_ADAPTIVE = ("adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "radam", "adadelta",
             "rprop", "lion")
_MOMENTUM = ("momentum", "nesterov")
# the learning rate is divided by this on a plateau, down to _LR_FLOOR times its start
_LR_DECAY = 5.0
_LR_FLOOR = 1e-6


def _canonical(name):
    return name.lower().replace("-", "").replace("_", "")


def curvature(objective, theta, rng, *, rows=2048, n_power=10):
    """(L, max|g|): an estimate of the largest eigenvalue of the Hessian of
    the objective at theta, by power iteration on gradient differences over
    a random sample of at most `rows` rows, and the largest entry of the
    sample's gradient at theta."""
    n = objective.X.shape[0]
    ob = objective if n <= rows else objective.rows(np.sort(rng.choice(n, rows, replace=False)))
    _, g0 = ob.loss_grad(theta)
    v = rng.standard_normal(theta.size)
    v /= np.linalg.norm(v)
    lam = 0.0
    h = 1e-4 * max(1.0, float(np.linalg.norm(theta)))
    for _ in range(n_power):
        _, g1 = ob.loss_grad(theta + h * v)
        hv = (g1 - g0) / h
        lam = float(np.linalg.norm(hv))
        if not (lam > 0 and math.isfinite(lam)):
            break
        v = hv / lam
    return max(lam, 1e-12), float(np.max(np.abs(g0))) if g0.size else 0.0


def default_learning_rate(optimizer, L, gmax):
    """The estimators' default initial learning rate in their standardised
    coordinates, from the curvature L and the initial gradient gmax:
    1 / L for SGD (the step of gradient descent on a quadratic of curvature
    L), 0.5 / L with momentum 0.9 (inside heavy-ball's stability limit
    3.8 / L, with room for mini-batch noise), and
    0.1 * gmax / L -- a tenth of the distance a Newton step along the
    stiffest direction would go -- for the per-coordinate normalised
    optimizers (Adam, RMSprop, ...), whose step is lr per coordinate, and
    gmax / L for Adagrad, whose steps shrink from the first one on."""
    key = _canonical(optimizer)
    if key == "adagrad":
        # its steps shrink as 1 / sqrt(accumulated g^2) from the first one on
        return max(gmax / L, 1e-8)
    if key in _ADAPTIVE:
        return max(0.1 * gmax / L, 1e-8)
    if key in _MOMENTUM:
        return 0.5 / L
    return 1.0 / L


def minibatch(objective, theta0, optimizer, *, learning_rate, batch_size, max_iter, tol,
              n_iter_no_change, rng, dtype, verbose=0, name="sgd"):
    """Epochs of shuffled mini-batches with a ``lossfast.optim`` optimizer.

    The parameters are the objective's standardised coordinates (arrays of
    X's dtype updated in place by the optimizer's fused step); each
    mini-batch step uses the gradient of the batch's objective (its mean
    loss plus the full penalty).  After every epoch the full objective and
    its gradient are evaluated (one fused pass over X): that objective is the
    epoch's entry of the loss curve, and training has converged when
    max |gradient| <= tol, the stopping rule of L-BFGS and Newton.
    Learning rate: `learning_rate`, or by default one from the curvature of
    a sample of rows (``default_learning_rate``); it is divided by 5 each
    time the objective has not decreased for ``n_iter_no_change``
    consecutive epochs (scikit-learn SGD's "adaptive" schedule), and training
    stops when it has fallen below 1e-6 of its start.  Not converged (a
    ConvergenceWarning from the estimator) when it stops that way or after
    max_iter epochs with the gradient above tol.

    An L1 term (``objective.l1 > 0``) is handled by the hook ``l1_prox``: a
    proximal step (soft-thresholding of the coefficients by the optimizer's
    effective per-coordinate step, see ``L1Prox``) after every optimizer
    step; the loss curve is then the composite objective and the stopping
    rule its minimum-norm subgradient (as newton-cd's)."""
    from .. import optim
    theta = np.asarray(theta0, dtype=np.float64)
    k, d = objective.k, objective.d
    kd = k * d
    params = [np.ascontiguousarray(theta[:kd].reshape(k, d), dtype=dtype)]
    if objective.fit_intercept:
        params.append(np.ascontiguousarray(theta[kd:], dtype=dtype))
    if learning_rate is None:
        L, gmax0 = curvature(objective, theta, rng)
        lr0 = default_learning_rate(optimizer, L, gmax0)
    else:
        lr0 = float(learning_rate)
    extra = {}
    if _canonical(optimizer) == "adamw":
        # the objective's L2 penalty is in the gradient already; a decoupled
        # decay on top would move the minimiser
        extra["weight_decay"] = 0.0
    opt = optim.get(optimizer, params, lr=lr0, **extra)
    lr = lr0
    prox = l1_prox(objective, opt)       # None without an L1 term

    def current():
        return np.concatenate([p.reshape(-1).astype(np.float64) for p in params])

    curve = []
    best = math.inf
    no_improve = 0
    converged, message = False, "max_iter reached"
    epoch = 0
    for epoch in range(1, max_iter + 1):
        run_epoch(objective, params, opt, epoch_order(objective.X, rng), batch_size, lr, name,
                  prox=prox)
        f, g = objective.loss_grad(current())
        if prox is not None:
            # the composite objective and its minimum-norm subgradient
            f, gmax = prox.composite(current(), f, g)
        else:
            gmax = float(np.max(np.abs(g))) if g.size else 0.0
        curve.append(float(f))
        _report(verbose, name, epoch, f, gmax, f"  lr {lr:.3g}")
        if not math.isfinite(f):
            raise FloatingPointError(
                f"the objective became {f} during {name} training: the learning rate "
                f"({lr:g}) is probably too large")
        if gmax <= tol:
            converged, message = True, "max|grad| <= tol"
            break
        if not math.isfinite(best) or f < best - 1e-12 * max(abs(best), 1.0):
            best, no_improve = f, 0
        else:
            no_improve += 1
        if no_improve >= n_iter_no_change:
            lr /= _LR_DECAY
            no_improve = 0
            if lr < _LR_FLOOR * lr0:
                message = (f"the learning rate fell below {_LR_FLOOR:g} of its start without "
                           "the gradient reaching tol")
                break
            opt.lr = lr
    theta = current()
    if prox is not None and curve:
        theta, curve[-1], viol = prox.finish(objective, theta, curve[-1], g)
        if not converged and viol <= tol:
            converged, message = True, "minimum-norm subgradient <= tol"
    if not converged and curve:
        converged, message = _certify(objective, theta, curve[-1], tol, message)
    return SolverResult(theta, curve[-1] if curve else math.nan, epoch, converged, curve,
                        message)


def epoch_order(X, rng):
    """The row order of an epoch: the matrix kind's (``X.epoch_order(rng)``:
    the chunked and Dask kinds may stream their blocks), else a random
    permutation of all rows."""
    order = getattr(X, "epoch_order", None)
    return order(rng) if order is not None else rng.permutation(X.shape[0])


def run_epoch(objective, params, opt, perm, batch_size, lr, name, prox=None):
    """One epoch: a step of `opt` on `params` (the standardised coordinates,
    [coef (k, d)] or [coef, intercept] of X's dtype) for each mini-batch of
    `batch_size` consecutive entries of the row order `perm` (rows of a
    batch sorted; batches of zero total weight skipped).  `prox` (an
    ``L1Prox``, or None) is applied to the parameters after every step."""
    n = perm.size
    k, d = objective.k, objective.d
    kd = k * d
    dtype = params[0].dtype
    for start in range(0, n, batch_size):
        batch = objective.rows(np.sort(perm[start:start + batch_size]))
        if batch.sw is not None and not np.any(batch.sw > 0):
            continue
        theta = np.concatenate([p.reshape(-1).astype(np.float64) for p in params])
        f, g = batch.loss_grad(theta)
        if not math.isfinite(f):
            raise FloatingPointError(
                f"the objective became {f} during {name} training: the learning rate "
                f"({lr:g}) is probably too large")
        grads = [g[:kd].reshape(k, d).astype(dtype)]
        if objective.fit_intercept:
            grads.append(g[kd:].astype(dtype))
        opt.step(grads)
        if prox is not None:
            prox(params)


def l1_weights(objective):
    """The weights lam (k, d) of the objective's L1 term in its standardised
    coordinates, l1 ||W||_1 / sum(w) = sum_j lam_j |theta_j| with
    lam_j = l1 / (sum(w) s_j) (the penalty stays on the original
    coefficients W = theta / s; intercepts are not penalised); None without
    an L1 term."""
    l1 = float(getattr(objective, "l1", 0.0) or 0.0)
    if l1 <= 0.0:
        return None
    lam = l1 / objective.total_weight / objective.scale
    return np.ascontiguousarray(np.broadcast_to(lam, (objective.k, objective.d)))


class L1Prox:
    """The proximal step of the L1 term for the mini-batch optimizers: after
    every optimizer step the coefficients (not the intercepts) are
    soft-thresholded, theta_j <- sign(theta_j) max(|theta_j| - eta_j lam_j, 0),
    which produces exact zeros.

    eta_j is the optimizer's effective step per coordinate -- how far its
    update moves theta_j per unit of a steady gradient -- so that the fixed
    point of "step, then prox" is the optimum of the composite objective
    (the KKT condition g_j = -lam_j sign(theta_j), |g_j| <= lam_j at 0) for
    every optimizer, not only plain SGD:

    * sgd: eta = lr; with momentum mu, dampening tau: lr (1 - tau) / (1 - mu)
      (the momentum buffer of a steady gradient g is (1 - tau) g / (1 - mu));
      nesterov: lr (1 + mu (1 - tau) / (1 - mu));
    * adam / adamw: lr / (sqrt(v_j / bc2) + eps) (v the second moment, its
      running maximum with amsgrad; bc2 = 1 - beta2^t): Adam's step of a
      steady gradient is eta_j g_j, since m / bc1 -> g;
    * rmsprop: lr / (avg_j (1 - mu)), avg = sqrt(v) + eps (centred:
      sqrt(v - gavg^2) + eps);
    * adagrad: clr / (sqrt(sum_j) + eps), clr = lr / (1 + (t - 1) lr_decay).

    (Plain lr for the adaptive methods would move the fixed point: with
    Adam the step is normalised per coordinate, so lr lam_j is not the
    shrinkage matching a gradient lam_j.)  Other optimizer classes are a
    NotImplementedError."""

    _KINDS = {"SGD": "sgd", "Adam": "adam", "AdamW": "adam", "RMSprop": "rmsprop",
              "Adagrad": "adagrad"}

    def __init__(self, lam, opt):
        kind = self._KINDS.get(type(opt).__name__)
        if kind is None:
            raise NotImplementedError(f"an L1 term with the optimizer {type(opt).__name__} "
                                      "(its proximal step is implemented for sgd, momentum, "
                                      "nesterov, adam, adamw, rmsprop and adagrad)")
        self.kind = kind
        self.opt = opt
        self.lam = lam
        self.lam_flat = lam.reshape(-1)

    def step_sizes(self):
        """eta (k, d) float64 of the coefficients at the optimizer's state."""
        opt, g = self.opt, self.opt.param_groups[0]
        lr = float(g["lr"])
        st = opt.state[0]
        t = max(int(opt._group_steps[0]), 1)
        if self.kind == "sgd":
            mu, tau = float(g["momentum"]), float(g["dampening"])
            if mu == 0.0:
                return lr
            if g["nesterov"]:
                return lr * (1.0 + mu * (1.0 - tau) / (1.0 - mu))
            return lr * (1.0 - tau) / (1.0 - mu)
        if self.kind == "adam":
            beta2 = float(g["betas"][1])
            v = st["max_exp_avg_sq"] if g["amsgrad"] else st["exp_avg_sq"]
            bc2 = 1.0 - beta2 ** t
            return lr / (np.sqrt(v.astype(np.float64) / bc2) + float(g["eps"]))
        if self.kind == "rmsprop":
            v = st["square_avg"].astype(np.float64)
            if g["centered"]:
                v = v - st["grad_avg"].astype(np.float64) ** 2
            avg = np.sqrt(np.maximum(v, 0.0)) + float(g["eps"])
            return lr / (avg * (1.0 - float(g["momentum"])))
        clr = lr / (1.0 + (t - 1) * float(g["lr_decay"]))
        return clr / (np.sqrt(st["sum"].astype(np.float64)) + float(g["eps"]))

    def __call__(self, params):
        p = params[0]
        thr = self.step_sizes() * self.lam
        w = p.astype(np.float64)
        np.copyto(p, np.sign(w) * np.maximum(np.abs(w) - thr, 0.0), casting="unsafe")

    def finish(self, objective, theta, F, g):
        """The end of a fit: one full-batch proximal-gradient step on the
        coefficients from theta (g the full gradient there, F the composite
        objective), step 1 / L (L the curvature estimate of ``curvature`` on
        a row sample, the stable step of proximal gradient), halved until F
        does not increase (at most 8 times; else theta is kept).  The last
        mini-batch steps leave some coefficients whose optimum is 0 at tiny
        values (a batch gradient beyond lam_j pushes them off 0 by
        eta (|g_batch| - lam_j)); the full gradient is within lam_j there, so
        this step puts them back at exactly 0, and moves the others by
        (g_j + lam_j sign) / L, small near the optimum.  Returns (theta, F,
        max minimum-norm subgradient); a few passes over a row sample and
        one or more over X."""
        kd = self.lam_flat.size
        L, _ = curvature(objective, theta, np.random.default_rng(0))
        eta = 1.0 / L
        for _ in range(8):
            x = np.array(theta, dtype=np.float64)
            z = x[:kd] - eta * g[:kd]
            x[:kd] = np.sign(z) * np.maximum(np.abs(z) - eta * self.lam_flat, 0.0)
            f2, g2 = objective.loss_grad(x)
            F2, viol2 = self.composite(x, f2, g2)
            if F2 <= F:
                return x, F2, viol2
            eta *= 0.5
        return theta, F, self.composite(theta, 0.0, g)[1]

    def composite(self, theta, f, g):
        """(F = f + sum lam |theta|, max minimum-norm subgradient of F)."""
        kd = self.lam_flat.size
        x = theta[:kd]
        F = float(f) + float(self.lam_flat @ np.abs(x))
        viol = np.abs(g).copy()
        gc = g[:kd]
        v = np.where(x != 0, np.abs(gc + self.lam_flat * np.sign(x)),
                     np.maximum(np.abs(gc) - self.lam_flat, 0.0))
        viol[:kd] = v
        return F, (float(np.max(viol)) if viol.size else 0.0)


def l1_prox(objective, opt):
    """The L1Prox of the objective's L1 term for optimizer `opt` (the
    minibatch solver's hook), or None without an L1 term."""
    lam = l1_weights(objective)
    return None if lam is None else L1Prox(lam, opt)


class MinibatchStream:
    """The state of a mini-batch optimizer across ``partial_fit`` calls: the
    parameters (standardised coordinates of the first chunk's objective, in
    X's dtype), the ``lossfast.optim`` optimizer with its moments, the
    learning rate (``learning_rate``, or by default from the curvature of
    the first chunk, as ``minibatch``; constant across calls: objectives of
    different chunks are not comparable, so there is no plateau schedule)
    and the random generator of the row order."""

    def __init__(self, objective, optimizer, *, learning_rate, rng, dtype, theta0=None):
        from .. import optim
        k, d = objective.k, objective.d
        kd = k * d
        theta = np.zeros(objective.n_params) if theta0 is None else np.asarray(theta0, float)
        self.params = [np.ascontiguousarray(theta[:kd].reshape(k, d), dtype=dtype)]
        if objective.fit_intercept:
            self.params.append(np.ascontiguousarray(theta[kd:], dtype=dtype))
        if learning_rate is None:
            L, gmax0 = curvature(objective, theta, rng)
            self.lr = default_learning_rate(optimizer, L, gmax0)
        else:
            self.lr = float(learning_rate)
        extra = {"weight_decay": 0.0} if _canonical(optimizer) == "adamw" else {}
        self.opt = optim.get(optimizer, self.params, lr=self.lr, **extra)
        self.rng = rng
        self.center, self.scale = objective.center, objective.scale

    def theta(self):
        return np.concatenate([p.reshape(-1).astype(np.float64) for p in self.params])

    def epoch(self, objective, batch_size, name):
        """One epoch over the rows of `objective` (a chunk); returns its
        objective after the epoch."""
        run_epoch(objective, self.params, self.opt, epoch_order(objective.X, self.rng),
                  batch_size, self.lr, name)
        f = objective.loss(self.theta())
        if not math.isfinite(f):
            raise FloatingPointError(
                f"the objective became {f} during {name} training: the learning rate "
                f"({self.lr:g}) is probably too large")
        return float(f)


# a stochastic fit that stopped with the gradient above tol is accepted when its
# objective is within GAP_PER_TOL * tol (relative) of the optimum: 1 % at the
# default tol = 1e-4, proportionally tighter for a tighter tol
GAP_PER_TOL = 100.0


def _prox_probe(objective, theta, tol, probe_iter):
    """A short full-batch run on the composite objective F = f + L1 from
    theta, for _certify: proximal Newton (newton_cd, at most 10 iterations)
    while the dense Hessian is affordable (as newton_uses_cg), else
    proximal gradient with backtracking (FISTA, probe_iter iterations).
    Returns (F reached, iterations, name)."""
    lam = l1_weights(objective)
    p = objective.n_params
    kd = lam.size
    l1 = np.zeros(p)
    l1[:kd] = lam.reshape(-1)
    if not newton_uses_cg(objective):
        from ._newton_cd import newton_cd
        n, k = objective.X.shape[0], objective.k

        def fg_z(t):
            Z = np.empty((n, k), dtype=objective.X.dtype)
            f, g = objective.loss_grad(t, z_out=Z)
            return f, g, Z

        active = (objective.hessian_active if objective.X.kind in ("dense", "csr")
                  else None)
        res = newton_cd(fg_z, objective.hessian, theta, l1, max_iter=10, tol=tol,
                        hess_active=active)
        return res.f, res.n_iter, "proximal Newton"
    x = np.array(theta, dtype=np.float64)
    f, g = objective.loss_grad(x)
    F = f + float(l1 @ np.abs(x))
    y, fy, gy, tk, L = x.copy(), f, g, 1.0, 1.0
    it = 0
    for it in range(1, probe_iter + 1):
        for _ in range(50):
            z = y - gy / L
            z = np.sign(z) * np.maximum(np.abs(z) - l1 / L, 0.0)
            fz, gz = objective.loss_grad(z)
            dz = z - y
            if fz <= fy + float(gy @ dz) + 0.5 * L * float(dz @ dz) + 1e-12 * abs(fy):
                break
            L *= 2.0
        Fz = fz + float(l1 @ np.abs(z))
        if Fz > F:               # monotone restart
            y, fy, gy, tk = x.copy(), f, g, 1.0
            continue
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * tk * tk))
        y = z + ((tk - 1.0) / t_next) * (z - x)
        x, f, g, F, tk = z, fz, gz, Fz, t_next
        fy, gy = objective.loss_grad(y)
        L *= 0.9
    return F, it, "proximal-gradient (FISTA)"


def _certify(objective, theta, f, tol, message, probe_iter=25):
    """(converged, message) for a stochastic fit that stopped (plateau or
    max_iter) with its stationarity measure above tol: a short full-batch
    run from its end point measures how far above the optimum the objective
    still is (only measured: the fit keeps its own iterate) -- L-BFGS for a
    smooth objective, for one with an L1 term (f is then the composite
    objective) a proximal probe on the composite objective (_prox_probe:
    proximal Newton, or FISTA when the Hessian is too large).  Within
    GAP_PER_TOL * tol (relative; 1 % at tol = 1e-4) of what the probe
    reaches, the fit has converged; else the message gives the gap."""
    if l1_weights(objective) is not None:
        probe_f, probe_it, probe_name = _prox_probe(objective, theta, tol, probe_iter)
        gap = (f - probe_f) / max(abs(probe_f), 1e-300)
        rtol = GAP_PER_TOL * tol
        if gap <= rtol:
            return True, f"objective within {rtol:.2g} (relative) of the optimum"
        return False, (f"{message}; the objective is {gap:.2%} above the optimum, as measured "
                       f"by {probe_it} full-batch {probe_name} iterations from the end point")
    probe = lbfgs(objective.loss_grad, theta, max_iter=probe_iter, gtol=tol)
    gap = (f - probe.f) / max(abs(probe.f), 1e-300)
    rtol = GAP_PER_TOL * tol
    if gap <= rtol:
        return True, f"objective within {rtol:.2g} (relative) of the optimum"
    return False, (f"{message}; the objective is {gap:.2%} above the optimum, as measured by "
                   f"{probe.n_iter} full-batch L-BFGS iterations from the end point")


# --------------------------------------------------------------------------- the registry


_ALL_KINDS = ("dense", "csr", "chunked", "dask")


class Solver:
    """What a solver supports, declared once: the losses ("squared_error",
    "regression" for any other elementwise regression loss, "logistic"), the
    penalties ("l2", which includes none) and the data kinds ("dense",
    "csr", ...) it handles, and when "auto" may choose it.  ``run(objective, theta0, options)`` minimises a
    ``LinearObjective`` and returns a ``SolverResult``; the closed-form
    "normal" solver has no run (LinearRegression calls the normal equation
    itself)."""

    def __init__(self, name, run, *, losses, penalties=("l2",), kinds=_ALL_KINDS, aliases=(),
                 minibatch=False, auto_if=None):
        self.name = name
        self.run = run
        self.losses = frozenset(losses)
        self.penalties = frozenset(penalties)
        self.kinds = frozenset(kinds)
        self.aliases = tuple(aliases)
        self.minibatch = minibatch
        # auto_if(kind, n_features) -> whether "auto" may pick it (default: always)
        self.auto_if = auto_if

    def supports(self, loss, penalty, kind):
        return loss in self.losses and penalty in self.penalties and kind in self.kinds

    def __repr__(self):
        return f"Solver({self.name!r})"


_ALL_LOSSES = ("squared_error", "regression", "logistic")
# the classification losses of LinearClassifier besides the log loss: smooth
# ones with a (generalised) Hessian, smooth ones without, and non-smooth ones
# (fitted by the optimizers with sub-gradients only)
_HESSIAN_MARGIN = ("squared_hinge", "modified_huber")
_SMOOTH_CLASSIFICATION = _HESSIAN_MARGIN + ("focal",)
_NONSMOOTH_CLASSIFICATION = ("hinge", "perceptron")


def _run_lbfgs(objective, theta0, o):
    return lbfgs(objective.loss_grad, theta0, max_iter=o["max_iter"], gtol=o["tol"],
                 verbose=o["verbose"], name=o["name"])


# Newton forms the dense Hessian up to this many parameters (and for dense X:
# its k (k + 1) / 2 Grams cost O(n d^2) each); beyond it, or on CSR X with
# more than DENSE_HESSIAN_CSR features, it runs Newton-CG on Hessian-vector
# products (two passes over X per inner iteration, no Hessian in memory)
DENSE_HESSIAN_MAX_PARAMS = 4096
DENSE_HESSIAN_CSR = 1024


def newton_uses_cg(objective):
    """Whether Newton runs as Newton-CG for this objective (see above)."""
    if objective.n_params > DENSE_HESSIAN_MAX_PARAMS:
        return True
    return objective.X.kind != "dense" and objective.d > DENSE_HESSIAN_CSR


def _run_newton(objective, theta0, o):
    n, k = objective.X.shape[0], objective.k
    # kinds whose decision values stay where the rows live (Dask) give a handle
    decision_buffer = getattr(objective.X, "decision_buffer", None)

    # kinds that take the decision values (CSR float64): Newton-CG passes
    # them at its trial points, and at a start with zero coefficients they
    # are the intercepts -- the pass then skips computing X coef^T
    given = getattr(objective.X, "takes_decision_values", False) and n > 0
    kd = k * objective.d

    def fg_z(theta, z=None):
        if z is None and given and not np.any(theta[:kd]):
            z = np.empty((n, k))
            z[:] = objective.to_model(theta)[1] if objective.fit_intercept else 0.0
        if z is not None:
            f, g = objective.loss_grad(theta, z_out=z, z_given=True)
            return f, g, z
        Z = (decision_buffer(k) if decision_buffer is not None
             else np.empty((n, k), dtype=objective.X.dtype))
        f, g = objective.loss_grad(theta, z_out=Z)
        return f, g, Z

    cache = getattr(objective.X, "curvature_cache", None)
    if cache is not None and not newton_uses_cg(objective):
        return lagged_newton(fg_z, objective, cache, theta0, max_iter=o["max_iter"],
                             gtol=o["tol"], verbose=o["verbose"], name=o["name"])
    step = (cg_newton_step(objective.hessp, images=given, gtol=o["tol"])
            if newton_uses_cg(objective)
            else dense_newton_step(objective.hessian))
    return newton(fg_z, step, theta0, max_iter=o["max_iter"], gtol=o["tol"],
                  verbose=o["verbose"], name=o["name"])


# a step of the lagged-curvature Newton must shrink max|grad| by this factor,
# else the curvature Gram is rebuilt at the current point
LAGGED_RATE = 0.25


def lagged_newton(fg_z, objective, cache, x0, *, max_iter=100, gtol=1e-4, ftol=64 * _EPS,
                  verbose=0, name="newton"):
    """Newton's method along a path of fits on the same rows (the C grid of
    LogisticRegressionCV): the curvature Gram A^T D A (``curvature_gram``,
    the O(n d^2) part of the Hessian) is kept in ``cache["gram"]`` from one
    fit to the next and reused while the steps it gives converge fast; each
    fit adds its own scale and penalty (``hessian_from_gram``).  A step that
    does not shrink max|grad| by LAGGED_RATE rebuilds the Gram at the
    current point (an exact Newton step next).  Each iteration is one pass
    over X (loss, gradient and decision values) plus, when rebuilt, one
    Gram.  Backtracking line search and stopping rule as ``newton``."""
    x = np.array(x0, dtype=np.float64)
    f, g, Z = fg_z(x)
    curve = []
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    if gmax <= gtol:
        return SolverResult(x, f, 0, True, curve, "gradient below tol at the start")
    it = 0
    converged, message = False, "max_iter reached"
    fresh = False
    while it < max_iter:
        if cache.get("gram") is None:
            cache["gram"] = objective.curvature_gram(Z)
            fresh = True
        H = objective.hessian_from_gram(cache["gram"])
        step, rcond = cholesky_solve(H, -g)
        if step is None or rcond < 1e-14:
            step = np.linalg.lstsq(H, -g, rcond=None)[0]
        gs = float(g @ step)
        if not gs < 0:
            step, gs = -g, -float(g @ g)
        t = 1.0
        accepted = noise = False
        for _ in range(40):
            f_new, g_new, Z_new = fg_z(x + t * step)
            if math.isfinite(f_new) and f_new <= f + 1e-4 * t * gs:
                accepted = True
                break
            noise = noise or slope_contradicts(f, float(f_new), float(g_new @ step))
            t *= 0.5
        if not accepted:
            if not fresh:
                cache["gram"] = None           # the stale curvature misled: rebuild, retry
                continue
            converged = at_rounding_level(f, g, step, contradicted=noise)
            message = (ROUNDING_MESSAGE if converged else
                       "line search failed (the objective cannot be decreased further)")
            break
        x = x + t * step
        gmax_old = gmax
        f_old, f, g, Z = f, float(f_new), g_new, Z_new
        it += 1
        curve.append(f)
        gmax = float(np.max(np.abs(g)))
        _report(verbose, name, it, f, gmax, f"  step {t:g}" + ("" if fresh else "  (lagged)"))
        reason = _stop_reason(f_old, f, gmax, gtol, ftol)
        if reason:
            converged, message = True, reason
            break
        if not fresh and (t < 1.0 or gmax > LAGGED_RATE * gmax_old):
            cache["gram"] = None
        fresh = False
    return SolverResult(x, f, it, converged, curve, message)


def _run_newton_cd(objective, theta0, o):
    """Proximal Newton with coordinate descent on the quadratic model
    (``_newton_cd.newton_cd``) for an L1 / elastic-net term: in standardised
    coordinates the weight of coefficient j is l1 / (sum(w) s_j), since the
    penalty stays on the original coefficients W = W' / s; intercepts are
    not penalised."""
    from ._newton_cd import newton_cd
    n, k = objective.X.shape[0], objective.k

    def fg_z(theta):
        Z = np.empty((n, k), dtype=objective.X.dtype)
        f, g = objective.loss_grad(theta, z_out=Z)
        return f, g, Z

    l1 = np.zeros(objective.n_params)
    l1[:k * objective.d] = np.tile(objective.l1 / objective.total_weight / objective.scale, k)
    # each Newton step on the active set, with only its block of the Hessian
    # (LinearObjective.hessian_active: Grams of the active columns), for dense
    # and CSR X; other kinds slice the full Hessian, so they keep the full one
    active = objective.hessian_active if objective.X.kind in ("dense", "csr") else None
    return newton_cd(fg_z, objective.hessian, theta0, l1, max_iter=o["max_iter"],
                     tol=o["tol"], verbose=o["verbose"], name=o["name"], hess_active=active)


def _run_cg(objective, theta0, o):
    return conjugate_gradient(objective.loss_grad, theta0, max_iter=o["max_iter"],
                              gtol=o["tol"], verbose=o["verbose"], name=o["name"])


def _run_optimizer(objective, theta0, o):
    return minibatch(objective, theta0, o["solver"], learning_rate=o["learning_rate"],
                     batch_size=o["batch_size"], max_iter=o["max_iter"], tol=o["tol"],
                     n_iter_no_change=o["n_iter_no_change"], rng=o["rng"],
                     dtype=objective.X.dtype, verbose=o["verbose"], name=o["name"])


# "auto" solves the normal equation on sparse X only while its dense d x d
# Gram is cheap (4096^2 doubles = 128 MB); beyond, conjugate gradients
NORMAL_CSR_MAX_FEATURES = 4096


def _normal_is_cheap(kind, n_features):
    return kind != "csr" or n_features <= NORMAL_CSR_MAX_FEATURES


SOLVERS = {
    "normal": Solver("normal", None, losses=("squared_error",), auto_if=_normal_is_cheap),
    "cg": Solver("cg", _run_cg, losses=("squared_error",), aliases=("sparse_cg",)),
    "lbfgs": Solver("lbfgs", _run_lbfgs, losses=_ALL_LOSSES + _SMOOTH_CLASSIFICATION),
    "newton": Solver("newton", _run_newton,
                     losses=("squared_error", "logistic") + _HESSIAN_MARGIN,
                     aliases=("newton-cholesky", "newton-cg")),
    "newton-cd": Solver("newton-cd", _run_newton_cd,
                        losses=("squared_error", "logistic") + _HESSIAN_MARGIN,
                        penalties=("l1", "l2")),
}


def _optimizer_solver(key):
    from .. import optim
    if key not in optim.available():
        return None
    # an L1 term by the proximal step after every optimizer step (L1Prox)
    return Solver(key, _run_optimizer, penalties=("l1", "l2"), minibatch=True,
                  losses=_ALL_LOSSES + _SMOOTH_CLASSIFICATION + _NONSMOOTH_CLASSIFICATION)


def resolve_solver(requested, *, loss, penalty="l2", kind="dense", n_features=0, auto):
    """The registry's Solver for the name `requested` ("auto": the first of
    the names `auto` that supports the problem and whose auto_if allows it),
    or a ValueError naming the choices: an unknown name, or a solver that
    does not support this loss, penalty or kind of data."""
    from .. import optim
    if not isinstance(requested, str):
        raise ValueError(f"solver must be a string, got {requested!r}")
    name = requested.lower()
    if name == "auto":
        for candidate in auto:
            solver = SOLVERS.get(candidate)
            if solver is not None and solver.supports(loss, penalty, kind) and (
                    solver.auto_if is None or solver.auto_if(kind, n_features)):
                return solver
        raise ValueError(f"no solver supports loss={loss!r}, penalty={penalty!r} on {kind} X")
    solver = None
    for s in SOLVERS.values():
        if name == s.name or name in s.aliases:
            solver = s
    if solver is None:
        solver = _optimizer_solver(_canonical(name))
    if solver is None:
        choices = ["auto"] + sorted(SOLVERS) + sorted(optim.available())
        raise ValueError(f"solver must be one of {choices}, got {requested!r}")
    if not solver.supports(loss, penalty, kind):
        what = {"squared_error": "loss='squared_error'", "logistic": "the log loss",
                "regression": "a loss other than loss='squared_error'"}.get(
                    loss, f"loss={loss!r}")
        able = sorted(s.name for s in SOLVERS.values() if s.supports(loss, penalty, kind))
        raise ValueError(f"solver={requested!r} does not support {what} with penalty "
                         f"{penalty!r} on {kind} X; use one of {able} or an optimizer")
    return solver
