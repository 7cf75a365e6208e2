"""The linear SVM by dual coordinate descent (liblinear's algorithm, the C
kernel of ``csrc/svm_dual.c``), with an unpenalised intercept.

For one binary problem (labels y_i in {-1, +1}, costs C_i = C times the
sample and class weights) it minimises

    F(w, b) = 0.5 ||w||^2 + sum_i C_i loss(y_i (w . x_i + b))

(hinge or squared hinge).  liblinear penalises the intercept (a constant
feature); lossfast does not, and a dual with a free intercept carries the
equality constraint sum_i alpha_i y_i = 0, which coordinate descent cannot
keep one coordinate at a time.  So the intercept is an outer loop: for a
fixed b the kernel solves the dual over alpha (the dual's feasible set does
not depend on b, so every solve warm-starts from the last alpha and w), and
by the envelope theorem dF*(b)/db = -g(b) with g(b) = sum_i alpha_i(b) y_i,
a non-increasing function of b; the optimal b is its root.  It is found by
proximal steps: the kernel's dual with one more feature of constant value s,
whose weight v is penalised as v^2 / 2, is the problem with the intercept
b_k + s v and the penalty (b - b_k)^2 / (2 s^2) -- liblinear's intercept
feature, made exact by moving the centre b_k to each step's b.  Each step is
one warm-started solve (on the benchmark's dense hinge problem 1-2 solves
where the bracket and secant below took 5, 0.18 s against 0.48-0.90 s);
s^2 starts at min(1, mean ||x_i||^2 / 10) and doubles s on a step that did
not shrink |g| 4x, up to that cap.  After 10 steps, or a step at max_iter,
the feature is folded into b and the search falls back to bracketing and
Dekker's secant method with bisection.  The fit stops when
|g(b)| <= tol sum_i alpha_i (the intercept's optimality to tol relative to
the dual's scale) or when the bracket is below tol relative to |b| (a jump
of g, which the hinge's piecewise-linear F* may have at its minimum).  Only
the last solve's convergence counts (the earlier ones only steer b).
"""
import math

import numpy as np

from .. import _lossfast as _core

LOSSES = {"hinge": 0, "squared_hinge": 1}
# bracket expansion and the secant iterations bound the intercept's solves
_MAX_OUTER = 100
# the intercept feature's s^2 is at most this fraction of the mean ||x_i||^2
_S_CAP = 0.1
# proximal steps before the secant search takes over
_PROX_STEPS = 10


def _aligned_records(n):
    """A zeroed C-contiguous (n, 4) float64 array starting on a 64-byte
    boundary (NumPy guarantees 16), so no row's 32-byte record straddles
    two cache lines."""
    buf = np.zeros(4 * n + 8)
    skip = (-buf.ctypes.data % 64) // 8
    return buf[skip:skip + 4 * n].reshape(n, 4)


class _Problem:
    """X's arrays as the kernel takes them, and the kernel's working state."""

    def __init__(self, Xm, y, cost, loss, tol, max_iter, seed, intercept=False):
        if Xm.kind == "dense":
            self.X = Xm.X
        elif Xm.kind == "csr":
            self.X = (Xm.data, Xm.indices, Xm.indptr, Xm.shape[1])
        else:
            raise NotImplementedError(f"the dual solver on {Xm.kind} X is not implemented")
        n, d = Xm.shape
        # the kernel's per-row records (csrc/svm_dual.h): y, cost, qd, alpha of a
        # row in one 32-byte record on a 32-byte boundary, one cache line per
        # row of the shuffled passes where four arrays took four
        self.rv = _aligned_records(n)
        self.y, self.cost, self.qd, self.alpha = (self.rv[:, k] for k in range(4))
        self.y[:] = y
        self.cost[:] = cost
        self.rows = np.flatnonzero(self.cost > 0).astype(np.int64)
        self.w = np.zeros(d + 1 if intercept else d)   # + the intercept feature's weight
        self.d = d
        self.rng = np.array([seed], dtype=np.uint64)
        self.loss, self.tol, self.max_iter = LOSSES[loss], float(tol), int(max_iter)
        self.init = True
        # the mean squared row norm, the scale of the intercept feature's s
        # (a pass over X: only with an intercept)
        self.mean_sq = 0.0
        if intercept:
            sq = (float(np.vdot(Xm.X.ravel(), Xm.X.ravel())) if Xm.kind == "dense"
                  else float(np.vdot(Xm.data, Xm.data)))
            self.mean_sq = sq / max(n, 1)
        self.passes = 0
        self.last_status = 0

    def solve(self, b, s=0.0):
        """The dual at intercept b, with the intercept feature of value s > 0
        around b_k = b (its weight in w's last entry) or none (s = 0);
        returns g = sum_i alpha_i y_i."""
        w = self.w if s > 0 else self.w[:self.d]
        status, passes, _ = _core.svm_dual_cd(
            self.X, self.loss, self.tol, self.max_iter, self.init, self.rng, self.rv,
            float(b), self.rows, w, float(s))
        self.init = False
        self.last_b = float(b)
        self.passes += passes
        if status == 2:
            raise ValueError("The dual coordinate descent diverged (non-finite weights): "
                             "scale the data (StandardScaler)")
        self.last_status = status
        return float(self.alpha @ self.y)

    def rescale(self, s_old, s_new):
        """The intercept feature's value from s_old to s_new: qd and v = s g."""
        if s_new != s_old:
            self.qd[self.rows] += s_new * s_new - s_old * s_old
            self.w[-1] = self.w[-1] * s_new / s_old if s_new > 0 else 0.0

    def small(self, g):
        return abs(g) <= self.tol * max(float(self.alpha.sum()), 1e-300)


def fit_binary(Xm, y, cost, *, loss, fit_intercept, tol, max_iter, seed, b0=0.0):
    """(w (d,), b, passes, converged) of one binary problem (module docstring)."""
    pb = _Problem(Xm, y, cost, loss, tol, max_iter, seed, intercept=fit_intercept)
    if not fit_intercept:
        pb.solve(0.0)
        return pb.w, 0.0, pb.passes, pb.last_status == 0
    # s^2 at most 1/10 of the mean ||x_i||^2: past that the constant feature
    # dominates the coordinate steps and they crawl (s^2 = mean ||x_i||^2 ran
    # into max_iter on the bench's dense data, where s = 1 and 3 converge)
    s_cap = math.sqrt(_S_CAP * pb.mean_sq) if pb.mean_sq > 0 else 1.0
    b, s = float(b0), min(1.0, s_cap)
    g_prev, converged = None, False
    g = pb.solve(b, s)
    for _ in range(_PROX_STEPS):
        b_next = b + s * float(pb.w[-1])         # this step's intercept
        if pb.last_status != 0:
            break                                # max_iter: the feature slows CD here
        if pb.small(g):
            b, converged = b_next, True
            break
        # the residual shrank by less than 4x: a longer step (s up 2x)
        s_next = s
        if g_prev is not None and abs(g) > 0.25 * abs(g_prev):
            s_next = min(2.0 * s, s_cap)
        g_prev, b = g, b_next
        pb.rescale(s, s_next)
        s = s_next
        g = pb.solve(b, s)
    if not converged:
        # slow steps (a tiny C: the steps move b by s^2 g, and s is capped)
        # or a step at max_iter (a large C, where the coupling of every row
        # through the constant feature slows the coordinate steps): the
        # feature folded into b, and the secant search from there
        b = b + s * float(pb.w[-1])
        pb.rescale(s, 0.0)
        b, converged = _secant_search(pb, b)
    # w[:d] is the dual's solution at the intercept b
    return pb.w[:-1].copy(), b, pb.passes, converged and pb.last_status == 0


def _secant_search(pb, b0):
    """The root of g by bracketing and Dekker's secant with bisection, from
    b0 (the fallback of slow proximal steps; module docstring).  Returns
    (b, converged); pb's alpha and w are the solution at b."""
    b, g = float(b0), pb.solve(b0)
    converged = pb.small(g)
    # bracket the root of the non-increasing g: step away in the direction
    # of the sign of g, doubling the step (margins are of order 1).  (A small
    # first step with secant extrapolation took 8 solves where this takes 5
    # on the bench's dense data: g is piecewise there, its secants mislead.)
    step, outer = 1.0, 1
    b_prev = g_prev = None
    b_other, g_other = b, g
    while not converged and outer < _MAX_OUTER:
        b_other = b + math.copysign(step, g)
        g_other = pb.solve(b_other)
        outer += 1
        if pb.small(g_other):
            b, g, converged = b_other, g_other, True
        elif (g_other > 0) != (g > 0):
            break
        else:
            b_prev, g_prev, b, g = b, g, b_other, g_other
            step *= 2.0
    # Dekker's secant with bisection (Brent's safeguard): the secant through
    # the best iterate and the previous best (not through the bracket's far
    # end, which regula falsi uses: when g is flat near the root and steep
    # far from it, as the hinge's g on sparse rows, regula falsi creeps --
    # 11 solves where this takes 6 on the bench's CSR data), kept when it
    # falls between the best iterate and the bracket's midpoint, else the
    # midpoint; a bracket that did not halve in two steps is bisected.
    a, ga = b_other, g_other                       # the contrapoint: g(a), g(b) of opposite signs
    prev, gprev = (b_prev, g_prev) if b_prev is not None else (a, ga)
    if abs(ga) < abs(g):
        prev, gprev = b, g
        a, ga, b, g = b, g, a, ga
    width = max(pb.tol, 4 * np.finfo(np.float64).eps)
    widths = [abs(a - b)]
    while not converged and outer < _MAX_OUTER:
        if abs(a - b) <= width * max(1.0, abs(a), abs(b)):
            converged = True             # a jump of g: the minimum is at the jump
            break
        mid = 0.5 * (a + b)
        # (after a swap the previous best is b itself: then the secant of a, b)
        p0, gp0 = (prev, gprev) if prev != b and g != gprev else (a, ga)
        bm = b - g * (b - p0) / (g - gp0) if g != gp0 else mid
        if not (min(b, mid) < bm < max(b, mid)):
            bm = mid
        if len(widths) >= 3 and widths[-1] > 0.5 * widths[-3]:
            bm = mid
        gm = pb.solve(bm)
        outer += 1
        if pb.small(gm):
            b, g, converged = bm, gm, True
            break
        prev, gprev = b, g
        if (gm > 0) != (g > 0):
            a, ga = b, g                 # the root lies between bm and the old best
        b, g = bm, gm
        if abs(ga) < abs(g):             # b is the iterate with the smaller |g|
            a, ga, b, g = b, g, a, ga
        widths.append(abs(a - b))
    return pb.last_b, converged
