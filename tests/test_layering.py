"""The layers of ARCHITECTURE.md hold: nothing below the rendering layer imports Qt or VTK, and no
lower package imports a higher one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_PACKAGES = [
    p.name for p in (ROOT / "planner").iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"ui", "render"}
]

_BLOCKER = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'vtk', 'vtkmodules'):
            raise ImportError('blocked by the layering test: ' + name)
        return None
sys.meta_path.insert(0, Block())
import planner.{pkg} as pkg
for mod in pkgutil.walk_packages(pkg.__path__, 'planner.{pkg}.'):
    if mod.name.endswith('__main__'):
        continue
    importlib.import_module(mod.name)
print('ok')
"""


@pytest.mark.parametrize("package", sorted(DOMAIN_PACKAGES))
def test_domain_package_imports_without_qt_or_vtk(package):
    result = subprocess.run(
        [sys.executable, "-c", _BLOCKER.format(pkg=package)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_import_linter_layers_contract():
    """import-linter's layers contract in pyproject.toml (lower never imports higher)."""
    pytest.importorskip("importlinter")
    exe = Path(sys.executable).parent / "lint-imports"
    command = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    result = subprocess.run(
        command + ["--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
