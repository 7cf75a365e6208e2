"""The optimizers: PyTorch's ``torch.optim`` formulas and defaults (Lion: Chen et al.
2023), fused in one C pass over memory per step (csrc/optim.c).

Each class is its declaration: the C kernel's name, its hyper-parameters (``_HYPER``:
name, default, check, description, C fields) and which state an option set uses.
The constructor, validation, the "Parameters" section of the docstring, the
attributes and the functional form (``lossfast.optim.functional``) are derived from
it by :class:`~lossfast.optim._base.Optimizer`.

In every formula ``g`` is the gradient times ``grad_scale`` (see ``step``), negated
when ``maximize``; hyper-parameters are rounded to the parameter's dtype, and
step-dependent factors are computed in double.
"""
from ._base import Hyper, Optimizer, check_flag, nonneg, pair, real, unit_closed, unit_open

__all__ = ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "NAdam", "RAdam", "Adamax",
           "Adadelta", "Rprop", "Lion"]


def _lr(value, name):
    return nonneg(value, name)


_MAXIMIZE = Hyper("maximize", False, check_flag, "Ascend the objective (g = -g).")


def _betas(default):
    return Hyper("betas", default, pair(unit_open),
                 "Decay rates (beta1, beta2) of the moment averages, each in [0, 1).",
                 c=("beta1", "beta2"))


def _weight_decay(default=0.0, doc="L2 penalty: g = g + weight_decay * p."):
    return Hyper("weight_decay", default, nonneg, doc)


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional (Nesterov) momentum.

    Per element::

        g = g + weight_decay * p                      (if weight_decay != 0)
        if momentum != 0:
            buf = g                                   (first step)
            buf = momentum * buf + (1 - dampening) * g (later steps)
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g

    This is ``torch.optim.SGD`` (default ``lr`` 1e-3 as PyTorch >= 2.2).  Nesterov
    needs ``momentum > 0`` and ``dampening == 0`` (ValueError).
    """

    _KERNEL = "sgd"
    _HYPER = (
        Hyper("lr", 1e-3, _lr, "Learning rate (>= 0)."),
        Hyper("momentum", 0.0, nonneg, "Momentum factor (>= 0; 0: no momentum buffer)."),
        Hyper("dampening", 0.0, real, "Dampening of the momentum: buf += (1 - dampening) * g."),
        _weight_decay(),
        Hyper("nesterov", False, check_flag, "Nesterov momentum (needs momentum > 0, "
                                             "dampening 0)."),
        _MAXIMIZE,
    )

    @classmethod
    def _check(cls, h):
        if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening, got "
                             f"momentum={h['momentum']}, dampening={h['dampening']}")
        return h

    @classmethod
    def _uses(cls, h):
        return ("momentum_buffer",) if h["momentum"] != 0 else ()

    @classmethod
    def _step_optional(cls, h):
        return h["momentum"] == 0


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), optionally centered and with momentum.

    Per element::

        g = g + weight_decay * p                         (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g^2
        centered: gavg = lerp(gavg, g, 1 - alpha);  avg = sqrt(v - gavg^2) + eps
        else:     avg = sqrt(v) + eps
        momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf
        else:         p = p - lr * g / avg

    This is ``torch.optim.RMSprop``.  ``alpha`` must be in [0, 1] (PyTorch only
    checks >= 0; a value above 1 makes ``1 - alpha`` negative).
    """

    _KERNEL = "rmsprop"
    _HYPER = (
        Hyper("lr", 1e-2, _lr, "Learning rate (>= 0)."),
        Hyper("alpha", 0.99, unit_closed, "Smoothing constant of the square average, in [0, 1]."),
        Hyper("eps", 1e-8, nonneg, "Added to the denominator (>= 0)."),
        _weight_decay(),
        Hyper("momentum", 0.0, nonneg, "Momentum factor (>= 0; 0: no momentum buffer)."),
        Hyper("centered", False, check_flag, "Normalise by the variance estimate "
                                             "v - gavg^2."),
        _MAXIMIZE,
    )
    _ALIASES = {**Optimizer._ALIASES, "rho": "alpha"}

    @classmethod
    def _uses(cls, h):
        return tuple(name for name, used in (("square_avg", True),
                                             ("momentum_buffer", h["momentum"] > 0),
                                             ("grad_avg", h["centered"])) if used)


class Adagrad(Optimizer):
    r"""Adagrad.

    At step t (1, 2, ...), per element::

        g = g + weight_decay * p                         (if weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)             (in double)
        sum = sum + g^2                                  (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    This is ``torch.optim.Adagrad``.
    """

    _KERNEL = "adagrad"
    _HYPER = (
        Hyper("lr", 1e-2, _lr, "Learning rate (>= 0)."),
        Hyper("lr_decay", 0.0, nonneg, "Learning-rate decay (>= 0)."),
        _weight_decay(),
        Hyper("initial_accumulator_value", 0.0, nonneg,
              "Initial value of the sum of squares (>= 0).", c=(), functional=False),
        Hyper("eps", 1e-10, nonneg, "Added to the denominator (>= 0)."),
        _MAXIMIZE,
    )
    _FUNCTIONAL_NAMES = {"sum": "state_sum"}

    @classmethod
    def _initial(cls, name, h):
        return h["initial_accumulator_value"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), optionally AMSGrad.

    At step t (1, 2, ...), per element::

        g = g + weight_decay * p                         (if weight_decay != 0; L2 penalty)
        m = lerp(m, g, 1 - beta1)                        (= beta1 * m + (1 - beta1) * g)
        v = beta2 * v + (1 - beta2) * g^2
        vmax = max(vmax, v)                              (amsgrad; NaN propagates)
        bc1 = 1 - beta1^t,  bc2 = 1 - beta2^t            (in double)
        p = p - (lr / bc1) * m / (sqrt(vmax if amsgrad else v) / sqrt(bc2) + eps)

    This is ``torch.optim.Adam``.  (The kernel multiplies by ``1 / sqrt(bc2)`` where
    PyTorch divides by ``sqrt(bc2)``: one rounding apart, one division fewer per
    element.)
    """

    _KERNEL = "adam"
    _HYPER = (
        Hyper("lr", 1e-3, _lr, "Learning rate (>= 0)."),
        _betas((0.9, 0.999)),
        Hyper("eps", 1e-8, nonneg, "Added to the denominator (>= 0)."),
        _weight_decay(),
        Hyper("amsgrad", False, check_flag, "Use the running maximum of v (AMSGrad)."),
        _MAXIMIZE,
    )
    _ALIASES = {**Optimizer._ALIASES, "beta_1": "betas", "beta_2": "betas"}

    @classmethod
    def _uses(cls, h):
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if h["amsgrad"] else ())


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    As :class:`Adam`, except that the weight decay is not added to the gradient;
    instead, before the update::

        p = p * (1 - lr * weight_decay)

    This is ``torch.optim.AdamW``.
    """

    _KERNEL = "adamw"
    _HYPER = tuple(_weight_decay(1e-2, "Decoupled weight decay: p = p * (1 - lr * "
                                       "weight_decay) before the update.")
                   if h.name == "weight_decay" else h for h in Adam._HYPER)


class NAdam(Optimizer):
    r"""NAdam: Adam with Nesterov momentum (Dozat 2016), with momentum decay.

    At step t (1, 2, ...), per element::

        weight decay:  g = g + weight_decay * p, or, with decoupled_weight_decay,
                       p = p * (1 - lr * weight_decay)
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))     (in double)
        mu_product = mu_1 * ... * mu_t                            (per group, double)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g^2
        denom = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
        p = p - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    This is ``torch.optim.NAdam``.  PyTorch keeps ``mu_product`` in its default
    scalar dtype (float32 unless the default dtype is float64); lossfast keeps it in
    double, per parameter group (``state_dict`` lists it for each parameter, as
    PyTorch).
    """

    _KERNEL = "nadam"
    _HYPER = (
        Hyper("lr", 2e-3, _lr, "Learning rate (>= 0)."),
        _betas((0.9, 0.999)),
        Hyper("eps", 1e-8, nonneg, "Added to the denominator (>= 0)."),
        _weight_decay(),
        Hyper("momentum_decay", 4e-3, nonneg, "Momentum decay psi of mu_t (>= 0).", c=()),
        Hyper("decoupled_weight_decay", False, check_flag,
              "Decay the parameter (AdamW style) instead of adding weight_decay * p to g."),
        _MAXIMIZE,
    )
    _ALIASES = Adam._ALIASES
    _SCALARS = {"mu_product": 1.0}

    @classmethod
    def _scalar_field_names(cls):
        return ("mu", "mu_next", "mu_product")

    @classmethod
    def _scalar_fields(cls, h, t, scalars):
        beta1, psi = h["betas"][0], h["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        scalars["mu_product"] = scalars["mu_product"] * mu
        return {"mu": mu, "mu_next": mu_next, "mu_product": scalars["mu_product"]}


class RAdam(Optimizer):
    r"""RAdam: Adam with the variance rectification of Liu et al. (2020).

    At step t (1, 2, ...), per element::

        weight decay:  g = g + weight_decay * p, or, with decoupled_weight_decay,
                       p = p * (1 - lr * weight_decay)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g^2
        bc1 = 1 - beta1^t, bc2 = 1 - beta2^t, rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2^t / bc2                               (in double)
        if rho_t > 5:
            rect = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p = p - (m / bc1) * lr * (sqrt(bc2) / (sqrt(v) + eps)) * rect
        else:
            p = p - (m / bc1) * lr

    This is ``torch.optim.RAdam``.
    """

    _KERNEL = "radam"
    _HYPER = (
        Hyper("lr", 1e-3, _lr, "Learning rate (>= 0)."),
        _betas((0.9, 0.999)),
        Hyper("eps", 1e-8, nonneg, "Added to the denominator (>= 0)."),
        _weight_decay(),
        Hyper("decoupled_weight_decay", False, check_flag,
              "Decay the parameter (AdamW style) instead of adding weight_decay * p to g."),
        _MAXIMIZE,
    )
    _ALIASES = Adam._ALIASES


class Adamax(Optimizer):
    r"""Adamax: Adam with the infinity norm (Kingma & Ba, section 7).

    At step t (1, 2, ...), per element::

        g = g + weight_decay * p                         (if weight_decay != 0)
        m = lerp(m, g, 1 - beta1)
        u = max(beta2 * u, |g| + eps)                    (NaN propagates)
        p = p - (lr / (1 - beta1^t)) * m / u

    This is ``torch.optim.Adamax``.
    """

    _KERNEL = "adamax"
    _HYPER = (
        Hyper("lr", 2e-3, _lr, "Learning rate (>= 0)."),
        _betas((0.9, 0.999)),
        Hyper("eps", 1e-8, nonneg, "Added to |g| (>= 0)."),
        _weight_decay(),
        _MAXIMIZE,
    )
    _ALIASES = Adam._ALIASES


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012).

    Per element::

        g = g + weight_decay * p                         (if weight_decay != 0)
        v = rho * v + (1 - rho) * g^2
        delta = sqrt(acc + eps) / sqrt(v + eps) * g
        acc = rho * acc + (1 - rho) * delta^2
        p = p - lr * delta

    This is ``torch.optim.Adadelta``.
    """

    _KERNEL = "adadelta"
    _HYPER = (
        Hyper("lr", 1.0, _lr, "Scale of the update (>= 0)."),
        Hyper("rho", 0.9, unit_closed, "Decay of the running averages, in [0, 1]."),
        Hyper("eps", 1e-6, nonneg, "Added inside the square roots (>= 0)."),
        _weight_decay(),
        _MAXIMIZE,
    )


def _etas(value, name):
    em, ep = pair(real)(value, name)
    if not 0.0 < em < 1.0 < ep:
        raise ValueError(f"{name} must satisfy 0 < {name}[0] < 1 < {name}[1], got ({em}, {ep})")
    return (em, ep)


def _step_sizes(value, name):
    lo, hi = pair(nonneg)(value, name)
    if lo > hi:
        raise ValueError(f"{name} must be (min, max) with min <= max, got ({lo}, {hi})")
    return (lo, hi)


class Rprop(Optimizer):
    r"""Rprop (resilient backpropagation, Riedmiller & Braun 1993).

    Per element, with ``step_size`` starting at ``lr`` and ``prev`` at 0::

        s = sign(g * prev)                               (sign(NaN) = 0, as torch.sign)
        f = etas[1] if s > 0, etas[0] if s < 0, else 1
        step_size = clamp(step_size * f, step_sizes[0], step_sizes[1])
        g = 0 where f == etas[0]
        p = p - sign(g) * step_size;  prev = g

    This is ``torch.optim.Rprop`` (no weight decay, as PyTorch).  ``etas`` must
    satisfy 0 < etas[0] < 1 < etas[1].
    """

    _KERNEL = "rprop"
    _HYPER = (
        Hyper("lr", 1e-2, _lr, "Initial step size (>= 0)."),
        Hyper("etas", (0.5, 1.2), _etas, "(eta_minus, eta_plus): step-size factors on a sign "
              "change / no change.", c=("eta_minus", "eta_plus")),
        Hyper("step_sizes", (1e-6, 50.0), _step_sizes, "(min, max) step size.",
              c=("step_size_min", "step_size_max")),
        _MAXIMIZE,
    )

    @classmethod
    def _initial(cls, name, h):
        return h["lr"] if name == "step_size" else 0.0


class Lion(Optimizer):
    r"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").

    Per element::

        p = p * (1 - lr * weight_decay)                  (decoupled; if weight_decay != 0)
        u = sign(beta1 * m + (1 - beta1) * g)            (sign(0) = 0; NaN propagates)
        p = p - lr * u
        m = beta2 * m + (1 - beta2) * g

    PyTorch has no Lion; the defaults are the paper's (lr 1e-4, betas (0.9, 0.99)).
    Use a learning rate 3-10x smaller and a weight decay 3-10x larger than AdamW's.
    """

    _KERNEL = "lion"
    _HYPER = (
        Hyper("lr", 1e-4, _lr, "Learning rate (>= 0)."),
        Hyper("betas", (0.9, 0.99), pair(unit_closed),
              "(beta1, beta2): interpolation of the update direction and decay of the "
              "momentum, each in [0, 1].", c=("beta1", "beta2")),
        Hyper("weight_decay", 0.0, nonneg,
              "Decoupled weight decay: p = p * (1 - lr * weight_decay)."),
        _MAXIMIZE,
    )
    _ALIASES = Adam._ALIASES

