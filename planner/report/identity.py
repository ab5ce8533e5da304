"""Patient identification for the report's page header that :class:`~planner.core.volume.SeriesInfo`
does not hold: Patient's Birth Date (0010,0030), Patient's Sex (0010,0040), Accession Number
(0008,0050), and the full Patient's Name (0010,0010) with its ideographic / phonetic groups, read from
one file of the loaded series (headers only). Empty when no file can be read (a NIfTI volume)."""

from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from planner.core.volume import SeriesInfo

KEYWORDS = ("PatientName", "PatientBirthDate", "PatientSex", "AccessionNumber")


def patient_identity(info: SeriesInfo, max_files: int = 50) -> dict[str, str]:
    source = Path(info.source_path) if info.source_path else None
    if source is None or not source.exists():
        return {}
    paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())[:max_files]
    for path in paths:
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=list(KEYWORDS) +
                                 ["SpecificCharacterSet", "SeriesInstanceUID"])
        except (InvalidDicomError, OSError, ValueError, TypeError, AttributeError):
            continue
        if info.series_instance_uid and ds.get("SeriesInstanceUID", "") != info.series_instance_uid:
            continue
        out = {}
        for keyword in KEYWORDS:
            if keyword in ds and ds.get(keyword) not in (None, ""):
                value = ds.get(keyword)
                out[keyword] = str(value)
        return out
    return {}
