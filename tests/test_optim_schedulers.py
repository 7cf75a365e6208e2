"""Every lossfast.optim.lr_scheduler scheduler against torch.optim.lr_scheduler: the
learning-rate (and momentum) sequence of each parameter group over 300 steps, alone,
chained and sequential, and state_dict round trips halfway."""
import math

import numpy as np
import pytest

import lossfast as lf
from lossfast.optim import lr_scheduler as S

torch = pytest.importorskip("torch")

STEPS = 300


def lam(e):
    return 0.97 ** e


def mult(e):
    return 0.99


SCHEDULERS = [  # (name, kwargs, optimizer); kwargs may be a function of the module
    ("LambdaLR", lambda M: {"lr_lambda": lam}, "SGD"),
    ("LambdaLR", lambda M: {"lr_lambda": [lam, lambda e: 1.0 / (1 + e)]}, "SGD"),
    ("MultiplicativeLR", lambda M: {"lr_lambda": mult}, "SGD"),
    ("StepLR", lambda M: {"step_size": 17, "gamma": 0.7}, "SGD"),
    ("MultiStepLR", lambda M: {"milestones": [10, 50, 50, 200], "gamma": 0.5}, "SGD"),
    ("ConstantLR", lambda M: {"factor": 0.25, "total_iters": 40}, "SGD"),
    ("LinearLR", lambda M: {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 60}, "SGD"),
    ("LinearLR", lambda M: {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 250}, "SGD"),
    ("ExponentialLR", lambda M: {"gamma": 0.99}, "SGD"),
    ("PolynomialLR", lambda M: {"total_iters": 200, "power": 2.0}, "SGD"),
    ("CosineAnnealingLR", lambda M: {"T_max": 70, "eta_min": 1e-3}, "SGD"),
    ("CosineAnnealingWarmRestarts", lambda M: {"T_0": 20, "T_mult": 2, "eta_min": 1e-4}, "SGD"),
    ("CosineAnnealingWarmRestarts", lambda M: {"T_0": 33}, "SGD"),
    ("OneCycleLR", lambda M: {"max_lr": [0.5, 0.2], "total_steps": STEPS}, "SGD"),
    ("OneCycleLR", lambda M: {"max_lr": 0.3, "total_steps": STEPS, "anneal_strategy": "linear",
                              "three_phase": True}, "Adam"),
    ("OneCycleLR", lambda M: {"max_lr": 0.3, "total_steps": STEPS, "cycle_momentum": False,
                              "pct_start": 0.1, "div_factor": 10.0}, "Adam"),
    ("CyclicLR", lambda M: {"base_lr": 0.01, "max_lr": [0.1, 0.3], "step_size_up": 25}, "SGD"),
    ("CyclicLR", lambda M: {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 20,
                            "step_size_down": 35, "mode": "triangular2"}, "Adam"),
    ("CyclicLR", lambda M: {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 30,
                            "mode": "exp_range", "gamma": 0.995, "cycle_momentum": False},
     "SGD"),
]
IDS = [f"{i}-{n}" for i, (n, _, _) in enumerate(SCHEDULERS)]


def make(lib, opt_name):
    """An optimizer of `lib` (lf or torch) with two parameter groups."""
    if lib == "lf":
        a, b = np.zeros(3), np.zeros(2)
        groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
        cls = getattr(lf.optim, opt_name)
    else:
        a, b = torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)
        groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
        cls = getattr(torch.optim, opt_name)
    kw = {"lr": 0.1, "momentum": 0.9} if opt_name == "SGD" else {"lr": 0.1}
    return cls(groups, **kw)


def record(opt, sched, steps, metric=None, is_torch=False):
    out = []
    for e in range(steps):
        if is_torch:
            opt.step()  # torch warns when a scheduler steps before its optimizer
        if metric is None:
            sched.step()
        else:
            sched.step(metric(e))
        row = []
        for g in opt.param_groups:
            row.append(float(g["lr"]))
            if "momentum" in g:
                row.append(float(g["momentum"]))
            if "betas" in g:
                row.append(float(g["betas"][0]))
        out.append(row + [float(x) for x in sched.get_last_lr()])
    return np.array(out)


def build(M, lib, name, kwargs, opt_name):
    opt = make(lib, opt_name)
    return opt, getattr(M, name)(opt, **kwargs(M))


@pytest.mark.parametrize("name, kwargs, opt_name", SCHEDULERS, ids=IDS)
def test_rates_equal_torch(name, kwargs, opt_name):
    topt, tsched = build(torch.optim.lr_scheduler, "torch", name, kwargs, opt_name)
    expected = record(topt, tsched, STEPS, is_torch=True)
    opt, sched = build(S, "lf", name, kwargs, opt_name)
    got = record(opt, sched, STEPS)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("name, kwargs, opt_name", SCHEDULERS, ids=IDS)
def test_state_dict_round_trip(name, kwargs, opt_name):
    opt, sched = build(S, "lf", name, kwargs, opt_name)
    record(opt, sched, 120)
    sd = sched.state_dict()
    assert "optimizer" not in sd
    opt_sd = opt.state_dict()
    expected = record(opt, sched, STEPS - 120)
    opt2, sched2 = build(S, "lf", name, kwargs, opt_name)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sd)
    np.testing.assert_array_equal(record(opt2, sched2, STEPS - 120), expected)


def test_reduce_on_plateau_equals_torch():
    def metric(e):  # improves, plateaus, improves a little, plateaus
        return 10.0 / (1 + e) if e < 40 else (0.25 if e < 120 else 0.2499 - 1e-6 * (e > 200))
    for kwargs in ({"patience": 5, "factor": 0.5}, {"mode": "max", "patience": 3,
                                                     "threshold_mode": "abs", "cooldown": 4,
                                                     "min_lr": [0.01, 0.002]}):
        mm = (lambda e: -metric(e)) if kwargs.get("mode") == "max" else metric
        topt = make("torch", "SGD")
        expected = record(topt, torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs),
                          STEPS, mm, is_torch=True)
        opt = make("lf", "SGD")
        got = record(opt, S.ReduceLROnPlateau(opt, **kwargs), STEPS, mm)
        np.testing.assert_allclose(got, expected, rtol=1e-13)


def composites(M, lib):
    """Chained and sequential combinations, as PyTorch's documentation shows them."""
    out = []
    opt = make(lib, "SGD")
    out.append((opt, M.ChainedScheduler([M.ConstantLR(opt, factor=0.5, total_iters=10),
                                         M.ExponentialLR(opt, gamma=0.99)])))
    opt = make(lib, "SGD")
    warm = M.LinearLR(opt, start_factor=0.1, total_iters=30)
    cos = M.CosineAnnealingLR(opt, T_max=STEPS - 30, eta_min=1e-4)
    out.append((opt, M.SequentialLR(opt, [warm, cos], milestones=[30])))
    opt = make(lib, "Adam")
    a = M.ConstantLR(opt, factor=0.2, total_iters=5)
    b = M.MultiStepLR(opt, milestones=[20, 60], gamma=0.3)
    c = M.CosineAnnealingWarmRestarts(opt, T_0=40)
    out.append((opt, M.SequentialLR(opt, [a, b, c], milestones=[15, 100])))
    opt = make(lib, "SGD")
    inner = M.SequentialLR(opt, [M.LinearLR(opt, start_factor=0.25, total_iters=8),
                                 M.PolynomialLR(opt, total_iters=150)], milestones=[8])
    out.append((opt, M.ChainedScheduler([inner, M.StepLR(opt, step_size=50, gamma=0.8)])))
    return out


def test_chained_and_sequential_equal_torch():
    for (topt, ts), (opt, s) in zip(composites(torch.optim.lr_scheduler, "torch"),
                                    composites(S, "lf")):
        np.testing.assert_allclose(record(opt, s, STEPS), record(topt, ts, STEPS, is_torch=True),
                                   rtol=1e-13, atol=1e-16)


def test_composite_state_dict_round_trip():
    for k in range(4):
        opt, s = composites(S, "lf")[k]
        record(opt, s, 90)
        sd, osd = s.state_dict(), opt.state_dict()
        expected = record(opt, s, 100)
        opt2, s2 = composites(S, "lf")[k]
        opt2.load_state_dict(osd)
        s2.load_state_dict(sd)
        np.testing.assert_array_equal(record(opt2, s2, 100), expected)


def test_scheduled_training_matches_torch():
    """Adam with two groups under warm-up + cosine: the parameters follow torch's."""
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal(7), rng.standard_normal(3)
    w, b = w0.copy(), b0.copy()
    opt = lf.optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.01, "weight_decay": 0.0}],
                        lr=0.05, weight_decay=0.1)
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    topt = torch.optim.Adam([{"params": [tw]}, {"params": [tb], "lr": 0.01,
                                                 "weight_decay": 0.0}], lr=0.05,
                            weight_decay=0.1)
    sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, total_iters=10),
                                 S.CosineAnnealingLR(opt, T_max=90)], milestones=[10])
    M = torch.optim.lr_scheduler
    tsched = M.SequentialLR(topt, [M.LinearLR(topt, 0.1, total_iters=10),
                                   M.CosineAnnealingLR(topt, T_max=90)], milestones=[10])
    for t in range(100):
        gw, gb = np.sin(w + t), np.cos(3 * b)
        opt.step([gw, gb])
        tw.grad, tb.grad = torch.sin(tw.detach() + t), torch.cos(3 * tb.detach())
        topt.step()
        sched.step()
        tsched.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b, tb.detach().numpy(), rtol=1e-12)


def test_scheduler_bad_input():
    opt = make("lf", "SGD")
    with pytest.raises(ValueError, match="parameter group"):
        S.LambdaLR(opt, lr_lambda=[lam])
    with pytest.raises(ValueError, match="factor"):
        S.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="start_factor"):
        S.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="total_steps"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="T_0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.SequentialLR(opt, [S.ReduceLROnPlateau(opt), S.StepLR(opt, 3)], milestones=[5])
    with pytest.raises(ValueError, match="milestone"):
        S.SequentialLR(opt, [S.StepLR(opt, 3)], milestones=[5])
    with pytest.raises(ValueError, match="momentum"):
        S.CyclicLR(lf.optim.Adagrad([np.zeros(2)]), 0.01, 0.1)
    one = S.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        one.step()
    with pytest.raises(ValueError, match="total_steps"):
        one.step()
    with pytest.raises(ValueError, match="mode"):
        S.ReduceLROnPlateau(opt, mode="up")
    assert math.isclose(S.StepLR(make("lf", "SGD"), 2).get_last_lr()[1], 0.05)
