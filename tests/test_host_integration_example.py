"""The host-integration example (examples/host_integration) passes its own property tests.

docs/testing.md shows that example; running its tests here keeps the documentation honest.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "host_integration"


def _load() -> ModuleType:
    sys.path.insert(0, str(EXAMPLE))
    try:
        spec = importlib.util.spec_from_file_location("test_erp_hook", EXAMPLE / "test_erp_hook.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXAMPLE))


MODULE = _load()


@pytest.mark.parametrize("name", sorted(n for n in vars(MODULE) if n.startswith("test_")))
def test_example_property(name: str) -> None:
    """Each property of the example host integration holds."""
    getattr(MODULE, name)()


def test_the_testing_guide_runs() -> None:
    """The runnable example of docs/testing.md works as written."""
    import re

    text = (Path(__file__).parent.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- test: run -->\n```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "testing.md", "exec"), {})
