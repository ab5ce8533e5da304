"""The local cache of retrieved series, with staging folders so a partial retrieve never looks complete.

Layout under the cache root::

    series/<StudyInstanceUID>/<SeriesInstanceUID>/   complete series: *.dcm + retrieve.json
    staging/<random>/                                a retrieve in progress, holds INCOMPLETE

A retrieve writes into a staging folder (same file system, so the final ``os.rename`` is atomic),
and only :meth:`SeriesCache.commit` moves it under ``series/`` once every expected image arrived.
A folder holding the ``INCOMPLETE`` marker, or lacking ``retrieve.json``, is refused by
:func:`check_complete`. Staging folders left by a crash are removed when the cache is opened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from planner.pacs.errors import IncompleteSeriesError, PacsError

INCOMPLETE_MARKER = "INCOMPLETE"
MANIFEST = "retrieve.json"
_SAFE = re.compile(r"[^0-9A-Za-z._-]")


def safe_name(uid: str) -> str:
    """A file-system-safe folder/file name for a UID (UIDs are digits and dots, PS3.5 9.1)."""
    cleaned = _SAFE.sub("_", uid.strip())[:128]
    return cleaned or "unknown"


@dataclass(frozen=True)
class CachedSeries:
    """One complete series in the cache."""

    path: Path
    study_uid: str
    series_uid: str
    instance_count: int
    size_bytes: int
    manifest: dict


def check_complete(folder: str | os.PathLike) -> dict:
    """Return the retrieve manifest of ``folder``; raise :class:`IncompleteSeriesError` if incomplete."""
    path = Path(folder)
    if (path / INCOMPLETE_MARKER).exists():
        raise IncompleteSeriesError(
            f"The folder {path} holds an incomplete download from the PACS and cannot be opened. "
            "Retrieve the series again.")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise IncompleteSeriesError(f"The folder {path} is not a completed PACS download.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IncompleteSeriesError(f"The download record in {path} is damaged ({exc}).") from None
    present = len(list(path.glob("*.dcm")))
    if not manifest.get("complete") or present != manifest.get("received"):
        raise IncompleteSeriesError(
            f"The folder {path} holds {present} of {manifest.get('expected')} images of the series: "
            "it is incomplete. Retrieve the series again.")
    return manifest


def _folder_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


class StagingFolder:
    """A folder a retrieve writes into; marked INCOMPLETE until committed."""

    def __init__(self, path: Path):
        self.path = path
        (path / INCOMPLETE_MARKER).write_text("retrieve in progress or failed\n", encoding="utf-8")

    def file_for(self, sop_instance_uid: str) -> Path:
        return self.path / f"{safe_name(sop_instance_uid)}.dcm"

    def count(self) -> int:
        return len(list(self.path.glob("*.dcm")))

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class SeriesCache:
    """The app-managed folder of retrieved series (see module docstring)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        try:
            (self.root / "series").mkdir(parents=True, exist_ok=True)
            (self.root / "staging").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PacsError(f"The PACS cache folder {self.root} cannot be created ({exc}).") from None
        self.purge_staging()

    def purge_staging(self, older_than_s: float = 0.0) -> None:
        """Remove staging folders (left by a crash) older than ``older_than_s`` seconds."""
        now = time.time()
        for child in (self.root / "staging").iterdir():
            try:
                if now - child.stat().st_mtime >= older_than_s:
                    shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()
            except OSError:
                continue

    def new_staging(self) -> StagingFolder:
        path = Path(tempfile.mkdtemp(prefix="retrieve-", dir=self.root / "staging"))
        return StagingFolder(path)

    def series_path(self, study_uid: str, series_uid: str) -> Path:
        return self.root / "series" / safe_name(study_uid) / safe_name(series_uid)

    def find(self, study_uid: str, series_uid: str) -> Path | None:
        """The folder of a complete cached series, or None."""
        path = self.series_path(study_uid, series_uid)
        try:
            check_complete(path)
        except IncompleteSeriesError:
            return None
        return path

    def commit(self, staging: StagingFolder, study_uid: str, series_uid: str, manifest: dict) -> Path:
        """Write the manifest, then atomically rename the staging folder into ``series/``.

        A previous copy of the same series is replaced (moved aside first, then deleted).
        """
        manifest = dict(manifest, complete=True, received=staging.count(),
                        study_uid=study_uid, series_uid=series_uid, committed_at=time.time())
        (staging.path / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (staging.path / INCOMPLETE_MARKER).unlink()
        final = self.series_path(study_uid, series_uid)
        final.parent.mkdir(parents=True, exist_ok=True)
        old = None
        if final.exists():
            old = final.with_name(final.name + f".old-{os.getpid()}-{time.monotonic_ns()}")
            os.rename(final, old)
        os.rename(staging.path, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def list_series(self) -> list[CachedSeries]:
        out = []
        for study_dir in sorted((self.root / "series").iterdir()):
            if not study_dir.is_dir():
                continue
            for series_dir in sorted(study_dir.iterdir()):
                try:
                    manifest = check_complete(series_dir)
                except IncompleteSeriesError:
                    continue
                out.append(CachedSeries(series_dir, str(manifest.get("study_uid", study_dir.name)),
                                        str(manifest.get("series_uid", series_dir.name)),
                                        int(manifest.get("received", 0)), _folder_size(series_dir), manifest))
        return out

    def size_bytes(self) -> int:
        """Bytes used by the whole cache (complete series and staging)."""
        return _folder_size(self.root)

    def clear(self) -> None:
        """Delete every cached and staged series."""
        for sub in ("series", "staging"):
            shutil.rmtree(self.root / sub, ignore_errors=True)
            (self.root / sub).mkdir(parents=True, exist_ok=True)


def format_size(n_bytes: int) -> str:
    """``1536`` -> ``'1.5 KB'`` (powers of 1024)."""
    value = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
