"""Learning-rate schedules for lossfast optimizers, as ``torch.optim.lr_scheduler``.

A scheduler reads the optimizer's ``lr`` when it is built (the base rate) and
sets ``optimizer.lr`` each time its ``step()`` is called (once per epoch, after
the optimizer's steps of that epoch).  The rates follow PyTorch's chainable
(recursive) forms, so they agree with PyTorch step for step, including when
the learning rate is also changed by hand::

    opt = lf.optim.SGD([w], lr=0.1)
    sched = lf.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        for batch in ...:
            opt.step([grad])
        sched.step()

In closed form (no manual changes), after ``e = last_epoch`` scheduler steps:

- ``StepLR(opt, step_size, gamma=0.1)``: ``lr = base_lr * gamma ** (e // step_size)``
- ``ExponentialLR(opt, gamma)``: ``lr = base_lr * gamma ** e``
- ``CosineAnnealingLR(opt, T_max, eta_min=0)``:
  ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``
  (and, as in PyTorch, the rate rises again after ``T_max`` steps: a period of ``2 T_max``).

``get_last_lr()`` returns ``[lr]`` (a list, as PyTorch's, with one entry since a
lossfast optimizer has one parameter group).  ``state_dict()`` /
``load_state_dict()`` save and restore the schedule's position.  PyTorch's
``last_epoch`` constructor argument (resuming without a state dict) is not offered.
"""
import math

from .._validation import check_number

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and sets ``optimizer.lr`` to
    ``_next_lr(current lr)``."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"a scheduler needs an optimizer with an 'lr' attribute, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0
        self._last_lr = self.base_lr

    def _next_lr(self, lr):
        raise NotImplementedError

    def step(self):
        """Advance the schedule by one epoch and set the optimizer's learning rate."""
        self.last_epoch += 1
        lr = self._next_lr(float(self.optimizer.lr))
        self.optimizer.lr = lr
        self._last_lr = float(self.optimizer.lr)

    def get_last_lr(self):
        """The learning rate set by the last ``step`` (or the base rate), as ``[lr]``."""
        return [self._last_lr]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "optimizer"})

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.state_dict().items()
                         if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def _positive_int(value, name):
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs:
    ``lr = base_lr * gamma ** (epoch // step_size)`` (``torch.optim.lr_scheduler.StepLR``)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = _positive_int(step_size, "step_size")
        self.gamma = check_number(gamma, "gamma", low=0.0)
        super().__init__(optimizer)

    def _next_lr(self, lr):
        if self.last_epoch % self.step_size != 0:
            return lr
        return lr * self.gamma


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: ``lr = base_lr * gamma ** epoch``
    (``torch.optim.lr_scheduler.ExponentialLR``)."""

    def __init__(self, optimizer, gamma):
        self.gamma = check_number(gamma, "gamma", low=0.0)
        super().__init__(optimizer)

    def _next_lr(self, lr):
        return lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the base rate to ``eta_min`` over ``T_max`` epochs:
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``
    (``torch.optim.lr_scheduler.CosineAnnealingLR``, same recursive form: past
    ``T_max`` the rate climbs back, with period ``2 T_max``)."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = _positive_int(T_max, "T_max")
        self.eta_min = check_number(eta_min, "eta_min", low=0.0)
        super().__init__(optimizer)

    def _next_lr(self, lr):
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        return ((1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (lr - eta_min) + eta_min)
