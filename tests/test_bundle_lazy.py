"""Every module imported lazily by name (planner.core.lazy.lazy_module) is listed for the bundle:
PyInstaller finds imports by reading code, and a module named only in a string would be left out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lazy_names() -> set[str]:
    names = set()
    for path in (ROOT / "planner").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_module" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                names.add(node.args[0].value)
    return names


def test_the_bundle_spec_lists_every_lazily_imported_module():
    spec = (ROOT / "packaging" / "spine-planner.spec").read_text(encoding="utf-8")
    listed = set(re.findall(r'"([\w.]+)"', re.search(r"LAZY_MODULES = \[(.*?)\]", spec, re.S).group(1)))
    names = _lazy_names()
    assert "scipy.ndimage" in names  # the search itself works
    assert names <= listed, f"add {sorted(names - listed)} to LAZY_MODULES in packaging/spine-planner.spec"
