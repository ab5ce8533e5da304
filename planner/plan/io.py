"""Reading and writing plan files (JSON, ``format: "spine-ablation-plan"``; docs/plan-format.md).

Reading: parse -> upgrade older versions (:mod:`planner.plan.migrations`) -> JSON Schema + semantic
checks (:mod:`planner.plan.validation`) -> items. Any problem is a :class:`PlanError` naming where it
is; a file that cannot be opened at all is a :class:`LoadError`.

Writing is atomic: the new content goes to a temporary file in the same folder, is flushed and
fsync'ed, the previous file is kept as ``<name>.bak``, and :func:`os.replace` swaps the new file in.
If any step fails the original file is left as it was and a :class:`PlanError` explains why. A save
killed midway leaves its temporary file; the next successful save or read of that plan deletes such
files once they are older than ``STALE_TEMP_AGE_S``. Limits (size, depth, item counts) are in
:mod:`planner.plan.limits`.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from planner import __version__
from planner.core.errors import LoadError, PlanError
from planner.plan.document import PlanDocument, utc_now_iso
from planner.plan.limits import MAX_DEPTH, MAX_FILE_BYTES, check_shape, check_text_size, parse_int
from planner.plan.migrations import migrate
from planner.plan.serialize import plan_from_dict, plan_to_dict
from planner.plan.validation import validate_plan_dict

BACKUP_SUFFIX = ".bak"
#: A temporary file of this plan older than this is left from a save that was killed; a save takes
#: well under a second (5 MB at most), so 10 s cannot catch a save still running in another process.
STALE_TEMP_AGE_S = 10.0
_NUMBER_LIST = re.compile(r"\[\s*([-+0-9.eE]+(?:\s*,\s*[-+0-9.eE]+)*)\s*\]")
_NEW_FILE_MODE = 0o644


def plan_to_json(doc: PlanDocument) -> str:
    """The JSON text of a plan (indented, UTF-8, ends with a newline)."""
    data = plan_to_dict(doc, app_version=__version__)
    validate_plan_dict(data)
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    # Keep [x, y, z] on one line: easier to read and to diff.
    text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)
    return text + "\n"


def plan_from_json(text: str) -> PlanDocument:
    """Parse, upgrade and check plan JSON text; PlanError naming the first problem."""
    check_text_size(text)
    try:
        data = json.loads(text, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        raise PlanError(f"The plan file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise PlanError(f"The plan file is not valid JSON for a plan: it is nested too deeply "
                        f"(a plan is at most {MAX_DEPTH} levels deep).") from None
    check_shape(data)
    data, _ = migrate(data)
    validate_plan_dict(data)
    return plan_from_dict(data)


def read_plan(path) -> PlanDocument:
    """Read a plan file (any supported version); the document's history starts clean."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PlanError(f"{path.name}: the file is {size / 1e6:.1f} MB; plans are at most "
                            f"{MAX_FILE_BYTES / 1e6:g} MB.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(f"The plan file {path} does not exist.", files=[path]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"The plan file {path} could not be read: {exc}", files=[path]) from None
    clean_stale_temps(path, older_than_s=STALE_TEMP_AGE_S)
    try:
        return plan_from_json(text)
    except PlanError as exc:
        raise PlanError(f"{path.name}: {exc}") from None


def stale_temps(path) -> list[Path]:
    """Temporary files a killed save of ``path`` may have left beside it (``.<name>.*.tmp``)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    return sorted(folder.glob(f".{glob.escape(path.name)}.*.tmp"))


def clean_stale_temps(path, older_than_s: float = 0.0) -> int:
    """Delete the temporary files of earlier saves of ``path`` (not younger than ``older_than_s``, so
    a save running in another process at this moment keeps its file); returns how many went."""
    now, removed = time.time(), 0
    for tmp in stale_temps(path):
        try:
            if now - tmp.stat().st_mtime >= older_than_s:
                tmp.unlink()
                removed += 1
        except OSError:
            pass  # gone already, or not ours to delete: the save itself is unaffected
    return removed


def fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows opening a folder (POSIX)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # the file itself is already complete and in place; folder sync is best effort
    finally:
        os.close(fd)


def _write_temp(folder: Path, stem: str, text: str, mode: int) -> Path:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _keep_backup(path: Path) -> None:
    """Copy the current file to ``<name>.bak`` (via a temp file, so a failed copy leaves no half backup)."""
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bak.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copy2(path, tmp)
        os.replace(tmp, backup)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_plan(doc: PlanDocument, path) -> Path:
    """Save atomically to ``path``; updates ``doc.modified``. PlanError on any failure (old file intact).

    The caller marks its :class:`~planner.plan.commands.CommandStack` saved after this returns.
    """
    path = Path(path)
    previous_modified = doc.modified
    doc.modified = utc_now_iso()
    tmp: Path | None = None
    try:
        text = plan_to_json(doc)
        folder = path.parent if str(path.parent) else Path(".")
        mode = (path.stat().st_mode & 0o777) if path.exists() else _NEW_FILE_MODE
        tmp = _write_temp(folder, path.name, text, mode)
        if path.exists():
            _keep_backup(path)
        os.replace(tmp, path)
        tmp = None
        clean_stale_temps(path, older_than_s=STALE_TEMP_AGE_S)
    except OSError as exc:
        doc.modified = previous_modified
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        raise PlanError(
            f"The plan could not be saved to {path} ({reason}). The previous file, if any, is unchanged; "
            "check the folder exists, is writable and has free space, or save under another name."
        ) from None
    except PlanError:
        doc.modified = previous_modified
        raise
    fsync_folder(folder)
    return path
