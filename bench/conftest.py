"""Shared set-up for the pytest-benchmark suites in bench/.

Every benchmark belongs to a group (one kernel, one size, one dtype) and has a
role: "lossfast" or a peer ("numpy", "torch", "torch-fused", "sklearn", ...,
or "memcopy": a copy of the same number of bytes with lossfast's threads, the
machine's bandwidth measured in the same run).  At the end of the run a table
gives, per group, each peer's median time divided by lossfast's (> 1: lossfast
is faster) and lossfast's fraction of the copy bandwidth.

    python -m pytest bench/                                  # run everything
    python -m pytest bench/ --benchmark-save=base            # keep a baseline
    python -m pytest bench/ --benchmark-compare=0001 --benchmark-compare-fail=median:10%
"""
import sys
import os

sys.path.insert(0, os.path.dirname(__file__))


def pytest_terminal_summary(terminalreporter):
    session = getattr(terminalreporter.config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups = {}
    for bench in session.benchmarks:
        role = bench.extra_info.get("role", bench.name)
        groups.setdefault(bench.group, {})[role] = bench.stats.median
    tr = terminalreporter
    tr.write_sep("=", "lossfast vs peers (peer median / lossfast median; >1 = lossfast faster)")
    for group in sorted(groups, key=str):
        times = groups[group]
        base = times.get("lossfast")
        if base is None:
            continue
        parts = [f"lossfast {base * 1e3:.2f} ms"]
        for role, t in sorted(times.items()):
            if role == "lossfast":
                continue
            if role == "memcopy":
                parts.append(f"bandwidth fraction {t / base:.0%}")
            else:
                parts.append(f"{role} {t / base:.2f}x")
        tr.write_line(f"{group}: " + ", ".join(parts))
