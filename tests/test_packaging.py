"""An installed wheel carries the resources and the sample case, and finds them outside a checkout."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_on_disk_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "planner").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
         "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = next(out.glob("*.whl"))
    target = out / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target


def test_wheel_contains_resources_and_sample(unpacked_wheel):
    assert (unpacked_wheel / "planner/_resources/presets/window_presets.json").is_file()
    assert list((unpacked_wheel / "planner/_resources/devices").glob("*.json"))
    assert list((unpacked_wheel / "planner/_sample/series").glob("*.dcm"))
    assert (unpacked_wheel / "planner/_sample/ground_truth").is_dir()


def test_installed_package_finds_its_resources(unpacked_wheel):
    code = (
        "import planner.core.resources as r;"
        "print(r.resources_dir()); print(r.sample_series_dir())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=unpacked_wheel, capture_output=True, text=True,
        env={"PYTHONPATH": str(unpacked_wheel), "PATH": "/usr/bin:/bin"}, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    resources, series = result.stdout.split()
    assert Path(resources).is_relative_to(unpacked_wheel) and Path(resources).is_dir()
    assert Path(series).is_relative_to(unpacked_wheel) and Path(series).is_dir()
