"""Shared test setup: headless Qt by default, and access to the real CT scans in ../shared/data.

Real-data tests skip with a reason when ../shared/data is absent, except when the environment
variable ``SPINE_PLANNER_REQUIRE_REALDATA=1`` is set (``.ci/run`` sets it): then they fail.

Issue 15 (the suite's time): each real scan is loaded once per session (``lumbar_volume``,
``t11_t12_volume``) and the pure, deterministic anatomy results that several folders need are computed once
(``lumbar_canal``/``t11_t12_canal``: ``segment_canal``; ``lumbar_spine``: ``find_spine``; ``lumbar_body``:
``segment_body``), without the on-disk anatomy cache. Their arrays are read-only, so a test that writes
into them fails at once instead of changing what later tests see; a mask given to a session (which edits
masks in place) is passed as a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

# Before any Qt import: render without a screen unless the caller chose a platform (e.g. xcb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from planner.core.resources import sample_dir, shared_data_dir  # noqa: E402

REQUIRE_REALDATA = os.environ.get("SPINE_PLANNER_REQUIRE_REALDATA") == "1"


def _realdata(name: str) -> Path:
    root = shared_data_dir()
    path = root / name / "dicom" if root is not None else None
    if path is None or not path.is_dir():
        message = f"real CT '{name}' not found in ../shared/data"
        if REQUIRE_REALDATA:
            pytest.fail(message + " (SPINE_PLANNER_REQUIRE_REALDATA=1 makes it mandatory)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def lumbar_ct_dir() -> Path:
    """The real TCIA abdominal CT (134 x 512^2, 3 mm, L1-L5)."""
    return _realdata("ct-lumbar-tcia")


@pytest.fixture(scope="session")
def t11_t12_ct_dir() -> Path:
    """The real 20-slice JPEG 2000 CT at T11-T12 with empty UIDs."""
    return _realdata("ct-t11-t12-jpeg2000")


def _read_only(*arrays) -> None:
    """Arrays shared by every test that asks for them: a write raises instead of changing later tests."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False


@pytest.fixture(scope="session")
def lumbar_volume(lumbar_ct_dir):
    """The lumbar CT loaded once per session (issue 15: the suite's time) and shared, read-only."""
    from planner.imaging import load_path

    volume = load_path(lumbar_ct_dir)
    _read_only(volume.hu)
    return volume


@pytest.fixture(scope="session")
def t11_t12_volume(t11_t12_ct_dir):
    """The T11-T12 CT (JPEG 2000: about a second to decode) loaded once per session, read-only."""
    from planner.imaging import load_path

    volume = load_path(t11_t12_ct_dir)
    _read_only(volume.hu)
    return volume


def _fresh_canal(volume):
    """The canal found by :func:`planner.anatomy.canal.segment_canal` itself (no anatomy cache), once per
    session; its mask is read-only: a test that hands it to a session (which edits masks in place) copies it."""
    from planner.anatomy.canal import segment_canal

    found = segment_canal(volume)
    _read_only(found.mask)
    return found


@pytest.fixture(scope="session")
def lumbar_canal(lumbar_volume):
    return _fresh_canal(lumbar_volume)


@pytest.fixture(scope="session")
def t11_t12_canal(t11_t12_volume):
    return _fresh_canal(t11_t12_volume)


@pytest.fixture(scope="session")
def lumbar_spine(lumbar_volume):
    """``find_spine`` of the lumbar CT (seconds), computed once per session without the anatomy cache."""
    from planner.anatomy.spine import find_spine

    return find_spine(lumbar_volume)


@pytest.fixture(scope="session")
def lumbar_body(lumbar_volume):
    """``segment_body`` of the lumbar CT, computed once per session without the anatomy cache."""
    from planner.anatomy.body import segment_body

    return segment_body(lumbar_volume)


@pytest.fixture(scope="session")
def sample_series() -> Path:
    """The bundled synthetic sample series (must exist: it is committed)."""
    path = sample_dir() / "series"
    assert path.is_dir(), f"the bundled sample series is missing: {path}"
    return path


@pytest.fixture(scope="session")
def sample_truth() -> Path:
    path = sample_dir() / "ground_truth"
    assert path.is_dir(), f"the sample's ground truth is missing: {path}"
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_folders(tmp_path_factory):
    """Qt's standard paths and settings point into a temporary folder, so tests never read or write
    the user's recent files, recovery plans or PACS settings."""
    home = tmp_path_factory.mktemp("home")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    yield
