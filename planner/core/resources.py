"""Locate data files shipped with the planner (``resources/``) and the bundled sample case.

In a source checkout they sit at the project root; in an installed wheel they are installed as the
packages ``planner._resources`` and ``planner._sample`` (see ``pyproject.toml``); in a PyInstaller
bundle they sit next to the executable (``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def _installed(package: str) -> Path | None:
    """The folder of a data package installed inside ``planner`` (e.g. ``planner._resources``)."""
    p = Path(__file__).resolve().parents[1] / package.split(".")[-1]
    return p if p.is_dir() else None


def _locate(folder: str, package: str) -> Path:
    """``folder`` in a PyInstaller bundle, else in the source checkout, else inside the installed
    package (``planner._resources`` / ``planner._sample``)."""
    candidates = [_ROOT / folder]
    if hasattr(sys, "_MEIPASS"):
        candidates.insert(0, Path(sys._MEIPASS) / folder)
    inst = _installed(package)
    if inst is not None:
        candidates.append(inst)
    return _first_existing(*candidates)


def resources_dir() -> Path:
    """The folder holding device tables, schemas, presets and icons."""
    return _locate("resources", "planner._resources")


def resource_path(*parts: str) -> Path:
    """Path of one file under :func:`resources_dir`."""
    return resources_dir().joinpath(*parts)


def sample_dir() -> Path:
    """The bundled synthetic sample case (``sample_dicom/``)."""
    return _locate("sample_dicom", "planner._sample")


def sample_series_dir() -> Path:
    """The DICOM series of the sample case."""
    return sample_dir() / "series"


def shared_data_dir() -> Path | None:
    """``../shared/data`` beside the project (real CT scans for tests), or None when absent."""
    p = _ROOT.parent / "shared" / "data"
    return p if p.is_dir() else None
