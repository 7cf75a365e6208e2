"""Trajectories of lossfast.optim against torch.optim itself (skipped without PyTorch):
every optimizer and option set, float64 and float32, PyTorch's default (for-loop),
foreach and fused implementations."""
import numpy as np
import pytest

import lossfast as lf
from reference_optim import Problem, assert_trajectory_close, make_params
from test_optim import OPTION_IDS, OPTION_SETS, STEPS, W, problem_for, run_lf

torch = pytest.importorskip("torch")

SHAPES = [(1,), (W - 1,), (W,), (W + 1,), (4 * W + 3,), (5, 7)]
FUSED = {"SGD", "Adagrad", "Adam", "AdamW"}  # torch.optim classes with a CPU fused kernel
IMPLS = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def run_torch(name, hyper, params, problem, steps=STEPS, **impl):
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = getattr(torch.optim, name)(tensors, **hyper, **impl)
    for t in range(1, steps + 1):
        grads = problem.grads([x.detach().numpy() for x in tensors], t)
        for x, g in zip(tensors, grads):
            x.grad = torch.from_numpy(g)
        opt.step()
    return [x.detach().numpy().copy() for x in tensors]


CASES = [pytest.param(name, hyper, impl, id=f"{ident}-{impl}")
         for (name, hyper), ident in zip(OPTION_SETS, OPTION_IDS) for impl in IMPLS
         if impl != "fused" or name in FUSED]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, hyper, impl", CASES)
def test_trajectory_matches_torch(name, hyper, impl, dtype):
    problem = problem_for(hyper, SHAPES, dtype)
    params = make_params(SHAPES, dtype)
    expected = run_torch(name, hyper, params, problem, **IMPLS[impl])
    run_lf(name, hyper, params, problem)
    assert_trajectory_close(params, expected, dtype, what=f"torch {impl}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW"])
def test_large_tensor_matches_torch(name, dtype):
    """Above the parallel threshold, with the options that add state."""
    hyper = {"SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
             "RMSprop": {"centered": True, "momentum": 0.5},
             "Adagrad": {"lr": 0.1, "lr_decay": 0.01},
             "Adam": {"lr": 0.05, "amsgrad": True},
             "AdamW": {"lr": 0.05}}[name]
    shapes = [(lf._lossfast.PARALLEL_THRESHOLD * 2 + 5,)]
    problem = Problem(shapes, dtype)
    params = make_params(shapes, dtype)
    expected = run_torch(name, hyper, params, problem, steps=30)
    run_lf(name, hyper, params, problem, steps=30)
    assert_trajectory_close(params, expected, dtype)


@pytest.mark.parametrize("name, hyper", OPTION_SETS[::2], ids=OPTION_IDS[::2])
def test_nan_gradients_like_torch(name, hyper):
    shape = [(4 * W + 3,)]
    problem = problem_for(hyper, shape, np.float64)
    params = make_params(shape, np.float64)
    tensors = [torch.tensor(params[0].copy(), requires_grad=True)]
    topt = getattr(torch.optim, name)(tensors, **hyper)
    opt = getattr(lf.optim, name)(params, **hyper)
    for t in range(1, 11):
        g = problem.grads(params, t)[0]
        gt = problem.grads([tensors[0].detach().numpy()], t)[0]
        if t == 4:
            g[[1, W, 2 * W + 1]] = np.nan
            gt[[1, W, 2 * W + 1]] = np.nan
        opt.step([g])
        tensors[0].grad = torch.from_numpy(gt)
        topt.step()
    expected = tensors[0].detach().numpy()
    np.testing.assert_array_equal(np.isnan(params[0]), np.isnan(expected))
    finite = np.isfinite(expected)
    assert_trajectory_close([params[0][finite]], [expected[finite]], np.float64)


def test_state_dict_matches_torch_names():
    """State names and hyper-parameter names are torch.optim's."""
    for name, hyper in [("SGD", {"momentum": 0.9}), ("RMSprop", {"centered": True,
                                                                  "momentum": 0.9}),
                        ("Adagrad", {}), ("Adam", {"amsgrad": True}), ("AdamW", {})]:
        x = torch.zeros(3, requires_grad=True)
        topt = getattr(torch.optim, name)([x], **hyper)
        x.grad = torch.ones(3)
        topt.step()
        tsd = topt.state_dict()
        sd = getattr(lf.optim, name)([np.zeros(3)], **hyper).state_dict()
        assert set(sd["state"][0]) <= set(tsd["state"][0]) | {"step"}
        assert set(sd["state"][0]) - {"step"} == set(tsd["state"][0]) - {"step"}
        assert set(sd["param_groups"][0]) <= set(tsd["param_groups"][0])
        for k, v in sd["param_groups"][0].items():
            if k != "params":
                assert tsd["param_groups"][0][k] == v, (name, k)
