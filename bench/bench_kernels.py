"""The transcendental kernels of issue #15 against a probe of their bytes and
the fusing peers (targets: SPEC 6.6 -- with out=, <= 1.5x the copy of the same
bytes for float32 and <= 2x for float64 on the AVX2 and AVX-512 paths;
>= 3x jax.jit(value_and_grad) for BCE and CE).

    PYTHONPATH=src python -m pytest bench/bench_kernels.py --benchmark-only \
        --benchmark-columns=min,median
    # ratios against a committed baseline (fails on a regression beyond 2x):
    PYTHONPATH=src python -m pytest bench/bench_kernels.py --benchmark-only \
        --lossfast-compare=bench/baseline_kernels.json

The cases are those of ``python -m lossfast bench --only kernels``
(src/lossfast/_bench_kernels.py): one group per kernel, dtype and SIMD level
with the roles "lossfast", "memcopy" (``_lossfast.stream_probe`` reading and
writing exactly the kernel's arrays), and, where installed, "torch" (eager,
autograd), "torch.compile" and "jax" (``jax.jit(jax.value_and_grad)``), the
peers on the best SIMD level's groups only (they do not depend on it).
"""
import os

import numpy as np
import pytest

from lossfast import _lossfast
from lossfast._bench_kernels import kernel_cases

SCALE = float(os.environ.get("LOSSFAST_BENCH_SCALE", "1"))
ROUNDS = 7
LEVELS = [lvl for lvl in ("avx2", "avx512")
          if _lossfast.SIMD_LEVELS.index(lvl)
          <= _lossfast.SIMD_LEVELS.index(_lossfast.simd_level_supported())]
BEST = _lossfast.simd_level()
CASES = {f"{c.name} {c.dtype}": c for c in kernel_cases(SCALE, ("float32", "float64"))}
ROLES = ["lossfast", "memcopy", "torch", "torch.compile", "jax"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("case", list(CASES))
def test_kernel(benchmark, case, level, role):
    c = CASES[case]
    benchmark.group = f"{case} [{level}]"
    benchmark.extra_info["role"] = role
    if role in ("lossfast", "memcopy"):
        if role == "memcopy":
            reads = [np.ascontiguousarray(a) for a in c.reads]
            fn = lambda: _lossfast.stream_probe(reads, c.writes)  # noqa: E731
        else:
            fn = c.run
        previous = _lossfast.simd_level()
        _lossfast.set_simd_level(level)
        try:
            fn()
            benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)
        finally:
            _lossfast.set_simd_level(previous)
        return
    if level != BEST:
        pytest.skip("peers run once, in the best level's group")
    factory = c.peers.get(role)
    step = factory() if factory is not None else None
    if step is None:
        pytest.skip(f"{role}: not installed or no formula for {c.name}")
    step()  # compile / warm up
    benchmark.pedantic(step, rounds=ROUNDS, iterations=1, warmup_rounds=1)
