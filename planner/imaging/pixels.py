"""Decode pixel frames into a preallocated int16 HU array, in place, on a thread pool.

Hounsfield units: HU = stored value x RescaleSlope (0028,1053) + RescaleIntercept (0028,1052)
(PS3.3 C.11.1.1.2, modality LUT). Stored values use BitsStored (0028,0101) bits of BitsAllocated
(0028,0100); the unused high bits are masked, or sign-extended when PixelRepresentation (0028,0103)
is 1. Pixels equal to Pixel Padding Value (0028,0120) (or within Pixel Padding Range Limit
(0028,0121)) lie outside the scanned field of view and become air (-1024 HU) (PS3.3 C.7.5.1.1.2).
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from planner.core.errors import LoadCancelled, LoadError
from planner.imaging._common import CancelFn, ProgressFn, check_cancel, report
from planner.imaging.functional_groups import FrameGeometry
from planner.imaging.headers import FileHeader

AIR_HU = -1024
_I16 = np.iinfo(np.int16)


def allocate_hu(shape: tuple[int, ...]) -> np.ndarray:
    """Uninitialised int16 array for the output volume, its pages faulted in up front.

    On Linux an anonymous ``mmap`` with MAP_POPULATE maps every page in one system call, which is
    several times faster than faulting 4 kB pages one by one while the decoder threads write
    (measured 0.15 s instead of 0.8 s for 315 MB on the development VM). Elsewhere ``np.empty``.
    """
    nbytes = int(np.prod(shape)) * 2
    flags = getattr(mmap, "MAP_POPULATE", 0)
    if nbytes < (16 << 20) or not flags:
        return np.empty(shape, np.int16)
    try:
        buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | flags)
    except (OSError, ValueError, AttributeError):
        return np.empty(shape, np.int16)
    return np.frombuffer(buffer, dtype=np.int16).reshape(shape)


@dataclass(frozen=True)
class FrameJob:
    """Decode ``frames`` of one file into output slices ``targets`` (same length)."""

    header: FileHeader
    frames: tuple[int, ...]
    targets: tuple[int, ...]


def _stored_range(h: FileHeader) -> tuple[int, int]:
    bits = max(1, min(h.bits_stored or h.bits_allocated, h.bits_allocated))
    if h.pixel_representation:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _normalise_stored(raw: np.ndarray, h: FileHeader) -> np.ndarray:
    """Mask unused high bits (unsigned) or sign-extend (signed), in place when possible."""
    bits = h.bits_stored
    width = raw.dtype.itemsize * 8
    if not 0 < bits < width or raw.dtype.kind not in "iu":
        return raw
    if h.pixel_representation:
        signed = raw.view(np.dtype(f"i{raw.dtype.itemsize}"))
        shift = width - bits
        np.left_shift(signed, shift, out=signed)
        np.right_shift(signed, shift, out=signed)
        return signed
    unsigned = raw.view(np.dtype(f"u{raw.dtype.itemsize}"))
    np.bitwise_and(unsigned, (1 << bits) - 1, out=unsigned)
    return unsigned


def _padding_mask(stored: np.ndarray, h: FileHeader) -> np.ndarray | None:
    pad = h.pixel_padding_value
    if pad is None:
        return None
    limit = h.pixel_padding_range_limit
    if limit is None:
        mask = stored == pad
    else:
        lo, hi = min(pad, limit), max(pad, limit)
        mask = (stored >= lo) & (stored <= hi)
    return mask if mask.any() else None


def store_hu(raw: np.ndarray, h: FileHeader, frame: FrameGeometry, out: np.ndarray) -> int:
    """Write HU of one frame of stored values into ``out`` (int16 slice); returns clipped count.

    ``raw`` may share memory with ``out`` (the fast path reads the file straight into ``out``).
    """
    stored = _normalise_stored(raw, h)
    pad = _padding_mask(stored, h)
    slope, intercept = frame.slope, frame.intercept
    integer = slope == 1.0 and float(intercept).is_integer()
    if integer and stored.dtype.itemsize <= 2:
        lo, hi = _stored_range(h)
        if not (_I16.min <= lo + intercept and hi + intercept <= _I16.max):
            lo, hi = int(stored.min()), int(stored.max())
        if _I16.min <= lo + intercept and hi + intercept <= _I16.max:
            if not (stored.dtype.itemsize == 2 and np.shares_memory(stored, out)):
                np.copyto(out, stored, casting="unsafe")  # same bits when shared: values fit int16
            if intercept:
                out += np.int16(intercept)
            if pad is not None:
                out[pad] = AIR_HU
            return 0
    hu = stored.astype(np.float64) * slope + intercept
    clipped = int(np.count_nonzero((hu < _I16.min) | (hu > _I16.max)))
    np.clip(hu, _I16.min, _I16.max, out=hu)
    np.rint(hu, out=hu)
    out[...] = hu.astype(np.int16)
    if pad is not None:
        out[pad] = AIR_HU
    return clipped


def _read_native(job: FrameJob, out: np.ndarray) -> int:
    """Uncompressed little-endian pixels read straight from the file into the output slices."""
    h = job.header
    frame_bytes = h.rows * h.columns * h.bits_allocated // 8
    dtype = np.dtype(f"<{'i' if h.pixel_representation else 'u'}{h.bits_allocated // 8}")
    clipped = 0
    with open(h.path, "rb", buffering=0) as fp:
        for frame, k in zip(job.frames, job.targets):
            fp.seek(h.pixel.offset + frame * frame_bytes)
            if h.bits_allocated == 16:
                target = out[k]
                got = fp.readinto(memoryview(target).cast("B"))
                raw = target.view(dtype)
            else:
                buf = np.empty((h.rows, h.columns), dtype)
                got = fp.readinto(memoryview(buf).cast("B"))
                raw = buf
            if got != frame_bytes:
                raise LoadError(f"The image data in {os.path.basename(h.path)} ends early: the file is truncated.", (h.path,))
            clipped += store_hu(raw, h, h.frames[frame], out[k])
    return clipped


def _read_pydicom(job: FrameJob, out: np.ndarray) -> int:
    """Compressed, deflated or big-endian pixels decoded by pydicom and its plugins."""
    import pydicom  # imported on first use: an uncompressed little-endian series never needs it

    h = job.header
    ds = pydicom.dcmread(h.path, force=True)
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = h.transfer_syntax_uid
    clipped = 0
    for frame, k in zip(job.frames, job.targets):
        arr = pydicom.pixels.pixel_array(ds, index=frame) if h.number_of_frames > 1 else ds.pixel_array
        if arr.shape != (h.rows, h.columns):
            raise LoadError(
                f"The image in {os.path.basename(h.path)} decoded to {arr.shape[-2:]} pixels, "
                f"not the {h.rows}x{h.columns} its header says.", (h.path,))
        clipped += store_hu(np.array(arr, copy=True), h, h.frames[frame], out[k])
    return clipped


def run_job(job: FrameJob, out: np.ndarray) -> int:
    """Decode one job; every failure becomes a LoadError naming the file."""
    try:
        if job.header.fast_path:
            return _read_native(job, out)
        return _read_pydicom(job, out)
    except (LoadError, LoadCancelled):
        raise
    except MemoryError:
        raise LoadError(f"Not enough memory to decode {os.path.basename(job.header.path)}.", (job.header.path,)) from None
    except PermissionError:
        raise LoadError(f"{os.path.basename(job.header.path)} cannot be opened: permission denied.", (job.header.path,)) from None
    except Exception as exc:
        raise LoadError(
            f"The image in {os.path.basename(job.header.path)} cannot be decoded "
            f"({type(exc).__name__}: {str(exc)[:160]}). The file may be corrupt.", (job.header.path,)
        ) from None


def _split(jobs: Sequence[FrameJob], chunk: int = 32) -> list[FrameJob]:
    """Split multi-frame native jobs into chunks so a single big file still uses every thread."""
    out: list[FrameJob] = []
    for job in jobs:
        if job.header.fast_path and len(job.frames) > chunk:
            for s in range(0, len(job.frames), chunk):
                out.append(FrameJob(job.header, job.frames[s:s + chunk], job.targets[s:s + chunk]))
        else:
            out.append(job)
    return out


def _run_batch(batch: Sequence[FrameJob], out: np.ndarray, cancel: CancelFn | None) -> int:
    clipped = 0
    for job in batch:
        check_cancel(cancel)
        clipped += run_job(job, out)
    return clipped


def _batches(jobs: Sequence[FrameJob], n_batches: int) -> list[list[FrameJob]]:
    size = max(1, -(-len(jobs) // n_batches))
    return [list(jobs[s:s + size]) for s in range(0, len(jobs), size)]


def decode_into(jobs: Sequence[FrameJob], out: np.ndarray, progress: ProgressFn | None = None,
                cancel: CancelFn | None = None, workers: int | None = None) -> int:
    """Fill ``out[k]`` for every job target with HU; returns how many voxels were clipped to int16.

    Jobs run in batches on a thread pool (file reads and numpy release the GIL); progress is
    reported per batch from the calling thread; ``cancel`` is polled by the workers between files.
    """
    jobs = _split(jobs)
    total = sum(len(j.frames) for j in jobs)
    workers = workers or min(8, (os.cpu_count() or 2) * 2)
    done = clipped = 0
    report(progress, 0, total)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dicom-decode") as pool:
        pending = {pool.submit(_run_batch, batch, out, cancel): sum(len(j.frames) for j in batch)
                   for batch in _batches(jobs, workers * 8)}
        try:
            while pending:
                check_cancel(cancel)
                finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    clipped += fut.result()
                    done += pending.pop(fut)
                if finished:
                    report(progress, done, total)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return clipped
