"""Exports that never leave a half-written file: every file of one export is written under a temporary
name in its own folder and renamed into place (:func:`os.replace`, atomic on one file system) only when
the whole export has succeeded; a cancelled or failed export removes its temporary files and leaves
the files that were there before untouched.

The same recipe as the plan file (:func:`planner.plan.io.write_plan`), which writes text only; the
exporters here hand a path to libraries that write it themselves (pydicom, highdicom, slicerio, VTK),
so :class:`Staging` hands out temporary *paths*. Temporary names start with ``.~`` and end with the
final name, so a library that picks its format from the suffix (``.seg.nrrd``, ``.stl``) still does.

A crash (or a kill) between writing and renaming leaves such temporary files behind. The next export
to the same target removes them (:func:`remove_stale_staged`): only files named exactly like the
temporary siblings of that target (``.~`` + 8 hex digits + ``-`` + its name) and last modified before
this process started, so an export running at the same time in another instance of the planner keeps
its files and nothing else in the folder is touched (issue 19).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from planner.core.errors import PlannerError
from planner.plan.io import fsync_folder

TEMP_PREFIX = ".~"
TOKEN_HEX = 8  # secrets.token_hex(4)


def process_start_time() -> float:
    """When this process started (seconds since the epoch): from ``/proc/self/stat`` (field 22, the
    start in clock ticks after boot, proc(5)) and the boot time ``btime`` of ``/proc/stat``; where
    there is no /proc, the time this module was imported (later than the start, never earlier than
    a file this process staged). ``btime`` is whole seconds: the figure is good to about a second."""
    try:
        stat = Path("/proc/self/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces: cut after it
        ticks = int(fields[19])  # field 22 of proc(5); fields[0] is field 3
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED


_IMPORTED = time.time()
PROCESS_START = process_start_time()


def remove_stale_staged(final, before: float | None = None) -> list[Path]:
    """Remove the temporary siblings of ``final`` (``.~`` + 8 hex digits + ``-`` + its name) last
    modified before ``before`` (default: this process's start), left by an export that crashed or was
    killed; returns the paths removed. Anything else in the folder, and temporary files of another
    target, are never touched; a file that cannot be removed is left (it is only clutter)."""
    final = Path(final)
    folder = final.parent if str(final.parent) else Path(".")
    before = PROCESS_START if before is None else float(before)
    pattern = re.compile(re.escape(TEMP_PREFIX) + f"[0-9a-f]{{{TOKEN_HEX}}}-" + re.escape(final.name))
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < before:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


class Staging:
    """Temporary paths for the files of one export; :meth:`commit` renames them all into place.

    Use as a context manager: leaving the block with an exception (a cancel, a failed write) discards
    the temporary files; a block left normally without :meth:`commit` discards them too.
    """

    def __init__(self):
        self._pending: list[tuple[Path, Path]] = []  # (temporary, final)
        self.committed: list[Path] = []

    def target(self, final) -> Path:
        """A temporary path in ``final``'s folder (created when missing) to write ``final``'s content to."""
        final = Path(final)
        if any(f == final for _, f in self._pending):
            raise PlannerError(f"The export would write {final} twice.")
        folder = final.parent if str(final.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PlannerError(f"The folder {folder} could not be created ({exc.strerror or exc}).") from None
        remove_stale_staged(final)  # left by an export that crashed before renaming them
        temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(TOKEN_HEX // 2)}-{final.name}"
        self._pending.append((temp, final))
        return temp

    @property
    def pending(self) -> list[Path]:
        """The final paths that :meth:`commit` will write."""
        return [final for _, final in self._pending]

    def commit(self) -> list[Path]:
        """Rename every temporary file into place (in the order they were asked for); returns the final
        paths. A temporary file that a writer did not produce is an error naming the file."""
        missing = [final for temp, final in self._pending if not temp.is_file()]
        if missing:
            self.discard()
            raise PlannerError(f"The export did not produce {missing[0]}; nothing was written.")
        try:
            for temp, final in self._pending:
                os.replace(temp, final)
                self.committed.append(final)
        except OSError as exc:
            self.discard()
            raise PlannerError(f"The export could not be put in place ({exc.strerror or exc}).") from None
        folders = {final.parent for final in self.committed}
        self._pending = []
        for folder in folders:
            fsync_folder(folder)
        return list(self.committed)

    def discard(self) -> None:
        """Remove the temporary files not yet renamed (the final paths keep their old content)."""
        for temp, _ in self._pending:
            try:
                temp.unlink(missing_ok=True)
            except OSError:
                pass
        self._pending = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


def staged_write(final, write, staging: Staging | None = None) -> Path:
    """``write(temp_path)`` for the file ``final``: into ``staging`` when given (the caller commits),
    else through a staging of its own that is committed at once (a single file, atomically). Returns
    ``final``."""
    if staging is not None:
        write(staging.target(final))
        return Path(final)
    with Staging() as own:
        write(own.target(final))
        own.commit()
    return Path(final)


def check_target_folder(folder) -> None:
    """Refuse at once (PlannerError in words) a folder that can neither exist nor be written, so an
    export says so before it spends seconds on key images: the nearest existing folder up the path must
    be a writable folder."""
    folder = Path(folder) if str(folder) else Path(".")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise PlannerError(f"The folder {folder} could not be created ({existing} is a file: Not a directory).")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PlannerError(f"The folder {existing} is not writable: choose another place for the export.")
