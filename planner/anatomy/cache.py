"""On-disk cache of the automatic anatomy (spinal canal, body mask, vertebrae), keyed by the series' content.

Finding the anatomy takes seconds (issue 13); the same series opened again (``analyze`` run twice, the
app re-opening a case) gets it back from disk in milliseconds. What makes an entry valid:

- **The key** is a SHA-256 over the voxel array (its bytes, dtype and shape), the spacing, origin and
  direction, :data:`ALGORITHM_VERSION` and a digest of the source files of :mod:`planner.anatomy`
  (changed code, or another branch's code, never reads this code's results). Two series with the same
  pixels on the same grid are the same input to the anatomy, whatever their UIDs.
- **A file** ``<key>.<part>.npz`` (no pickles: ``allow_pickle=False``) holds the arrays and a JSON
  header repeating the key, the part and a SHA-256 of the payload. A file that cannot be read, is for
  another key or part, or whose payload digest or array shapes do not match is *ignored with a message*
  (:attr:`AnatomyCache.messages`, and the ``planner.anatomy.cache`` logger) and recomputed; it is
  never trusted.
- **Writes are atomic**: written to a temporary file in the same folder, then renamed over the
  target (``os.replace``); a failed write leaves no file behind and only costs a message.

Size: at most ``max_bytes`` (500 MB by default, about 200 scans of 512 x 512 x 134); after a write
the least recently used entries (a read touches its file) are deleted beyond that.

Where: ``$SPINE_PLANNER_CACHE_DIR`` when set, else the user cache folder (``platformdirs`` when
installed, else ``$XDG_CACHE_HOME`` or ``~/.cache``) + ``spine-planner/anatomy``. Off when
``SPINE_PLANNER_NO_CACHE`` is set to anything but ``""``/``0`` (or ``analyze --no-cache``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np

from planner.core.volume import ImageVolume

__all__ = ["ALGORITHM_VERSION", "AnatomyCache", "CacheEntryError", "cache_dir", "cache_enabled",
           "content_key", "default_cache", "volume_key"]

log = logging.getLogger(__name__)

#: Bumped by hand when the meaning of a cached part changes without its code changing (the code
#: digest below covers ordinary edits of planner/anatomy).
#: 2: canal front cut and sacral gaps, foramen pedicle reach 9 mm (issue 13); 3: low-density marrow bodies
#: found by the automatic search (levels_marrow.py: T12 of the T11-T12 scan, issue 13); 5: that body cut beside
#: its front half behind its middle (rib heads, pedicle bases) and sized per slice over its marrow run.
ALGORITHM_VERSION = "anatomy-cache-6"
ENV_DIR = "SPINE_PLANNER_CACHE_DIR"
ENV_OFF = "SPINE_PLANNER_NO_CACHE"
_FORMAT = "spine-planner anatomy cache"


class CacheEntryError(ValueError):
    """A cache file that must not be used (unreadable, foreign, for another key, corrupt)."""


def cache_enabled() -> bool:
    return os.environ.get(ENV_OFF, "").strip() in ("", "0")


def cache_dir() -> Path:
    """The folder of the anatomy cache (see the module docstring)."""
    env = os.environ.get(ENV_DIR, "").strip()
    if env:
        return Path(env)
    try:
        from platformdirs import user_cache_dir

        base = Path(user_cache_dir("spine-planner", appauthor=False))
    except ImportError:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "spine-planner"
    return base / "anatomy"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the planner's version and the source files of planner/anatomy (sorted by name).

    The version matters in the application bundle, which holds no .py sources: there the digest is the
    version alone, so a new release never reads an older release's anatomy."""
    from planner import __version__

    h = hashlib.sha256(f"planner {__version__}".encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def content_key(volume: ImageVolume) -> str:
    """The cache key of ``volume``'s anatomy (hex SHA-256, see the module docstring)."""
    hu = np.ascontiguousarray(volume.hu)
    h = hashlib.sha256()
    header = {"version": ALGORITHM_VERSION, "code": code_digest(), "dtype": hu.dtype.str, "shape": list(hu.shape),
              "spacing_mm": [float(s) for s in volume.spacing_mm], "origin_lps": [float(s) for s in volume.origin_lps],
              "direction": [float(s) for s in np.asarray(volume.direction, float).ravel()]}
    h.update(json.dumps(header, sort_keys=True).encode())
    h.update(memoryview(hu).cast("B"))
    return h.hexdigest()


_KEYS: "weakref.WeakKeyDictionary[ImageVolume, str]" = weakref.WeakKeyDictionary()
_KEYS_LOCK = threading.Lock()


def volume_key(volume: ImageVolume) -> str:
    """:func:`content_key` of ``volume``, hashed once per volume object (an ``ImageVolume`` is
    immutable); safe to call from two threads (``analyze`` hashes in one while importing in another)."""
    key = _KEYS.get(volume)
    if key is None:
        key = content_key(volume)
        with _KEYS_LOCK:
            key = _KEYS.setdefault(volume, key)
    return key


def _payload_digest(arrays: dict[str, np.ndarray], meta: dict) -> str:
    h = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(memoryview(a).cast("B") if a.size else b"")
    return h.hexdigest()


def _unpack(stored: dict[str, np.ndarray], packed) -> dict[str, np.ndarray]:
    """Boolean arrays are stored bit-packed (``np.packbits``, 8x smaller); ``packed``: name -> shape."""
    if not isinstance(packed, dict):
        raise CacheEntryError("a malformed header")
    out = dict(stored)
    for name, shape in packed.items():
        if name not in stored or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise CacheEntryError("a malformed header")
        bits = stored[name]
        count = int(np.prod(shape, dtype=np.int64))
        if bits.dtype != np.uint8 or bits.ndim != 1 or bits.size != -(-count // 8):
            raise CacheEntryError("a packed array of the wrong size")
        out[name] = np.unpackbits(bits, count=count).view(bool).reshape(shape)
    return out


class AnatomyCache:
    """Read and write cached anatomy parts of one folder. ``messages`` collects, in words, every file
    that was ignored or could not be written (the caller shows them; nothing is raised)."""

    def __init__(self, folder: Path | str | None = None, enabled: bool | None = None,
                 max_bytes: int = 500 * 1024 * 1024):
        self.folder = Path(folder) if folder is not None else cache_dir()
        self.enabled = cache_enabled() if enabled is None else bool(enabled)
        self.max_bytes = int(max_bytes)
        self.messages: list[str] = []

    def path(self, key: str, part: str) -> Path:
        return self.folder / f"{key}.{part}.npz"

    def _note(self, text: str) -> None:
        self.messages.append(text)
        log.warning(text)

    def load(self, key: str, part: str) -> tuple[dict[str, np.ndarray], dict] | None:
        """``(arrays, meta)`` of a valid entry, or None (missing, disabled, or ignored with a message)."""
        if not self.enabled:
            return None
        path = self.path(key, part)
        if not path.is_file():
            return None
        try:
            entry = self._read(path, key, part)
            try:
                os.utime(path)  # recently used: kept longest when the cache is trimmed
            except OSError:
                pass
            return entry
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, it is not used
            self._note(f"The anatomy cache file {path} was ignored ({exc}); the anatomy is computed again.")
            return None

    @staticmethod
    def _read(path: Path, key: str, part: str) -> tuple[dict[str, np.ndarray], dict]:
        with np.load(path, allow_pickle=False) as z:
            if "__header__" not in z.files:
                raise CacheEntryError("not an anatomy cache file")
            header = json.loads(bytes(z["__header__"]).decode("utf-8"))
            stored = {name: z[name] for name in z.files if name != "__header__"}
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise CacheEntryError("not an anatomy cache file")
        arrays = _unpack(stored, header.get("packed", {}))
        if header.get("key") != key or header.get("part") != part:
            raise CacheEntryError("it belongs to another series or part")
        meta = header.get("meta")
        if not isinstance(meta, dict) or header.get("digest") != _payload_digest(arrays, meta):
            raise CacheEntryError("its content does not match its checksum")
        return arrays, meta

    def store(self, key: str, part: str, arrays: dict[str, np.ndarray], meta: dict) -> bool:
        """Write an entry atomically; False (with a message) when it could not be written."""
        if not self.enabled:
            return False
        arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
        packed = {name: list(a.shape) for name, a in arrays.items() if a.dtype == bool}
        header = {"format": _FORMAT, "key": key, "part": part, "meta": meta, "packed": packed,
                  "digest": _payload_digest(arrays, meta)}
        arrays = {name: (np.packbits(a, axis=None) if name in packed else a) for name, a in arrays.items()}
        path = self.path(key, part)
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            np.savez(buf, __header__=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8), **arrays)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.folder)
            with os.fdopen(fd, "wb") as fh:
                fh.write(buf.getbuffer())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            tmp = None
            self._trim(keep=path)
            return True
        except (OSError, ValueError, TypeError) as exc:
            self._note(f"The anatomy could not be written to the cache {self.folder} ({exc}).")
            return False
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


    def _trim(self, keep: Path) -> None:
        """Delete the least recently used entries while the folder holds more than ``max_bytes``."""
        try:
            files = [(f.stat().st_mtime, f.stat().st_size, f) for f in self.folder.glob("*.npz")]
        except OSError:
            return
        total = sum(size for _, size, _ in files)
        for _, size, f in sorted(files, key=lambda t: t[0]):
            if total <= self.max_bytes:
                break
            if f == keep:
                continue
            try:
                f.unlink()
                total -= size
            except OSError:
                pass


def default_cache() -> AnatomyCache:
    """A cache in the user folder (or ``$SPINE_PLANNER_CACHE_DIR``), on unless disabled by the env."""
    return AnatomyCache()
