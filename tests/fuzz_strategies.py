"""Hypothesis strategies and settings shared by tests/test_fuzz_*.py.

Arrays of arbitrary shape (0 and 1 included, sizes around the SIMD width),
float32 / float64 / integer dtypes, every memory layout a caller can hand over
(C, Fortran, strided, reversed, read-only) and values that include NaN, +-inf,
the largest finite numbers, subnormals and signed zeros.

The profile ``fuzz`` bounds every test to ``LOSSFAST_FUZZ_EXAMPLES`` examples
(default 60) with no deadline, so the whole fuzz suite stays well under a
minute; ``LOSSFAST_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_*.py`` searches
deeper.  Failures print the ``@reproduce_failure`` blob.
"""
import contextlib
import os
import warnings

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("LOSSFAST_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    # the same examples on every run (CI must not depend on the draw);
    # LOSSFAST_FUZZ_RANDOM=1 searches afresh each run
    derandomize=not os.environ.get("LOSSFAST_FUZZ_RANDOM"),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    # LOSSFAST_FUZZ_NOSHRINK=1: report the first failure as found (quick triage)
    phases=[p for p in Phase if not (p == Phase.shrink
                                     and os.environ.get("LOSSFAST_FUZZ_NOSHRINK"))],
)
FUZZ = settings.get_profile("fuzz")

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
W = 16  # widest SIMD width in elements (AVX-512 float32)
EDGE = (0, 1, 2, W - 1, W, W + 1, 4 * W + 3)

LAYOUTS = ("c", "f", "strided", "reversed", "readonly")


def special_values(dtype):
    fi = np.finfo(dtype)
    return [0.0, -0.0, 1.0, -1.0, 0.5, np.nan, np.inf, -np.inf, float(fi.max), -float(fi.max),
            float(fi.tiny), -float(fi.tiny), float(fi.smallest_subnormal), 1e-30, -1e30, 1e30]


def elements(dtype, kind="real"):
    """Values of one element.  kind: "real" (anything, specials included),
    "moderate" (finite, |x| <= 1e3, NaN/inf never), "unit" (probabilities in
    [0, 1] plus NaN), "unit01" (0/1 labels and soft labels), "sign" (-1/0/+1)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        lo, hi = (-50, 50) if kind in ("real", "moderate") else (0, 1)
        if kind == "sign":
            lo, hi = -1, 1
        return st.integers(lo, hi)
    if dtype.kind == "b":
        return st.booleans()
    width = dtype.itemsize * 8
    if kind == "moderate":
        return st.floats(-1e3, 1e3, width=width)
    if kind == "unit":
        return st.one_of(st.floats(0, 1, width=width), st.sampled_from([0.0, 1.0, np.nan]))
    if kind == "unit01":
        return st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1, width=width))
    if kind == "sign":
        return st.sampled_from([-1.0, 0.0, 1.0])
    return st.one_of(st.floats(-10, 10, width=width),
                     st.floats(width=width),
                     st.sampled_from(special_values(dtype)))


@st.composite
def shapes(draw, min_dims=0, max_dims=3, max_side=20):
    """A shape with sides biased to 0, 1 and the SIMD edges."""
    ndim = draw(st.integers(min_dims, max_dims))
    side = st.one_of(st.sampled_from(EDGE if ndim == 1 else EDGE[:4]),
                     st.integers(0, max_side))
    return tuple(draw(side) for _ in range(ndim))


def with_layout(arr, layout):
    """`arr`'s values in another memory layout (a view when it is not C)."""
    arr = np.asarray(arr)
    if layout == "c" or arr.ndim == 0:
        out = np.array(arr, copy=True)
    elif layout == "f":
        out = np.asfortranarray(arr)
    elif layout == "strided":
        big = np.zeros(tuple(2 * s + 1 for s in arr.shape), dtype=arr.dtype)
        out = big[tuple(slice(1, None, 2) for _ in arr.shape)]
        out[...] = arr
    elif layout == "reversed":
        out = np.flip(np.flip(arr).copy())
    elif layout == "readonly":
        out = np.array(arr, copy=True)
    else:
        raise ValueError(layout)
    if layout == "readonly":
        out.setflags(write=False)
    assert out.shape == arr.shape
    return out


@st.composite
def arrays(draw, shape, dtype, kind="real"):
    """An array of `shape` and `dtype` in a drawn layout."""
    arr = draw(hnp.arrays(dtype, shape, elements=elements(dtype, kind)))
    return with_layout(arr, draw(st.sampled_from(LAYOUTS)))


def input_dtypes(ints=True):
    choices = [np.float32, np.float64, np.float64, np.float32]
    if ints:
        choices += [np.int64, np.int32]
    return st.sampled_from(choices).map(np.dtype)


def compute_dtype_of(dtype):
    dtype = np.dtype(dtype)
    return dtype if dtype in FLOATS else np.dtype(np.float64)


def close(got, want, dtype, *, rtol=None, scale=None, skip=None):
    """Elementwise comparison with NaN == NaN and inf == inf (same sign):
    |got - want| <= rtol (|want| + scale) + a few subnormals, where `scale` is
    the size of the terms that cancel in `want` (0 when none do).  Elements
    where `skip` is True are not compared.  Returns a mask of the failures."""
    got = np.asarray(got, dtype=np.longdouble)
    want = np.asarray(want, dtype=np.longdouble)
    dtype = np.dtype(dtype)
    if rtol is None:
        rtol = 5e-5 if dtype == np.float32 else 1e-11
    tiny = 16 * float(np.finfo(dtype).smallest_subnormal)
    scale = 0 if scale is None else np.asarray(scale, dtype=np.longdouble)
    with np.errstate(all="ignore"):
        same_special = ((np.isnan(got) & np.isnan(want))
                        | (np.isinf(got) & np.isinf(want) & (np.sign(got) == np.sign(want))))
        err = np.abs(got - want)
        ok = same_special | (err <= rtol * (np.abs(want) + scale) + tiny)
    if skip is not None:
        ok = ok | skip
    return ~ok


def assert_close(got, want, dtype, what="", **kw):
    bad = close(got, want, dtype, **kw)
    if np.any(bad):
        idx = np.argwhere(np.atleast_1d(bad))[:5]
        g = np.atleast_1d(np.asarray(got))
        w = np.atleast_1d(np.asarray(want))
        raise AssertionError(f"{what}: {int(np.sum(bad))} element(s) differ, e.g. at "
                             f"{idx.tolist()}: got {g[tuple(idx[0])]!r}, want "
                             f"{w[tuple(idx[0])]!r}")


@contextlib.contextmanager
def casts_may_overflow():
    """NumPy's conversion of an input to the compute dtype warns when a value
    overflows it (float64 3.5e38 -> float32 inf), as any NumPy cast does: allowed."""
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", "overflow encountered in cast", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value encountered in cast", RuntimeWarning)
        yield


def on_drawn_simd_level(test):
    """Decorator (under ``@given(data=st.data())``): run each example on a SIMD
    path drawn from those this CPU supports, so every kernel target is fuzzed."""
    import functools

    from lossfast import _lossfast

    levels = _lossfast.SIMD_LEVELS[:_lossfast.SIMD_LEVELS.index(
        _lossfast.simd_level_supported()) + 1]

    @functools.wraps(test)
    def wrapper(*args, data, **kwargs):
        level = data.draw(st.sampled_from(levels), label="simd_level")
        before = _lossfast.simd_level()
        _lossfast.set_simd_level(level)
        try:
            return test(*args, data=data, **kwargs)
        finally:
            _lossfast.set_simd_level(before)
    return wrapper
