"""lossfast.optim.lr_scheduler: closed forms, PyTorch's schedulers rate for rate, and use
with an optimizer's trajectory."""
import math

import numpy as np
import pytest

import lossfast as lf
from lossfast.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR

SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
]
IDS = [f"{n}-{h}" for n, h in SCHEDULES]


def closed_form(name, h, base, e):
    if name == "StepLR":
        return base * h.get("gamma", 0.1) ** (e // h["step_size"])
    if name == "ExponentialLR":
        return base * h["gamma"] ** e
    eta = h.get("eta_min", 0.0)
    return eta + (base - eta) * (1 + math.cos(math.pi * e / h["T_max"])) / 2


def lf_rates(name, h, epochs, base=0.1, manual=None):
    opt = lf.optim.SGD([np.zeros(2)], lr=base)
    sched = getattr(lf.optim.lr_scheduler, name)(opt, **h)
    rates = [opt.lr]
    for e in range(1, epochs + 1):
        opt.step([np.ones(2)])
        sched.step()
        if manual and e in manual:
            opt.lr = manual[e]
        rates.append(opt.lr)
        assert sched.get_last_lr() == [opt.lr] or (manual and e in manual)
    return rates


@pytest.mark.parametrize("name, h", SCHEDULES, ids=IDS)
def test_closed_form(name, h):
    rates = lf_rates(name, h, 25)
    expected = [closed_form(name, h, 0.1, e) for e in range(26)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, h", SCHEDULES, ids=IDS)
def test_rates_match_torch(name, h):
    torch = pytest.importorskip("torch")
    manual = {12: 0.05}  # a hand-set rate in the middle: the chainable forms must agree
    x = torch.zeros(2, requires_grad=True)
    topt = torch.optim.SGD([x], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **h)
    expected = [topt.param_groups[0]["lr"]]
    for e in range(1, 31):
        x.grad = torch.ones(2)
        topt.step()
        tsched.step()
        if e in manual:
            topt.param_groups[0]["lr"] = manual[e]
        expected.append(topt.param_groups[0]["lr"])
    np.testing.assert_allclose(lf_rates(name, h, 30, manual=manual), expected, rtol=1e-14,
                               atol=1e-17)


def test_scheduler_drives_the_optimizer():
    """SGD steps with a StepLR schedule equal steps with the rates set by hand."""
    w1, w2 = np.ones(3), np.ones(3)
    opt1 = lf.optim.SGD([w1], lr=0.1, momentum=0.9)
    sched = StepLR(opt1, step_size=2, gamma=0.5)
    opt2 = lf.optim.SGD([w2], lr=0.1, momentum=0.9)
    for epoch in range(6):
        g = np.full(3, 1.0 + epoch)
        opt1.step([g])
        opt2.lr = 0.1 * 0.5 ** (epoch // 2)
        opt2.step([g])
        sched.step()
    np.testing.assert_array_equal(w1, w2)


def test_state_dict_round_trip():
    opt = lf.optim.Adam([np.zeros(2)], lr=0.2)
    sched = CosineAnnealingLR(opt, T_max=8, eta_min=0.01)
    for _ in range(3):
        sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    opt2 = lf.optim.Adam([np.zeros(2)], lr=opt.lr)
    sched2 = CosineAnnealingLR(opt2, T_max=8)
    sched2.load_state_dict(sd)
    for _ in range(4):
        sched.step()
        sched2.step()
        assert opt2.lr == opt.lr


def test_bad_arguments():
    opt = lf.optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=1.5)
    with pytest.raises(ValueError, match="gamma"):
        ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="eta_min"):
        CosineAnnealingLR(opt, T_max=3, eta_min=-1.0)
    with pytest.raises(TypeError, match="lr"):
        StepLR(object(), step_size=2)
