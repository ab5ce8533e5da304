"""Build the one-folder application with ``bash packaging/build.sh`` (into a temporary folder, once per
test session) and run it the way a user would: ``--self-test``, ``--version``, and the window
(offscreen) with a screenshot of the sample. Slow: see conftest.py for how to run it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.test_selftest import check_figures

ROOT = Path(__file__).resolve().parents[2]
# about 1024 MB measured: VTK 260 MB, SimpleITK 260 MB, and since the bioheat model numba + llvmlite (about
# 210 MB on disk, its LLVM JIT) and highdicom (27 MB); the bound catches a hook gone wild
MAX_BUNDLE_MB = 1150

pytestmark = pytest.mark.bundle


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, DIST=str(base / "dist"), WORK=str(base / "work"))
    result = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    app = base / "dist" / "spine-planner"
    assert (app / "spine-planner").is_file(), result.stdout[-2000:]
    yield app
    shutil.rmtree(base, ignore_errors=True)  # 0.8 GB: not kept beyond the session


def run_app(app: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the bundle outside the source tree with nothing of the build environment's Python."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    return subprocess.run([str(app / "spine-planner"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_bundle_self_test_passes(bundle, tmp_path):
    result = run_app(bundle, "--self-test", cwd=tmp_path)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "self-test (bundle)" in result.stdout.splitlines()[0]
    check_figures(result.stdout)


def test_bundle_carries_resources_sample_and_desktop_entry(bundle):
    internal = bundle / "_internal"
    assert len(list((internal / "sample_dicom" / "series").glob("*.dcm"))) == 104
    assert (internal / "resources" / "devices").is_dir()
    assert (internal / "resources" / "icons" / "spine-planner-256.png").is_file()
    assert (bundle / "spine-planner.desktop").is_file() and (bundle / "spine-planner.png").is_file()


def test_bundle_is_lean(bundle):
    internal = bundle / "_internal"
    for unwanted in ("tkinter", "_tkinter", "pytest", "hypothesis", "pydantic", "cryptography", "matplotlib"):
        assert not list(internal.glob(f"{unwanted}*")) and not list(internal.glob(f"*/lib-dynload/{unwanted}*")), unwanted
    qt_libs = {p.name.split(".")[0] for p in (internal / "PySide6" / "Qt" / "lib").glob("libQt6*")}
    assert not qt_libs & {"libQt6Network", "libQt6Qml", "libQt6Quick", "libQt6Pdf", "libQt6Svg"}, qt_libs
    size_mb = sum(p.lstat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    print(f"bundle size: {size_mb:.0f} MB")
    assert size_mb < MAX_BUNDLE_MB


def test_bundle_version_lists_components_with_versions(bundle, tmp_path):
    result = run_app(bundle, "--version", cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "not installed" not in result.stdout, result.stdout  # distribution metadata was bundled
    assert "VTK 9." in result.stdout and "planner.phantom" in result.stdout


def test_bundle_opens_the_sample_window(bundle, tmp_path):
    png = tmp_path / "window.png"
    result = run_app(bundle, "--sample", "--screenshot", str(png), cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert png.stat().st_size > 10_000
