import numpy as np
import pytest

from lossfast import _lossfast

SIMD_AVAILABLE = [lvl for lvl in _lossfast.SIMD_LEVELS
                  if _lossfast.SIMD_LEVELS.index(lvl)
                  <= _lossfast.SIMD_LEVELS.index(_lossfast.simd_level_supported())]


@pytest.fixture(params=SIMD_AVAILABLE)
def simd_level(request):
    """Run the test on every SIMD code path this CPU supports."""
    before = _lossfast.simd_level()
    _lossfast.set_simd_level(request.param)
    try:
        yield request.param
    finally:
        _lossfast.set_simd_level(before)


@pytest.fixture(params=[np.float32, np.float64], ids=["f32", "f64"])
def dtype(request):
    return request.param

