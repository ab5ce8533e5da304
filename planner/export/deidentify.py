"""De-identification of what the planner exports, after DICOM PS3.15 Annex E, Table E.1-1 (Basic
Application Level Confidentiality Profile). The attributes below are the ones the planner's exports
can carry (copied from the source CT's Patient, Study and Equipment modules); docs/exports.md lists
them with their actions.

Actions (PS3.15 E.1): ``X`` remove; ``Z`` replace by an empty value (attribute kept, Type 2);
``D`` replace by a dummy value (Patient's Name "ANONYMOUS^", Patient ID a random per-export
pseudonym, so a PACS can still file the objects); ``U`` replace the UID by another one, consistently within one
de-identification (:class:`UidMap`). Dates and times are emptied (not shifted).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

#: keyword -> action, PS3.15 Table E.1-1 basic profile (subset the exports can contain).
BASIC_PROFILE: dict[str, str] = {
    "PatientName": "D", "PatientID": "D", "PatientBirthDate": "Z", "PatientBirthTime": "X", "PatientSex": "Z",
    "OtherPatientIDs": "X", "OtherPatientIDsSequence": "X", "OtherPatientNames": "X", "PatientBirthName": "X",
    "PatientMotherBirthName": "X", "PatientAddress": "X", "PatientTelephoneNumbers": "X", "PatientAge": "X",
    "PatientSize": "X", "PatientWeight": "X", "EthnicGroup": "X", "Occupation": "X", "MedicalRecordLocator": "X",
    "AdditionalPatientHistory": "X", "PatientComments": "X", "MilitaryRank": "X", "BranchOfService": "X",
    "CountryOfResidence": "X", "RegionOfResidence": "X", "IssuerOfPatientID": "X", "PregnancyStatus": "X",
    "ReferringPhysicianName": "Z", "ReferringPhysicianAddress": "X", "ReferringPhysicianTelephoneNumbers": "X",
    "PhysiciansOfRecord": "X", "PerformingPhysicianName": "X", "NameOfPhysiciansReadingStudy": "X",
    "OperatorsName": "X", "RequestingPhysician": "X", "InstitutionName": "X", "InstitutionAddress": "X",
    "InstitutionalDepartmentName": "X", "StationName": "X", "DeviceSerialNumber": "X",
    "AccessionNumber": "Z", "StudyID": "Z", "StudyDate": "Z", "StudyTime": "Z", "SeriesDate": "X",
    "SeriesTime": "X", "AcquisitionDate": "X", "AcquisitionTime": "X", "AcquisitionDateTime": "Z",
    "ContentDate": "Z", "ContentTime": "Z", "InstanceCreationDate": "X", "InstanceCreationTime": "X",
    "StudyDescription": "X", "SeriesDescription": "X", "RequestAttributesSequence": "X",
    "ReferencedPatientSequence": "X", "ReferencedStudySequence": "X", "AdmittingDiagnosesDescription": "X",
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U", "FrameOfReferenceUID": "U",
}
DEIDENTIFICATION_METHOD = "PS3.15 basic profile; dates removed; UIDs replaced"  # LO: at most 64 characters
DUMMY_PATIENT_NAME = "ANONYMOUS^"  # family name component only (PS3.5 6.2.1.1)


@dataclass
class UidMap:
    """Replaces UIDs consistently within one export run (one study keeps one new Study UID). The
    new UIDs come from a random salt, so they cannot be traced back to the originals."""

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
            self._map[uid] = generate_uid(entropy_srcs=[self.salt, uid])
        return self._map[uid]


def deidentify_dataset(ds: Dataset, uids: UidMap) -> Dataset:
    """Apply :data:`BASIC_PROFILE` to ``ds`` in place (also inside sequences) and mark it de-identified
    (Patient Identity Removed (0012,0062) YES, De-identification Method (0012,0063) and Code Sequence
    (0012,0064) with DCM 113100 "Basic Application Confidentiality Profile")."""
    _apply(ds, uids)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    return ds


def _apply(ds: Dataset, uids: UidMap) -> None:
    for keyword, action in BASIC_PROFILE.items():
        if keyword not in ds:
            continue
        if action == "X":
            delattr(ds, keyword)
        elif action == "D":
            setattr(ds, keyword, DUMMY_PATIENT_NAME if keyword == "PatientName" else uids.pseudonym)
        elif action == "Z":
            setattr(ds, keyword, "")
        elif action == "U":
            setattr(ds, keyword, uids(str(getattr(ds, keyword))))
    for element in list(ds):
        if element.VR == "SQ":
            for item in element.value:
                _apply(item, uids)
        elif element.VR == "UI" and element.keyword.endswith("InstanceUID") and element.keyword not in BASIC_PROFILE:
            if element.keyword.startswith("Referenced"):
                element.value = uids(str(element.value))
