"""A narrow, fast reader for the common case: a Part 10 file (PS3.10 7.1) in implicit or explicit VR
little endian, whose wanted attributes are plain strings or binary integers.

It walks the top-level data elements (PS3.5 7.1) up to Pixel Data, skipping sequences (defined or
undefined length, PS3.5 7.5), and keeps the raw bytes of the attributes the planner reads. Anything
else (other transfer syntaxes, functional-group sequences, other character sets, unexpected VRs,
lengths past the end of the file) returns None so the caller falls back to pydicom.
"""

from __future__ import annotations

import struct

from planner.imaging.dicom_dict import tag_vr

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT"}
_SIMPLE_VRS = {"US or SS", "US", "SS", "UL", "SL", "UI", "CS", "DA", "TM", "IS", "DS", "AS", "DT", "LO", "SH", "PN", "ST", "LT"}
_PLAIN_CHARSETS = {b"", b"ISO_IR 6", b"ISO_IR 100", b"ISO 2022 IR 6", b"ISO_IR 192"}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_PIXEL_TAGS = {0x7FE00010: "PixelData", 0x7FE00008: "FloatPixelData", 0x7FE00009: "DoubleFloatPixelData"}
_U16, _U32, _TAG = struct.Struct("<H"), struct.Struct("<L"), struct.Struct("<HH")
_FG_TAGS = {0x52009229, 0x52009230}  # Shared / Per-frame Functional Groups Sequence
CHUNK = 16384


class _Unsupported(Exception):
    """The file needs the general reader."""


class Truncated(Exception):
    """An element of the header runs past the end of the file: the file is cut short or corrupt."""


class _Buffer:
    """The start of a file, read further on demand."""

    def __init__(self, fp, size: int):
        self.fp, self.size = fp, size
        self.data = fp.read(CHUNK)

    def need(self, end: int) -> None:
        if end > self.size:
            raise Truncated(f"an element needs byte {end} of a {self.size}-byte file")
        while end > len(self.data):
            more = self.fp.read(max(CHUNK, end - len(self.data)))
            if not more:
                raise _Unsupported("short read")
            self.data += more


def _element_header(buf: _Buffer, pos: int, implicit: bool) -> tuple[int, str | None, int, int]:
    """(tag, VR or None, value length, position of the value) of the element at ``pos``."""
    buf.need(pos + 8)
    group, elem = _TAG.unpack_from(buf.data, pos)
    tag = (group << 16) | elem
    if implicit or group == 0xFFFE:
        return tag, None, _U32.unpack_from(buf.data, pos + 4)[0], pos + 8
    vr = buf.data[pos + 4:pos + 6]
    if vr in _LONG_VRS:
        buf.need(pos + 12)
        return tag, vr.decode("ascii"), _U32.unpack_from(buf.data, pos + 8)[0], pos + 12
    if not (65 <= vr[0] <= 90 and 65 <= vr[1] <= 90):
        raise _Unsupported("not a VR")
    return tag, vr.decode("ascii"), _U16.unpack_from(buf.data, pos + 6)[0], pos + 8


def _skip_undefined(buf: _Buffer, pos: int, implicit: bool, depth: int = 0) -> int:
    """Position after an undefined-length sequence (or item) value starting at ``pos``."""
    if depth > 16:
        raise _Unsupported("nesting too deep")
    while True:
        tag, _vr, length, value = _element_header(buf, pos, implicit)
        if tag in (_SEQ_END, _ITEM_END):
            return value
        if length == _UNDEFINED:
            pos = _skip_undefined(buf, value, implicit, depth + 1)
        else:
            buf.need(value + length)
            pos = value + length


def _meta(buf: _Buffer) -> tuple[int, dict[int, bytes]]:
    """Parse group 0002 (always explicit VR little endian); returns (end position, values)."""
    buf.need(132)
    if buf.data[128:132] != b"DICM":
        raise _Unsupported("no preamble")
    pos, meta = 132, {}
    while True:
        buf.need(pos + 8)
        if _U16.unpack_from(buf.data, pos)[0] != 0x0002:
            return pos, meta
        tag, _vr, length, value = _element_header(buf, pos, False)
        if length == _UNDEFINED:
            raise _Unsupported("undefined length in meta")
        buf.need(value + length)
        meta[tag] = buf.data[value:value + length]
        pos = value + length


_WANTED: dict[int, str] = {}


def wanted_tags(keywords) -> dict[int, str]:
    """Map tag -> dictionary VR for the keywords the header reader needs (computed once)."""
    if not _WANTED:
        for kw in keywords:
            try:
                tag, vr = tag_vr(kw)
            except KeyError:
                continue
            _WANTED[tag] = vr
    return _WANTED


def parse(fp, size: int, keywords) -> tuple[str, dict[int, tuple[str, bytes]], tuple | None] | None:
    """(transfer syntax, {tag: (VR, raw bytes)}, pixel (offset, length, keyword) or None), or None
    when the file needs the general reader. ``fp`` is positioned at 0. Raises :class:`Truncated`
    when the header runs past the end of the file."""
    wanted = wanted_tags(keywords)
    try:
        buf = _Buffer(fp, size)
        pos, meta = _meta(buf)
        ts = meta.get(0x00020010, b"").decode("ascii", "replace").strip(" \x00")
        if ts not in (IMPLICIT_LE, EXPLICIT_LE):
            return None
        implicit = ts == IMPLICIT_LE
        values: dict[int, tuple[str, bytes]] = {0x00020002: ("UI", meta.get(0x00020002, b""))}
        while pos < size:
            tag, vr, length, value = _element_header(buf, pos, implicit)
            if tag in _PIXEL_TAGS:
                if not _plain_charset(values):
                    return None
                pixel_length = 0 if length == _UNDEFINED else length
                return ts, values, (value, pixel_length, length == _UNDEFINED, _PIXEL_TAGS[tag])
            if tag in _FG_TAGS or (tag >> 16) == 0xFFFE or tag < 0x00080000:
                return None
            if length == _UNDEFINED:
                pos = _skip_undefined(buf, value, implicit)
                continue
            if tag in wanted:
                vr = vr or wanted[tag]
                if vr not in _SIMPLE_VRS:
                    return None
                buf.need(value + length)
                values[tag] = (vr, buf.data[value:value + length])
            pos = value + length
        return (ts, values, None) if _plain_charset(values) else None
    except (_Unsupported, struct.error, UnicodeDecodeError):
        return None


def _plain_charset(values: dict[int, tuple[str, bytes]]) -> bool:
    return values.get(0x00080005, ("CS", b""))[1].strip(b" \x00") in _PLAIN_CHARSETS


def charset_is_utf8(values: dict[int, tuple[str, bytes]]) -> bool:
    return values.get(0x00080005, ("CS", b""))[1].strip(b" \x00") == b"ISO_IR 192"
