"""NAdam, RAdam, Adamax, Adadelta and Rprop against torch.optim itself (skipped without
PyTorch): 100 steps, every option set, float64 and float32, PyTorch's for-loop and
foreach implementations, with two parameter groups; and a saved torch state converted
with lf.optim.from_torch_state_dict."""
import numpy as np
import pytest

import lossfast as lf
from reference_optim import assert_trajectory_close, make_params
from test_optim import STEPS, W, problem_for
from test_optim_more import NEW_IDS, NEW_SETS

torch = pytest.importorskip("torch")

SHAPES = [(1,), (W - 1,), (W + 1,), (4 * W + 3,), (5, 7)]
CASES = [pytest.param(n, h, impl, id=f"{i}-{impl}") for (n, h), i in zip(NEW_SETS, NEW_IDS)
         if n != "Lion" for impl in ("default", "foreach")]


@pytest.fixture
def torch_scalar_dtype(request):
    """PyTorch keeps NAdam's mu_product and the step counts in its default dtype; float64
    runs use float64 there (lossfast computes them in double)."""
    before = torch.get_default_dtype()
    yield lambda dt: torch.set_default_dtype(torch.float64 if dt == np.float64
                                             else torch.float32)
    torch.set_default_dtype(before)


def groups_of(items, name):
    second = {"params": items[3:], "lr": 0.003 if name != "Adadelta" else 0.5}
    return [{"params": items[:3]}, second]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, hyper, impl", CASES)
def test_trajectory_matches_torch_with_groups(name, hyper, impl, dtype, torch_scalar_dtype):
    torch_scalar_dtype(dtype)
    problem = problem_for(hyper, SHAPES, dtype)
    params = make_params(SHAPES, dtype)
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    topt = getattr(torch.optim, name)(groups_of(tensors, name), **hyper,
                                      **({"foreach": True} if impl == "foreach" else {}))
    opt = getattr(lf.optim, name)(groups_of(params, name), **hyper)
    for t in range(1, STEPS + 1):
        grads = problem.grads([x.detach().numpy() for x in tensors], t)
        for x, g in zip(tensors, grads):
            x.grad = torch.from_numpy(g)
        topt.step()
        opt.step(problem.grads(params, t))
    assert_trajectory_close(params, [x.detach().numpy() for x in tensors], dtype,
                            what=f"torch {impl}")


@pytest.mark.parametrize("name, hyper", [("NAdam", {"lr": 0.01}), ("RAdam", {}),
                                         ("Adamax", {}), ("Adadelta", {}), ("Rprop", {}),
                                         ("Adam", {"amsgrad": True, "lr": 0.01}),
                                         ("AdamW", {"lr": 0.01}),
                                         ("SGD", {"lr": 0.01, "momentum": 0.9})])
def test_resume_from_a_torch_state_dict(name, hyper, torch_scalar_dtype):
    """50 steps in torch, its state dict converted and loaded, 50 more in both."""
    torch_scalar_dtype(np.float64)
    problem = problem_for(hyper, SHAPES, np.float64)
    params = make_params(SHAPES, np.float64)
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    topt = getattr(torch.optim, name)(groups_of(tensors, name), **hyper)

    def torch_step(t):
        for x, g in zip(tensors, problem.grads([x.detach().numpy() for x in tensors], t)):
            x.grad = torch.from_numpy(g)
        topt.step()
    for t in range(1, 51):
        torch_step(t)
    mine = [x.detach().numpy().copy() for x in tensors]
    opt = getattr(lf.optim, name)(groups_of(mine, name))
    opt.load_state_dict(lf.optim.from_torch_state_dict(topt.state_dict(), opt))
    assert opt.param_groups[1]["lr"] == topt.param_groups[1]["lr"]
    for t in range(51, 101):
        torch_step(t)
        opt.step(problem.grads(mine, t))
    assert_trajectory_close(mine, [x.detach().numpy() for x in tensors], np.float64)


def test_state_dict_names_match_torch():
    for name in ("NAdam", "RAdam", "Adamax", "Adadelta", "Rprop"):
        x = torch.zeros(3, requires_grad=True)
        topt = getattr(torch.optim, name)([x])
        x.grad = torch.ones(3)
        topt.step()
        tsd = topt.state_dict()
        opt = getattr(lf.optim, name)([np.zeros(3)])
        opt.step([np.ones(3)])
        sd = opt.state_dict()
        assert set(sd["state"][0]) == set(tsd["state"][0]), name
        assert set(sd["param_groups"][0]) <= set(tsd["param_groups"][0]), name
        for k, v in sd["param_groups"][0].items():
            if k != "params":
                assert tsd["param_groups"][0][k] == v, (name, k)


def test_torch_state_dict_with_unsupported_options_is_refused():
    x = torch.zeros(3, requires_grad=True)
    topt = torch.optim.Adam([x], decoupled_weight_decay=True)
    with pytest.raises(ValueError, match="decoupled_weight_decay"):
        lf.optim.from_torch_state_dict(topt.state_dict(), lf.optim.Adam)
