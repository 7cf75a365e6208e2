"""The rest of torch.optim (issue 17): NAdam, RAdam, Adamax, Adadelta, Rprop, Lion against
their NumPy twins (tests/reference_optim.py) and torch.optim; parameter groups, state dicts
(and torch's), gradient clipping, copies, and the optimizer items of issue 9."""
import copy
import pickle
import tracemalloc

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast as core
import reference_optim as ref
from reference_optim import Problem, assert_trajectory_close, make_params
from test_optim import DTYPES, STEPS, W, problem_for, simd_levels

NEW_SETS = [
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "maximize": True}),
    ("NAdam", {"lr": 0.01, "betas": (0.3, 0.5)}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "maximize": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.3, 0.5)}),  # rho_inf = 3: never rectified
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adamax", {"maximize": True}),
    ("Adamax", {"betas": (0.3, 0.5), "eps": 1e-6}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
    ("Adadelta", {"rho": 0.3, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"maximize": True}),
    ("Lion", {}),
    ("Lion", {"lr": 1e-3, "weight_decay": 0.1}),
    ("Lion", {"lr": 1e-3, "betas": (0.5, 0.9), "maximize": True}),
]
NEW_IDS = [f"{n}-" + ("-".join(f"{k}={v}" for k, v in h.items()) or "defaults")
           for n, h in NEW_SETS]
SHAPES = [(1,), (W - 1,), (W + 1,), (4 * W + 3,), (3, 5), (0,)]


def run_lf(name, hyper, params, problem, steps=STEPS):
    opt = getattr(lf.optim, name)(params, **hyper)
    for t in range(1, steps + 1):
        opt.step(problem.grads(params, t))
    return opt


def run_ref(name, hyper, params, problem, steps=STEPS):
    r = ref.REFERENCES[name](params, **hyper)
    for t in range(1, steps + 1):
        r.step(problem.grads(params, t))
    return r


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", NEW_SETS, ids=NEW_IDS)
def test_new_optimizers_match_reference(name, hyper, dtype):
    problem = problem_for(hyper, SHAPES, dtype)
    p_lf = make_params(SHAPES, dtype)
    p_ref = [p.copy() for p in p_lf]
    run_lf(name, hyper, p_lf, problem)
    run_ref(name, hyper, p_ref, problem)
    assert_trajectory_close(p_lf, p_ref, dtype, what=f"{name} {hyper}")
    assert all(np.all(np.isfinite(p)) for p in p_lf)


@pytest.mark.parametrize("name, hyper", NEW_SETS[::2], ids=NEW_IDS[::2])
def test_new_optimizers_threads_and_simd_paths_identical(name, hyper, restore_simd):
    """Bit-identical on 1 and 2 threads (above the parallel threshold) and on every SIMD path."""
    shapes = [(core.PARALLEL_THRESHOLD + 4465,)] + [(1001,)] * 40 + [(4 * W + 3,)]
    problem = problem_for(hyper, shapes, np.float32)
    results = []
    for level in simd_levels():
        core.set_simd_level(level)
        for n in (1, 2):
            params = make_params(shapes, np.float32)
            with lf.num_threads(n):
                run_lf(name, hyper, params, problem, steps=8)
            results.append(params)
    for other in results[1:]:
        for a, b in zip(other, results[0]):
            np.testing.assert_array_equal(a, b)


@pytest.fixture
def restore_simd():
    before = core.simd_level()
    yield
    core.set_simd_level(before)


@pytest.mark.parametrize("name, hyper", NEW_SETS[::3], ids=NEW_IDS[::3])
def test_new_optimizers_nan_like_reference(name, hyper):
    n = 4 * W + 3
    params = make_params([(n,)], np.float64)
    p_ref = [params[0].copy()]
    problem = problem_for(hyper, [(n,)], np.float64)
    opt = getattr(lf.optim, name)(params, **hyper)
    r = ref.REFERENCES[name](p_ref, **hyper)
    for t in range(1, 11):
        g, gr = problem.grads(params, t)[0], problem.grads(p_ref, t)[0]
        if t == 3:
            g[[0, 5, W + 1]] = np.nan
            gr[[0, 5, W + 1]] = np.nan
        opt.step([g])
        r.step([gr])
    np.testing.assert_array_equal(np.isnan(params[0]), np.isnan(p_ref[0]))
    finite = np.isfinite(p_ref[0])
    assert_trajectory_close([params[0][finite]], [p_ref[0][finite]], np.float64)


def test_new_optimizers_allocate_nothing():
    params = [np.zeros(500_000, np.float32), np.zeros(200_000)]
    grads = [np.ones(500_000, np.float32), np.ones(200_000)]
    for name, hyper in NEW_SETS[::2]:
        opt = getattr(lf.optim, name)(params, **hyper)
        opt.step(grads)
        tracemalloc.start()
        try:
            for _ in range(2):
                opt.step(grads)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 64 * 1024, (name, peak)


@pytest.mark.parametrize("name, hyper", NEW_SETS[::2], ids=NEW_IDS[::2])
def test_functional_forms_equal_the_classes(name, hyper):
    shape = (3, 11)
    problem = problem_for(hyper, [shape], np.float32)
    a = make_params([shape], np.float32)
    b = [a[0].copy()]
    opt = getattr(lf.optim, name)(a, **hyper)
    cls = type(opt)
    fn = getattr(lf.optim.functional, f"{name.lower()}_step")
    state = [np.zeros_like(b[0]) for _ in cls._STATES]
    if name == "Rprop":
        state[1][...] = hyper.get("lr", 1e-2)
    scalars = [np.ones(()) for _ in cls._SCALARS]
    for t in range(1, 31):
        opt.step(problem.grads(a, t))
        fn(b[0], problem.grads(b, t)[0], *state, *scalars, step=t, **hyper)
    np.testing.assert_array_equal(a[0], b[0])
    for arr, key in zip(state, cls._STATES):
        np.testing.assert_array_equal(arr, opt.state[0][key])


# ---- parameter groups ----

GROUP_SETS = [("SGD", {"lr": 0.05, "momentum": 0.9}), ("RMSprop", {"centered": True}),
              ("Adagrad", {"lr": 0.1}), ("Adam", {"lr": 0.05, "amsgrad": True}),
              ("AdamW", {"lr": 0.05}), ("NAdam", {"lr": 0.01}), ("RAdam", {"lr": 0.01}),
              ("Adamax", {}), ("Adadelta", {}), ("Rprop", {}), ("Lion", {"lr": 1e-3})]
WD_FREE = {"Rprop"}


def group_spec(name, hyper, params):
    """Two groups: the first with the constructor's hyper-parameters, the second (biases)
    with its own lr and no weight decay."""
    second = {"params": params[2:], "lr": 0.5 * hyper.get("lr", 1e-2)}
    if name not in WD_FREE:
        second["weight_decay"] = 0.0
    first = {"params": params[:2]}
    if name not in WD_FREE:
        first["weight_decay"] = 0.05
    return [first, second]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hyper", GROUP_SETS, ids=[n for n, _ in GROUP_SETS])
def test_groups_equal_separate_optimizers(name, hyper, dtype):
    """Two groups in one optimizer (one C call per step) == one optimizer per group."""
    shapes = [(W + 1,), (3, 4), (5,), (W - 1,)]
    problem = problem_for(hyper, shapes, dtype)
    a = make_params(shapes, dtype)
    b = [p.copy() for p in a]
    spec = group_spec(name, hyper, a)
    opt = getattr(lf.optim, name)(spec, **hyper)
    assert len(opt.param_groups) == 2
    sep = [getattr(lf.optim, name)(b[:2], **{**hyper, **{k: v for k, v in spec[0].items()
                                                        if k != "params"}}),
           getattr(lf.optim, name)(b[2:], **{**hyper, **{k: v for k, v in spec[1].items()
                                                        if k != "params"}})]
    for t in range(1, 41):
        opt.step(problem.grads(a, t))
        gb = problem.grads(b, t)
        sep[0].step(gb[:2])
        sep[1].step(gb[2:])
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_group_hyperparameters_change_between_steps():
    shapes = [(W + 3,), (4,)]
    problem = Problem(shapes, np.float64)
    a = make_params(shapes, np.float64)
    b = [p.copy() for p in a]
    opt = lf.optim.Adam([{"params": [a[0]]}, {"params": [a[1]], "lr": 0.01}], lr=0.1)
    r0, r1 = ref.Adam([b[0]], lr=0.1), ref.Adam([b[1]], lr=0.01)
    for t in range(1, 21):
        if t == 8:
            opt.param_groups[1]["lr"] = 0.05
            r1.h["lr"] = 0.05
        if t == 12:
            opt.param_groups[0]["betas"] = (0.5, 0.9)
            r0.h["betas"] = (0.5, 0.9)
        opt.step(problem.grads(a, t))
        g = problem.grads(b, t)
        r0.step([g[0]])
        r1.step([g[1]])
    assert_trajectory_close(a, b, np.float64)
    with pytest.raises(ValueError, match="different lr"):
        opt.lr
    opt.lr = 0.02
    assert [g["lr"] for g in opt.param_groups] == [0.02, 0.02]
    opt.param_groups[0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr"):
        opt.step(problem.grads(a, 21))
    opt.param_groups[0]["lr"] = 0.1
    opt.param_groups[0]["amsgrad"] = True
    with pytest.raises(ValueError, match="state"):
        opt.step(problem.grads(a, 21))


def test_add_param_group_starts_at_step_zero():
    shapes = [(7,), (W + 2,)]
    problem = Problem(shapes, np.float64)
    a = make_params(shapes, np.float64)
    b = [p.copy() for p in a]
    opt = lf.optim.Adam([a[0]], lr=0.1)
    r0 = ref.Adam([b[0]], lr=0.1)
    for t in range(1, 6):
        opt.step(problem.grads(a[:1], t))
        r0.step(problem.grads(b[:1], t))
    opt.add_param_group({"params": [a[1]], "lr": 0.02, "amsgrad": True})
    r1 = ref.Adam([b[1]], lr=0.02, amsgrad=True)
    for t in range(6, 20):
        opt.step(problem.grads(a, t))
        g = problem.grads(b, t)
        r0.step([g[0]])
        r1.step([g[1]])
    assert_trajectory_close(a, b, np.float64)
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 19 and sd["state"][1]["step"] == 14
    assert "max_exp_avg_sq" in sd["state"][1] and "max_exp_avg_sq" not in sd["state"][0]


def test_group_bad_input():
    w, b = np.ones(3), np.ones(2)
    with pytest.raises(ValueError, match="unknown key"):
        lf.optim.Adam([{"params": [w], "learning_rat": 0.1}])
    with pytest.raises(ValueError, match="another parameter group"):
        lf.optim.Adam([{"params": [w]}, {"params": [b, w]}])
    opt = lf.optim.SGD([w])
    with pytest.raises(ValueError, match="another parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="share memory"):
        lf.optim.SGD([{"params": [w[:2]]}, {"params": [w[1:]]}])
    with pytest.raises(ValueError, match="'params'"):
        lf.optim.SGD([{"lr": 0.1}])
    with pytest.raises(ValueError, match="betas"):
        lf.optim.Adam([{"params": [w]}, {"params": [b], "betas": (0.9, 1.0)}])
    with pytest.raises(ValueError, match="Nesterov"):
        lf.optim.SGD([{"params": [w], "nesterov": True}], momentum=0.0)
    assert lf.optim.SGD([{"params": [w], "learning_rate": 0.5}]).param_groups[0]["lr"] == 0.5


# ---- state dicts ----

def test_group_state_dict_round_trip_and_other_class():
    shapes = [(5,), (W,), (2, 3)]
    problem = Problem(shapes, np.float64)
    a = make_params(shapes, np.float64)
    spec = [{"params": a[:1], "lr": 0.05}, {"params": a[1:], "weight_decay": 0.1}]
    opt = lf.optim.NAdam(spec, lr=0.01)
    for t in range(1, 11):
        opt.step(problem.grads(a, t))
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq", "mu_product"}
    b = [p.copy() for p in a]
    opt2 = lf.optim.NAdam([{"params": b[:1]}, {"params": b[1:]}])
    opt2.load_state_dict(pickle.loads(pickle.dumps(sd)))
    assert opt2.param_groups[0]["lr"] == 0.05 and opt2.param_groups[1]["weight_decay"] == 0.1
    for t in range(11, 21):
        opt.step(problem.grads(a, t))
        opt2.step(problem.grads(b, t))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="NAdam"):
        lf.optim.Adam([{"params": b[:1]}, {"params": b[1:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="another optimizer"):
        lf.optim.SGD([{"params": b[:1]}, {"params": b[1:]}]).load_state_dict(dict(sd))
    with pytest.raises(ValueError, match="groups"):
        lf.optim.NAdam(b).load_state_dict(sd)


# ---- copies and the optimizer items of issue 9 ----

@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize("name, hyper", [("Adam", {"lr": 0.05, "amsgrad": True}),
                                         ("NAdam", {}), ("Rprop", {}),
                                         ("SGD", {"momentum": 0.9, "lr": 0.05})])
def test_copies_continue_the_same_trajectory(name, hyper, how):
    shapes = [(W + 1,), (3, 2)]
    problem = Problem(shapes, np.float64)
    a = make_params(shapes, np.float64)
    opt = getattr(lf.optim, name)([{"params": a[:1]}, {"params": a[1:], "lr": 0.01}], **hyper)
    for t in range(1, 11):
        opt.step(problem.grads(a, t))
    if how == "deepcopy":
        b, opt2 = copy.deepcopy((a, opt))
    else:
        b, opt2 = pickle.loads(pickle.dumps((a, opt)))
    assert opt2.params[0] is b[0] and opt2.params[0] is not a[0]
    for t in range(11, 31):
        opt.step(problem.grads(a, t))
        opt2.step(problem.grads(b, t))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_repr_counts_parameters():
    assert "(1 parameter," in repr(lf.optim.Adam([np.ones(2)]))
    assert "(2 parameters," in repr(lf.optim.Adam([np.ones(2), np.ones(3)]))
    r = repr(lf.optim.SGD([{"params": [np.ones(2)]}, {"params": [np.ones(1)], "lr": 0.5}]))
    assert "2 parameters in 2 groups" in r and "lr=0.5" in r


def test_dtype_hints_follow_the_input():
    class Float32Tensor:  # what a torch float32 tensor looks like to the check
        dtype = "torch.float32"
    with pytest.raises(ValueError, match=r"dtype=np\.float32"):
        lf.optim.Adam([Float32Tensor()])
    with pytest.raises(ValueError, match=r"dtype=np\.float64"):
        lf.optim.Adam([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"astype\(np\.float32\)"):
        lf.optim.Adam([np.ones(3, np.float16)])


def test_public_namespaces_hold_only_the_api():
    for mod in (lf.optim, lf.optim.functional, lf.optim.lr_scheduler):
        names = set(dir(mod))
        assert not names & {"np", "math", "importlib", "numpy", "operator", "inspect", "core"}
        assert names == set(mod.__all__), mod.__name__
        for name in mod.__all__:
            assert getattr(mod, name).__doc__, name


def test_declarations_match_the_kernels():
    """Every optimizer's declaration names the C fields its kernel publishes (checked at
    import); the functional forms and signatures come from the same declaration."""
    import inspect
    kernels = core.optim_kernels()
    for name in lf.optim._optimizers.__all__:
        cls = getattr(lf.optim, name)
        assert cls._KERNEL in kernels
        sig = inspect.signature(cls)
        assert list(sig.parameters)[1:] == [h.name for h in cls._HYPER]
        fn = getattr(lf.optim.functional, f"{name.lower()}_step")
        assert cls.__name__ in fn.__doc__ and "step" in inspect.signature(fn).parameters
        assert "Parameters\n" in cls.__doc__


# ---- gradient clipping ----

def _grads(dtype, sizes=(3, W + 1, 70_000, 1)):
    rng = np.random.default_rng(5)
    return [rng.standard_normal(n).astype(dtype) for n in sizes]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_type", [1, 2, float("inf"), 3.0])
def test_total_norm_in_float64(norm_type, dtype):
    gs = _grads(dtype) + [np.zeros(0, dtype)]
    flat = np.concatenate([g.astype(np.float64) for g in gs])
    if np.isinf(norm_type):
        expected = np.max(np.abs(flat))
    else:
        expected = np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
    total = lf.optim.get_total_norm(gs, norm_type)
    assert isinstance(total, float)
    np.testing.assert_allclose(total, expected, rtol=1e-13)


def test_total_norm_is_deterministic(restore_simd):
    gs = _grads(np.float32, sizes=(300_001, 5, 131_072))
    values = set()
    for level in simd_levels():
        core.set_simd_level(level)
        for n in (1, 2):
            with lf.num_threads(n):
                values.add(lf.optim.get_total_norm(gs, 2.0))
                values.add(lf.optim.get_total_norm(gs, 1.0))
    assert len(values) == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_type", [1.0, 2.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_equals_torch(norm_type, max_norm, dtype):
    torch = pytest.importorskip("torch")
    gs = _grads(dtype)
    ts = [torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True) for g in gs]
    for t, g in zip(ts, gs):
        t.grad = torch.from_numpy(g.copy())
    expected = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type)
    total = lf.optim.clip_grad_norm_(gs, max_norm, norm_type=norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(total, float(expected), rtol=rtol)
    assert_trajectory_close(gs, [t.grad.numpy() for t in ts], dtype)


def test_clip_grad_value_equals_torch():
    torch = pytest.importorskip("torch")
    gs = _grads(np.float32)
    gs[1][0] = np.nan
    ts = [torch.zeros(g.shape, requires_grad=True) for g in gs]
    for t, g in zip(ts, gs):
        t.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_value_(ts, 0.7)
    lf.optim.clip_grad_value_(gs, 0.7)
    for g, t in zip(gs, ts):
        np.testing.assert_array_equal(g, t.grad.numpy())


def test_clipping_nonfinite_and_bad_input():
    gs = [np.array([1.0, np.inf]), np.ones(3)]
    with pytest.raises(RuntimeError, match="inf"):
        lf.optim.clip_grad_norm_(gs, 1.0, error_if_nonfinite=True)
    assert gs[0][0] == 1.0  # nothing changed
    gs[0][1] = np.nan
    assert np.isnan(lf.optim.clip_grad_norm_(gs, 1.0))
    assert np.isnan(gs[1]).all()  # as torch: NaN norm -> NaN gradients
    with pytest.raises(ValueError, match="norm_type"):
        lf.optim.get_total_norm([np.ones(2)], 0)
    with pytest.raises(ValueError, match="max_norm"):
        lf.optim.clip_grad_norm_([np.ones(2)], -1.0)
    ro = np.ones(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        lf.optim.clip_grad_norm_([ro], 1.0)
    assert lf.optim.get_total_norm([ro]) == pytest.approx(3 ** 0.5)  # measuring is fine
    assert lf.optim.get_total_norm([]) == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_grad_scale_folds_clipping_into_the_step(dtype):
    """step(grads, grad_scale=clip_coef(...)) == clip_grad_norm_ then step, bit for bit."""
    shapes = [(W + 1,), (70_000,)]
    problem = Problem(shapes, dtype)
    a = make_params(shapes, dtype)
    b = [p.copy() for p in a]
    o1 = lf.optim.Adam(a, lr=0.05, maximize=True)
    o2 = lf.optim.Adam(b, lr=0.05, maximize=True)
    for t in range(1, 11):
        g1 = [5 * g for g in problem.grads(a, t)]
        total = lf.optim.get_total_norm(g1)
        o1.step(g1, grad_scale=lf.optim.clip_coef(1.0, total))
        g2 = [5 * g for g in problem.grads(b, t)]
        assert lf.optim.clip_grad_norm_(g2, 1.0) == total
        o2.step(g2)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
