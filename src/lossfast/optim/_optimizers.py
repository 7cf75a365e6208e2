"""SGD, RMSprop, Adagrad, Adam and AdamW: PyTorch's formulas and defaults
(``torch.optim``, SPEC 2.3), fused in one C pass over memory per step."""
from .. import _lossfast as _core
from .._validation import check_number
from ._base import Optimizer, check_beta, check_flag, check_lr, resolve_aliases

_NO = 0.0


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional (Nesterov) momentum.

    ``SGD(params, lr=1e-3, momentum=0, dampening=0, nesterov=False, weight_decay=0,
    maximize=False)``; per element, with ``g`` the gradient::

        g = -g if maximize
        g = g + weight_decay * p                      (if weight_decay != 0)
        if momentum != 0:
            buf = g                                   (first step)
            buf = momentum * buf + (1 - dampening) * g (later steps)
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g

    This is ``torch.optim.SGD``, except the default ``lr`` (SPEC: 1e-3; PyTorch's is
    also 1e-3 since 2.2).  Nesterov needs ``momentum > 0`` and ``dampening == 0``
    (ValueError).  State: ``"momentum_buffer"`` when ``momentum != 0``.
    """

    _KERNEL = "sgd"
    _DEFAULTS = {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "nesterov": False,
                 "weight_decay": 0.0, "maximize": False}

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, maximize=False, **aliases):
        hyper = resolve_aliases(type(self), dict(lr=lr, momentum=momentum, dampening=dampening,
                                                 nesterov=nesterov, weight_decay=weight_decay,
                                                 maximize=maximize), aliases)
        super().__init__(params, **hyper)

    @classmethod
    def validate(cls, h):
        h = dict(lr=check_lr(h["lr"]),
                 momentum=check_number(h["momentum"], "momentum", low=0.0),
                 dampening=check_number(h["dampening"], "dampening"),
                 nesterov=check_flag(h["nesterov"], "nesterov"),
                 weight_decay=check_number(h["weight_decay"], "weight_decay", low=0.0),
                 maximize=check_flag(h["maximize"], "maximize"))
        if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening, got "
                             f"momentum={h['momentum']}, dampening={h['dampening']}")
        return h

    @classmethod
    def _slots(cls, h):
        return ("momentum_buffer" if h["momentum"] != 0 else None, None, None)

    @classmethod
    def _c_hyper(cls, h):
        flags = (_core.OPT_NESTEROV if h["nesterov"] else 0) | \
                (_core.OPT_MAXIMIZE if h["maximize"] else 0)
        return (h["lr"], h["weight_decay"], h["momentum"], h["dampening"], _NO, _NO, _NO, _NO,
                _NO, flags)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), optionally centered and with momentum.

    ``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, maximize=False)``; per element::

        g = -g if maximize
        g = g + weight_decay * p                         (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g^2
        centered: gavg = lerp(gavg, g, 1 - alpha);  avg = sqrt(v - gavg^2) + eps
        else:     avg = sqrt(v) + eps
        momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf
        else:         p = p - lr * g / avg

    This is ``torch.optim.RMSprop``.  ``alpha`` must be in [0, 1] (PyTorch only
    checks >= 0; a value above 1 makes ``1 - alpha`` negative).  Keras's ``rho`` is
    accepted for ``alpha``.  State: ``"square_avg"``, ``"momentum_buffer"`` (momentum
    > 0), ``"grad_avg"`` (centered).
    """

    _KERNEL = "rmsprop"
    _DEFAULTS = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                 "centered": False, "maximize": False}
    _ALIASES = {**Optimizer._ALIASES, "rho": "alpha"}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, maximize=False, **aliases):
        hyper = resolve_aliases(type(self), dict(lr=lr, alpha=alpha, eps=eps,
                                                 weight_decay=weight_decay, momentum=momentum,
                                                 centered=centered, maximize=maximize), aliases)
        super().__init__(params, **hyper)

    @classmethod
    def validate(cls, h):
        return dict(lr=check_lr(h["lr"]),
                    alpha=check_number(h["alpha"], "alpha", low=0.0, high=1.0),
                    eps=check_number(h["eps"], "eps", low=0.0),
                    weight_decay=check_number(h["weight_decay"], "weight_decay", low=0.0),
                    momentum=check_number(h["momentum"], "momentum", low=0.0),
                    centered=check_flag(h["centered"], "centered"),
                    maximize=check_flag(h["maximize"], "maximize"))

    @classmethod
    def _slots(cls, h):
        return ("square_avg", "momentum_buffer" if h["momentum"] > 0 else None,
                "grad_avg" if h["centered"] else None)

    @classmethod
    def _c_hyper(cls, h):
        flags = (_core.OPT_CENTERED if h["centered"] else 0) | \
                (_core.OPT_MAXIMIZE if h["maximize"] else 0)
        return (h["lr"], h["weight_decay"], h["momentum"], _NO, h["alpha"], _NO, _NO, h["eps"],
                _NO, flags)


class Adagrad(Optimizer):
    r"""Adagrad.

    ``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, maximize=False)``; at step t (1, 2, ...), per element::

        g = -g if maximize
        g = g + weight_decay * p                         (if weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)             (in double)
        sum = sum + g^2                                  (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    This is ``torch.optim.Adagrad``.  State: ``"sum"``.
    """

    _KERNEL = "adagrad"
    _DEFAULTS = {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0,
                 "initial_accumulator_value": 0.0, "eps": 1e-10, "maximize": False}

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, maximize=False, **aliases):
        hyper = resolve_aliases(type(self), dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize),
            aliases)
        super().__init__(params, **hyper)

    @classmethod
    def validate(cls, h):
        return dict(lr=check_lr(h["lr"]),
                    lr_decay=check_number(h["lr_decay"], "lr_decay", low=0.0),
                    weight_decay=check_number(h["weight_decay"], "weight_decay", low=0.0),
                    initial_accumulator_value=check_number(
                        h["initial_accumulator_value"], "initial_accumulator_value", low=0.0),
                    eps=check_number(h["eps"], "eps", low=0.0),
                    maximize=check_flag(h["maximize"], "maximize"))

    @classmethod
    def _slots(cls, h):
        return ("sum", None, None)

    def _initial(self, name):
        return self._hyper["initial_accumulator_value"]

    @classmethod
    def _c_hyper(cls, h):
        flags = _core.OPT_MAXIMIZE if h["maximize"] else 0
        return (h["lr"], h["weight_decay"], _NO, _NO, _NO, _NO, _NO, h["eps"], h["lr_decay"],
                flags)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), optionally AMSGrad.

    ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    maximize=False)``; at step t (1, 2, ...), per element::

        g = -g if maximize
        g = g + weight_decay * p                         (if weight_decay != 0; L2 penalty)
        m = lerp(m, g, 1 - beta1)                        (= beta1 * m + (1 - beta1) * g)
        v = beta2 * v + (1 - beta2) * g^2
        vmax = max(vmax, v)                              (amsgrad; NaN propagates)
        bc1 = 1 - beta1^t,  bc2 = 1 - beta2^t            (in double)
        p = p - (lr / bc1) * m / (sqrt(vmax if amsgrad else v) / sqrt(bc2) + eps)

    This is ``torch.optim.Adam``; each beta must be in [0, 1).  (The kernel multiplies by
    ``1 / sqrt(bc2)`` where PyTorch divides by ``sqrt(bc2)``: one rounding apart, one
    division fewer per element.)  Keras's ``beta_1``,
    ``beta_2``, ``epsilon`` and ``learning_rate`` are accepted.  State: ``"exp_avg"``,
    ``"exp_avg_sq"``, ``"max_exp_avg_sq"`` (amsgrad).
    """

    _KERNEL = "adam"
    _DEFAULTS = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
                 "amsgrad": False, "maximize": False}
    _ALIASES = {**Optimizer._ALIASES, "beta_1": "betas", "beta_2": "betas"}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, maximize=False, **aliases):
        hyper = resolve_aliases(type(self), dict(lr=lr, betas=betas, eps=eps,
                                                 weight_decay=weight_decay, amsgrad=amsgrad,
                                                 maximize=maximize), aliases)
        super().__init__(params, **hyper)

    @classmethod
    def validate(cls, h):
        betas = h["betas"]
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
        return dict(lr=check_lr(h["lr"]),
                    betas=(check_beta(beta1, "betas[0]"), check_beta(beta2, "betas[1]")),
                    eps=check_number(h["eps"], "eps", low=0.0),
                    weight_decay=check_number(h["weight_decay"], "weight_decay", low=0.0),
                    amsgrad=check_flag(h["amsgrad"], "amsgrad"),
                    maximize=check_flag(h["maximize"], "maximize"))

    @classmethod
    def _slots(cls, h):
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq" if h["amsgrad"] else None)

    @classmethod
    def _c_hyper(cls, h):
        flags = (_core.OPT_AMSGRAD if h["amsgrad"] else 0) | \
                (_core.OPT_MAXIMIZE if h["maximize"] else 0)
        return (h["lr"], h["weight_decay"], _NO, _NO, _NO, h["betas"][0], h["betas"][1],
                h["eps"], _NO, flags)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter).

    ``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False, maximize=False)``: as :class:`Adam`, except that the weight decay
    is not added to the gradient; instead, before the update::

        p = p * (1 - lr * weight_decay)

    This is ``torch.optim.AdamW``.
    """

    _KERNEL = "adamw"
    _DEFAULTS = {**Adam._DEFAULTS, "weight_decay": 1e-2}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False, **aliases):
        hyper = resolve_aliases(type(self), dict(lr=lr, betas=betas, eps=eps,
                                                 weight_decay=weight_decay, amsgrad=amsgrad,
                                                 maximize=maximize), aliases)
        Optimizer.__init__(self, params, **hyper)
