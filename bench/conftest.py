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

Ratio tracking (robust to a noisy machine: ratios within one run, not times
across runs): --lossfast-save=FILE stores every group's ratios (lossfast's
minimum time / the memcopy probe's, each peer's minimum / lossfast's) and
--lossfast-compare=FILE reports each group's ratios against such a file and
fails the session when one is worse by more than --lossfast-fail-ratio
(default 2x), the same rule as ``python -m lossfast bench --compare``.
"""
import sys
import os

sys.path.insert(0, os.path.dirname(__file__))


def pytest_addoption(parser):
    group = parser.getgroup("lossfast ratios")
    group.addoption("--lossfast-save", metavar="FILE",
                    help="write each group's ratios (vs memcopy and the peers) to FILE")
    group.addoption("--lossfast-compare", metavar="FILE",
                    help="compare each group's ratios with FILE; fail on a regression")
    group.addoption("--lossfast-fail-ratio", type=float, default=2.0,
                    help="regression factor that fails --lossfast-compare (default 2)")


def group_ratios(session):
    """One row per group with lossfast in it: copy_ratio = lossfast min /
    memcopy min, 'vs <role>' = role min / lossfast min."""
    mins = {}
    for bench in session.benchmarks:
        role = bench.extra_info.get("role", bench.name)
        mins.setdefault(bench.group, {})[role] = bench.stats.min
    rows = []
    for group in sorted(mins, key=str):
        times = mins[group]
        base = times.get("lossfast")
        if not base:
            continue
        row = {"kernel": str(group), "dtype": "", "simd": "", "lossfast_ms": base * 1e3}
        for role, t in sorted(times.items()):
            if role == "lossfast":
                continue
            if role == "memcopy":
                row["copy_ratio"] = base / t
            else:
                row[f"vs {role}"] = t / base
        rows.append(row)
    return rows


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    bs = getattr(config, "_benchmarksession", None)
    if bs is None or not bs.benchmarks:
        return
    import json
    rows = group_ratios(bs)
    if config.getoption("lossfast_save"):
        with open(config.getoption("lossfast_save"), "w") as f:
            json.dump(rows, f, indent=1)
            f.write("\n")
    path = config.getoption("lossfast_compare")
    if path:
        from lossfast._bench import compare
        with open(path) as f:
            baseline = json.load(f)
        lines, failed = compare(rows, baseline, config.getoption("lossfast_fail_ratio"))
        config._lossfast_compare = (path, lines, failed)
        if failed:
            session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    result = getattr(terminalreporter.config, "_lossfast_compare", None)
    if result is not None:
        path, lines, failed = result
        terminalreporter.write_sep("=", f"lossfast ratios against {path} (x = regression factor)")
        for line in lines:
            terminalreporter.write_line(line)
        if failed:
            terminalreporter.write_line(f"{len(failed)} regression(s) beyond the fail ratio")
    _ratio_table(terminalreporter)


def _ratio_table(terminalreporter):
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
