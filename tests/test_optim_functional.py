"""lossfast.optim.functional: in-place single-array steps with caller-kept state, against
the NumPy reference and the classes, plus their input checks."""
import numpy as np
import pytest

import lossfast as lf
from lossfast.optim import functional as F
import reference_optim as ref
from reference_optim import assert_trajectory_close, make_params
from test_optim import OPTION_IDS, OPTION_SETS, SIZES, problem_for

STATE_NAMES = {  # positional state arguments of each functional step, in order
    "SGD": ["momentum_buffer"],
    "RMSprop": ["square_avg", "momentum_buffer", "grad_avg"],
    "Adagrad": ["state_sum"],
    "Adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "AdamW": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
}
STEP = {"SGD": F.sgd_step, "RMSprop": F.rmsprop_step, "Adagrad": F.adagrad_step,
        "Adam": F.adam_step, "AdamW": F.adamw_step}


def initial_state(name, hyper, param):
    state = [np.zeros_like(param) for _ in STATE_NAMES[name]]
    if name == "Adagrad":
        state[0][...] = hyper.get("initial_accumulator_value", 0.0)
    return state


def functional_hyper(name, hyper):
    h = dict(hyper)
    if name == "Adagrad":
        h.pop("initial_accumulator_value", None)  # the caller fills state_sum
    return h


@pytest.mark.parametrize("size", [SIZES[0], SIZES[3], SIZES[-1]])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_functional_matches_reference(name, hyper, dtype, size):
    shapes = [(size,)]
    problem = problem_for(hyper, shapes, dtype)
    params = make_params(shapes, dtype)
    p_ref = [params[0].copy()]
    state = initial_state(name, hyper, params[0])
    r = ref.REFERENCES[name](p_ref, **hyper)
    step = STEP[name]
    for t in range(1, 101):
        step(params[0], problem.grads(params, t)[0], *state, step=t,
             **functional_hyper(name, hyper))
        r.step(problem.grads(p_ref, t))
    assert_trajectory_close(params, p_ref, dtype)


@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_functional_equals_the_class(name, hyper):
    shapes = [(3, 11)]
    problem = problem_for(hyper, shapes, np.float32)
    a = make_params(shapes, np.float32)
    b = [a[0].copy()]
    opt = getattr(lf.optim, name)(a, **hyper)
    state = initial_state(name, hyper, b[0])
    for t in range(1, 31):
        opt.step(problem.grads(a, t))
        STEP[name](b[0], problem.grads(b, t)[0], *state, step=t, **functional_hyper(name, hyper))
    np.testing.assert_array_equal(a[0], b[0])
    for arr, key in zip(state, STATE_NAMES[name]):
        key = "sum" if key == "state_sum" else key
        if key in opt.state[0]:
            np.testing.assert_array_equal(arr, opt.state[0][key])


def test_functional_is_in_place_and_returns_none():
    w = np.ones(5)
    m, v = np.zeros(5), np.zeros(5)
    assert F.adam_step(w, np.ones(5), m, v, step=1, lr=0.1) is None
    np.testing.assert_allclose(w, 0.9, rtol=1e-7)
    np.testing.assert_allclose(m, 0.1)
    np.testing.assert_allclose(v, 0.001)


def test_functional_sgd_without_momentum_needs_no_step():
    w = np.ones(3)
    F.sgd_step(w, np.ones(3), lr=0.5)
    np.testing.assert_array_equal(w, 0.5)
    with pytest.raises(ValueError, match="step"):
        F.sgd_step(w, np.ones(3), np.zeros(3), lr=0.5, momentum=0.9)


def test_functional_bad_input():
    w = np.ones(4)
    with pytest.raises(ValueError, match="exp_avg_sq is required"):
        F.adam_step(w, np.ones(4), np.zeros(4), None, step=1)
    with pytest.raises(ValueError, match="max_exp_avg_sq is required"):
        F.adam_step(w, np.ones(4), np.zeros(4), np.zeros(4), step=1, amsgrad=True)
    with pytest.raises(ValueError, match="shape and dtype"):
        F.adam_step(w, np.ones(4), np.zeros(4, np.float32), np.zeros(4), step=1)
    with pytest.raises(ValueError, match="shape and dtype"):
        F.adagrad_step(w, np.ones(4), np.zeros(5), step=1)
    with pytest.raises(ValueError, match="share memory"):
        F.adam_step(w, np.ones(4), w, np.zeros(4), step=1)
    m = np.zeros(4)
    with pytest.raises(ValueError, match="share memory"):
        F.adam_step(w, np.ones(4), m, m, step=1)
    with pytest.raises(ValueError, match="share memory"):
        F.sgd_step(w, w, lr=0.1)
    with pytest.raises(ValueError, match="step must be >= 1"):
        F.adam_step(w, np.ones(4), np.zeros(4), np.zeros(4), step=0)
    with pytest.raises(TypeError, match="step must be an integer"):
        F.adam_step(w, np.ones(4), np.zeros(4), np.zeros(4), step=1.5)
    with pytest.raises(ValueError, match="betas"):
        F.adam_step(w, np.ones(4), np.zeros(4), np.zeros(4), step=1, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="lr"):
        F.rmsprop_step(w, np.ones(4), np.zeros(4), step=1, lr=-1.0)
    with pytest.raises(ValueError, match="grad and param"):
        F.adagrad_step(w, np.ones(3), np.zeros(4), step=1)
    with pytest.raises(ValueError, match="C-contiguous"):
        F.sgd_step(np.ones((4, 4))[:, 0], np.ones(4), lr=0.1)
    np.testing.assert_array_equal(w, 1.0)  # nothing was updated by a failing call


def test_functional_accepts_float_step_and_numpy_ints():
    w1, w2 = np.ones(3), np.ones(3)
    s1, s2 = [np.zeros(3), np.zeros(3)], [np.zeros(3), np.zeros(3)]
    F.adam_step(w1, np.ones(3), *s1, step=np.int64(2), lr=0.1)
    F.adam_step(w2, np.ones(3), *s2, step=2.0, lr=0.1)
    np.testing.assert_array_equal(w1, w2)
