"""Plan items: what the interventionalist places, in LPS mm.

Items are immutable (frozen dataclasses); an edit replaces the item with a changed copy
(:func:`dataclasses.replace`), which re-runs validation. That keeps undo simple (a command keeps the
old and the new item) and makes plans comparable with ``==``. Items are found by their ``id``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import ClassVar, Mapping

import numpy as np

from planner.core.errors import PlanError
from planner.geometry.trajectory import needle_direction, needle_length_mm
from planner.plan import vocab
from planner.plan.vocab import new_id

Point = tuple[float, float, float]
_IDENTITY_AXES: tuple[Point, Point, Point] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)


def _check_id(obj) -> None:
    if not isinstance(obj.id, str) or not obj.id:
        raise PlanError(f"{obj.KIND} id must be a non-empty text, got {obj.id!r}")
    if not isinstance(obj.name, str):
        raise PlanError(f"{obj.KIND} name must be text, got {obj.name!r}")


class _Shaft:
    """What a needle-like item (bone needle, thermocouple) derives from its entry, tip and gauge."""

    @property
    def direction(self) -> np.ndarray:
        """Unit vector from entry to tip (LPS)."""
        return needle_direction(self.entry_lps, self.tip_lps)

    @property
    def length_mm(self) -> float:
        """Entry-to-tip distance in mm."""
        return needle_length_mm(self.entry_lps, self.tip_lps)

    @property
    def outer_diameter_mm(self) -> float:
        """Outer diameter from the gauge (DOMAIN.md, "Access geometry")."""
        return vocab.GAUGE_OUTER_DIAMETER_MM[self.gauge]


@dataclass(frozen=True)
class Needle(_Shaft):
    """A bone needle (introducer cannula) placed from ``entry_lps`` to ``tip_lps``.

    Chen AJNR 2022 used a 13-gauge needle by a transpedicular or transcostovertebral approach.
    ``locked`` items refuse edits (see :mod:`planner.plan.commands`).
    """

    KIND: ClassVar[str] = "needle"

    entry_lps: Point
    tip_lps: Point
    name: str = "Needle"
    level: str = ""
    approach: str = "transpedicular"
    side: str = "right"
    gauge: str = "13G"
    usable_length_mm: float = 150.0
    locked: bool = False
    id: str = field(default_factory=new_id)

    def __post_init__(self):
        _check_id(self)
        _set(self, "entry_lps", vocab.point3(self.entry_lps, "entry"))
        _set(self, "tip_lps", vocab.point3(self.tip_lps, "tip"))
        vocab.level_name(self.level, "level")
        vocab.choice(self.approach, vocab.APPROACHES, "approach")
        vocab.choice(self.side, vocab.SIDES, "side")
        vocab.gauge(self.gauge, "gauge")
        _set(self, "usable_length_mm", vocab.finite(self.usable_length_mm, "usable length (mm)", positive=True))
        _set(self, "locked", bool(self.locked))
        if needle_length_mm(self.entry_lps, self.tip_lps) < 1e-3:
            raise PlanError("A needle's entry and tip must be different points.")

    @property
    def exceeds_usable_length(self) -> bool:
        """True when entry-to-tip is longer than the needle's usable length."""
        return self.length_mm > self.usable_length_mm


@dataclass(frozen=True)
class Antenna:
    """A microwave antenna passed coaxially through needle ``needle_id``.

    The needle is pulled back so the antenna tip sits ``extension_mm`` beyond the needle tip
    (15 mm in Chen AJNR 2022). Power 20-40 W, 2-5 min as cycles of 30-90 s (same source).
    """

    KIND: ClassVar[str] = "antenna"

    needle_id: str
    device_id: str = "generic-mw-2450-1.6"
    extension_mm: float = 15.0
    power_w: float = 30.0
    time_s: float = 210.0
    cycles: int = 1
    id: str = field(default_factory=new_id)
    name: str = "Antenna"

    def __post_init__(self):
        _check_id(self)
        if not isinstance(self.needle_id, str) or not self.needle_id:
            raise PlanError("An antenna must name the needle it passes through.")
        if not isinstance(self.device_id, str):
            raise PlanError(f"device must be text, got {self.device_id!r}")
        _set(self, "extension_mm", vocab.finite(self.extension_mm, "antenna extension (mm)", minimum=0.0))
        _set(self, "power_w", vocab.finite(self.power_w, "power (W)", positive=True))
        _set(self, "time_s", vocab.finite(self.time_s, "time (s)", positive=True))
        cycles = vocab.finite(self.cycles, "cycles", minimum=1)
        if cycles != int(cycles):
            raise PlanError(f"cycles must be a whole number, got {self.cycles!r}")
        _set(self, "cycles", int(cycles))

    def tip_lps(self, needle: Needle) -> np.ndarray:
        """Antenna tip: the needle tip plus ``extension_mm`` along the needle direction."""
        if needle.id != self.needle_id:
            raise PlanError("This antenna does not pass through that needle.")
        return np.asarray(needle.tip_lps) + self.extension_mm * needle.direction


@dataclass(frozen=True)
class Thermocouple(_Shaft):
    """A thermocouple in a 16-gauge needle next to a neural structure (Chen AJNR 2022).

    ``prealarm_c`` default 42 °C (Chen's stop rule); ``alarm_c`` default 45 °C (Nakatsuka CVIR 2009;
    Sag & Husain 2022 safe range 10-45 °C).
    """

    KIND: ClassVar[str] = "thermocouple"

    entry_lps: Point
    tip_lps: Point
    name: str = "Thermocouple"
    gauge: str = "16G"
    alarm_c: float = 45.0
    prealarm_c: float = 42.0
    locked: bool = False
    id: str = field(default_factory=new_id)

    def __post_init__(self):
        _check_id(self)
        _set(self, "entry_lps", vocab.point3(self.entry_lps, "entry"))
        _set(self, "tip_lps", vocab.point3(self.tip_lps, "tip"))
        vocab.gauge(self.gauge, "gauge")
        _set(self, "alarm_c", vocab.finite(self.alarm_c, "alarm temperature (°C)"))
        _set(self, "prealarm_c", vocab.finite(self.prealarm_c, "pre-alarm temperature (°C)"))
        if self.prealarm_c > self.alarm_c:
            raise PlanError(
                f"The pre-alarm ({self.prealarm_c:g} °C) must not be above the alarm ({self.alarm_c:g} °C)."
            )
        _set(self, "locked", bool(self.locked))
        if needle_length_mm(self.entry_lps, self.tip_lps) < 1e-3:
            raise PlanError("A thermocouple's entry and tip must be different points.")



@dataclass(frozen=True)
class Target:
    """A lesion target: a sphere, an ellipsoid, or a reference to a label mask.

    ``semi_axes_mm`` are along the rows of ``axes`` (unit vectors); a sphere has three equal semi-axes.
    ``mask_ref`` names a label volume (file name or UID) when ``kind == "mask"``.
    """

    KIND: ClassVar[str] = "target"

    centre_lps: Point
    kind: str = "sphere"
    semi_axes_mm: Point = (10.0, 10.0, 10.0)
    axes: tuple[Point, Point, Point] = _IDENTITY_AXES
    mask_ref: str = ""
    level: str = ""
    name: str = "Target"
    locked: bool = False
    id: str = field(default_factory=new_id)

    def __post_init__(self):
        _check_id(self)
        _set(self, "centre_lps", vocab.point3(self.centre_lps, "centre"))
        vocab.choice(self.kind, vocab.TARGET_KINDS, "target kind")
        semi = vocab.point3(self.semi_axes_mm, "semi-axes (mm)")
        if min(semi) <= 0:
            raise PlanError(f"semi-axes (mm): must all be greater than 0, got {list(semi)}")
        if self.kind == "sphere" and not (semi[0] == semi[1] == semi[2]):
            raise PlanError("A sphere target needs three equal semi-axes; use kind 'ellipsoid'.")
        _set(self, "semi_axes_mm", semi)
        _set(self, "axes", vocab.axes3(self.axes, "axes"))
        if self.kind == "mask" and not self.mask_ref:
            raise PlanError("A mask target must name its mask (mask reference).")
        vocab.level_name(self.level, "level")
        _set(self, "locked", bool(self.locked))

    @property
    def volume_ml(self) -> float:
        """Ellipsoid volume 4/3·pi·a·b·c in mL (for a mask, of its bounding ellipsoid)."""
        a, b, c = self.semi_axes_mm
        return float(4.0 / 3.0 * np.pi * a * b * c / 1000.0)


@dataclass(frozen=True)
class Level:
    """A treated vertebral level with its own axes and mid-sagittal plane.

    ``axes`` rows: left-right (toward the patient's left), anterior-posterior (toward posterior),
    cranio-caudal (toward the head) of this vertebra. The mid-sagittal plane (``plane_point_lps``,
    ``plane_normal``) is used to mirror a needle to the other side (bipedicular approach).
    ``sins``: optional SINS component scores (DOMAIN.md, "SINS").
    """

    KIND: ClassVar[str] = "level"

    name: str
    body_centre_lps: Point
    axes: tuple[Point, Point, Point] = _IDENTITY_AXES
    plane_point_lps: Point | None = None
    plane_normal: Point | None = None
    sins: Mapping[str, int] | None = None
    locked: bool = False
    id: str = field(default_factory=new_id)
    body_depth_mm: float | None = None  # anterior-posterior extent of the body, measured on the CT
    ctv_sectors: tuple[int, ...] | None = None  # ISRC sectors (1-6) the user chose for the CTV; None: the rules

    def __post_init__(self):
        _check_id(self)
        vocab.level_name(self.name, "level name", allow_empty=False)
        _set(self, "body_centre_lps", vocab.point3(self.body_centre_lps, "body centre"))
        _set(self, "axes", vocab.axes3(self.axes, "axes"))
        point = self.body_centre_lps if self.plane_point_lps is None else self.plane_point_lps
        _set(self, "plane_point_lps", vocab.point3(point, "mid-sagittal plane point"))
        normal = self.axes[0] if self.plane_normal is None else self.plane_normal
        _set(self, "plane_normal", vocab.unit3(normal, "mid-sagittal plane normal"))
        if self.sins is not None:
            if not isinstance(self.sins, Mapping):
                raise PlanError("SINS must be a table of component name -> score.")
            clean = {}
            for key, score in self.sins.items():
                value = vocab.finite(score, f"SINS {key}", minimum=0)
                if value != int(value):
                    raise PlanError(f"SINS {key}: expected a whole number, got {score!r}")
                clean[str(key)] = int(value)
            _set(self, "sins", _FrozenDict(clean))
        _set(self, "locked", bool(self.locked))
        if self.body_depth_mm is not None:
            _set(self, "body_depth_mm", vocab.finite(self.body_depth_mm, "body depth (mm)", positive=True))
        if self.ctv_sectors is not None:
            sectors = tuple(sorted({int(vocab.finite(s, "CTV sector", minimum=1)) for s in self.ctv_sectors}))
            if any(s > 6 for s in sectors):
                raise PlanError(f"CTV sectors must be ISRC sectors 1-6, got {list(self.ctv_sectors)}")
            _set(self, "ctv_sectors", sectors)

    def posterior_wall_lps(self) -> np.ndarray | None:
        """The centre of the body's posterior wall (centre + half the depth toward posterior)."""
        if self.body_depth_mm is None:
            return None
        return np.asarray(self.body_centre_lps) + 0.5 * self.body_depth_mm * np.asarray(self.axes[1])


class _FrozenDict(dict):
    """A dict that refuses mutation, so a frozen Level stays frozen."""

    def _refuse(self, *args, **kwargs):
        raise PlanError("Change a level's SINS scores through a plan command.")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self):
        return hash(tuple(sorted(self.items())))


@dataclass(frozen=True)
class SeriesRef:
    """Which CT series the plan was made on (DICOM UIDs) and a one-way hash of the patient id.

    Study Instance UID (0020,000D), Series Instance UID (0020,000E), Frame of Reference UID
    (0020,0052). The patient id is stored only as a SHA-256 hash so a plan file names no patient.
    """

    study_instance_uid: str = ""
    series_instance_uid: str = ""
    frame_of_reference_uid: str = ""
    patient_id_hash: str = ""

    def __post_init__(self):
        for name in ("study_instance_uid", "series_instance_uid", "frame_of_reference_uid", "patient_id_hash"):
            if not isinstance(getattr(self, name), str):
                raise PlanError(f"series {name}: expected text, got {getattr(self, name)!r}")

    @staticmethod
    def hash_patient_id(patient_id: str) -> str:
        """SHA-256 hex digest of a patient id (PatientID (0010,0020)); "" for an empty id."""
        return hashlib.sha256(patient_id.encode("utf-8")).hexdigest() if patient_id else ""

    @classmethod
    def from_series_info(cls, info) -> "SeriesRef":
        """Build from a :class:`planner.core.volume.SeriesInfo`."""
        return cls(
            study_instance_uid=info.study_instance_uid,
            series_instance_uid=info.series_instance_uid,
            frame_of_reference_uid=info.frame_of_reference_uid,
            patient_id_hash=cls.hash_patient_id(info.patient_id),
        )

    def mismatch_with(self, info) -> str | None:
        """Why this plan does not belong to the series ``info`` (a SeriesInfo), or None when it does.

        Empty values on either side are not compared (anonymised data often lacks them).
        """
        if self.patient_id_hash and info.patient_id and self.patient_id_hash != self.hash_patient_id(info.patient_id):
            return "The plan was made for a different patient than the loaded images."
        if self.frame_of_reference_uid and info.frame_of_reference_uid and (
            self.frame_of_reference_uid != info.frame_of_reference_uid
        ):
            return "The plan was made in a different frame of reference (another scan) than the loaded images."
        return None


ITEM_TYPES: dict[str, type] = {cls.KIND: cls for cls in (Level, Needle, Antenna, Thermocouple, Target)}
KINDS: tuple[str, ...] = tuple(ITEM_TYPES)
