"""Build information, SIMD dispatch and thread control."""
import os
import subprocess
import sys

import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast


def run_python(code, **env):
    full_env = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full_env, check=True)
    return out.stdout.strip()


def test_show_config(capsys):
    lf.show_config()
    text = capsys.readouterr().out
    for key in ("version", "compiler", "openmp", "simd_level", "num_threads"):
        assert key in text
    assert lf.__version__ in text
    assert _lossfast.simd_level() in text


def test_simd_levels():
    best = _lossfast.simd_level_supported()
    assert best in _lossfast.SIMD_LEVELS
    before = _lossfast.simd_level()
    try:
        _lossfast.set_simd_level("baseline")
        assert _lossfast.simd_level() == "baseline"
        with pytest.raises(ValueError, match="unknown"):
            _lossfast.set_simd_level("sse9")
    finally:
        _lossfast.set_simd_level(before)
    out = run_python("from lossfast import _lossfast; print(_lossfast.simd_level())",
                     LOSSFAST_SIMD="baseline")
    assert out == "baseline"


def test_num_threads_api():
    default = lf.get_num_threads()
    assert default >= 1
    lf.set_num_threads(1)
    try:
        assert lf.get_num_threads() == 1
        with lf.num_threads(3):
            assert lf.get_num_threads() == 3
        assert lf.get_num_threads() == 1
    finally:
        lf.set_num_threads(None)
    assert lf.get_num_threads() == default
    with pytest.raises(ValueError):
        lf.set_num_threads(-2)


def test_threads_follow_omp_num_threads():
    if not _lossfast.openmp_version():
        pytest.skip("built without OpenMP")
    out = run_python("import lossfast as lf; print(lf.get_num_threads())", OMP_NUM_THREADS="1")
    assert out == "1"
    out = run_python("import lossfast as lf; print(lf.get_num_threads())", OMP_NUM_THREADS="3")
    assert out == "3"


def test_threadpoolctl_sees_and_limits_openmp():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not _lossfast.openmp_version():
        pytest.skip("built without OpenMP")
    info = threadpoolctl.threadpool_info()
    assert any(entry["user_api"] == "openmp" for entry in info)
    default = lf.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert lf.get_num_threads() == 1
        with lf.num_threads(2):
            assert lf.get_num_threads() == 2
        assert lf.get_num_threads() == 1
        y = np.linspace(-3, 3, 200_000)
        assert np.isfinite(lf.losses.mse(y, y[::-1]))
    # num_threads restored OpenMP's default, not the count it saw: it follows the limit again
    assert lf.get_num_threads() == default


def test_gil_released_during_kernels():
    # Two Python threads each running large kernels finish with correct results;
    # the kernels run inside `with nogil` (see _losses.pxi).
    import threading
    y = np.linspace(-3, 3, 2_000_000)
    want = lf.losses.huber(y, y[::-1])
    results = []

    def work():
        results.append(lf.losses.huber(y, y[::-1]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [want] * 4


def test_import_does_not_pull_heavy_modules():
    out = run_python("import sys, lossfast, lossfast.losses; "
                     "print(sorted(m for m in ('sklearn', 'scipy', 'torch') if m in sys.modules))")
    assert out == "[]"


def test_copy_probe():
    a = np.arange(300_000, dtype=np.float64)
    b = np.empty_like(a)
    _lossfast.copy_probe(a.view(np.uint8), b.view(np.uint8))
    np.testing.assert_array_equal(a, b)
