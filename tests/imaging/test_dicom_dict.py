"""The header reader's own copy of the DICOM dictionary (planner/imaging/dicom_dict.py) is pydicom's:
every tag, VR and transfer syntax name is checked against pydicom, and an uncompressed series is loaded
without importing pydicom at all (issue 13, ``analyze`` speed)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.uid import UID

from planner.imaging import dicom_dict
from planner.imaging.candidate import _median
from planner.imaging.headers import HEADER_TAGS

ROOT = Path(__file__).resolve().parents[2]


def test_every_header_attribute_is_in_the_table_as_pydicom_has_it():
    assert set(HEADER_TAGS) <= set(dicom_dict.HEADER_DICTIONARY)
    for keyword, (tag, vr) in dicom_dict.HEADER_DICTIONARY.items():
        assert tag_for_keyword(keyword) == tag, keyword
        assert dictionary_VR(tag) == vr, keyword


def test_transfer_syntax_uids_and_names_are_pydicoms():
    import pydicom.uid as u

    assert dicom_dict.IMPLICIT_VR_LITTLE_ENDIAN == u.ImplicitVRLittleEndian
    assert dicom_dict.EXPLICIT_VR_LITTLE_ENDIAN == u.ExplicitVRLittleEndian
    assert dicom_dict.EXPLICIT_VR_BIG_ENDIAN == u.ExplicitVRBigEndian
    assert dicom_dict.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN == u.DeflatedExplicitVRLittleEndian
    for uid, name in dicom_dict.NATIVE_LITTLE_ENDIAN.items():
        assert UID(uid).name == name
    # other syntaxes still get pydicom's names; an unnamed UID and an empty one get words
    assert dicom_dict.transfer_syntax_name(u.JPEG2000Lossless) == UID(u.JPEG2000Lossless).name
    assert dicom_dict.transfer_syntax_name("1.2.3.4") == "unknown transfer syntax 1.2.3.4"
    assert dicom_dict.transfer_syntax_name("") == "unknown"


def test_other_keywords_are_looked_up_in_pydicom():
    assert dicom_dict.tag_vr("PatientBirthDate") == (tag_for_keyword("PatientBirthDate"), "DA")
    with pytest.raises(KeyError):
        dicom_dict.tag_vr("NotADicomKeyword")


@pytest.mark.parametrize("values", [[3.0], [1.0, 2.0], [2.5, 0.5, 1.25], [0.6, 0.6, 1.0, 3.0], [0.1, 0.2, 0.7, 0.3],
                                    list(np.linspace(0.5, 5.0, 17)), [1.0, float("nan"), 2.0]])
def test_the_slice_thickness_median_is_numpys(values):
    expected = float(np.median(values))
    assert _median(values) == expected or (math.isnan(expected) and math.isnan(_median(values)))


def _modules_after(code: str, names) -> list[str]:
    probe = code + f"\nimport json, sys\nprint(json.dumps([m for m in {list(names)!r} if m in sys.modules]))\n"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("syntax", ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"])
def test_an_uncompressed_series_loads_without_pydicom(tmp_path, syntax):
    from planner.core.volume import ImageVolume
    from planner.imaging import write_series

    hu = np.arange(6 * 8 * 10, dtype=np.int16).reshape(6, 8, 10) - 200
    write_series(ImageVolume(hu, (0.7, 0.8, 2.0), (-3.0, 4.0, 5.0), np.eye(3)), tmp_path, transfer_syntax=syntax)
    code = (f"import numpy as np\nfrom planner.imaging import load_path\nv = load_path({str(tmp_path)!r})\n"
            f"assert np.array_equal(v.hu, np.arange(480, dtype=np.int16).reshape(6, 8, 10) - 200)\n"
            f"assert v.spacing_mm == (0.7, 0.8, 2.0), v.spacing_mm\n")
    assert _modules_after(code, ["pydicom"]) == []


def test_the_lumbar_scan_loads_without_pydicom(lumbar_ct_dir):
    code = (f"from planner.imaging import load_path\nv = load_path({str(lumbar_ct_dir)!r})\n"
            "assert v.hu.shape == (134, 512, 512), v.hu.shape\n")
    assert _modules_after(code, ["pydicom"]) == []


def test_a_compressed_series_still_loads_through_pydicom(t11_t12_ct_dir):
    code = (f"from planner.imaging import load_path\nv = load_path({str(t11_t12_ct_dir)!r})\n"
            "assert v.hu.shape == (20, 512, 512), v.hu.shape\n")
    assert _modules_after(code, ["pydicom"]) == ["pydicom"]
