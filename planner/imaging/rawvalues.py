"""Fast access to header values without pydicom's per-element conversion machinery.

Converting a value through pydicom costs tens of microseconds; a series scan reads ~30 values from
each of thousands of files. These views decode raw bytes themselves for the simple value
representations the planner needs (US/SS/UL/SL binary integers, the ASCII VRs UI, CS, DA, IS, DS,
and LO/SH/PN/ST in Latin-1 or UTF-8). :class:`PydicomValues` falls back to pydicom for anything
else (sequences, other character sets, unexpected VRs), so odd files are still read correctly.
Tags and VRs come from :mod:`planner.imaging.dicom_dict` (no pydicom import for :class:`ParsedValues`).
"""

from __future__ import annotations

import struct

from planner.imaging.dicom_dict import tag_vr

_ASCII_VRS = {"UI", "CS", "DA", "TM", "IS", "DS", "AS", "DT"}
_TEXT_VRS = {"LO", "SH", "PN", "ST", "LT"}
_BINARY = {"US": "H", "SS": "h", "UL": "L", "SL": "l"}
_PLAIN_CHARSETS = {"", "ISO_IR 6", "ISO_IR 100", "ISO 2022 IR 6", "ISO_IR 192"}
_NOT_SIMPLE = object()


def decode_simple(vr: str, raw: bytes, little: bool, utf8: bool, plain: bool, default):
    """Value of a simple VR from its bytes; ``_NOT_SIMPLE`` when the VR needs pydicom."""
    if len(raw) == 0:
        return default
    if vr in _BINARY:
        fmt = _BINARY[vr]
        size = struct.calcsize(fmt)
        count = len(raw) // size
        if count == 0:
            return default
        values = struct.unpack(("<" if little else ">") + fmt * count, raw[: count * size])
        return values[0] if count == 1 else list(values)
    if vr in _ASCII_VRS or (vr in _TEXT_VRS and plain):
        text = raw.decode("utf-8" if utf8 else "latin-1", errors="replace").strip(" \x00")
        if vr == "PN":
            return text
        return text.split("\\") if "\\" in text else text
    return _NOT_SIMPLE


class ParsedValues:
    """Values parsed by :mod:`planner.imaging.fastparse` (little endian, plain character set)."""

    def __init__(self, values: dict[int, tuple[str, bytes]], utf8: bool):
        self._values = values
        self._utf8 = utf8

    def __contains__(self, keyword: str) -> bool:
        try:
            return tag_vr(keyword)[0] in self._values
        except KeyError:
            return False

    def get(self, keyword: str, default=None):
        try:
            tag = tag_vr(keyword)[0]
        except KeyError:
            return default
        if tag not in self._values:
            return default
        vr, raw = self._values[tag]
        if vr == "US or SS":
            vr = "SS" if self.get("PixelRepresentation", 0) == 1 else "US"
        value = decode_simple(vr, raw, True, self._utf8, True, default)
        return default if value is _NOT_SIMPLE else value


class PydicomValues:
    """Read-only view of a pydicom Dataset decoding raw values cheaply, else through pydicom."""

    def __init__(self, ds, little_endian: bool = True):
        self.ds = ds
        self._little = little_endian
        charset = self._charset()
        self._utf8 = charset == "ISO_IR 192"
        self._plain = charset in _PLAIN_CHARSETS

    def _charset(self) -> str:
        try:
            value = self.ds.get("SpecificCharacterSet", "")
        except Exception:
            return "?"
        if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, str):
            return "\\".join(str(v) for v in value)
        return str(value or "")

    def __contains__(self, keyword: str) -> bool:
        try:
            return tag_vr(keyword)[0] in self.ds
        except KeyError:
            return False

    def _fallback(self, keyword: str, default):
        try:
            value = self.ds[keyword].value
        except Exception:
            return default
        return default if value is None else value

    def get(self, keyword: str, default=None):
        """Value of ``keyword`` (str, list of str, int or pydicom value), or ``default``."""
        try:
            tag, dict_vr = tag_vr(keyword)
        except KeyError:
            return default
        if tag not in self.ds:
            return default
        from pydicom.dataelem import RawDataElement  # pydicom read this dataset: it is imported already

        elem = self.ds.get_item(tag)
        if not isinstance(elem, RawDataElement):
            return default if elem.value is None else elem.value
        vr = elem.VR or dict_vr
        if vr in ("US or SS", "US or SS or OW"):
            vr = "SS" if self.get("PixelRepresentation", 0) == 1 else "US"
        if elem.value is None:
            return default
        value = decode_simple(vr, elem.value, self._little, self._utf8, self._plain, default)
        return self._fallback(keyword, default) if value is _NOT_SIMPLE else value
