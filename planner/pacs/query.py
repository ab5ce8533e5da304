"""C-FIND queries in the Study Root model (PS3.4 annex C.6.2) at STUDY and SERIES level."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as StudyRootFind

from planner.pacs.association import CancelToken, Context, associate, lost_or_timed_out
from planner.pacs.errors import PacsSettingsError, PacsStatusError
from planner.pacs.settings import PacsNode, PacsSettings
from planner.pacs.status import CANCEL, PENDING, SUCCESS, describe, error_comment, status_code

#: Stop collecting after this many matches so a too-broad query cannot flood the table.
MAX_MATCHES = 2000


@dataclass(frozen=True)
class QueryFilter:
    """What the user typed. Empty fields match everything; ``*`` and ``?`` are DICOM wildcards.

    A patient name without wildcards matches names starting with it (``DOE`` -> ``DOE*``);
    patient ID and accession number match exactly unless they contain wildcards (PS3.4 C.2.2.2).
    """

    patient_id: str = ""
    patient_name: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    accession_number: str = ""
    modality: str = ""

    def study_date(self) -> str:
        """StudyDate range matching value (PS3.4 C.2.2.2.5): ``from-to``, ``from-``, ``-to``."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise PacsSettingsError("The study date range ends before it starts.")
        if not self.date_from and not self.date_to:
            return ""
        lo = self.date_from.strftime("%Y%m%d") if self.date_from else ""
        hi = self.date_to.strftime("%Y%m%d") if self.date_to else ""
        return lo if lo == hi else f"{lo}-{hi}"

    def patient_name_value(self) -> str:
        name = self.patient_name.strip()
        if name and not any(c in name for c in "*?"):
            name += "*"
        return name


@dataclass(frozen=True)
class StudyResult:
    """One matching study (Study Root, STUDY level)."""

    study_uid: str
    patient_id: str
    patient_name: str
    study_date: str
    study_time: str
    accession_number: str
    modalities: tuple[str, ...]
    description: str
    series_count: int | None
    instance_count: int | None


@dataclass(frozen=True)
class SeriesResult:
    """One matching series (SERIES level); ``instance_count`` is NumberOfSeriesRelatedInstances."""

    study_uid: str
    series_uid: str
    modality: str
    series_number: str
    description: str
    instance_count: int | None
    patient_id: str = ""
    patient_name: str = ""


#: Specific Character Set (0008,0005) of every query identifier (PS3.4 C.4.1.1.3.2 / PS3.5 6.1.2.5.4):
#: UTF-8, so a name typed in any script is sent as typed and the PACS knows how to read it.
QUERY_CHARACTER_SET = "ISO_IR 192"


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value).strip()


def _count(ds: Dataset, keyword: str) -> int | None:
    value = ds.get(keyword, None)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _modalities(ds: Dataset) -> tuple[str, ...]:
    value = ds.get("ModalitiesInStudy", None)
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(str(v) for v in items if str(v))


def _run_find(settings: PacsSettings, node: PacsNode, identifier: Dataset, purpose: str,
              cancel: CancelToken | None, on_match: Callable[[Dataset], None] | None = None) -> list[Dataset]:
    matches: list[Dataset] = []
    with associate(settings, node, [Context(StudyRootFind)], purpose=purpose, cancel=cancel) as assoc:
        last = time.monotonic()
        answered = False
        for status, match in assoc.send_c_find(identifier, StudyRootFind):
            code = status_code(status)
            if code is None:
                raise lost_or_timed_out(node, settings, time.monotonic() - last, purpose, cancel, assoc,
                                        answered=answered)
            answered = True
            last = time.monotonic()
            if code in PENDING:
                if match is not None:
                    matches.append(match)
                    if on_match is not None:
                        on_match(match)
                if len(matches) >= MAX_MATCHES:
                    assoc.abort()
                    break
            elif code == CANCEL and cancel is not None:
                cancel.raise_if_cancelled(purpose.capitalize())
            elif code != SUCCESS:
                raise PacsStatusError(f"{node.label} could not run {purpose}: "
                                      f"{describe(code, error_comment(status))}.", code)
    return matches


def find_studies(settings: PacsSettings, node: PacsNode, query: QueryFilter,
                 cancel: CancelToken | None = None) -> list[StudyResult]:
    """C-FIND at STUDY level; results sorted newest first."""
    ds = Dataset()
    ds.SpecificCharacterSet = QUERY_CHARACTER_SET
    ds.QueryRetrieveLevel = "STUDY"
    ds.PatientID = query.patient_id.strip()
    ds.PatientName = query.patient_name_value()
    ds.StudyDate = query.study_date()
    ds.StudyTime = ""
    ds.AccessionNumber = query.accession_number.strip()
    ds.ModalitiesInStudy = query.modality.strip().upper()
    ds.StudyDescription = ""
    ds.StudyInstanceUID = ""
    ds.NumberOfStudyRelatedSeries = ""
    ds.NumberOfStudyRelatedInstances = ""
    found = _run_find(settings, node, ds, "the study query", cancel)
    studies = [StudyResult(study_uid=_text(m, "StudyInstanceUID"), patient_id=_text(m, "PatientID"),
                           patient_name=_text(m, "PatientName"), study_date=_text(m, "StudyDate"),
                           study_time=_text(m, "StudyTime"), accession_number=_text(m, "AccessionNumber"),
                           modalities=_modalities(m), description=_text(m, "StudyDescription"),
                           series_count=_count(m, "NumberOfStudyRelatedSeries"),
                           instance_count=_count(m, "NumberOfStudyRelatedInstances"))
               for m in found if _text(m, "StudyInstanceUID")]
    return sorted(studies, key=lambda s: (s.study_date, s.study_time), reverse=True)


def find_series(settings: PacsSettings, node: PacsNode, study: StudyResult | str, modality: str = "",
                cancel: CancelToken | None = None) -> list[SeriesResult]:
    """C-FIND at SERIES level within one study; sorted by series number."""
    study_uid = study.study_uid if isinstance(study, StudyResult) else str(study)
    ds = Dataset()
    ds.SpecificCharacterSet = QUERY_CHARACTER_SET
    ds.QueryRetrieveLevel = "SERIES"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = ""
    ds.Modality = modality.strip().upper()
    ds.SeriesNumber = ""
    ds.SeriesDescription = ""
    ds.NumberOfSeriesRelatedInstances = ""
    found = _run_find(settings, node, ds, "the series query", cancel)
    pid = study.patient_id if isinstance(study, StudyResult) else ""
    pname = study.patient_name if isinstance(study, StudyResult) else ""
    series = [SeriesResult(study_uid=study_uid, series_uid=_text(m, "SeriesInstanceUID"),
                           modality=_text(m, "Modality"), series_number=_text(m, "SeriesNumber"),
                           description=_text(m, "SeriesDescription"),
                           instance_count=_count(m, "NumberOfSeriesRelatedInstances"),
                           patient_id=pid, patient_name=pname)
              for m in found if _text(m, "SeriesInstanceUID")]

    def order(s: SeriesResult) -> tuple:
        return (0, int(s.series_number), "") if s.series_number.lstrip("-").isdigit() else (1, 0, s.series_number)
    return sorted(series, key=order)
