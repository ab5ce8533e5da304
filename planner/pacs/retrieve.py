"""Retrieve one series with C-GET or C-MOVE (Study Root, SERIES level; PS3.4 C.4.2 and C.4.3).

The images go to a staging folder; the series enters the cache only when every expected image has
arrived. The expected count is the larger of the query's NumberOfSeriesRelatedInstances (0020,1209)
and the sub-operation total reported by the PACS (Number of Remaining/Completed/Failed/Warning
Sub-operations, (0000,1020)-(0000,1023)). Anything less raises :class:`PartialRetrieve` and the
staging folder is deleted, so a partial series never looks complete.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydicom.dataset import Dataset
from pynetdicom import build_role, evt
from pynetdicom import sop_class as sc
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as StudyRootGet
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove as StudyRootMove

from planner.pacs import audit
from planner.pacs.association import CancelToken, Context, associate, lost_or_timed_out
from planner.pacs.cache import SeriesCache
from planner.pacs.errors import PacsCancelled, PacsError, PacsStatusError, PartialRetrieve
from planner.pacs.query import SeriesResult
from planner.pacs.receiver import ProgressFn, StoreSink, storage_scp
from planner.pacs.settings import PacsNode, PacsSettings
from planner.pacs.syntaxes import decodable_transfer_syntaxes
from planner.pacs.status import PENDING, SUCCESS, SUBOPS_WARNING, describe, error_comment, status_code

#: Storage SOP classes offered (with the SCP role, PS3.7 D.3.3.4) for C-GET: images a spine
#: planner opens plus the objects it sends back. At most 128 contexts fit one association.
GET_STORAGE_CLASSES = (
    sc.CTImageStorage, sc.EnhancedCTImageStorage, sc.LegacyConvertedEnhancedCTImageStorage,
    sc.MRImageStorage, sc.EnhancedMRImageStorage, sc.PositronEmissionTomographyImageStorage,
    sc.ComputedRadiographyImageStorage, sc.DigitalXRayImageStorageForPresentation,
    sc.XRayAngiographicImageStorage, sc.XRayRadiofluoroscopicImageStorage,
    sc.SecondaryCaptureImageStorage, sc.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    sc.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    sc.MultiFrameTrueColorSecondaryCaptureImageStorage, sc.EncapsulatedPDFStorage,
    sc.SegmentationStorage, sc.RTStructureSetStorage, sc.GrayscaleSoftcopyPresentationStateStorage,
    sc.BasicTextSRStorage, sc.EnhancedSRStorage, sc.ComprehensiveSRStorage, sc.KeyObjectSelectionDocumentStorage,
)
#: After the final C-MOVE response, how long stores still in flight may take to land.
MOVE_SETTLE_S = 2.0


def _identifier(series: SeriesResult) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "SERIES"
    ds.StudyInstanceUID = series.study_uid
    ds.SeriesInstanceUID = series.series_uid
    return ds


def _subops(status: Dataset) -> tuple[int, int, int, int]:
    """(remaining, completed, failed, warning) sub-operation counts of a C-GET/C-MOVE response."""
    def n(keyword: str) -> int:
        value = status.get(keyword, None)
        return int(value) if value not in (None, "") else 0
    return (n("NumberOfRemainingSuboperations"), n("NumberOfCompletedSuboperations"),
            n("NumberOfFailedSuboperations"), n("NumberOfWarningSuboperations"))


class _Outcome:
    def __init__(self) -> None:
        self.final_code: int | None = None
        self.comment = ""
        self.failed = 0
        self.answered = False  # any response at all (see lost_or_timed_out)
        self.assoc = None


def _consume(responses, sink: StoreSink) -> _Outcome:
    """Read C-GET/C-MOVE responses until the final one (or the association ends)."""
    out = _Outcome()
    for status, _identifier_rsp in responses:
        code = status_code(status)
        if code is None:
            return out
        out.answered = True
        sink.touch()
        remaining, completed, failed, warning = _subops(status)
        sink.set_expected(remaining + completed + failed + warning)
        if code in PENDING:
            continue
        out.final_code, out.comment, out.failed = code, error_comment(status), failed
    return out


def _run_get(settings, node, series, sink, cancel) -> _Outcome:
    contexts = [Context(StudyRootGet)] + [Context(uid, decodable_transfer_syntaxes()) for uid in GET_STORAGE_CLASSES]
    roles = [build_role(uid, scp_role=True) for uid in GET_STORAGE_CLASSES]
    with associate(settings, node, contexts, purpose="the retrieve (C-GET)", roles=roles,
                   handlers=[(evt.EVT_C_STORE, sink.handle_store)], cancel=cancel) as assoc:
        out = _consume(assoc.send_c_get(_identifier(series), StudyRootGet), sink)
        out.assoc = assoc
        return out


def _run_move(settings, node, series, sink, cancel) -> _Outcome:
    with storage_scp(settings, sink):
        with associate(settings, node, [Context(StudyRootMove)], purpose="the retrieve (C-MOVE)",
                       cancel=cancel) as assoc:
            out = _consume(assoc.send_c_move(_identifier(series), settings.local_ae_title, StudyRootMove), sink)
            out.assoc = assoc
        deadline = time.monotonic() + MOVE_SETTLE_S
        while out.final_code is not None and sink.received < sink.expected and time.monotonic() < deadline:
            time.sleep(0.02)
    return out


def _verdict(out: _Outcome, sink: StoreSink, settings: PacsSettings, node: PacsNode,
             series: SeriesResult, method: str, cancel: CancelToken | None) -> None:
    """Raise unless the retrieve ended with every expected image on disk."""
    what = f"series {series.series_number or ''} '{series.description}'".replace("  ", " ")
    received, expected = sink.received, max(sink.expected, series.instance_count or 0)
    discarded = "The incomplete download was discarded; retrieve the series again."
    if cancel is not None and cancel.cancelled:
        raise PacsCancelled(f"The retrieve of {what} was cancelled after {received} of {expected} "
                            f"images. {discarded}")
    if sink.write_error:
        raise PacsError(f"The retrieved images could not be written to the cache folder "
                        f"({sink.write_error}). Free some disk space or clear the cache.")
    if out.final_code is None:
        cause = lost_or_timed_out(node, settings, time.monotonic() - sink.last_activity,
                                  f"the retrieve ({method})", cancel, out.assoc, out.answered)
        if received == 0:
            raise cause
        raise PartialRetrieve(f"Only {received} of {expected or '?'} images of {what} arrived: "
                              f"{cause} {discarded}", received, expected)
    code = out.final_code
    if code == 0xA801:
        raise PacsStatusError(
            f"{node.label} does not know our AE title '{settings.local_ae_title}', so it cannot send "
            f"images to us (C-MOVE destination unknown). Ask the PACS administrator to add "
            f"'{settings.local_ae_title}' with this computer's address and port {settings.receive_port}, "
            "or use C-GET.", code)
    if code not in (SUCCESS, SUBOPS_WARNING):
        raise PacsStatusError(f"{node.label} could not send {what}: {describe(code, out.comment)}. "
                              f"{received} image(s) had arrived. {discarded}", code)
    if code == SUBOPS_WARNING or out.failed or received < expected:
        raise PartialRetrieve(
            f"{node.label} sent only {received} of {expected} images of {what}"
            f"{f' ({out.failed} failed)' if out.failed else ''}. {discarded}", received, expected)
    if received == 0:
        raise PacsError(f"{node.label} sent no images for {what}: it may have been deleted from the "
                        "PACS. Run the query again.")


def retrieve_series(settings: PacsSettings, node: PacsNode, series: SeriesResult, cache: SeriesCache,
                    *, method: str = "get", progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None, reuse_cached: bool = False) -> Path:
    """Retrieve ``series`` into ``cache`` with ``method`` "get" (C-GET) or "move" (C-MOVE to our SCP).

    Returns the folder of the complete series (open it with ``planner.imaging.load_path``).
    Raises :class:`PartialRetrieve`, :class:`PacsCancelled` or another :class:`PacsError`.
    """
    if method not in ("get", "move"):
        raise ValueError(f"method must be 'get' or 'move', not {method!r}")
    settings = settings.validated()
    if reuse_cached:
        cached = cache.find(series.study_uid, series.series_uid)
        if cached is not None:
            return cached
    staging = cache.new_staging()
    sink = StoreSink(staging, series.series_uid, progress, cancel)
    sink.set_expected(series.instance_count or 0)
    operation = f"retrieve ({'C-GET' if method == 'get' else 'C-MOVE'})"
    try:
        folder = _retrieve(settings, node, series, cache, method, sink, staging, cancel)
    except PacsError as exc:
        audit.record(settings, operation, node, {series.modality or "?": sink.received}, f"failed: {type(exc).__name__}")
        raise
    audit.record(settings, operation, node, {series.modality or "?": sink.received}, "ok")
    return folder


def _retrieve(settings, node, series, cache, method, sink, staging, cancel) -> Path:
    try:
        run = _run_get if method == "get" else _run_move
        try:
            out = run(settings, node, series, sink, cancel)
        except PacsCancelled:
            out = _Outcome()
        _verdict(out, sink, settings, node, series, "C-GET" if method == "get" else "C-MOVE", cancel)
        manifest = {"node": node.label, "method": method, "expected": max(sink.expected, series.instance_count or 0),
                    "modality": series.modality, "series_number": series.series_number,
                    "description": series.description, "patient_id": series.patient_id,
                    "bytes": sink.bytes_received}
        return cache.commit(staging, series.study_uid, series.series_uid, manifest)
    finally:
        if staging.path.exists():
            staging.discard()
