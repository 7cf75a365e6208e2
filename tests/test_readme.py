"""Every ```python block of README.md runs (blocks run in order in one namespace,
as a reader would paste them), and the quickstart has exactly the two commands."""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")


def readme():
    if not os.path.exists(README):
        pytest.skip("README.md not found next to tests/ (installed test run)")
    with open(README, encoding="utf-8") as f:
        return f.read()


def test_quickstart_has_the_two_commands():
    text = readme()
    block = re.search(r"## Quickstart\s+```bash\n(.*?)```", text, re.S)
    assert block, "README must start with a Quickstart bash block"
    lines = [ln for ln in block.group(1).splitlines() if ln.strip()]
    assert lines == ['pip install . && python -m lossfast',
                     'pip install ".[test]" && python -m pytest']


def test_python_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", readme(), re.S)
    assert blocks, "README has no python examples"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"README python block {i + 1} failed: {exc!r}\n{code}") from exc
