"""DIMSE status codes (PS3.7 annex C) as words a user can act on."""

from __future__ import annotations

SUCCESS = 0x0000
CANCEL = 0xFE00
PENDING = (0xFF00, 0xFF01)
#: C-GET/C-MOVE "sub-operations complete, one or more failures or warnings" (PS3.4 C.4.2.1.4).
SUBOPS_WARNING = 0xB000

_MESSAGES = {
    0x0106: "an attribute value is out of range",
    0x0110: "processing failure on the PACS",
    0x0111: "the object is already stored (duplicate SOP instance)",
    0x0112: "no such object on the PACS",
    0x0117: "invalid object instance",
    0x0122: "the PACS does not support this type of object (SOP class not supported)",
    0x0124: "the PACS refused the request (not authorised)",
    0x0210: "duplicate invocation",
    0x0211: "unrecognised operation",
    0x0212: "mistyped argument",
    0x0213: "the PACS has reached a resource limit",
    0xA700: "the PACS is out of resources",
    0xA701: "the PACS is out of resources (cannot count the matches)",
    0xA702: "the PACS is out of resources (cannot perform the sub-operations)",
    0xA801: "the PACS does not know the destination AE title (move destination unknown)",
    0xA900: "the request does not match what the PACS supports (identifier does not match SOP class)",
    0xB000: "some images failed or gave warnings",
    0xB007: "the object was stored with coercion of data elements",
    0xFE00: "cancelled",
}


def status_code(status) -> int | None:
    """The Status (0000,0900) of a pynetdicom status dataset, or None when it has none."""
    return int(status.Status) if status is not None and "Status" in status else None


def is_failure(code: int) -> bool:
    return code not in (SUCCESS, CANCEL, *PENDING) and not (0xB000 <= code <= 0xBFFF) and code != 0x0001


def describe(code: int, comment: str = "") -> str:
    """Human text for a status code, e.g. ``'the PACS is out of resources (0xA700)'``."""
    text = _MESSAGES.get(code)
    if text is None:
        if 0xC000 <= code <= 0xCFFF:
            text = "the PACS was unable to process the request"
        elif 0xA000 <= code <= 0xAFFF:
            text = "the PACS refused the request"
        else:
            text = "unexpected answer from the PACS"
    extra = f": {comment}" if comment else ""
    return f"{text} (status 0x{code:04X}{extra})"


def error_comment(status) -> str:
    """The Error Comment (0000,0902) of a status dataset, if any."""
    value = getattr(status, "ErrorComment", "") if status is not None else ""
    return str(value or "").strip()
