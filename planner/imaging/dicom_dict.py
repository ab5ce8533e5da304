"""The few DICOM data-dictionary facts the header reader needs, without importing pydicom.

Importing pydicom costs about 0.4 s of CPU (its pixel decoders import ``requests``, PIL and GDCM at
import time), more than reading a whole 134-slice series the fast way. The common series (Part 10,
uncompressed little endian, :mod:`planner.imaging.fastparse`) needs from pydicom only the tag and the
dictionary VR of the ~40 attributes in :data:`planner.imaging.headers.HEADER_TAGS` and the names of the
two native transfer syntaxes, so ``analyze`` of such a series never imports pydicom (issue 13, speed).
Anything else (another keyword, another transfer syntax, a file the fast parser declines) asks pydicom,
imported on first use.

The values are those of the DICOM data dictionary, PS3.6 section 6 (tag, keyword, VR) and Table A-1
(transfer syntax UIDs and names), as pydicom holds them; tests/imaging/test_dicom_dict.py checks every
entry against pydicom's own dictionary, so the two cannot drift apart.
"""

from __future__ import annotations

from functools import lru_cache

#: Transfer syntax UIDs (PS3.5 section 10 / PS3.6 Table A-1).
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"

#: The uncompressed little-endian syntaxes the planner reads itself (headers and pixels), by name.
NATIVE_LITTLE_ENDIAN = {
    IMPLICIT_VR_LITTLE_ENDIAN: "Implicit VR Little Endian",
    EXPLICIT_VR_LITTLE_ENDIAN: "Explicit VR Little Endian",
}

#: keyword -> (tag, dictionary VR) of the attributes the header reader asks for (PS3.6 section 6).
HEADER_DICTIONARY: dict[str, tuple[int, str]] = {
    "SOPClassUID": (0x00080016, "UI"),
    "SOPInstanceUID": (0x00080018, "UI"),
    "Modality": (0x00080060, "CS"),
    "PatientName": (0x00100010, "PN"),
    "PatientID": (0x00100020, "LO"),
    "StudyDate": (0x00080020, "DA"),
    "StudyDescription": (0x00081030, "LO"),
    "SeriesDescription": (0x0008103E, "LO"),
    "SeriesNumber": (0x00200011, "IS"),
    "SeriesInstanceUID": (0x0020000E, "UI"),
    "StudyInstanceUID": (0x0020000D, "UI"),
    "FrameOfReferenceUID": (0x00200052, "UI"),
    "Rows": (0x00280010, "US"),
    "Columns": (0x00280011, "US"),
    "BitsAllocated": (0x00280100, "US"),
    "BitsStored": (0x00280101, "US"),
    "HighBit": (0x00280102, "US"),
    "PixelRepresentation": (0x00280103, "US"),
    "SamplesPerPixel": (0x00280002, "US"),
    "PhotometricInterpretation": (0x00280004, "CS"),
    "NumberOfFrames": (0x00280008, "IS"),
    "ImageType": (0x00080008, "CS"),
    "ImagePositionPatient": (0x00200032, "DS"),
    "ImageOrientationPatient": (0x00200037, "DS"),
    "PixelSpacing": (0x00280030, "DS"),
    "SliceThickness": (0x00180050, "DS"),
    "RescaleSlope": (0x00281053, "DS"),
    "RescaleIntercept": (0x00281052, "DS"),
    "PixelPaddingValue": (0x00280120, "US or SS"),
    "PixelPaddingRangeLimit": (0x00280121, "US or SS"),
    "InstanceNumber": (0x00200013, "IS"),
    "AcquisitionNumber": (0x00200012, "IS"),
    "SharedFunctionalGroupsSequence": (0x52009229, "SQ"),
    "PerFrameFunctionalGroupsSequence": (0x52009230, "SQ"),
    "SpecificCharacterSet": (0x00080005, "CS"),
    "MediaStorageSOPClassUID": (0x00020002, "UI"),
    "WindowCenter": (0x00281050, "DS"),
    "WindowWidth": (0x00281051, "DS"),
}


@lru_cache(maxsize=256)
def tag_vr(keyword: str) -> tuple[int, str]:
    """(tag, dictionary VR) of a keyword (VR "" when the dictionary has none); KeyError when unknown.
    The header attributes come from :data:`HEADER_DICTIONARY`, any other keyword from pydicom."""
    known = HEADER_DICTIONARY.get(keyword)
    if known is not None:
        return known
    from pydicom.datadict import dictionary_VR, tag_for_keyword  # not a header attribute: pydicom knows

    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        vr = ""
    return tag, vr


def transfer_syntax_name(uid: str) -> str:
    """Readable name of a transfer syntax UID (pydicom's ``UID(uid).name``; the UID itself when it has
    none), "unknown" for an empty UID."""
    if not uid:
        return "unknown"
    name = NATIVE_LITTLE_ENDIAN.get(uid)
    if name is None:
        from pydicom.uid import UID  # a compressed or unusual syntax: pydicom has the names

        name = UID(uid).name
    return name if name and name != uid else f"unknown transfer syntax {uid}"
