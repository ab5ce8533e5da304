"""The transfer syntaxes the planner offers a PACS: only those it can decode.

Offering every syntax pynetdicom knows (video, JPEG XL, JPIP, …) lets a PACS send images the planner
then cannot open. Here a syntax is offered when it is uncompressed (Implicit/Explicit VR Little
Endian, Deflated, Big Endian) or when pydicom has an available decoder for it (``pydicom.pixels``:
RLE, JPEG, JPEG-LS, JPEG 2000 and HTJ2K with the plugins in pyproject.toml), checked at run time so
a missing plugin is never offered. Uncompressed syntaxes come first: a PACS that stores them picks
them without transcoding.
"""

from __future__ import annotations

from functools import lru_cache

from pydicom.uid import UID
from pynetdicom import ALL_TRANSFER_SYNTAXES

UNCOMPRESSED = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2")


def _decodable(uid: str) -> bool:
    if uid in UNCOMPRESSED:
        return True
    try:
        from pydicom.pixels import get_decoder

        return bool(get_decoder(UID(uid)).is_available)
    except (NotImplementedError, ValueError, KeyError, ImportError):
        return False


@lru_cache(maxsize=1)
def decodable_transfer_syntaxes() -> tuple[str, ...]:
    """Uncompressed syntaxes first, then every compressed one pydicom can decode here."""
    compressed = tuple(uid for uid in ALL_TRANSFER_SYNTAXES if uid not in UNCOMPRESSED and _decodable(uid))
    return UNCOMPRESSED + compressed
