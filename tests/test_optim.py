"""lossfast.optim classes against the NumPy reference (tests/reference_optim.py; the formulas
are in docs/optim.md and the class docstrings):
100-step trajectories for every optimizer and option set, sizes around the SIMD width and
above the parallel threshold, every SIMD path, 1 and 2 threads, state_dict round trips,
and bad input."""
import tracemalloc

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast as core
import reference_optim as ref
from reference_optim import Problem, assert_trajectory_close, make_params

W = 16  # SIMD width in float32 lanes of AVX-512 (the widest path)
SIZES = [1, W - 1, W, W + 1, 4 * W + 3, core.PARALLEL_THRESHOLD + 4465]
DTYPES = [np.float64, np.float32]
STEPS = 100

OPTION_SETS = [
    ("SGD", {}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.02, "momentum": 0.5, "nesterov": True, "weight_decay": 0.01,
             "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"alpha": 0.3, "centered": True}),  # lerp weight 1 - alpha >= 0.5
    ("RMSprop", {"centered": True, "momentum": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.5), "eps": 1e-6}),  # lerp weight 1 - beta1 >= 0.5
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "maximize": True, "amsgrad": True}),
]
OPTION_IDS = [f"{name}-" + ("-".join(f"{k}={v}" for k, v in h.items()) or "defaults")
              for name, h in OPTION_SETS]


def run_lf(name, hyper, params, problem, steps=STEPS, start=1):
    opt = getattr(lf.optim, name)(params, **hyper)
    for t in range(start, start + steps):
        opt.step(problem.grads(params, t))
    return opt


def run_ref(name, hyper, params, problem, steps=STEPS):
    opt = ref.REFERENCES[name](params, **hyper)
    for t in range(1, steps + 1):
        opt.step(problem.grads(params, t))
    return opt


def problem_for(hyper, shapes, dtype, seed=0):
    return Problem(shapes, dtype, seed=seed, maximize=hyper.get("maximize", False))


def check_against_reference(name, hyper, shapes, dtype, steps=STEPS):
    problem = problem_for(hyper, shapes, dtype)
    p_lf = make_params(shapes, dtype)
    p_ref = [p.copy() for p in p_lf]
    run_lf(name, hyper, p_lf, problem, steps)
    run_ref(name, hyper, p_ref, problem, steps)
    assert_trajectory_close(p_lf, p_ref, dtype, what=f"{name} {hyper}")
    return p_lf


@pytest.fixture
def restore_simd():
    before = core.simd_level()
    yield
    core.set_simd_level(before)


def simd_levels():
    best = core.SIMD_LEVELS.index(core.simd_level_supported())
    return core.SIMD_LEVELS[:best + 1]


# ---- trajectories against the reference ----

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_trajectory_matches_reference(name, hyper, dtype, size):
    p = check_against_reference(name, hyper, [(size,)], dtype)
    assert np.all(np.isfinite(p[0]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_multi_tensor_matches_reference(name, hyper, dtype):
    """Many parameters of mixed shapes (0-d to 3-d, sizes around the SIMD width) in one call."""
    shapes = [(), (1,), (W - 1,), (4, 4), (W + 1,), (4 * W + 3,), (3, 5, 7), (0,), (2, 0)]
    check_against_reference(name, hyper, shapes, dtype)


@pytest.mark.parametrize("name, hyper", OPTION_SETS[::3], ids=OPTION_IDS[::3])
def test_misaligned_views(name, hyper):
    """Parameters that start off a vector boundary (views into a larger buffer): the
    vectoriser's peeled head, body and tail all agree with the reference."""
    problem = problem_for(hyper, [(70,), (W + 5,)], np.float32)
    for offset in (1, 3, 7):
        base = [np.zeros(70 + offset, np.float32), np.zeros(W + 5 + offset, np.float32)]
        p_lf = [b[offset:] for b in base]
        for p, init in zip(p_lf, make_params([(70,), (W + 5,)], np.float32)):
            p[...] = init
        p_ref = [p.copy() for p in p_lf]
        run_lf(name, hyper, p_lf, problem)
        run_ref(name, hyper, p_ref, problem)
        assert_trajectory_close(p_lf, p_ref, np.float32)
        assert np.all(base[0][:offset] == 0) and np.all(base[1][:offset] == 0)


@pytest.mark.parametrize("name, hyper", OPTION_SETS[::2], ids=OPTION_IDS[::2])
def test_mixed_dtypes_in_one_optimizer(name, hyper):
    """float32 and float64 parameters in one optimizer: one C call per dtype, each in its dtype."""
    p32 = make_params([(37,)], np.float32)
    p64 = make_params([(5, 3)], np.float64, seed=3)
    pr32, pr64 = p32[0].copy(), p64[0].copy()
    pb32 = problem_for(hyper, [(37,)], np.float32)
    pb64 = problem_for(hyper, [(5, 3)], np.float64, seed=3)
    opt = getattr(lf.optim, name)([p32[0], p64[0]], **hyper)
    r32 = ref.REFERENCES[name]([pr32], **hyper)
    r64 = ref.REFERENCES[name]([pr64], **hyper)
    for t in range(1, STEPS + 1):
        g32, g64 = pb32.grads(p32, t)[0], pb64.grads(p64, t)[0]
        opt.step([g32, g64])
        r32.step(pb32.grads([pr32], t))
        r64.step(pb64.grads([pr64], t))
    assert p32[0].dtype == np.float32 and p64[0].dtype == np.float64
    assert_trajectory_close([p32[0]], [pr32], np.float32)
    assert_trajectory_close([p64[0]], [pr64], np.float64)


# ---- threads and SIMD paths ----

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_one_and_two_threads_identical(name, hyper, dtype):
    """Above the parallel threshold (one large tensor, and 150 tensors of 1001 elements)
    the result is bit-for-bit the same on 1 and 2 threads."""
    shapes = [(core.PARALLEL_THRESHOLD + 4465,)] + [(1001,)] * 150
    problem = problem_for(hyper, shapes, dtype)
    results = []
    for n in (1, 2):
        params = make_params(shapes, dtype)
        with lf.num_threads(n):
            assert lf.get_num_threads() == n
            run_lf(name, hyper, params, problem, steps=20)
        results.append(params)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_every_simd_path(name, hyper, dtype, restore_simd):
    """Each SIMD path (baseline, AVX2, AVX-512 where the CPU has them) matches the
    reference, and all paths agree bit for bit (no FMA contraction in optim.c)."""
    shapes = [(s,) for s in SIZES]
    problem = problem_for(hyper, shapes, dtype)
    p_ref = make_params(shapes, dtype)
    run_ref(name, hyper, p_ref, problem)
    results = {}
    for level in simd_levels():
        core.set_simd_level(level)
        params = make_params(shapes, dtype)
        run_lf(name, hyper, params, problem)
        assert_trajectory_close(params, p_ref, dtype, what=level)
        results[level] = params
    first = results["baseline"]
    for level, params in results.items():
        for a, b in zip(params, first):
            np.testing.assert_array_equal(a, b, err_msg=f"{level} vs baseline")


def test_simd_paths_exist():
    assert "baseline" in simd_levels()
    assert core.simd_level() in simd_levels()


# ---- NaN and inf ----

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", OPTION_SETS[::2], ids=OPTION_IDS[::2])
def test_nan_gradients_propagate_like_the_reference(name, hyper, dtype):
    n = 4 * W + 3
    params = make_params([(n,)], dtype)
    p_ref = [params[0].copy()]
    problem = problem_for(hyper, [(n,)], dtype)
    opt = getattr(lf.optim, name)(params, **hyper)
    r = ref.REFERENCES[name](p_ref, **hyper)
    for t in range(1, 11):
        g = problem.grads(params, t)[0]
        gr = problem.grads(p_ref, t)[0]
        if t == 3:
            g[[0, 5, W + 1]] = np.nan
            gr[[0, 5, W + 1]] = np.nan
        opt.step([g])
        r.step([gr])
    np.testing.assert_array_equal(np.isnan(params[0]), np.isnan(p_ref[0]))
    assert np.isnan(params[0][[0, 5, W + 1]]).all()
    finite = np.isfinite(p_ref[0])
    assert finite.sum() >= n - 3
    assert_trajectory_close([params[0][finite]], [p_ref[0][finite]], dtype)


def test_zero_weight_decay_keeps_infinite_parameters():
    """weight_decay=0 adds nothing (not 0 * p, which would turn an inf parameter into NaN)."""
    p = np.array([np.inf, 1.0])
    lf.optim.SGD([p], lr=0.1).step([np.array([1.0, 1.0])])
    assert p[0] == np.inf and p[1] == 0.9


# ---- state_dict ----

@pytest.mark.parametrize("name, hyper", OPTION_SETS, ids=OPTION_IDS)
def test_state_dict_round_trip_continues_the_trajectory(name, hyper):
    shapes = [(W + 1,), (3, 4)]
    problem = problem_for(hyper, shapes, np.float64)
    params = make_params(shapes, np.float64)
    opt = run_lf(name, hyper, params, problem, steps=50)
    sd = opt.state_dict()
    assert all(s["step"] == 50 for s in sd["state"].values())
    saved = [p.copy() for p in params]
    for t in range(51, 101):
        opt.step(problem.grads(params, t))

    # a fresh optimizer on the saved parameters, loaded from the state dict
    resumed = [p.copy() for p in saved]
    other_hyper = dict(hyper, lr=0.5 * hyper.get("lr", 0.01))  # overwritten by the load
    opt2 = getattr(lf.optim, name)(resumed, **other_hyper)
    opt2.load_state_dict(sd)
    assert opt2.lr == opt.lr and opt2.step_count == 50
    for t in range(51, 101):
        opt2.step(problem.grads(resumed, t))
    for a, b in zip(resumed, params):
        np.testing.assert_array_equal(a, b)


def test_state_dict_holds_copies_in_torch_layout():
    w = np.ones(5)
    opt = lf.optim.Adam([w], lr=0.1, amsgrad=True)
    opt.step([np.full(5, 2.0)])
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"] == [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8,
                                   "weight_decay": 0.0, "amsgrad": True, "maximize": False,
                                   "params": [0]}]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    np.testing.assert_allclose(sd["state"][0]["exp_avg"], 0.2)
    sd["state"][0]["exp_avg"][:] = 7.0
    np.testing.assert_allclose(opt.state[0]["exp_avg"], 0.2)  # a copy, not the live state


def test_load_state_dict_restores_structure_and_checks_shapes():
    w = np.ones(4)
    sgd = lf.optim.SGD([w], lr=0.1, momentum=0.9)
    sgd.step([np.ones(4)])
    sd = sgd.state_dict()
    plain = lf.optim.SGD([np.ones(4)], lr=0.1)  # no momentum buffer yet: the load adds one
    plain.load_state_dict(sd)
    assert plain.momentum == 0.9 and plain.step_count == 1
    np.testing.assert_array_equal(plain.state[0]["momentum_buffer"], np.ones(4))

    with pytest.raises(ValueError, match="shape"):
        lf.optim.SGD([np.ones(5)], momentum=0.9).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameters"):
        lf.optim.SGD([np.ones(4), np.ones(2)], momentum=0.9).load_state_dict(sd)
    bad = {"state": {0: {"step": 1}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match="momentum_buffer"):
        lf.optim.SGD([np.ones(4)], momentum=0.9).load_state_dict(bad)
    with pytest.raises(ValueError, match="state_dict"):
        lf.optim.SGD([np.ones(4)]).load_state_dict({"nothing": 1})


def test_load_state_dict_casts_to_the_parameter_dtype():
    w64 = np.ones(3)
    opt = lf.optim.Adam([w64], lr=0.1)
    opt.step([np.ones(3)])
    w32 = np.ones(3, np.float32)
    opt32 = lf.optim.Adam([w32], lr=0.1)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[0]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(opt32.state[0]["exp_avg"], 0.1, rtol=1e-7)


# ---- hyper-parameters between steps ----

def test_lr_change_between_steps_follows_the_reference():
    shapes = [(W + 3,)]
    problem = Problem(shapes, np.float64)
    params = make_params(shapes, np.float64)
    p_ref = [params[0].copy()]
    opt = lf.optim.Adam(params, lr=0.1)
    r = ref.Adam(p_ref, lr=0.1)
    for t in range(1, 31):
        if t == 11:
            opt.lr = 1e-2
            r.h["lr"] = 1e-2
        if t == 21:
            opt.betas = (0.5, 0.9)
            r.h["betas"] = (0.5, 0.9)
        opt.step(problem.grads(params, t))
        r.step(problem.grads(p_ref, t))
    assert_trajectory_close(params, p_ref, np.float64)


def test_hyperparameter_attributes_are_validated():
    opt = lf.optim.SGD([np.ones(3)], lr=0.1, momentum=0.9)
    opt.lr = 0.01
    assert opt.lr == 0.01 and opt.hyperparameters["lr"] == 0.01
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -1.0
    with pytest.raises(ValueError, match="lr"):
        opt.lr = float("nan")
    assert opt.lr == 0.01
    with pytest.raises(ValueError, match="state"):
        opt.momentum = 0.0  # would drop the momentum buffer
    with pytest.raises(ValueError, match="state"):
        lf.optim.Adam([np.ones(2)]).amsgrad = True
    opt.momentum = 0.5
    assert opt.momentum == 0.5


# ---- bad input ----

@pytest.mark.parametrize("bad, match", [
    (np.ones((4, 4))[:, 1], "C-contiguous"),
    (np.ones(3, dtype=np.int64), "dtype"),
    (np.ones(3, dtype=np.float16), "dtype"),
    ([1.0, 2.0], "ndarray"),
])
def test_parameter_must_be_updatable_in_place(bad, match):
    with pytest.raises(ValueError, match=match):
        lf.optim.Adam([bad])


def test_read_only_parameter_is_rejected():
    p = np.ones(3)
    p.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        lf.optim.SGD([p])
    with pytest.raises(ValueError, match="read-only"):
        lf.optim.functional.sgd_step(p, np.ones(3), lr=0.1)


def test_parameter_list_errors():
    with pytest.raises(TypeError, match="list of arrays"):
        lf.optim.SGD(np.ones(3))
    with pytest.raises(ValueError, match="empty"):
        lf.optim.SGD([])
    with pytest.raises(TypeError, match="groups"):  # arrays and groups mixed (groups alone
        lf.optim.SGD([np.ones(3), {"params": [np.ones(3)]}])  # are supported: issue 17)
    a = np.ones(10)
    with pytest.raises(ValueError, match="share memory"):
        lf.optim.SGD([a, a])
    with pytest.raises(ValueError, match="share memory"):
        lf.optim.SGD([a[:6], a[4:]])
    lf.optim.SGD([a[:5], a[5:]])  # adjacent, not overlapping: fine


@pytest.mark.parametrize("name, kwargs, match", [
    ("SGD", {"lr": -0.1}, "lr"),
    ("SGD", {"momentum": -0.5}, "momentum"),
    ("SGD", {"nesterov": True}, "Nesterov"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov"),
    ("SGD", {"weight_decay": -1.0}, "weight_decay"),
    ("RMSprop", {"alpha": 1.5}, "alpha"),
    ("RMSprop", {"eps": -1.0}, "eps"),
    ("Adagrad", {"lr_decay": -0.1}, "lr_decay"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ("Adam", {"betas": (1.0, 0.999)}, "betas"),
    ("Adam", {"betas": (0.9, -0.1)}, "betas"),
    ("Adam", {"betas": (0.9,)}, "betas"),
    ("Adam", {"lr": float("inf")}, "lr"),
    ("AdamW", {"betas": (0.9, 1.5)}, "betas"),
    ("AdamW", {"weight_decay": -0.01}, "weight_decay"),
])
def test_bad_hyperparameters(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(lf.optim, name)([np.ones(3)], **kwargs)


def test_bad_gradients_are_rejected_before_any_update():
    w, b = np.ones((3, 2)), np.ones(2, np.float32)
    opt = lf.optim.SGD([w, b], lr=0.1)
    with pytest.raises(ValueError, match=r"grads\[0\].*\(2, 3\).*\(3, 2\)"):
        opt.step([np.ones((2, 3)), np.ones(2, np.float32)])
    with pytest.raises(ValueError, match=r"grads\[1\] has dtype float64.*float32"):
        opt.step([np.ones((3, 2)), np.ones(2)])
    with pytest.raises(ValueError, match="2 parameters"):
        opt.step([np.ones((3, 2))])
    with pytest.raises(TypeError, match="list or tuple"):
        opt.step(np.ones((3, 2)))
    with pytest.raises(TypeError, match="complex"):
        opt.step([np.ones((3, 2), complex), np.ones(2, np.float32)])
    np.testing.assert_array_equal(w, 1.0)
    np.testing.assert_array_equal(b, 1.0)
    assert opt.step_count == 0


def test_gradient_conversions():
    """Non-contiguous gradients and nested lists are converted (a copy); the update is
    the same as from a contiguous array."""
    w1, w2, w3 = np.ones((3, 4)), np.ones((3, 4)), np.ones((3, 4))
    g = np.arange(24.0).reshape(3, 8)[:, ::2]
    for w, grad in ((w1, np.ascontiguousarray(g)), (w2, g), (w3, g.tolist())):
        lf.optim.SGD([w], lr=0.1, momentum=0.9).step((grad,))
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(w1, w3)
    s = np.array(2.0)  # 0-d parameter, Python float gradient
    lf.optim.SGD([s], lr=0.5).step([1.0])
    assert s == 1.5


def test_step_allocates_nothing_of_parameter_size():
    params = [np.zeros(1_000_000, np.float32), np.zeros(300_000)]
    grads = [np.ones(1_000_000, np.float32), np.ones(300_000)]
    for opt in (lf.optim.Adam(params, amsgrad=True), lf.optim.SGD(params, momentum=0.9),
                lf.optim.RMSprop(params, centered=True, momentum=0.5)):
        opt.step(grads)
        tracemalloc.start()
        try:
            for _ in range(3):
                opt.step(grads)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 64 * 1024, (type(opt).__name__, peak)


def test_step_releases_the_parameters_it_keeps():
    """The optimizer keeps references to its arrays; deleting it frees them (no leak of
    the pointer arrays' owners)."""
    import gc
    import weakref
    p = np.ones(10)
    opt = lf.optim.Adam([p])
    ref_state = weakref.ref(opt.state[0]["exp_avg"].base)
    del opt
    gc.collect()
    assert ref_state() is None


# ---- get / aliases ----

def test_get_resolves_names_and_presets():
    p = [np.ones(3)]
    assert type(lf.optim.get("sgd", p)) is lf.optim.SGD
    m = lf.optim.get("momentum", p, lr=0.1)
    assert type(m) is lf.optim.SGD and m.momentum == 0.9 and m.lr == 0.1 and not m.nesterov
    n = lf.optim.get("Nesterov", p)
    assert n.nesterov and n.momentum == 0.9
    assert lf.optim.get("momentum", p, momentum=0.5).momentum == 0.5
    for name, cls in [("rmsprop", lf.optim.RMSprop), ("adagrad", lf.optim.Adagrad),
                      ("adam", lf.optim.Adam), ("AdamW", lf.optim.AdamW)]:
        assert type(lf.optim.get(name, p)) is cls
    assert type(lf.optim.get(lf.optim.Adam, p, lr=0.1)) is lf.optim.Adam
    assert lf.optim.available() == sorted(["sgd", "momentum", "nesterov", "rmsprop",
                                           "adagrad", "adam", "adamw"])
    with pytest.raises(ValueError, match="known names"):
        lf.optim.get("adamax", p)
    with pytest.raises(TypeError):
        lf.optim.get(lf.optim.SGD(p), p)


def test_defaults_are_pytorchs():
    p = [np.ones(2)]
    assert lf.optim.SGD(p).hyperparameters == dict(lr=1e-3, momentum=0.0, dampening=0.0,
                                                   nesterov=False, weight_decay=0.0,
                                                   maximize=False)
    assert lf.optim.RMSprop(p).hyperparameters == dict(lr=1e-2, alpha=0.99, eps=1e-8,
                                                       weight_decay=0.0, momentum=0.0,
                                                       centered=False, maximize=False)
    assert lf.optim.Adagrad(p).hyperparameters == dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                                                       initial_accumulator_value=0.0,
                                                       eps=1e-10, maximize=False)
    adam = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                maximize=False)
    assert lf.optim.Adam(p).hyperparameters == adam
    assert lf.optim.AdamW(p).hyperparameters == dict(adam, weight_decay=1e-2)


def test_keras_style_aliases():
    p = [np.ones(2)]
    a = lf.optim.Adam(p, learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7)
    assert a.lr == 0.01 and a.betas == (0.8, 0.99) and a.eps == 1e-7
    assert lf.optim.RMSprop(p, rho=0.9).alpha == 0.9
    assert lf.optim.SGD(p, learning_rate=0.5).lr == 0.5
    with pytest.raises(TypeError, match="both"):
        lf.optim.SGD(p, lr=0.1, learning_rate=0.5)
    with pytest.raises(TypeError, match="unexpected"):
        lf.optim.SGD(p, rho=0.5)
    with pytest.raises(TypeError, match="unexpected"):
        lf.optim.SGD(p, epsilon=1e-3)  # SGD has no eps
    assert lf.optim.Adagrad(p, epsilon=1e-6).eps == 1e-6


def test_import_does_not_pull_heavy_modules():
    import subprocess
    import sys
    code = ("import sys, lossfast as lf; lf.optim.Adam; "
            "print(any(m in sys.modules for m in ('torch', 'scipy', 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ})
    assert out.stdout.strip() == "False"
