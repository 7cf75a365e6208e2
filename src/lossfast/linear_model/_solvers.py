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


def _report(verbose, name, it, f, gmax=None, extra=""):
    if verbose:
        g = "" if gmax is None else f"  max|grad| {gmax:.3e}"
        print(f"[{name}] iter {it:4d}  objective {f:.10g}{g}{extra}", flush=True)


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


def wolfe_line_search(fg, x, f0, g0, p, alpha1, *, c1=1e-4, c2=0.9, max_ls=50):
    """Step alpha along p with f(x + alpha p) <= f0 + c1 alpha g0.p and
    |g(x + alpha p).p| <= c2 |g0.p|.  Returns (alpha, f, g) or None."""
    dphi0 = float(g0 @ p)
    if not dphi0 < 0:
        return None
    evals = 0

    def phi(alpha):
        f, g = fg(x + alpha * p)
        return float(f), g, float(g @ p)

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
        ls = wolfe_line_search(fg, x, f, g, p, alpha1, max_ls=max_ls)
        if ls is None:
            if S and not retried:
                # the quasi-Newton model is off: restart from steepest descent
                S.clear(), Y.clear(), rho.clear()
                retried = True
                continue
            message = "line search failed (the objective cannot be decreased further)"
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


def newton(fg_z, hess, x0, *, max_iter=100, gtol=1e-4, ftol=64 * _EPS, verbose=0,
           name="newton"):
    """Newton's method with a backtracking (Armijo) line search.

    fg_z(x) -> (f, g, aux) evaluates the objective, its gradient and whatever
    hess needs (the decision values); hess(x, aux) -> H.  The step solves
    H s = -g by Cholesky; a Hessian that is not numerically positive definite
    (no penalty and separable or collinear data) falls back to the
    minimum-norm least-squares step.  Stops as lbfgs does."""
    x = np.array(x0, dtype=np.float64)
    f, g, aux = fg_z(x)
    curve = []
    gmax = float(np.max(np.abs(g))) if g.size else 0.0
    if gmax <= gtol:
        return SolverResult(x, f, 0, True, curve, "gradient below tol at the start")
    it = 0
    converged, message = False, "max_iter reached"
    while it < max_iter:
        H = hess(x, aux)
        step, rcond = cholesky_solve(H, -g)
        if step is None or rcond < 1e-14:
            step = np.linalg.lstsq(H, -g, rcond=None)[0]
        gs = float(g @ step)
        if not gs < 0:
            step, gs = -g, -float(g @ g)
        t = 1.0
        accepted = False
        for _ in range(40):
            f_new, g_new, aux_new = fg_z(x + t * step)
            if math.isfinite(f_new) and f_new <= f + 1e-4 * t * gs:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            message = "line search failed (the objective cannot be decreased further)"
            break
        x = x + t * step
        f_old, f, g, aux = f, float(f_new), g_new, aux_new
        it += 1
        curve.append(f)
        gmax = float(np.max(np.abs(g)))
        _report(verbose, name, it, f, gmax, f"  step {t:g}")
        reason = _stop_reason(f_old, f, gmax, gtol, ftol)
        if reason:
            converged, message = True, reason
            break
    return SolverResult(x, f, it, converged, curve, message)


# --------------------------------------------------------------------------- mini-batch optimizers


def get_optimizer(name, params, learning_rate):
    """``lossfast.optim.get(name, params, lr=learning_rate)`` (the optimizer's
    default learning rate when learning_rate is None)."""
    from .. import optim
    kwargs = {} if learning_rate is None else {"lr": float(learning_rate)}
    return optim.get(name, params, **kwargs)


def minibatch(batch_objective, params, to_theta, optimizer, *, n_samples, batch_size,
              max_iter, tol, n_iter_no_change, rng, verbose=0, name="sgd"):
    """Epochs of shuffled mini-batches.

    batch_objective(idx) -> (f, grads) gives the mini-batch objective and the
    gradients of `params` (arrays updated in place by `optimizer.step`), or
    None for a batch to skip (all its sample weights are zero).  The
    epoch's objective is the average of its mini-batch objectives (as
    scikit-learn's MLP / SGD report it); training stops when it has not
    improved by more than tol for n_iter_no_change consecutive epochs, or after
    max_iter epochs."""
    curve = []
    best = math.inf
    no_improve = 0
    converged, message = False, "max_iter reached"
    epoch = 0
    for epoch in range(1, max_iter + 1):
        perm = rng.permutation(n_samples)
        total, count = 0.0, 0
        for start in range(0, n_samples, batch_size):
            idx = np.sort(perm[start:start + batch_size])
            out = batch_objective(idx)
            if out is None:
                continue
            f, grads = out
            if not math.isfinite(f):
                raise FloatingPointError(
                    f"the objective became {f} during {name} training: the learning rate "
                    "is probably too large")
            optimizer.step(grads)
            total += f * len(idx)
            count += len(idx)
        f_epoch = total / count if count else math.nan
        curve.append(f_epoch)
        _report(verbose, name, epoch, f_epoch)
        if f_epoch > best - tol:
            no_improve += 1
        else:
            no_improve = 0
        best = min(best, f_epoch)
        if no_improve >= n_iter_no_change:
            converged, message = True, (f"objective did not improve by more than tol for "
                                        f"{n_iter_no_change} epochs")
            break
    return SolverResult(to_theta(), curve[-1] if curve else math.nan, epoch, converged, curve,
                        message)
