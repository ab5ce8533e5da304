"""Recursive folder scan reading DICOM headers only, grouping files into series candidates."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

from planner.core.errors import LoadError
from planner.imaging._common import CancelFn, ProgressFn, check_cancel, report
from planner.imaging.candidate import SeriesCandidate, group_headers, unreadable_candidate
from planner.imaging.headers import FileHeader, NotImageFile, read_header


@dataclass
class ScanResult:
    """What a scan found: candidates, and the files skipped, by kind (``not-dicom``, ``dicomdir``...)."""

    candidates: list[SeriesCandidate]
    n_files: int
    skipped: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def list_files(path: str, cancel: CancelFn | None = None) -> list[str]:
    """Every regular file under ``path`` (or ``path`` itself), sorted; symlinked folders not followed."""
    if os.path.isfile(path):
        return [path]
    found: list[str] = []
    stack = [path]
    while stack:
        check_cancel(cancel)
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file():
                            found.append(entry.path)
                    except OSError:
                        continue
        except OSError:
            if folder == path:
                raise
    found.sort()
    return found


def scan(path, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> ScanResult:
    """Scan a folder or file; see :func:`discover`. Raises LoadError when the path does not exist."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise LoadError(f"Nothing to load: '{path}' does not exist.", (path,))
    try:
        files = list_files(path, cancel)
    except PermissionError:
        raise LoadError(f"The folder '{path}' cannot be opened: permission denied.", (path,)) from None
    except OSError as exc:
        raise LoadError(f"The folder '{path}' cannot be read ({exc.strerror or exc}).", (path,)) from None
    headers: list[FileHeader] = []
    skipped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    total = len(files)
    report(progress, 0, total)
    for done, file_path in enumerate(files, start=1):
        check_cancel(cancel)
        try:
            headers.append(read_header(file_path))
        except NotImageFile as exc:
            skipped[exc.kind].append((file_path, exc.reason))
        if done % 64 == 0 or done == total:
            report(progress, done, total)
    candidates = group_headers(headers) if headers else []
    if skipped.get("unreadable"):
        candidates.append(unreadable_candidate(skipped["unreadable"]))
    return ScanResult(candidates, total, dict(skipped))


def discover(path, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> list[SeriesCandidate]:
    """Find the DICOM series under ``path`` (recursive), reading headers only.

    Non-DICOM files are skipped after reading 132 bytes (PS3.10 7.1 preamble + 'DICM'); DICOMDIR
    is recognised and skipped; files whose header cannot be read are listed as one unsupported
    candidate so the user sees them. ``progress(done, total)`` counts files; ``cancel()`` returning
    True raises :class:`~planner.core.errors.LoadCancelled`.
    """
    return scan(path, progress, cancel).candidates
