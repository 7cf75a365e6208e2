"""Bad input and settings that used to be accepted silently (issue 9, point 4):
thread counts, LOSSFAST_SIMD, plain numbers in messages, sparse input, and
public namespaces that hold only their API."""
import importlib
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast


# ------------------------------------------------------------------ threads

@pytest.mark.parametrize("n", [0, -1, -8, np.int64(0)])
def test_set_num_threads_rejects_non_positive(n):
    before = _lossfast.num_threads_setting()
    with pytest.raises(ValueError, match=r"number of threads must be >= 1.*got -?\d+$"):
        lf.set_num_threads(n)
    assert _lossfast.num_threads_setting() == before   # nothing changed


@pytest.mark.parametrize("n", [0, -3])
def test_num_threads_context_rejects_non_positive(n):
    before = _lossfast.num_threads_setting()
    with pytest.raises(ValueError, match="number of threads must be >= 1"):
        with lf.num_threads(n):
            pytest.fail("the block must not run")
    assert _lossfast.num_threads_setting() == before


@pytest.mark.parametrize("n", [2.0, "2", True, 1.5])
def test_set_num_threads_rejects_non_integers(n):
    with pytest.raises(TypeError, match="must be an integer >= 1 or None"):
        lf.set_num_threads(n)


def test_thread_counts_accepted():
    before = _lossfast.num_threads_setting()
    try:
        lf.set_num_threads(np.int32(3))
        assert lf.get_num_threads() == 3
        with lf.num_threads(None):               # OpenMP's default inside the block
            assert _lossfast.num_threads_setting() == 0
        assert lf.get_num_threads() == 3
    finally:
        _lossfast.set_num_threads(before)


# --------------------------------------------------------------- SIMD env

def _import_in_subprocess(value):
    env = dict(os.environ, LOSSFAST_SIMD=value)
    code = ("import warnings, sys\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    import lossfast\n"
            "for x in w: print(x.category.__name__, '|', x.message)\n"
            "print('level', lossfast._lossfast.simd_level())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    return out.stdout.strip().splitlines()


def test_unknown_simd_env_warns_naming_valid_values():
    lines = _import_in_subprocess("avx3")
    assert len(lines) == 2, lines
    category, message = lines[0].split(" | ")
    assert category == "RuntimeWarning"
    assert "LOSSFAST_SIMD='avx3'" in message
    for level in _lossfast.SIMD_LEVELS:
        assert level in message
    assert lines[1] == f"level {_lossfast.simd_level_supported()}"   # the value was ignored


@pytest.mark.parametrize("value", ["baseline", ""])
def test_known_simd_env_is_silent(value):
    lines = _import_in_subprocess(value)
    expected = "baseline" if value else _lossfast.simd_level_supported()
    assert lines == [f"level {expected}"]


# ---------------------------------------------------- plain numbers in messages

NUMPY_REPR = r"np\.(float|int|bool)"


@pytest.mark.parametrize("call", [
    lambda: lf.losses.sparse_cce(np.array([5]), np.full((1, 3), 1 / 3)),
    lambda: lf.losses.sparse_cce(np.array([-2]), np.full((1, 3), 1 / 3)),
    lambda: lf.losses.sparse_cce(np.array([1.5]), np.full((1, 3), 1 / 3)),
    lambda: lf.losses.MulticlassHinge()(np.array([np.int64(7)]), np.zeros((1, 3))),
    lambda: lf.losses.bce(np.zeros(2), np.array([0.5, 1.5])),
    lambda: lf.losses.bce(np.zeros(2, np.float32), np.array([0.5, -0.25], np.float32)),
    lambda: lf.losses.kl(np.full((1, 2), 2.0), np.full((1, 2), 0.5)),
    lambda: lf.losses.hinge(np.array([2.0]), np.array([1.0])),
    lambda: lf.losses.Huber(delta=np.float64(-1.5)),
    lambda: lf.losses.SmoothL1(beta=np.float32(-1.5)),
    lambda: lf.losses.Quantile(q=np.float64(1.5)),
    lambda: lf.losses.BinaryFocal(gamma=np.float64(-1.5)),
    lambda: lf.losses.BinaryFocal(alpha=np.float64(1.5)),
    lambda: lf.losses.BinaryCrossEntropy(from_logits=np.float64(1.5)),
    lambda: lf.losses.BinaryCrossEntropy(label_smoothing=np.float64(1.5)),
    lambda: lf.losses.mse(np.ones(2), np.ones(2), reduction=np.float64(1.5)),
    lambda: lf.activations.leaky_relu(np.ones(2), negative_slope=np.float64(np.inf)),
    lambda: lf.LinearRegression(solver="sgd", random_state=np.float64(1.5)).fit(
        np.ones((3, 1)), np.ones(3)),
])
def test_messages_print_plain_numbers(call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert not __import__("re").search(NUMPY_REPR, message), message
    assert any(ch.isdigit() for ch in message) or "inf" in message, message


def test_message_example_values_are_plain():
    with pytest.raises(ValueError, match=r"e\.g\. 1\.5\b"):
        lf.losses.bce(np.zeros(2), np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match=r"class index 5 outside \[0, 3\)"):
        lf.losses.sparse_cce(np.array([5]), np.full((1, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"whole-number class indices, got 1\.5$"):
        lf.losses.sparse_cce(np.array([1.5]), np.full((1, 3), 1 / 3))


# ------------------------------------------------------------- sparse input

sp = pytest.importorskip("scipy.sparse")

SPARSE_KINDS = ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array", "coo_array", "dia_matrix"]


def _sparse(kind, dense):
    return getattr(sp, kind)(dense)


@pytest.mark.parametrize("kind", SPARSE_KINDS)
@pytest.mark.parametrize("loss", ["mse", "huber", "bce", "hinge", "cce", "kl", "sparse_cce",
                                  "zero_one", "rmse"])
@pytest.mark.parametrize("which", ["y_true", "y_pred"])
def test_sparse_input_to_losses_is_rejected(kind, loss, which):
    dense_pred = np.full((3, 2), 0.5)
    dense_true = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    if loss == "sparse_cce":
        dense_true = np.array([[0.0], [1.0], [0.0]])   # a column of labels is accepted
    args = {"y_true": dense_true, "y_pred": dense_pred}
    args[which] = _sparse(kind, args[which])
    obj = lf.losses.get(loss)
    methods = [obj.loss] if loss == "zero_one" else [obj.loss, obj.gradient, obj.loss_gradient]
    for method in methods:
        with pytest.raises(TypeError, match=f"{which} is a sparse {kind}; sparse input is not "
                                            "supported"):
            method(args["y_true"], args["y_pred"])


def test_sparse_sample_weight_is_rejected():
    w = sp.csr_matrix(np.ones((1, 3)))
    with pytest.raises(TypeError, match="sample_weight is a sparse csr_matrix"):
        lf.losses.mse(np.zeros((3, 1)), np.ones((3, 1)), sample_weight=w)


@pytest.mark.parametrize("kind", SPARSE_KINDS)
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax",
                                  "log_softmax"])
def test_sparse_input_to_activations_is_rejected(kind, name):
    x = _sparse(kind, np.eye(3))
    with pytest.raises(TypeError, match=f"x is a sparse {kind}; sparse input is not supported"):
        getattr(lf.activations, name)(x)
    backward = getattr(lf.activations, f"{name}_backward")
    first = "x" if "relu" in name else "y"
    with pytest.raises(TypeError, match=f"{first} is a sparse {kind}"):
        backward(x, np.ones((3, 3)))
    with pytest.raises(TypeError, match=f"grad_out is a sparse {kind}"):
        backward(np.ones((3, 3)), x)


def test_sparse_detection_is_duck_typed_without_scipy():
    # An object that looks like a sparse container (nnz + tocsr) is recognised
    # without lossfast importing SciPy.
    class FakeSparse:
        nnz = 0
        format = "csr"

        def tocsr(self):
            return self

    with pytest.raises(TypeError, match="y_pred is a sparse FakeSparse"):
        lf.losses.mse(np.zeros(2), FakeSparse())
    out = subprocess.run([sys.executable, "-c",
                          "import sys, numpy as np, lossfast as lf\n"
                          "lf.losses.mse(np.zeros(3), np.ones(3))\n"
                          "lf.activations.relu(np.ones(2))\n"
                          "print('scipy' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------- public namespaces

PUBLIC_NAMESPACES = ["lossfast", "lossfast.losses", "lossfast.activations",
                     "lossfast.linear_model", "lossfast.datasets"]
FORBIDDEN = {"importlib", "gzip", "os", "np", "numpy", "math", "contextlib", "warnings",
             "inspect", "sys", "NamedTuple", "operator", "platform"}


@pytest.mark.parametrize("name", PUBLIC_NAMESPACES)
def test_public_namespace_is_its_all(name):
    mod = importlib.import_module(name)
    public = sorted(mod.__all__)
    assert len(set(public)) == len(public), "duplicates in __all__"
    assert dir(mod) == public
    assert not FORBIDDEN & set(dir(mod))
    for attr in public:
        value = getattr(mod, attr)      # every exported name resolves (lazy ones too)
        if isinstance(value, types.ModuleType):
            assert value.__name__.startswith("lossfast."), (attr, value)
        else:
            owner = getattr(value, "__module__", None)
            if owner is not None and callable(value):
                assert owner.startswith("lossfast"), (attr, owner)
    # every public name a module defines is exported: nothing leaks through vars()
    # except helpers bound under a private name (activations keeps its helpers
    # imported by their names, hidden by __dir__)
    if name != "lossfast.activations":
        leaked = {k for k in vars(mod) if not k.startswith("_")} - set(public)
        assert not leaked, leaked


@pytest.mark.parametrize("name", PUBLIC_NAMESPACES)
def test_star_import_gives_the_api(name):
    namespace = {}
    exec(f"from {name} import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(
        importlib.import_module(name).__all__)
