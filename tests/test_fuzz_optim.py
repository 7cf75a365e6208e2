"""Property-based tests of every optimizer step (issue 9, point 5): the classes
of lf.optim and lf.optim.functional, on parameter lists of any shapes (0 and 1
elements, SIMD edges), float32 / float64 (mixed in one optimizer), random valid
hyper-parameters, gradients holding NaN / inf / huge / tiny values in any
layout.  Each trajectory matches tests/reference_optim.py (PyTorch's formulas,
one NumPy operation per PyTorch operation), a NaN gradient element gives a NaN
parameter element, and bad parameters or gradients are a ValueError /
TypeError that leaves every parameter untouched."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lossfast as lf
import reference_optim as RO
from fuzz_strategies import FUZZ, arrays, assert_close, on_drawn_simd_level, shapes

F = lf.optim.functional


def _unit(lo=0.0, hi=1.0):
    return st.floats(lo, hi, allow_nan=False)


HYPER = {
    "SGD": st.fixed_dictionaries({
        "lr": _unit(), "momentum": st.sampled_from([0.0, 0.5, 0.9]) | _unit(0, 0.99),
        "dampening": st.sampled_from([0.0, 0.1]), "weight_decay": st.sampled_from([0.0, 0.01]),
        "maximize": st.booleans(), "nesterov": st.booleans()}).map(
        lambda h: {**h, "nesterov": h["nesterov"] and h["momentum"] > 0 and h["dampening"] == 0}),
    "RMSprop": st.fixed_dictionaries({
        "lr": _unit(0, 0.1), "alpha": _unit(0.5, 0.999), "eps": st.sampled_from([1e-8, 1e-3]),
        "weight_decay": st.sampled_from([0.0, 0.01]), "momentum": st.sampled_from([0.0, 0.9]),
        "centered": st.booleans(), "maximize": st.booleans()}),
    "Adagrad": st.fixed_dictionaries({
        "lr": _unit(0, 0.1), "lr_decay": st.sampled_from([0.0, 0.05]),
        "weight_decay": st.sampled_from([0.0, 0.01]),
        "initial_accumulator_value": st.sampled_from([0.0, 0.1]),
        "eps": st.sampled_from([1e-10, 1e-6]), "maximize": st.booleans()}),
    "Adam": st.fixed_dictionaries({
        "lr": _unit(0, 0.1), "betas": st.tuples(_unit(0, 0.99), _unit(0, 0.9999)),
        "eps": st.sampled_from([1e-8, 1e-4]), "weight_decay": st.sampled_from([0.0, 0.01]),
        "amsgrad": st.booleans(), "maximize": st.booleans()}),
    "AdamW": st.fixed_dictionaries({
        "lr": _unit(0, 0.1), "betas": st.tuples(_unit(0, 0.99), _unit(0, 0.9999)),
        "eps": st.sampled_from([1e-8, 1e-4]), "weight_decay": st.sampled_from([0.0, 0.01, 0.1]),
        "amsgrad": st.booleans(), "maximize": st.booleans()}),
}


@st.composite
def param_list(draw):
    k = draw(st.integers(1, 3))
    dtypes = [draw(st.sampled_from([np.float32, np.float64])) for _ in range(k)]
    shp = [draw(shapes(max_dims=2, max_side=40)) for _ in range(k)]
    params = [np.array(draw(arrays(s, np.dtype(d), "moderate")), order="C")
              for s, d in zip(shp, dtypes)]
    return params


def _grads(draw, params):
    return [draw(arrays(p.shape, p.dtype, "real")) for p in params]


def _compare(got, want, before, dtype, what, nan_grad):
    """got vs the reference: elementwise, relative to the values involved; where
    the exact trajectory overflows (huge gradients) the comparison is skipped."""
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):
        big = np.finfo(dtype).max / 16
        skip = ~np.isfinite(want) | (np.abs(want) > big) | nan_grad
        scale = np.abs(before) + 1e-30
        assert_close(got, want, dtype, what=what, skip=skip, scale=scale,
                     rtol=2e-5 if dtype == np.float32 else 1e-12)
    assert np.all(np.isnan(got[nan_grad])), f"{what}: a NaN gradient must give a NaN parameter"


@pytest.mark.parametrize("name", sorted(HYPER))
@FUZZ
@given(data=st.data())
@on_drawn_simd_level
def test_optimizer_steps_match_reference(name, data):
    params = data.draw(param_list())
    hyper = data.draw(HYPER[name])
    mine = [p.copy() for p in params]
    ref = [p.copy() for p in params]
    opt = getattr(lf.optim, name)(mine, **hyper)
    oracle = RO.REFERENCES[name](ref, **hyper)
    nan_seen = [np.zeros(p.shape, bool) for p in params]
    for step in range(data.draw(st.integers(1, 3))):
        grads = _grads(data.draw, params)
        before = [p.copy() for p in mine]
        opt.step(grads)
        with np.errstate(all="ignore"):
            oracle.step([np.ascontiguousarray(g) for g in grads])
        for k, (p, r, g) in enumerate(zip(mine, ref, grads)):
            nan_seen[k] |= np.isnan(g)
            _compare(p, r, before[k], p.dtype, f"{name} step {step + 1} param {k}", nan_seen[k])
    assert opt.step_count == step + 1


FUNCTIONAL = {
    "SGD": (F.sgd_step, lambda h: ["momentum_buffer"] if h["momentum"] else []),
    "RMSprop": (F.rmsprop_step, lambda h: ["square_avg"]
                + (["momentum_buffer"] if h["momentum"] else [])
                + (["grad_avg"] if h["centered"] else [])),
    "Adagrad": (F.adagrad_step, lambda h: ["state_sum"]),
    "Adam": (F.adam_step, lambda h: ["exp_avg", "exp_avg_sq"]
             + (["max_exp_avg_sq"] if h["amsgrad"] else [])),
    "AdamW": (F.adamw_step, lambda h: ["exp_avg", "exp_avg_sq"]
              + (["max_exp_avg_sq"] if h["amsgrad"] else [])),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
@FUZZ
@given(data=st.data())
@on_drawn_simd_level
def test_functional_steps_match_reference(name, data):
    fn, state_names = FUNCTIONAL[name]
    param = data.draw(param_list())[0]
    hyper = dict(data.draw(HYPER[name]))
    init = hyper.pop("initial_accumulator_value", 0.0)
    ref = param.copy()
    oracle = RO.REFERENCES[name]([ref], **hyper, **({"initial_accumulator_value": init}
                                                     if name == "Adagrad" else {}))
    state = {s: np.full_like(param, init if s == "state_sum" else 0.0)
             for s in state_names(hyper)}
    nan_seen = np.zeros(param.shape, bool)
    for t in range(1, data.draw(st.integers(1, 3)) + 1):
        grad = data.draw(arrays(param.shape, param.dtype, "real"))
        before = param.copy()
        fn(param, grad, **state, step=t, **hyper)
        with np.errstate(all="ignore"):
            oracle.step([np.ascontiguousarray(grad)])
        nan_seen |= np.isnan(grad)
        _compare(param, ref, before, param.dtype, f"{name}_step t={t}", nan_seen)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(HYPER)),
       bad=st.sampled_from(["readonly", "strided", "fortran", "int", "list", "overlap"]))
def test_bad_parameters_are_rejected(data, name, bad):
    shape = data.draw(shapes(min_dims=2, max_dims=2, max_side=6).filter(
        lambda s: s[0] > 1 and s[1] > 1))
    p = np.ones(shape)
    if bad == "readonly":
        p.setflags(write=False)
        match = "read-only"
    elif bad == "strided":
        p = np.ones((shape[0], 2 * shape[1]))[:, ::2]
        match = "C-contiguous"
    elif bad == "fortran":
        p = np.asfortranarray(p)
        match = "C-contiguous"
    elif bad == "int":
        p = np.ones(shape, dtype=np.int64)
        match = "dtype int64"
    elif bad == "list":
        p = p.tolist()
        match = "numpy.ndarray"
    params = [p] if bad != "overlap" else [p, p[1:]]
    if bad == "overlap":
        match = "share memory"
    with pytest.raises(ValueError, match=match):
        getattr(lf.optim, name)(params)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(HYPER)),
       bad=st.sampled_from(["shape", "dtype", "count", "complex", "object"]))
def test_bad_gradients_leave_parameters_untouched(data, name, bad):
    params = data.draw(param_list())
    copies = [p.copy() for p in params]
    opt = getattr(lf.optim, name)(params, **data.draw(HYPER[name]))
    grads = [np.ones_like(p) for p in params]
    k = data.draw(st.integers(0, len(params) - 1))
    if bad == "shape":
        grads[k] = np.ones(params[k].shape + (2,), params[k].dtype)
        err, match = ValueError, "same shape"
    elif bad == "dtype":
        other = np.float32 if params[k].dtype == np.float64 else np.float64
        grads[k] = np.ones(params[k].shape, other)
        err, match = ValueError, "dtype"
    elif bad == "count":
        grads = grads + [grads[0]]
        err, match = ValueError, "gradient"
    elif bad == "complex":
        grads[k] = np.ones(params[k].shape, np.complex128)
        err, match = TypeError, "complex"
    else:
        grads[k] = np.full(params[k].shape, None, dtype=object)
        err, match = TypeError, "object"
    with pytest.raises(err, match=match):
        opt.step(grads)
    for p, c in zip(params, copies):
        np.testing.assert_array_equal(p, c)
    assert opt.step_count == 0
