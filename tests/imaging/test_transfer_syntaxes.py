"""Every supported transfer syntax decodes to the HU that were written (exactly when lossless)."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom import uid

from planner.imaging import discover, load_path, write_series
from tests.imaging.conftest import make_volume

LOSSLESS = {
    "implicit_le": uid.ImplicitVRLittleEndian,
    "explicit_le": uid.ExplicitVRLittleEndian,
    "explicit_be": uid.ExplicitVRBigEndian,
    "deflated": uid.DeflatedExplicitVRLittleEndian,
    "rle": uid.RLELossless,            # pydicom's own encoder
    "jpeg2000_lossless": uid.JPEG2000Lossless,  # pydicom + pylibjpeg-openjpeg encoder
    "jpeg_lossless_sv1": uid.JPEGLosslessSV1,   # GDCM encoder
    "jpeg_ls_lossless": uid.JPEGLSLossless,     # GDCM (CharLS) encoder
}


def _require_encoder(ts):
    if ts in (uid.JPEGLosslessSV1, uid.JPEGLSLossless, uid.JPEGBaseline8Bit):
        pytest.importorskip("gdcm", reason="python-gdcm is needed to encode this transfer syntax")


@pytest.fixture
def textured():
    """Non-trivial content (noise, negative and positive HU, a marker) so codecs are exercised."""
    vol = make_volume(shape_kji=(5, 40, 48))
    rng = np.random.default_rng(7)
    hu = vol.hu.copy()
    hu += rng.integers(-300, 1500, size=hu.shape, dtype=np.int16)
    return type(vol)(hu, vol.spacing_mm, vol.origin_lps, vol.direction)


@pytest.mark.parametrize("name", sorted(LOSSLESS))
def test_lossless_round_trip(tmp_path, textured, name):
    ts = LOSSLESS[name]
    _require_encoder(ts)
    write_series(textured, tmp_path, transfer_syntax=ts)
    assert pydicom.dcmread(next(tmp_path.iterdir())).file_meta.TransferSyntaxUID == ts
    (cand,) = discover(tmp_path)
    assert cand.supported and cand.transfer_syntax == uid.UID(ts).name
    loaded = load_path(tmp_path)
    assert np.array_equal(loaded.hu, textured.hu)
    assert loaded.origin_lps == pytest.approx(textured.origin_lps)
    assert loaded.warnings == ()


@pytest.mark.parametrize("ts", [uid.ExplicitVRLittleEndian, uid.JPEG2000Lossless, uid.RLELossless])
def test_multiframe_round_trip(tmp_path, textured, ts):
    path = write_series(textured, tmp_path, transfer_syntax=ts, multiframe=True)[0]
    loaded = load_path(path)
    assert np.array_equal(loaded.hu, textured.hu)


def test_unsigned_12bit_with_intercept(tmp_path, textured):
    write_series(textured, tmp_path, signed=False, bits_stored=12, intercept=-1024)
    assert np.array_equal(load_path(tmp_path).hu, np.clip(textured.hu, -1024, 3071))


def test_jpeg_baseline_8bit_is_close_and_flagged_lossy(tmp_path):
    _require_encoder(uid.JPEGBaseline8Bit)
    vol = make_volume(shape_kji=(4, 64, 64), marker_ijk=None)
    hu = vol.hu.copy()
    hu[:, 16:48, 16:48] = 400  # smooth blocks: JPEG's errors stay small
    vol = type(vol)(hu, vol.spacing_mm, vol.origin_lps)
    write_series(vol, tmp_path, transfer_syntax=uid.JPEGBaseline8Bit, bits_allocated=8,
                 signed=False, slope=8.0, intercept=-1024.0)
    loaded = load_path(tmp_path)
    assert np.abs(loaded.hu.astype(int) - hu).mean() < 8
    assert np.abs(loaded.hu.astype(int) - hu).max() <= 8 * 12
    assert any("lossy" in w for w in loaded.warnings)
