"""NumPy reference implementations of the optimizer updates (PyTorch's
``torch.optim`` single-tensor formulas), written independently of lossfast, one
NumPy operation per PyTorch operation, in the parameter's dtype (hyper-parameters
rounded to that dtype as PyTorch does for Python scalars; bias corrections and
Adagrad's decayed rate in double).

Each class takes a list of parameter arrays (updated in place) and has
``step(grads)``; its state arrays are attributes.
"""
import math

import numpy as np


def _lerp(start, end, weight, dt):
    """torch.lerp: start + w (end - start) if |w| < 0.5 else end - (end - start) (1 - w)."""
    w = dt(weight)
    if abs(w) < 0.5:
        return start + w * (end - start)
    return end - (end - start) * (dt(1) - w)


class _Ref:
    def __init__(self, params, **hyper):
        self.params = params
        self.h = hyper
        self.t = 0

    def step(self, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            dt = p.dtype.type
            d = -g if self.h.get("maximize", False) else g.copy()
            self._update(i, p, d, dt)

    def _decay(self, p, d, dt):
        wd = self.h.get("weight_decay", 0.0)
        return d + dt(wd) * p if wd != 0 else d


class SGD(_Ref):
    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, maximize=False):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         nesterov=nesterov, weight_decay=weight_decay, maximize=maximize)
        self.buf = [None] * len(params)

    def _update(self, i, p, d, dt):
        h = self.h
        d = self._decay(p, d, dt)
        mu = h["momentum"]
        if mu != 0:
            if self.buf[i] is None:
                self.buf[i] = d.copy()
            else:
                self.buf[i] = self.buf[i] * dt(mu) + dt(1 - h["dampening"]) * d
            d = d + dt(mu) * self.buf[i] if h["nesterov"] else self.buf[i]
        p[...] = p - dt(h["lr"]) * d


class RMSprop(_Ref):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, maximize=False):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered, maximize=maximize)
        self.square_avg = [np.zeros_like(p) for p in params]
        self.grad_avg = [np.zeros_like(p) for p in params]
        self.buf = [np.zeros_like(p) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        d = self._decay(p, d, dt)
        v = self.square_avg[i] * dt(h["alpha"]) + dt(1 - h["alpha"]) * d * d
        self.square_avg[i] = v
        if h["centered"]:
            a = _lerp(self.grad_avg[i], d, 1 - h["alpha"], dt)
            self.grad_avg[i] = a
            avg = np.sqrt(v - a * a) + dt(h["eps"])
        else:
            avg = np.sqrt(v) + dt(h["eps"])
        if h["momentum"] > 0:
            self.buf[i] = self.buf[i] * dt(h["momentum"]) + d / avg
            p[...] = p - dt(h["lr"]) * self.buf[i]
        else:
            p[...] = p - dt(h["lr"]) * d / avg


class Adagrad(_Ref):
    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, maximize=False):
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                         maximize=maximize)
        self.sum = [np.full_like(p, initial_accumulator_value) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        d = self._decay(p, d, dt)
        clr = h["lr"] / (1 + (self.t - 1) * h["lr_decay"])
        self.sum[i] = self.sum[i] + d * d
        p[...] = p - dt(clr) * d / (np.sqrt(self.sum[i]) + dt(h["eps"]))


class Adam(_Ref):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]
        self.max_exp_avg_sq = [np.zeros_like(p) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        beta1, beta2 = h["betas"]
        wd = h["weight_decay"]
        if wd != 0 and self.decoupled:
            p[...] = p * dt(1 - h["lr"] * wd)
        elif wd != 0:
            d = d + dt(wd) * p
        m = _lerp(self.exp_avg[i], d, 1 - beta1, dt)
        v = self.exp_avg_sq[i] * dt(beta2) + dt(1 - beta2) * d * d
        self.exp_avg[i], self.exp_avg_sq[i] = m, v
        bc1 = 1 - beta1 ** self.t
        bc2 = 1 - beta2 ** self.t
        step_size = h["lr"] / bc1
        if h["amsgrad"]:
            self.max_exp_avg_sq[i] = np.maximum(self.max_exp_avg_sq[i], v)
            v = self.max_exp_avg_sq[i]
        denom = np.sqrt(v) / dt(math.sqrt(bc2)) + dt(h["eps"])
        p[...] = p - dt(step_size) * m / denom


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


REFERENCES = {"SGD": SGD, "RMSprop": RMSprop, "Adagrad": Adagrad, "Adam": Adam, "AdamW": AdamW}


def _decay_mode(h, p, d, dt, decoupled):
    """Weight decay of NAdam / RAdam: L2 into d, or decoupled into p (in place)."""
    wd = h.get("weight_decay", 0.0)
    if wd == 0:
        return d
    if decoupled:
        p[...] = p * dt(1 - h["lr"] * wd)
        return d
    return d + dt(wd) * p


class NAdam(_Ref):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         momentum_decay=momentum_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]
        self.mu_product = 1.0
        self._t_mu = 0

    def _update(self, i, p, d, dt):
        h, t = self.h, self.t
        beta1, beta2 = h["betas"]
        d = _decay_mode(h, p, d, dt, h["decoupled_weight_decay"])
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * h["momentum_decay"]))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * h["momentum_decay"]))
        if self._t_mu != t:  # one product per step for all parameters
            self.mu_product *= mu
            self._t_mu = t
        m = _lerp(self.exp_avg[i], d, 1 - beta1, dt)
        v = self.exp_avg_sq[i] * dt(beta2) + dt(1 - beta2) * d * d
        self.exp_avg[i], self.exp_avg_sq[i] = m, v
        denom = np.sqrt(v / dt(1 - beta2 ** t)) + dt(h["eps"])
        p[...] = p + dt(-h["lr"] * (1 - mu) / (1 - self.mu_product)) * d / denom
        p[...] = p + dt(-h["lr"] * mu_next / (1 - self.mu_product * mu_next)) * m / denom


class RAdam(_Ref):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]

    def _update(self, i, p, d, dt):
        h, t = self.h, self.t
        beta1, beta2 = h["betas"]
        d = _decay_mode(h, p, d, dt, h["decoupled_weight_decay"])
        m = _lerp(self.exp_avg[i], d, 1 - beta1, dt)
        v = self.exp_avg_sq[i] * dt(beta2) + dt(1 - beta2) * d * d
        self.exp_avg[i], self.exp_avg_sq[i] = m, v
        bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
        u = m / dt(bc1) * dt(h["lr"])
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bc2
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p[...] = p - u * (dt(math.sqrt(bc2)) / (np.sqrt(v) + dt(h["eps"]))) * dt(rect)
        else:
            p[...] = p - u


class Adamax(_Ref):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         maximize=maximize)
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_inf = [np.zeros_like(p) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        beta1, beta2 = h["betas"]
        d = self._decay(p, d, dt)
        m = _lerp(self.exp_avg[i], d, 1 - beta1, dt)
        u = np.maximum(self.exp_inf[i] * dt(beta2), np.abs(d) + dt(h["eps"]))
        self.exp_avg[i], self.exp_inf[i] = m, u
        p[...] = p - dt(h["lr"] / (1 - beta1 ** self.t)) * m / u


class Adadelta(_Ref):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
        super().__init__(params, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                         maximize=maximize)
        self.square_avg = [np.zeros_like(p) for p in params]
        self.acc_delta = [np.zeros_like(p) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        rho, eps = dt(h["rho"]), dt(h["eps"])
        d = self._decay(p, d, dt)
        v = self.square_avg[i] * rho + dt(1 - h["rho"]) * d * d
        delta = np.sqrt(self.acc_delta[i] + eps) / np.sqrt(v + eps) * d
        self.square_avg[i] = v
        self.acc_delta[i] = self.acc_delta[i] * rho + dt(1 - h["rho"]) * delta * delta
        p[...] = p - dt(h["lr"]) * delta


class Rprop(_Ref):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0),
                 maximize=False):
        super().__init__(params, lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        self.prev = [np.zeros_like(p) for p in params]
        self.step_size = [np.full_like(p, lr) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        em, ep = dt(h["etas"][0]), dt(h["etas"][1])
        s = np.sign(np.nan_to_num(d * self.prev[i], nan=0.0))  # torch.sign(NaN) = 0
        f = np.where(s > 0, ep, np.where(s < 0, em, dt(1)))
        lo, hi = dt(h["step_sizes"][0]), dt(h["step_sizes"][1])
        st = self.step_size[i] * f
        st = np.where(st < lo, lo, np.where(st > hi, hi, st))  # NaN stays NaN
        d = np.where(f == em, dt(0), d)
        self.step_size[i] = st
        self.prev[i] = d
        p[...] = p - np.sign(np.nan_to_num(d, nan=0.0)) * st


class Lion(_Ref):
    """Chen et al. 2023, Algorithm 2 (with the maximize option)."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, maximize=False):
        super().__init__(params, lr=lr, betas=betas, weight_decay=weight_decay,
                         maximize=maximize)
        self.exp_avg = [np.zeros_like(p) for p in params]

    def _update(self, i, p, d, dt):
        h = self.h
        beta1, beta2 = h["betas"]
        if h["weight_decay"] != 0:
            p[...] = p * dt(1 - h["lr"] * h["weight_decay"])
        m = self.exp_avg[i]
        u = np.sign(m * dt(beta1) + dt(1 - beta1) * d)
        p[...] = p - dt(h["lr"]) * u
        self.exp_avg[i] = m * dt(beta2) + dt(1 - beta2) * d


REFERENCES.update({"NAdam": NAdam, "RAdam": RAdam, "Adamax": Adamax, "Adadelta": Adadelta,
                   "Rprop": Rprop, "Lion": Lion})


# ---- a small problem shared by the optimizer tests ----

def make_params(shapes, dtype, seed=0):
    """Parameter arrays of the given shapes, random normal starting points."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


class Problem:
    """A separable noisy quadratic: the gradient of 0.5 * s * (p - c)^2 plus noise that
    depends on the step (a window, shifted with the step, into a fixed random pool), so
    every optimizer moves every element differently.  With ``maximize=True`` the quadratic
    is concave (the gradient is negated), so that gradient ascent is stable: ascending a
    convex quadratic would make elements near c diverge from one another for rounding
    differences of one ulp."""

    POOL = 128

    def __init__(self, shapes, dtype, seed=0, maximize=False):
        self.sign = -1 if maximize else 1
        rng = np.random.default_rng(seed + 1000)
        self.dtype = np.dtype(dtype)
        self.scale = [rng.uniform(0.1, 3.0, s).astype(dtype) for s in shapes]
        self.center = [rng.standard_normal(s).astype(dtype) for s in shapes]
        self.noise = [(0.5 * rng.standard_normal(int(np.prod(s)) + self.POOL)).astype(dtype)
                      for s in shapes]

    def grads(self, params, t):
        out = []
        for p, s, c, z in zip(params, self.scale, self.center, self.noise):
            k = (37 * t) % self.POOL
            out.append(self.sign * s * (p - c) + z[k:k + p.size].reshape(p.shape))
        return out


def rtol_for(dtype):
    """Relative tolerance of a trajectory comparison: 1e-12 in float64, 1e-5 in float32."""
    return 1e-12 if np.dtype(dtype) == np.float64 else 1e-5


def assert_trajectory_close(actual, desired, dtype, rtol=None, what=""):
    """Every array of `actual` equals `desired` to `rtol` relative to the array's scale."""
    rtol = rtol_for(dtype) if rtol is None else rtol
    assert len(actual) == len(desired)
    for k, (a, d) in enumerate(zip(actual, desired)):
        assert a.shape == d.shape and a.dtype == d.dtype, (k, a.shape, d.shape, a.dtype, d.dtype)
        scale = float(np.max(np.abs(d))) if d.size else 0.0
        np.testing.assert_allclose(a, d, rtol=rtol, atol=rtol * scale,
                                   err_msg=f"{what} array {k}")
