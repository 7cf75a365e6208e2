"""Helpers for the bench/ suites (see conftest.py for the ratio table)."""
import numpy as np
import pytest

import lossfast as lf
from lossfast import _lossfast

try:
    import torch
    torch.set_num_threads(lf.get_num_threads())
except ImportError:  # PyTorch is an optional peer
    torch = None

ROUNDS = 10


def run(benchmark, group, role, fn, *, setup=None, rounds=ROUNDS, **extra):
    """Benchmark fn() as `role` within `group` (median of `rounds` after one warm-up)."""
    benchmark.group = group
    benchmark.extra_info["role"] = role
    benchmark.extra_info.update(extra)
    if setup is None:
        return benchmark.pedantic(fn, rounds=rounds, warmup_rounds=1, iterations=1)
    return benchmark.pedantic(fn, setup=setup, rounds=rounds, warmup_rounds=1)


def copy_probe(nbytes_moved):
    """A function copying nbytes_moved / 2 bytes (so nbytes_moved of traffic:
    read + write) with lossfast's threads and chunking."""
    n = int(nbytes_moved // 2)
    src = np.ones(n, np.uint8)
    dst = np.empty(n, np.uint8)
    return lambda: _lossfast.copy_probe(src, dst)


def need_torch():
    if torch is None:
        pytest.skip("PyTorch not installed")
    return torch
