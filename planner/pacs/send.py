"""Send DICOM files to a PACS with C-STORE (Storage SOP classes, PS3.4 annex B).

Generic: any list of DICOM Part-10 files (CT series, Encapsulated PDF reports, Secondary Capture key
images). One presentation context is proposed per SOP class, offering each file's own transfer
syntax plus the uncompressed ones, so uncompressed files can be sent whichever of them the PACS
accepts (pynetdicom re-encodes between uncompressed syntaxes; compressed data is never transcoded).
"""

from __future__ import annotations

from collections import Counter

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmread
from pydicom.errors import InvalidDicomError
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from planner.pacs import audit
from planner.pacs.association import CancelToken, Context, associate, lost_or_timed_out
from planner.pacs.errors import PacsError, PacsStatusError
from planner.pacs.settings import PacsNode, PacsSettings
from planner.pacs.status import describe, error_comment, status_code

#: PS3.8 9.3.2.2: presentation context IDs are odd numbers 1..255, so at most 128 per association.
MAX_CONTEXTS = 128
UNCOMPRESSED = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)

SendProgressFn = Callable[[int, int, str], None]


@dataclass
class SendReport:
    """What a send did: files stored, files stored with a warning status (0xB000-0xBFFF)."""

    sent: list[Path] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)


def _headers(paths: Sequence[Path]) -> list[tuple[Path, str, str]]:
    """(path, SOP Class UID, transfer syntax UID) of each file; LoadError-style PacsError if unreadable."""
    out = []
    for path in paths:
        try:
            ds = dcmread(path, stop_before_pixels=True, specific_tags=["SOPClassUID", "SOPInstanceUID"])
            sop_class = str(ds.file_meta.get("MediaStorageSOPClassUID", "") or ds.get("SOPClassUID", ""))
            ts = str(ds.file_meta.get("TransferSyntaxUID", "") or ImplicitVRLittleEndian)
        except (OSError, InvalidDicomError, AttributeError) as exc:
            raise PacsError(f"'{path.name}' cannot be sent: it is not a readable DICOM file ({exc}).") from None
        if not sop_class:
            raise PacsError(f"'{path.name}' cannot be sent: it has no SOP Class UID.")
        out.append((path, sop_class, ts))
    return out


def _contexts(headers: Sequence[tuple[Path, str, str]]) -> list[Context]:
    syntaxes: dict[str, list[str]] = {}
    for _path, sop_class, ts in headers:
        wanted = syntaxes.setdefault(sop_class, [])
        for uid in (ts, *(UNCOMPRESSED if ts in UNCOMPRESSED else ())):
            if uid not in wanted:
                wanted.append(uid)
    if len(syntaxes) > MAX_CONTEXTS:
        raise PacsError(f"These files hold {len(syntaxes)} kinds of DICOM object; at most "
                        f"{MAX_CONTEXTS} can be sent at once. Send them in smaller groups.")
    return [Context(uid, tuple(ts)) for uid, ts in syntaxes.items()]


def send_files(settings: PacsSettings, node: PacsNode, paths: Sequence[str | os.PathLike], *,
               progress: SendProgressFn | None = None, cancel: CancelToken | None = None) -> SendReport:
    """C-STORE every file in ``paths`` to ``node`` over one association.

    ``progress(done, total, file_name)`` is called after each file. Raises :class:`PacsStatusError`
    naming the first refused file (files before it were stored), or another :class:`PacsError`.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise PacsError("There is nothing to send.")
    headers = _headers(files)
    kinds = Counter(_sop_name(sop_class) for _p, sop_class, _ts in headers)
    try:
        report = _send(settings, node, files, headers, progress, cancel)
    except PacsError as exc:
        audit.record(settings, "send", node, kinds, f"failed: {type(exc).__name__}")
        raise
    audit.record(settings, "send", node, kinds, "ok" if not report.warnings else f"ok, {len(report.warnings)} warning(s)")
    return report


def _sop_name(uid: str) -> str:
    from pydicom.uid import UID

    name = UID(uid).name
    return name if name and name != uid else uid


def _send(settings, node, files, headers, progress, cancel) -> SendReport:
    report = SendReport()
    with associate(settings, node, _contexts(headers), purpose="the send (C-STORE)", cancel=cancel) as assoc:
        accepted = {cx.abstract_syntax for cx in assoc.accepted_contexts}
        for done, (path, sop_class, _ts) in enumerate(headers, start=1):
            if cancel is not None:
                cancel.raise_if_cancelled(f"The send to {node.label}")
            if sop_class not in accepted:
                raise PacsError(f"{node.label} does not accept objects of the kind in '{path.name}' "
                                f"(SOP class {sop_class}). {len(report.sent)} file(s) were sent.")
            t0 = time.monotonic()
            status = assoc.send_c_store(dcmread(path))
            code = status_code(status)
            if code is None:
                raise lost_or_timed_out(node, settings, time.monotonic() - t0,
                                        f"the send (after {len(report.sent)} of {len(files)} files)", cancel)
            if 0xB000 <= code <= 0xBFFF:
                report.warnings.append((path, describe(code, error_comment(status))))
            elif code != 0x0000:
                raise PacsStatusError(f"{node.label} refused '{path.name}': {describe(code, error_comment(status))}. "
                                      f"{len(report.sent)} of {len(files)} file(s) were sent.", code)
            report.sent.append(path)
            if progress is not None:
                progress(done, len(files), path.name)
    return report
