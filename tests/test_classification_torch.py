"""Classification losses against PyTorch (functional loss + autograd), when
torch is installed; torchvision's sigmoid_focal_loss is written out in torch
(torchvision itself is not needed)."""
import numpy as np
import pytest

import reference_classification as ref
from lossfast.losses import (BinaryCrossEntropy, BinaryFocal, CategoricalCrossEntropy,
                             KLDivergence, MulticlassHinge, SparseCategoricalCrossEntropy)

torch = pytest.importorskip("torch")
F = torch.nn.functional

DTYPES = (np.float32, np.float64)
TOL = {np.float32: dict(rtol=2e-5, atol=1e-7), np.float64: dict(rtol=1e-11, atol=1e-14)}


@pytest.fixture(params=ref.supported_simd_levels())
def simd(request):
    with ref.simd_level(request.param):
        yield request.param


def _torch_value_grad(fn, y_pred, *args, **kwargs):
    x = torch.tensor(y_pred, requires_grad=True)
    out = fn(x, *args, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


def _close(actual, expected, dtype, scale=1.0):
    """PyTorch forms sigmoid(z) - t and softmax - onehot by subtraction, so in
    float32 its small gradients carry absolute errors of a few ulp of the
    largest term: the absolute tolerance follows the largest value."""
    tol = TOL[dtype]
    top = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    np.testing.assert_allclose(actual, expected, rtol=tol["rtol"],
                               atol=max(tol["atol"] * scale, 8 * np.finfo(dtype).eps * top))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("pos_weight", [None, 3.0, 0.25])
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits(dtype, pos_weight, reduction, simd):
    rng = np.random.default_rng(0)
    z = (rng.normal(size=(37, 3)) * 6).astype(dtype)
    z[0, :] = [1e4, -1e4, 0.0]
    t = (rng.random((37, 3)) < 0.4).astype(dtype)
    pw = None if pos_weight is None else torch.tensor(pos_weight, dtype=torch.from_numpy(z).dtype)
    tv, tg = _torch_value_grad(F.binary_cross_entropy_with_logits, z, torch.from_numpy(t),
                               pos_weight=pw, reduction=reduction)
    v, g = BinaryCrossEntropy(from_logits=True, pos_weight=pos_weight).loss_gradient(
        t, z, reduction=reduction)
    _close(v, tv, dtype, np.max(np.abs(tv)))
    _close(g, tg, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_row_weights(dtype):
    """PyTorch's `weight` rescales elements; our per-row sample_weight broadcast
    over columns is that weight (compared on "sum" and "none", where the two
    definitions of a weighted loss agree)."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(20, 4)).astype(dtype)
    t = (rng.random((20, 4)) < 0.5).astype(dtype)
    w = rng.random(20).astype(dtype)
    wt = torch.from_numpy(np.repeat(w[:, None], 4, axis=1))
    for reduction in ("sum", "none"):
        tv, tg = _torch_value_grad(F.binary_cross_entropy_with_logits, z, torch.from_numpy(t),
                                   weight=wt, reduction=reduction)
        v, g = BinaryCrossEntropy(from_logits=True).loss_gradient(t, z, sample_weight=w,
                                                                  reduction=reduction)
        _close(v, tv, dtype, 10)
        _close(g, tg, dtype)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("C", [1, 2, 10, 17, 1000])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_class_indices(dtype, C, reduction, simd):
    rng = np.random.default_rng(C)
    n = 300 if C < 1000 else 7
    z = (rng.normal(size=(n, C)) * 4).astype(dtype)
    z[0, 0] = 1e4
    y = rng.integers(0, C, n)
    tv, tg = _torch_value_grad(F.cross_entropy, z, torch.from_numpy(y), reduction=reduction)
    v, g = SparseCategoricalCrossEntropy(from_logits=True).loss_gradient(y, z,
                                                                         reduction=reduction)
    _close(v, tv, dtype, np.max(np.abs(tv)) * 10)
    _close(g, tg, dtype)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("C", [3, 10, 40])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_probability_targets(dtype, C, label_smoothing):
    rng = np.random.default_rng(C)
    z = (rng.normal(size=(64, C)) * 3).astype(dtype)
    t = rng.random((64, C)).astype(dtype)
    t /= t.sum(axis=1, keepdims=True)
    for reduction in ("mean", "sum", "none"):
        tv, tg = _torch_value_grad(F.cross_entropy, z, torch.from_numpy(t),
                                   label_smoothing=label_smoothing, reduction=reduction)
        v, g = CategoricalCrossEntropy(from_logits=True,
                                       label_smoothing=label_smoothing).loss_gradient(
            t, z, reduction=reduction)
        _close(v, tv, dtype, np.max(np.abs(tv)) * 10)
        _close(g, tg, dtype)


@pytest.mark.parametrize("margin", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("C", [1, 2, 7, 33])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_loss(dtype, C, margin):
    rng = np.random.default_rng(C)
    f = rng.normal(size=(50, C)).astype(dtype)
    y = rng.integers(0, C, 50)
    for reduction in ("mean", "sum", "none"):
        tv, tg = _torch_value_grad(F.multi_margin_loss, f, torch.from_numpy(y), margin=margin,
                                   reduction=reduction)
        v, g = MulticlassHinge(margin=margin).loss_gradient(y, f, reduction=reduction)
        _close(v, tv, dtype, 10)
        _close(g, tg, dtype)


def _torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, verbatim."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


@pytest.mark.parametrize("gamma, alpha", [(2.0, 0.25), (0.0, 0.5), (1.5, None), (3.0, 0.9)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_focal_loss(dtype, gamma, alpha, simd):
    rng = np.random.default_rng(2)
    z = (rng.normal(size=(40, 5)) * 3).astype(dtype)   # moderate: torch's 1 - p_t rounds
    t = (rng.random((40, 5)) < 0.3).astype(dtype)
    for reduction in ("mean", "sum", "none"):
        tv, tg = _torch_value_grad(_torchvision_sigmoid_focal_loss, z, torch.from_numpy(t),
                                   alpha=-1 if alpha is None else alpha, gamma=gamma,
                                   reduction=reduction)
        v, g = BinaryFocal(gamma=gamma, alpha=alpha, from_logits=True).loss_gradient(
            t, z, reduction=reduction)
        # torch forms 1 - p_t by subtraction: its relative error grows where p_t -> 1
        np.testing.assert_allclose(v, tv, rtol=1e-4 if dtype == np.float32 else 1e-9,
                                   atol=1e-6 if dtype == np.float32 else 1e-12)
        np.testing.assert_allclose(g, tg, rtol=1e-4 if dtype == np.float32 else 1e-9,
                                   atol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_kl_div(dtype):
    rng = np.random.default_rng(3)
    p = rng.random((30, 6)).astype(dtype) + dtype(0.05)
    p /= p.sum(axis=1, keepdims=True)
    t = rng.random((30, 6)).astype(dtype) + dtype(0.05)
    t /= t.sum(axis=1, keepdims=True)

    def torch_kl(x, target):
        return F.kl_div(torch.log(x), target, reduction="none").sum(dim=1)

    tv, tg = _torch_value_grad(torch_kl, p, torch.from_numpy(t))
    v, g = KLDivergence().loss_gradient(t, p, reduction="none")
    np.testing.assert_allclose(v, tv, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-7)
    _close(g, tg, dtype, 10)
