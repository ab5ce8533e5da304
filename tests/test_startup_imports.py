"""Opening the window does not import the libraries only later work needs (issue 19, start-up time).

Numba (the bioheat kernel), SciPy (anatomy, planning), the exporters (highdicom, reportlab, pypdf,
slicerio, contourpy), SimpleITK (NIfTI/NRRD), jsonschema (plan files) and pynetdicom (PACS) cost
seconds to import; they are imported when a job that needs them starts. ``benchmarks/bench_startup.py``
measures the time; this test keeps the gain from silently regressing. Each check runs in a fresh
interpreter, since this test process has imported most of them already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from planner.core.lazy import LazyModule, lazy_module

ROOT = Path(__file__).resolve().parents[1]

#: Not needed to show the window with a case's slices (``vtk`` / ``vtkmodules.all`` load every VTK module).
DEFERRED = ("numba", "llvmlite", "scipy", "SimpleITK", "jsonschema", "highdicom", "reportlab", "pypdf",
            "slicerio", "contourpy", "pynetdicom", "vtk", "vtkmodules.all")


def _imported_after(code: str, deferred: tuple[str, ...] = DEFERRED) -> list[str]:
    probe = code + f"\nimport json, sys\nprint(json.dumps([m for m in {deferred!r} if m in sys.modules]))\n"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_the_main_window_imports_none_of_the_deferred_libraries():
    assert _imported_after("import planner.ui.main_window") == []


def test_building_and_showing_the_window_imports_none_of_them():
    code = ("from PySide6.QtWidgets import QApplication\n"
            "from planner.ui.main_window import MainWindow\n"
            "app = QApplication([])\n"
            "window = MainWindow()\n"
            "window.show()\n"
            "app.processEvents()\n")
    # The session checks the shipped device files against their JSON Schema when it starts (about 0.1 s).
    assert _imported_after(code, tuple(m for m in DEFERRED if m != "jsonschema")) == []


def test_the_command_line_entry_imports_none_of_them():
    assert _imported_after("import planner.cli, planner.ui.app") == []


# --- the lazy stand-in ----------------------------------------------------------------------------
@pytest.fixture
def counting_module(tmp_path, monkeypatch):
    """A module on sys.path that counts how many times its body ran (in a file, across imports)."""
    name = "i19_lazy_probe"
    counter = tmp_path / "runs.txt"
    counter.write_text("0")
    (tmp_path / f"{name}.py").write_text(
        "import pathlib, time\n"
        f"_c = pathlib.Path({str(counter)!r})\n"
        "time.sleep(0.2)  # a slow import, so that two threads overlap in it\n"
        "_c.write_text(str(int(_c.read_text()) + 1))\n"
        "ANSWER = 42\n"
        "def double(x):\n"
        "    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, counter
    sys.modules.pop(name, None)


def test_the_stand_in_imports_only_on_first_attribute_read(counting_module):
    name, counter = counting_module
    module = lazy_module(name)
    assert isinstance(module, LazyModule)
    assert name not in sys.modules and counter.read_text() == "0"
    assert "not imported yet" in repr(module)
    assert module.double(21) == 42 and module.ANSWER == 42
    assert name in sys.modules and counter.read_text() == "1"
    assert sys.modules[name].double is module.double  # forwards to the real module
    with pytest.raises(AttributeError):
        module.no_such_name


def test_probing_dunders_does_not_import(counting_module):
    name, counter = counting_module
    module = lazy_module(name)
    assert not hasattr(module, "__wrapped__")
    assert counter.read_text() == "0"


def test_two_threads_reading_at_once_run_the_module_once(counting_module):
    name, counter = counting_module
    module = lazy_module(name)
    results = []
    threads = [threading.Thread(target=lambda: results.append(module.double(1))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [2, 2, 2, 2]
    assert counter.read_text() == "1"
