"""De-identification of what the planner exports: DICOM PS3.15 Annex E, Table E.1-1, the Basic
Application Level Confidentiality Profile, complete, with the Clean Descriptors Option.

The table itself comes from a maintained library: ``dicom-anonymizer`` (Kitware, BSD-3-Clause) ships
Table E.1-1 of several editions of the standard as data (``dicomfields_2026c``: the 2026c edition,
about 650 attributes). Its own applier is not used: it does not descend into sequences and keeps
one process-wide UID cache; the small applier below walks every sequence item, replaces UIDs with
2.25 UIDs from a per-export random salt, and honours the option claimed. docs/exports.md compares
it with ``dicognito`` and ``deid``.

Actions (PS3.15 E.1-1): ``X`` remove; ``Z`` empty (kept, zero length); ``D`` replace by a dummy value
(Patient's Name "ANONYMOUS^", Patient ID a random per-export pseudonym so a PACS can file the
objects); ``U`` replace the UID consistently within one export (:class:`UidMap`). Compound
actions take the weakest one that keeps the planner's objects valid: ``Z/D`` -> Z, ``X/Z`` -> Z,
``X/D`` -> X, ``X/Z/D`` -> Z, ``X/Z/U*`` -> U for UIDs (inside sequences too), else Z; but D where
D is allowed and the attribute is Type 1 in an object the planner writes (:data:`TYPE1`). Private
attributes are removed (the profile removes them unless Retain Safe Private is claimed; it is not).

Clean Descriptors Option (DCM 113105, PS3.15 E.3.5): descriptors the planner writes itself from fixed
text ("Spinal canal", "Ablation zone 1", "Ablation plan structures", the de-identified report as
the Encapsulated Document) are kept; nothing the user typed (needle or target names) is kept: key
images drop Image Comments and Derivation Description. Dates are emptied or removed, not shifted.
The options are recorded in De-identification Method Code Sequence (0012,0064): DCM 113100 and
DCM 113105, after any codes the source CT already carried.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field

from dicomanonymizer.dicom_anonymization_databases import dicomfields_2026c as table_e11
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag

from planner.export.uids import derived_uid

TABLE_EDITION = "DICOM 2026c"
_LISTS = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z",
          "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*"}
#: PS3.15 Table E.1-1: tag (group, element) -> action; repeating groups as (group, element, gmask, emask).
BASIC_PROFILE: dict[tuple, str] = {tuple(tag): action for name, action in _LISTS.items()
                                   for tag in getattr(table_e11, name)}
#: Compound action -> the one applied (see the module docstring).
RESOLVED = {"Z/D": "Z", "X/Z": "Z", "X/D": "X", "X/Z/D": "Z", "X/Z/U*": "U"}
#: Attributes that are Type 1 in an IOD the planner writes and have a compound action allowing D: Content
#: Date/Time (Z/D; Type 1 in the SEG's Multi-frame Functional Groups module, PS3.3 C.7.6.16) and Device
#: Serial Number (X/Z/D; Type 1 in Enhanced General Equipment, C.7.5.2).
TYPE1 = frozenset({"ContentDate", "ContentTime", "DeviceSerialNumber"})
DEIDENTIFICATION_METHOD = "PS3.15 E.1-1 basic profile, clean descriptors; dates removed"  # LO: <= 64 characters
DUMMY_PATIENT_NAME = "ANONYMOUS^"  # family name component only (PS3.5 6.2.1.1)
BASIC_PROFILE_CODE = ("113100", "DCM", "Basic Application Confidentiality Profile")
CLEAN_DESCRIPTORS_CODE = ("113105", "DCM", "Clean Descriptors Option")
_DUMMY_BY_VR = {"DA": "19000101", "TM": "000000", "DT": "19000101000000", "AS": "000Y", "UR": "",
                "IS": "0", "DS": "0", "SQ": None}


def _simple() -> dict[int, str]:
    return {int(Tag(t[0], t[1])): a for t, a in BASIC_PROFILE.items() if len(t) == 2}


_SIMPLE = _simple()
_MASKED = [(t, a) for t, a in BASIC_PROFILE.items() if len(t) == 4]


def action_for(tag) -> str | None:
    """The basic profile's action for a tag (None when the table does not name it)."""
    tag = Tag(tag)
    found = _SIMPLE.get(int(tag))
    if found is not None:
        return found
    for (group, element, gmask, emask), action in _MASKED:
        if tag.group & gmask == group & gmask and tag.element & emask == element & emask:
            return action
    return None


@dataclass
class UidMap:
    """Replaces UIDs consistently within one export run (one study keeps one new Study UID). The
    new UIDs are 2.25 UIDs from a random salt, so they cannot be traced back to the originals."""

    salt: str = field(default_factory=lambda: secrets.token_hex(16))
    _map: dict[str, str] = field(default_factory=dict)

    @property
    def pseudonym(self) -> str:
        """A patient id for this run only ("ANON-" + 8 random hex digits), so a PACS can file the objects."""
        return "ANON-" + self.salt[:8].upper()

    def __call__(self, uid: str) -> str:
        if not uid:
            return uid
        if uid not in self._map:
            self._map[uid] = derived_uid(self.salt, uid)
        return self._map[uid]


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _dummy(ds: Dataset, element, uids: UidMap):
    if element.keyword == "PatientName":
        return DUMMY_PATIENT_NAME
    if element.keyword == "PatientID":
        return uids.pseudonym
    if element.VR in _DUMMY_BY_VR:
        return _DUMMY_BY_VR[element.VR]
    if element.VR in ("US", "SS", "UL", "SL", "FL", "FD", "UV", "SV"):
        return 0
    if element.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
        return b"\0\0"
    return "ANONYMIZED"


def _apply(ds: Dataset, uids: UidMap, keep: frozenset) -> None:
    for element in list(ds):
        tag = element.tag
        if tag.is_private:
            del ds[tag]
            continue
        action = action_for(tag)
        if action is not None and element.keyword in keep:
            action = None
        if action is not None and "/" in action and "D" in action and element.keyword in TYPE1:
            action = "D"
        action = RESOLVED.get(action, action)
        if action == "X":
            del ds[tag]
            continue
        if element.VR == "SQ":
            if action in ("Z",):
                element.value = Sequence([])
                continue
            for item in element.value:
                _apply(item, uids, keep)
            continue
        if action == "Z":
            element.value = b"" if element.VR.startswith("O") else ""
        elif action == "D":
            element.value = _dummy(ds, element, uids)
        elif action == "U" and element.VR == "UI":
            values = element.value if element.VM > 1 else [element.value]
            new = [uids(str(v)) for v in values]
            element.value = new if element.VM > 1 else new[0]
        elif action == "U":
            element.value = ""


def deidentify_dataset(ds: Dataset, uids: UidMap, keep: tuple[str, ...] = ()) -> Dataset:
    """Apply :data:`BASIC_PROFILE` to ``ds`` in place (every sequence item too) and mark it de-identified
    (Patient Identity Removed (0012,0062) YES, De-identification Method (0012,0063) and Code Sequence
    (0012,0064)). ``keep`` names descriptors the planner wrote from fixed text (Clean Descriptors
    Option). The file meta's Media Storage SOP Instance UID follows the new SOP Instance UID."""
    for element in list(ds):  # own copies: builders (highdicom) may share elements with the CT's datasets
        ds[element.tag] = copy.deepcopy(element)
    previous = list(ds.get("DeidentificationMethodCodeSequence", []))
    _apply(ds, uids, frozenset(keep))
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD
    codes = [c for c in previous if c.get("CodeValue") not in (BASIC_PROFILE_CODE[0], CLEAN_DESCRIPTORS_CODE[0])]
    ds.DeidentificationMethodCodeSequence = Sequence(codes + [_code(*BASIC_PROFILE_CODE), _code(*CLEAN_DESCRIPTORS_CODE)])
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "SOPInstanceUID" in ds:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds
