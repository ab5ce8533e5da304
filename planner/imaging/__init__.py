"""DICOM import: discover series from headers, load one as an int16 HU ``ImageVolume``.

Public API: :func:`discover`, :func:`load_series`, :func:`load_path`, :func:`write_series`,
:class:`SeriesCandidate`. Errors are :class:`planner.core.errors.LoadError` (message for the user,
``files`` naming the files) and :class:`planner.core.errors.LoadCancelled`.
"""

from planner.core.errors import LoadCancelled, LoadError
from planner.imaging.candidate import SeriesCandidate
from planner.imaging.discover import ScanResult, discover, scan
from planner.imaging.loader import load_path, load_series
from planner.imaging.volumes import read_volume_file

__all__ = [
    "LoadCancelled", "LoadError", "ScanResult", "SeriesCandidate", "discover", "load_path",
    "load_series", "read_volume_file", "scan", "write_series",
]


def __getattr__(name: str):
    """``write_series`` (tests and benchmarks) is imported on first use: the writer imports pydicom,
    which loading an uncompressed series does not need (about 0.4 s, issue 13 ``analyze`` speed)."""
    if name == "write_series":
        from planner.imaging.writer import write_series

        return write_series
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
