"""Regression losses, loss + gradient at N = 1e7 (docs/performance.md: >= 70 % of the
memory bandwidth measured in the same run, >= 5x PyTorch functional + autograd)."""
import numpy as np
import pytest

from lossfast import _lossfast, losses
from benchutil import copy_probe, need_torch, run

N = 10_000_000
DTYPES = {"f32": np.float32, "f64": np.float64}


def numpy_loss_gradient(name, y_true, y_pred):
    r = y_pred - y_true
    n = r.size
    if name == "mse":
        return np.mean(r * r), (2.0 / n) * r
    if name == "mae":
        return np.mean(np.abs(r)), np.sign(r) / n
    a = np.abs(r)  # huber, delta = 1
    return np.mean(np.where(a <= 1, 0.5 * r * r, a - 0.5)), np.clip(r, -1, 1) / n


@pytest.fixture(scope="module", params=list(DTYPES))
def arrays(request):
    dtype = DTYPES[request.param]
    rng = np.random.default_rng(0)
    y_true = rng.standard_normal(N).astype(dtype)
    y_pred = rng.standard_normal(N).astype(dtype)
    return request.param, y_true, y_pred, np.empty_like(y_pred)


@pytest.mark.parametrize("role", ["lossfast", "numpy", "torch", "memcopy"])
@pytest.mark.parametrize("name", ["mse", "mae", "huber"])
def test_loss_gradient(benchmark, arrays, name, role):
    tag, y_true, y_pred, out = arrays
    group = f"{name} loss+grad {tag} N=1e7"
    if role == "lossfast":
        loss = losses.get(name)
        value, grad = run(benchmark, group, role,
                          lambda: loss.loss_gradient(y_true, y_pred, out=out))
        want, want_grad = numpy_loss_gradient(name, y_true.astype(np.float64),
                                              y_pred.astype(np.float64))
        assert abs(value - want) <= 1e-6 * abs(want)
    elif role == "numpy":
        run(benchmark, group, role, lambda: numpy_loss_gradient(name, y_true, y_pred), rounds=5)
    elif role == "torch":
        torch = need_torch()
        fn = {"mse": torch.nn.functional.mse_loss, "mae": torch.nn.functional.l1_loss,
              "huber": torch.nn.functional.huber_loss}[name]
        t_true = torch.from_numpy(y_true)
        t_pred = torch.from_numpy(y_pred.copy()).requires_grad_(True)

        def step():
            t_pred.grad = None
            value = fn(t_pred, t_true)
            value.backward()
            return value.item(), t_pred.grad

        run(benchmark, group, role, step)
    else:  # the same traffic: read y_true and y_pred, write the gradient
        run(benchmark, group, role, copy_probe(3 * y_pred.nbytes))


SIMD_LEVELS = [lvl for lvl in _lossfast.SIMD_LEVELS
               if _lossfast.SIMD_LEVELS.index(lvl)
               <= _lossfast.SIMD_LEVELS.index(_lossfast.simd_level_supported())]


@pytest.mark.parametrize("level", SIMD_LEVELS)
@pytest.mark.parametrize("name", ["huber", "log_cosh", "gaussian"])
def test_simd_levels(benchmark, arrays, name, level):
    """Each compiled SIMD path on its own: the best one is the 'lossfast' row,
    the others show what the run-time dispatch buys."""
    tag, y_true, y_pred, out = arrays
    loss = losses.get(name)
    best = _lossfast.simd_level()
    role = "lossfast" if level == best else f"simd-{level}"
    _lossfast.set_simd_level(level)
    try:
        run(benchmark, f"{name} loss+grad {tag} N=1e7 by SIMD level", role,
            lambda: loss.loss_gradient(y_true, y_pred, out=out), rounds=5)
    finally:
        _lossfast.set_simd_level(best)
