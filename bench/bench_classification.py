"""Benchmarks of the classification kernels against their peers (targets: docs/performance.md).

    PYTHONPATH=src python -m pytest bench/bench_classification.py --benchmark-columns=median

Groups (one per kernel, dtype and size), each with:
  lossfast[<simd level>]  loss_gradient(..., reduction="mean", out=buf) on every SIMD path
  lossfast[new grad]      the same on the best path, allocating the gradient each call
  numpy                   the same loss and gradient in vectorised NumPy
  torch                   functional loss + autograd backward, torch.set_num_threads(2)
Compare medians within a group (same run, same machine): targets are
lossfast >= 5x torch for BCE-with-logits (N = 1e7) and softmax cross-entropy
with integer labels (1e6 x 10).
"""
import numpy as np
import pytest

from lossfast import _lossfast as core
from lossfast.losses import BinaryCrossEntropy, SparseCategoricalCrossEntropy

LEVELS = ("baseline", "avx2", "avx512")
DTYPES = {"f32": np.float32, "f64": np.float64}
N_BCE = 10_000_000
N_CE, C_CE = 1_000_000, 10
ROUNDS = 7


def _run(benchmark, fn):
    fn()   # warm up: page in the outputs, load code
    return benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)


@pytest.fixture(scope="module")
def bce_data():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, N_BCE)
    t = (rng.random(N_BCE) < 0.5).astype(np.float64)
    return {k: (t.astype(d), z.astype(d)) for k, d in DTYPES.items()}


@pytest.fixture(scope="module")
def ce_data():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 3, (N_CE, C_CE))
    y = rng.integers(0, C_CE, N_CE)
    return {k: (y, z.astype(d)) for k, d in DTYPES.items()}


def _simd_or_skip(level):
    if LEVELS.index(level) > LEVELS.index(core.simd_level_supported()):
        pytest.skip(f"{level} not supported on this CPU")


# ---------------------------------------------------- BCE from logits, 1e7


def _role(name):
    """Role for the ratio table of bench/conftest.py: the best SIMD path is
    "lossfast", the other paths "simd-<level>", the call that allocates its
    gradient (as the torch peer does) "lossfast-allocating"."""
    if name == "lossfast[new grad]":
        return "lossfast-allocating"
    if name.startswith("lossfast[") and name.endswith("]"):
        level = name[len("lossfast["):-1]
        return "lossfast" if level == core.simd_level_supported() else f"simd-{level}"
    return name


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dt", DTYPES)
def test_bce_logits_lossfast(benchmark, bce_data, dt, level):
    _simd_or_skip(level)
    benchmark.group = f"bce_logits loss+grad {dt} N=1e7"
    benchmark.name = f"lossfast[{level}]"
    benchmark.extra_info["role"] = _role(benchmark.name)
    t, z = bce_data[dt]
    loss = BinaryCrossEntropy(from_logits=True)
    out = np.empty_like(z)
    previous = core.simd_level()
    core.set_simd_level(level)
    try:
        _run(benchmark, lambda: loss.loss_gradient(t, z, out=out))
    finally:
        core.set_simd_level(previous)


@pytest.mark.parametrize("dt", DTYPES)
def test_bce_logits_lossfast_alloc(benchmark, bce_data, dt):
    benchmark.group = f"bce_logits loss+grad {dt} N=1e7"
    benchmark.name = "lossfast[new grad]"
    benchmark.extra_info["role"] = _role(benchmark.name)
    t, z = bce_data[dt]
    loss = BinaryCrossEntropy(from_logits=True)
    _run(benchmark, lambda: loss.loss_gradient(t, z))


@pytest.mark.parametrize("dt", DTYPES)
def test_bce_logits_numpy(benchmark, bce_data, dt):
    benchmark.group = f"bce_logits loss+grad {dt} N=1e7"
    benchmark.name = "numpy"
    benchmark.extra_info["role"] = _role(benchmark.name)
    t, z = bce_data[dt]

    def numpy_bce():
        sp = np.logaddexp(0, z)                 # softplus(z)
        loss = np.mean(sp - t * z)
        grad = (np.exp(z - sp) - t) / z.size    # sigmoid(z) = exp(z - softplus(z))
        return loss, grad

    _run(benchmark, numpy_bce)


@pytest.mark.parametrize("dt", DTYPES)
def test_bce_logits_torch(benchmark, bce_data, dt):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(2)
    benchmark.group = f"bce_logits loss+grad {dt} N=1e7"
    benchmark.name = "torch"
    benchmark.extra_info["role"] = _role(benchmark.name)
    t, z = bce_data[dt]
    tt, zt = torch.from_numpy(t), torch.from_numpy(z)
    F = torch.nn.functional

    def torch_bce():
        x = zt.detach().requires_grad_(True)
        loss = F.binary_cross_entropy_with_logits(x, tt)
        loss.backward()
        return loss.item(), x.grad

    _run(benchmark, torch_bce)


# ------------------------------- softmax cross-entropy, labels, 1e6 x 10

@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_xent_lossfast(benchmark, ce_data, dt, level):
    _simd_or_skip(level)
    benchmark.group = f"softmax_xent_sparse loss+grad {dt} 1e6x10"
    benchmark.name = f"lossfast[{level}]"
    benchmark.extra_info["role"] = _role(benchmark.name)
    y, z = ce_data[dt]
    loss = SparseCategoricalCrossEntropy(from_logits=True)
    out = np.empty_like(z)
    previous = core.simd_level()
    core.set_simd_level(level)
    try:
        _run(benchmark, lambda: loss.loss_gradient(y, z, out=out))
    finally:
        core.set_simd_level(previous)


@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_xent_lossfast_alloc(benchmark, ce_data, dt):
    benchmark.group = f"softmax_xent_sparse loss+grad {dt} 1e6x10"
    benchmark.name = "lossfast[new grad]"
    benchmark.extra_info["role"] = _role(benchmark.name)
    y, z = ce_data[dt]
    loss = SparseCategoricalCrossEntropy(from_logits=True)
    _run(benchmark, lambda: loss.loss_gradient(y, z))


@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_xent_numpy(benchmark, ce_data, dt):
    benchmark.group = f"softmax_xent_sparse loss+grad {dt} 1e6x10"
    benchmark.name = "numpy"
    benchmark.extra_info["role"] = _role(benchmark.name)
    y, z = ce_data[dt]
    rows = np.arange(len(y))

    def numpy_ce():
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) + m[:, 0] - z[rows, y])
        grad = e / s
        grad[rows, y] -= 1
        grad /= len(y)
        return loss, grad

    _run(benchmark, numpy_ce)


@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_xent_torch(benchmark, ce_data, dt):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(2)
    benchmark.group = f"softmax_xent_sparse loss+grad {dt} 1e6x10"
    benchmark.name = "torch"
    benchmark.extra_info["role"] = _role(benchmark.name)
    y, z = ce_data[dt]
    yt, zt = torch.from_numpy(y), torch.from_numpy(z)
    F = torch.nn.functional

    def torch_ce():
        x = zt.detach().requires_grad_(True)
        loss = F.cross_entropy(x, yt)
        loss.backward()
        return loss.item(), x.grad

    _run(benchmark, torch_ce)
