"""Shared test setup: headless Qt by default, and access to the real CT scans in ../shared/data.

Real-data tests skip with a reason when ../shared/data is absent, except when the environment
variable ``SPINE_PLANNER_REQUIRE_REALDATA=1`` is set (``.ci/run`` sets it): then they fail.

Issue 15 (the suite's time): each real scan is loaded once per session (``lumbar_volume``,
``t11_t12_volume``) and the pure, deterministic anatomy results that several folders need are computed once
(``lumbar_canal``/``t11_t12_canal``: ``segment_canal``; ``lumbar_body``/``t11_t12_body``: ``segment_body``;
``lumbar_spine``/``t11_t12_spine``: ``find_spine``). The volumes' voxels and the canals' masks are read-only,
so a test that writes into them fails at once instead of changing what later tests see; a mask given to a
session (which edits masks in place) is passed as a copy. The bundled sample gets the same
(``sample_volume``, ``sample_canal``, ``sample_body``, ``sample_spine``).

Those results are computed through a private, empty anatomy cache (so they are the fresh computations) and
its files are then copied into the session's own user cache folder (a temporary folder, see
``_isolated_user_folders``): a window opened on the same scan later in the run reads the anatomy back from
the cache, as the app does on a scan opened before, instead of computing it again for each module.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# Before any Qt import: render without a screen unless the caller chose a platform (e.g. xcb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Before numpy loads OpenBLAS (nothing imports numpy before this file; subprocesses inherit it): one BLAS
# thread unless the caller chose otherwise. The planner's matrix products are tall and thin ((n, 3) @ (3, 3)
# coordinate transforms of up to millions of points, memory-bound), where OpenBLAS's threads only spin: on
# this 2-core machine `apply_affine` of 1e6 points took 318 ms CPU / 1.17 s wall with the default threads
# and 81 ms / 0.37 s with one, and tests/scenarios/test_scenarios_headless.py 61.6 s CPU / 219 s wall against
# 41.6 s / 131 s (load about 11; issue 15, the suite's time). OpenBLAS splits a matrix product among threads by output
# blocks, so those products are the same with one thread; only a long dot product may differ in its last bits.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

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


def _fresh(part: str, volume, *args):
    """``part`` ("canal", "body", "spine") of ``volume`` computed by the anatomy code itself, once per
    session: through :mod:`planner.anatomy.cache_parts` with a private cache folder that starts empty (so
    the result is the fresh computation: ``segment_canal``, ``segment_body``, ``find_spine(volume, body)``),
    whose file is then copied into the session's user cache (windows opened on the scan later read it
    back, as the app does). A canal's mask is read-only: a test that hands it to a session copies it."""
    import shutil
    import tempfile

    from planner.anatomy import cache_parts
    from planner.anatomy.cache import AnatomyCache, cache_dir

    with tempfile.TemporaryDirectory(prefix=f"fresh-{part}-") as folder:
        private = AnatomyCache(folder, enabled=True)
        assert not any(Path(folder).iterdir())
        found = getattr(cache_parts, f"{part}_cached")(volume, *args, cache=private)
        target = cache_dir()
        if os.environ.get("XDG_CACHE_HOME", "") and str(target).startswith(os.environ["XDG_CACHE_HOME"]):
            target.mkdir(parents=True, exist_ok=True)  # only into the session's temporary user folder
            for f in Path(folder).glob("*.npz"):
                shutil.copy2(f, target / f.name)
    _read_only(getattr(found, "mask", None))
    return found


@pytest.fixture(scope="session")
def lumbar_canal(_isolated_user_folders, lumbar_volume):
    return _fresh("canal", lumbar_volume)


@pytest.fixture(scope="session")
def t11_t12_canal(_isolated_user_folders, t11_t12_volume):
    return _fresh("canal", t11_t12_volume)


@pytest.fixture(scope="session")
def lumbar_body(_isolated_user_folders, lumbar_volume):
    """``segment_body`` of the lumbar CT, computed once per session."""
    return _fresh("body", lumbar_volume)


@pytest.fixture(scope="session")
def lumbar_spine(lumbar_volume, lumbar_body):
    """``find_spine`` of the lumbar CT (seconds; with its default body mask, as ``find_spine`` computes
    it), computed once per session."""
    return _fresh("spine", lumbar_volume, lumbar_body)


@pytest.fixture(scope="session")
def t11_t12_body(_isolated_user_folders, t11_t12_volume):
    """``segment_body`` of the T11-T12 CT, computed once per session."""
    return _fresh("body", t11_t12_volume)


@pytest.fixture(scope="session")
def t11_t12_spine(t11_t12_volume, t11_t12_body):
    """``find_spine`` of the T11-T12 CT (with its default body mask), computed once per session."""
    return _fresh("spine", t11_t12_volume, t11_t12_body)


@pytest.fixture(scope="session")
def sample_volume(sample_series):
    """The bundled sample loaded once per session (``load_path``), read-only."""
    from planner.imaging import load_path

    volume = load_path(sample_series)
    _read_only(volume.hu)
    return volume


@pytest.fixture(scope="session")
def sample_canal(_isolated_user_folders, sample_volume):
    """``segment_canal`` of the sample, once per session (read-only mask)."""
    return _fresh("canal", sample_volume)


@pytest.fixture(scope="session")
def sample_body(_isolated_user_folders, sample_volume):
    """``segment_body`` of the sample, once per session."""
    return _fresh("body", sample_volume)


@pytest.fixture(scope="session")
def sample_spine(sample_volume, sample_body):
    """``find_spine`` of the sample (with its default body mask), once per session."""
    return _fresh("spine", sample_volume, sample_body)


class _SharedSession:
    """One evaluated session handed to every module that asks while it is as built (issue 15: building
    it is an evaluation with the corridor checks, seconds on a loaded machine); a module that left it
    changed (plan, undo history, canal, evaluation, thermal result, flags) makes the next one get a new
    one, so each module still starts from what a fresh build gives."""

    def __init__(self, build):
        self._build = build
        self._session = None
        self._as_built = None

    @staticmethod
    def _fingerprint(session):
        """(objects that must be the very same, values that must be equal)."""
        canal = session.canal_mask
        digest = None if canal is None else (canal.shape, hashlib.sha1(canal.tobytes()).hexdigest())
        return ((session.volume, canal, session.evaluation),
                (session.plan.state(), session.stack.can_undo, session.stack.can_redo, digest,
                 session.thermal.entry, session.auto_evaluate))

    def _as_it_was_built(self) -> bool:
        (objects, values), (objects0, values0) = self._fingerprint(self._session), self._as_built
        return all(a is b for a, b in zip(objects, objects0)) and values == values0

    def get(self):
        if self._session is None or not self._as_it_was_built():
            self._session = self._build()
            self._as_built = self._fingerprint(self._session)
        return self._session


@pytest.fixture(scope="session")
def _shared_demo_session(sample_volume, sample_canal):
    def build():
        from planner.session.session import PlanningSession
        from tests.export.conftest import demo_plan_with_level

        session = PlanningSession()
        session.auto_evaluate = False
        session.set_volume(sample_volume)
        session.set_canal(sample_canal.mask.copy())
        session.open_plan(demo_plan_with_level(session.plan.series))
        session.evaluate(corridors=True)
        return session

    return _SharedSession(build)


@pytest.fixture(scope="module")
def sample_demo_session(_shared_demo_session):
    """The sample (loaded and segmented once per session) with the demo plan plus an L2 level with a SINS
    (tests/export/conftest.py ``demo_plan_with_level``), evaluated with the corridor checks; shared by the
    modules that leave it as it was built (see :class:`_SharedSession`)."""
    return _shared_demo_session.get()


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
