"""Label and probability checks done inside the loss kernels' pass (LF_CHECK):
binary labels outside [0, 1], probabilities outside [0, 1], margin-loss labels
outside {-1, 0, 1}, and calls whose arguments look swapped.  Also the kernel
lookup by name and the named C parameters every loss declares."""
import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast as core
from lossfast.losses import (BinaryCrossEntropy, BinaryFocal, Hinge, KLDivergence, Perceptron,
                             SquaredHinge)

BINARY = [BinaryCrossEntropy(), BinaryCrossEntropy(from_logits=True),
          BinaryCrossEntropy(pos_weight=2.0, label_smoothing=0.1), BinaryFocal(),
          BinaryFocal(from_logits=True, alpha=None)]
MARGIN = [Hinge(), SquaredHinge(), Perceptron()]
# sizes around the SIMD widths (body and scalar tail) and several chunks
SIZES = [1, 7, 8, 9, 35, 70_001]
CALLS = [lambda L, t, p: L.loss(t, p), lambda L, t, p: L.gradient(t, p),
         lambda L, t, p: L.loss_gradient(t, p, reduction="sum"),
         lambda L, t, p: L.loss(t, p, reduction="none"),
         lambda L, t, p: L.loss(t.reshape(-1, 1), p.reshape(-1, 1),
                                sample_weight=np.linspace(1, 2, t.size))]


def binary_data(n, dtype, rng):
    y_true = (rng.random(n) < 0.5).astype(dtype)
    y_pred = rng.uniform(0.05, 0.95, n).astype(dtype)
    return y_true, y_pred


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("loss", BINARY, ids=repr)
@pytest.mark.parametrize("call", range(len(CALLS)))
def test_binary_label_outside_unit_interval(n, loss, call, dtype):
    rng = np.random.default_rng(n)
    y_true, y_pred = binary_data(n, dtype, rng)
    CALLS[call](loss, y_true, y_pred)                      # valid: no error
    for pos in {0, n // 2, n - 1}:
        for bad in (2.0, -1.0):
            t = y_true.copy()
            t[pos] = bad
            with pytest.raises(ValueError, match=r"y_true must hold labels in \[0, 1\].*1 value"):
                CALLS[call](loss, t, y_pred)


@pytest.mark.parametrize("loss", BINARY, ids=repr)
def test_soft_labels_valid_and_nan_flows_through(loss, dtype):
    rng = np.random.default_rng(1)
    y_true = rng.random(100).astype(dtype)                  # soft labels in [0, 1]
    y_pred = rng.uniform(0.05, 0.95, 100).astype(dtype)
    assert np.isfinite(loss.loss(y_true, y_pred))
    y_true[3] = np.nan
    v = loss.loss(y_true, y_pred, reduction="none")
    assert np.isnan(v[3]) and np.isfinite(np.delete(v, 3)).all()


@pytest.mark.parametrize("loss", [BinaryCrossEntropy(), BinaryFocal()], ids=repr)
def test_probability_outside_unit_interval(loss, dtype):
    y_true = np.array([0, 1, 1, 0, 1], dtype)
    for bad in (1.5, -0.1):
        y_pred = np.array([0.2, 0.5, bad, 0.3, 0.9], dtype)
        with pytest.raises(ValueError, match="probabilities.*from_logits=True"):
            loss.loss(y_true, y_pred)


def test_probability_check_is_in_the_kernel(monkeypatch):
    """The elementwise losses no longer run a separate counting pass."""
    def no_extra_pass(*args):
        raise AssertionError("a separate check pass ran")
    monkeypatch.setattr(core, "outside_unit", no_extra_pass)
    rng = np.random.default_rng(0)
    t, p = binary_data(1000, np.float64, rng)
    for loss in BINARY + [KLDivergence()]:
        if isinstance(loss, KLDivergence):
            loss.loss_gradient(np.full((10, 4), 0.25), np.full((10, 4), 0.25))
        else:
            loss.loss_gradient(t, p)
    with pytest.raises(ValueError, match="probabilities"):
        BinaryCrossEntropy().loss(t, p + 1)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("loss", MARGIN, ids=repr)
@pytest.mark.parametrize("call", range(len(CALLS)))
def test_margin_labels(n, loss, call, dtype):
    rng = np.random.default_rng(n)
    scores = rng.standard_normal(n).astype(dtype)
    for labels in ((rng.random(n) < 0.5) * 2.0 - 1.0, (rng.random(n) < 0.5) * 1.0):
        CALLS[call](loss, labels.astype(dtype), scores)     # -1/+1 and 0/1: valid
    labels = ((rng.random(n) < 0.5) * 2.0 - 1.0).astype(dtype)
    for bad in (2.0, 0.5, -3.0):
        t = labels.copy()
        t[n - 1] = bad
        with pytest.raises(ValueError, match="labels -1/\\+1.*1 value"):
            CALLS[call](loss, t, scores)
    t = labels.copy()
    t[0] = np.nan
    assert np.isnan(loss.loss(t, scores, reduction="none")[0])


def test_swapped_arguments_get_a_hint():
    rng = np.random.default_rng(0)
    labels = (rng.random(50) < 0.5).astype(float)
    probs = rng.uniform(0.05, 0.95, 50)
    logits = rng.standard_normal(50) * 3
    # probabilities passed as y_true, 0/1 labels as y_pred: no range error, but swapped
    with pytest.raises(ValueError, match=r"swapped.*\(y_true, y_pred\)"):
        BinaryCrossEntropy().loss(probs, labels)
    with pytest.raises(ValueError, match=r"swapped.*\(y_true, y_pred\)"):
        BinaryFocal(from_logits=True).gradient(probs, labels)
    # logits as y_true: a range error that names the order
    with pytest.raises(ValueError, match=r"outside.*swapped.*\(y_true, y_pred\)"):
        BinaryCrossEntropy(from_logits=True).loss(logits, labels)
    with pytest.raises(ValueError, match=r"not.*swapped.*\(y_true, y_pred\)"):
        Hinge().loss(logits, labels * 2 - 1)
    # the right order, and hard predictions of hard labels, are fine
    BinaryCrossEntropy().loss(labels, probs)
    BinaryCrossEntropy().loss(labels, labels)
    BinaryCrossEntropy(from_logits=True).loss(labels, logits)


def test_linear_model_pass_skips_the_check():
    """The fused linear-model pass builds 0/1 labels itself and calls the
    kernel without LF_CHECK; its results match the checked loss."""
    from lossfast.linear_model._matrix import as_matrix
    from lossfast.linear_model._objective import LinearObjective, LossSpec
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 4))
    y = (rng.random((500, 1)) < 0.5).astype(float)
    spec = LossSpec("bce_logits", {"pos_weight": 1.0, "label_smoothing": 0.0})
    # plain coordinates (no centring / scaling): theta is the model's coef, intercept
    obj = LinearObjective(as_matrix(X), y, None, 1, spec, True, 0.0, center=np.zeros(4),
                          scale=False)
    theta = rng.standard_normal(5)
    z = X @ theta[:4] + theta[4]
    want = BinaryCrossEntropy(from_logits=True).loss(y[:, 0], z, reduction="sum")
    val, _, _ = obj.raw(theta)
    np.testing.assert_allclose(val, want, rtol=1e-12)


# ---------------------------------------------------------- kernels by name

def test_kernel_lookup_and_named_parameters():
    k = core.kernel("loss", "huber")
    assert k.params == ("delta",) and not k.rowwise
    assert core.kernel("loss", "huber") is k                  # one cache
    assert core.kernel("loss", "softmax_xent_sparse").rowwise
    assert core.kernel("activation", "softmax").kind == "activation"
    assert "mse" in core.kernel_names("loss") and "relu" in core.kernel_names("activation")
    with pytest.raises(NotImplementedError, match="no C loss kernel 'nope'"):
        core.kernel("loss", "nope")
    with pytest.raises(ValueError, match="kind"):
        core.kernel("optimizer", "adam")
    with pytest.raises(ValueError, match="missing \\['delta'\\]"):
        core.LossParams(k, {})
    with pytest.raises(ValueError, match="unexpected \\['beta'\\]"):
        core.LossParams(k, {"delta": 1.0, "beta": 2.0})
    for name in k.params:
        assert name in core.PARAM_NAMES


@pytest.mark.parametrize("name", sorted({type(lf.losses.get(n)).__name__
                                          for n in lf.losses.available()}))
def test_every_loss_declares_its_kernel_parameters(name):
    """A loss declares its parameters once: get_config, repr and the C
    kernel's named parameters all come from that declaration."""
    cls = getattr(lf.losses, name, None) or type(lf.losses.get(name))
    loss = cls()
    assert set(loss.get_config()) == set(cls._parameters)
    assert repr(loss).startswith(cls.__name__ + "(")
    kernel_name = getattr(loss, "_kernel_name", lambda: None)()
    if kernel_name is not None:
        kernel = core.kernel("loss", kernel_name)
        assert set(loss._kernel_params()) == set(kernel.params)
    clone = cls(**loss.get_config())
    assert clone.get_config() == loss.get_config()
