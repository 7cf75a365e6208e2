"""Accuracy of the vectorised elementary functions of csrc/lf_math.h (exp,
expm1, log, log1p, tanh), through lossfast._lossfast.math_eval, on every SIMD
path: the maximum error in ulp over the whole domain, and the special values
(+-0, +-inf, NaN, subnormals, overflow and underflow thresholds).

References: float64 NumPy for float32 (its error is far below a float32 ulp)
and np.longdouble (80-bit, 11 more bits) for float64.  Float32 is sampled
over every binade by a regular stride through the bit patterns; float64 by
random bit patterns (uniform over the exponents) plus uniform samples.
"""
import functools

import numpy as np
import pytest

import reference_classification as ref
from lossfast import _lossfast as core

DTYPES = (np.float32, np.float64)
FUNCS = ("exp", "expm1", "log", "log1p", "tanh")
# Bounds (ulp) the tests hold the functions to; the measured maxima are lower
# (about 1 for exp, log, log1p and tanh; expm1 forms exp(x) - 1 above
# |x| = ln2 / 2, which costs up to ~4.4 ulp just above that point).
MAX_ULP = {"exp": 2.0, "expm1": 5.0, "log": 2.0, "log1p": 2.0, "tanh": 2.0}
FORMAT = {np.float32: (24, -126), np.float64: (53, -1022)}


def _domain(name, dtype):
    """(lo, hi): inputs whose result is finite and nonzero (so has an ulp)."""
    if dtype == np.float32:
        return {"exp": (-103.0, 88.72), "expm1": (-88.0, 88.72), "log": (0.0, np.inf),
                "log1p": (-1.0, np.inf), "tanh": (-np.inf, np.inf)}[name]
    return {"exp": (-744.0, 709.78), "expm1": (-709.0, 709.78), "log": (0.0, np.inf),
            "log1p": (-1.0, np.inf), "tanh": (-np.inf, np.inf)}[name]


def _f32_grid():
    """Every 509th float32 bit pattern, both signs: ~16.9 million finite values,
    all binades (normal and subnormal)."""
    bits = np.arange(0, 0x7F800000, 509, dtype=np.uint32)
    pos = bits.view(np.float32)
    return np.concatenate([pos, -pos])


def _f64_samples(rng):
    """Random bit patterns over all finite float64 (uniform in the exponent),
    both signs, plus uniform samples where the functions change behaviour."""
    bits = rng.integers(0, 0x7FF0000000000000, 1_500_000, dtype=np.uint64)
    pos = bits.view(np.float64)
    uniform = np.concatenate([rng.uniform(-800, 800, 500_000), rng.uniform(-2, 2, 500_000),
                              rng.uniform(-1, 0, 200_000), rng.uniform(0.3, 0.4, 100_000)])
    return np.concatenate([pos, -pos, uniform])


@functools.lru_cache(maxsize=None)
def _case(name, dtype):
    """Inputs in the domain of `name` and their exact results (long double)."""
    if dtype == np.float32:
        x = _f32_grid()
        f = getattr(np, name)
    else:
        x = _f64_samples(np.random.default_rng(0))
        f = getattr(np, name)
    lo, hi = _domain(name, dtype)
    x = x[(x > lo) & (x < hi)].astype(dtype)
    if dtype == np.float32:
        exact = f(x.astype(np.float64)).astype(ref.LD)
    else:
        exact = f(x.astype(ref.LD))
    keep = exact != 0
    return x[keep], exact[keep]


def _eval(name, x):
    out = np.empty_like(x)
    core.math_eval(name, x, out)
    return out


@pytest.fixture(params=ref.supported_simd_levels())
def simd(request):
    with ref.simd_level(request.param):
        yield request.param


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCS)
def test_ulp_error_over_domain(name, dtype, simd):
    x, exact = _case(name, dtype)
    got = _eval(name, x)
    assert np.all(np.isfinite(got))
    err = ref.ulp_error(got, exact, *FORMAT[dtype])
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP[name], (
        f"{name}/{np.dtype(dtype).name}/{simd}: {err[worst]:.3f} ulp at x={x[worst]!r}")


def test_report_ulp_errors(capsys):
    """Prints the measured maxima (pytest -s shows them); asserts the bounds."""
    lines = []
    for level in ref.supported_simd_levels():
        with ref.simd_level(level):
            for dtype in DTYPES:
                for name in FUNCS:
                    x, exact = _case(name, dtype)
                    err = float(np.max(ref.ulp_error(_eval(name, x), exact, *FORMAT[dtype])))
                    lines.append(f"{level:>8} {np.dtype(dtype).name:>7} {name:>6}: "
                                 f"{err:.3f} ulp")
                    assert err <= MAX_ULP[name]
    with capsys.disabled():
        print("\nmax ulp error of lf_math.h over the domain\n" + "\n".join(lines))


def _specials(dtype):
    fi = np.finfo(dtype)
    sub = fi.smallest_subnormal
    inf, nan = np.inf, np.nan
    big_exp = 88.72283 if dtype == np.float32 else 709.782712893384   # just below overflow
    over = 88.7229 if dtype == np.float32 else 709.7828                # just above
    under = -104.0 if dtype == np.float32 else -746.0                  # exp rounds to 0
    last_sub = -103.2789 if dtype == np.float32 else -744.44           # exp ~ smallest subnormal
    return {
        "exp": [(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, 0.0), (nan, nan), (sub, 1.0),
                (-sub, 1.0), (1e-30, 1.0), (over, inf), (under, 0.0), (-1e30, 0.0),
                (1e30, inf), (big_exp, None), (last_sub, None), (1.0, None), (-1.0, None)],
        "expm1": [(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -1.0), (nan, nan), (sub, sub),
                  (-sub, -sub), (1e-30, 1e-30), (-1e-30, -1e-30), (-1e30, -1.0), (1e30, inf),
                  (over, inf), (big_exp, None), (-50.0, None), (0.3465, None)],
        "log": [(0.0, -inf), (-0.0, -inf), (-1.0, nan), (-inf, nan), (inf, inf), (nan, nan),
                (1.0, 0.0), (sub, None), (fi.tiny, None), (fi.max, None), (-sub, nan),
                (2.0, None), (0.5, None)],
        "log1p": [(0.0, 0.0), (-0.0, -0.0), (-1.0, -inf), (-2.0, nan), (-inf, nan), (inf, inf),
                  (nan, nan), (sub, sub), (-sub, -sub), (1e-30, 1e-30), (fi.max, None),
                  (-0.999999, None), (-0.5, None)],
        "tanh": [(0.0, 0.0), (-0.0, -0.0), (inf, 1.0), (-inf, -1.0), (nan, nan), (sub, sub),
                 (-sub, -sub), (1e-30, 1e-30), (30.0, 1.0), (-30.0, -1.0), (1e30, 1.0),
                 (0.625, None), (-0.625, None), (0.6249, None)],
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCS)
def test_special_values(name, dtype, simd):
    cases = _specials(dtype)[name]
    x = np.array([c[0] for c in cases], dtype=dtype)
    with np.errstate(all="ignore"):
        got = _eval(name, x)
        exact_ld = getattr(np, name)(x.astype(ref.LD))
    for xi, gi, (xin, expected), ei in zip(x, got, cases, exact_ld):
        what = f"{name}({xin!r}) [{np.dtype(dtype).name}, {simd}] = {gi!r}"
        if expected is None:      # a threshold: compare with the long double result
            assert np.isfinite(gi), what
            err = float(ref.ulp_error(gi, ei, *FORMAT[dtype]))
            assert err <= MAX_ULP[name], f"{what}: {err} ulp"
        elif np.isnan(expected):
            assert np.isnan(gi), what
        else:
            assert gi == dtype(expected), what
            assert np.signbit(gi) == np.signbit(dtype(expected)), what + " (sign of zero)"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCS)
def test_vector_body_and_tail_agree(name, dtype, simd):
    """The same inputs give the same bits whether they sit in the SIMD body or
    in the scalar tail of the loop."""
    rng = np.random.default_rng(1)
    x = rng.uniform(0.01, 5, 4 * ref.W + 3).astype(dtype)
    whole = _eval(name, x)
    for n in ref.SIZES:
        np.testing.assert_array_equal(_eval(name, x[:n].copy()), whole[:n])


def test_unknown_function():
    with pytest.raises(ValueError, match="unknown"):
        core.math_eval("sinh", np.zeros(2), np.zeros(2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softplus_helpers_ulp(dtype, simd):
    """lf_log1p_unit (with lf_exp) as the logistic losses use it: the loss of
    bce_logits at target 0 is softplus(z) = log1p(exp(z)) for z <= 0."""
    from lossfast.losses import BinaryCrossEntropy
    lim = 104.0 if dtype == np.float32 else 745.0
    z = -np.concatenate([np.linspace(0, lim, 400_001), np.geomspace(1e-30, 1, 20_001),
                         np.geomspace(1, lim, 20_001)]).astype(dtype)
    got = BinaryCrossEntropy(from_logits=True).loss(np.zeros_like(z), z, reduction="none")
    exact = ref.softplus(z)
    keep = exact != 0
    err = float(np.max(ref.ulp_error(got[keep], exact[keep], *FORMAT[dtype])))
    assert err <= 2.5, err


# Restricted-domain variants the elementwise kernels use (lf_math.h):
# exp_neg (x <= 0) and log_normal (positive normal finite x), held to the
# bounds of exp and log over their domains.
_VARIANTS = {"exp_neg": ("exp", lambda x, dt: x <= 0),
             "log_normal": ("log", lambda x, dt: (x >= np.finfo(dt).tiny) & np.isfinite(x))}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(_VARIANTS))
def test_restricted_variants_ulp(name, dtype, simd):
    base, inside = _VARIANTS[name]
    x, exact = _case(base, dtype)
    keep = inside(x, dtype)
    x, exact = x[keep], exact[keep]
    got = _eval(name, x)
    assert np.all(np.isfinite(got))
    err = ref.ulp_error(got, exact, *FORMAT[dtype])
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP[base], (
        f"{name}/{np.dtype(dtype).name}/{simd}: {err[worst]:.3f} ulp at x={x[worst]!r}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_neg_special_values(dtype, simd):
    """exp_neg: exp(+-0) = 1, exp(-inf) = 0, NaN gives NaN, underflow to 0, and
    the subnormal results near the threshold within exp's bound."""
    under = -104.0 if dtype == np.float32 else -746.0
    last_sub = -103.2789 if dtype == np.float32 else -744.44
    x = np.array([0.0, -0.0, -np.inf, np.nan, under, -1e30, last_sub, -1.0], dtype=dtype)
    got = _eval("exp_neg", x)
    assert list(got[:3]) == [1.0, 1.0, 0.0] and np.isnan(got[3])
    assert got[4] == 0 and got[5] == 0
    err = ref.ulp_error(got[6:], np.exp(x[6:].astype(ref.LD)), *FORMAT[dtype])
    assert np.all(err <= MAX_ULP["exp"]), err
