"""Plan items: what the interventionalist places, in LPS mm.

Each field is declared once with :func:`planner.plan.fields.declare` (JSON key, words for messages,
value kind, properties-panel editor); validation, JSON, the schema, edits and the panel derive from it.
Items are immutable (frozen dataclasses); an edit replaces the item with a changed copy
(:func:`dataclasses.replace`), which re-runs validation. That keeps undo simple (a command keeps the
old and the new item) and makes plans comparable with ``==``. Items are found by their ``id``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import ClassVar, Mapping

import numpy as np

from planner.core.errors import PlanError
from planner.core.volume import SeriesUids
from planner.geometry.trajectory import needle_direction, needle_length_mm
from planner.plan import identity
from planner.plan import kinds as K
from planner.plan import vocab
from planner.plan.fields import Editor, PlanItem, declare
from planner.plan.vocab import new_id

Point = tuple[float, float, float]
_IDENTITY_AXES: tuple[Point, Point, Point] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


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

    def _check_distinct_ends(self) -> None:
        if needle_length_mm(self.entry_lps, self.tip_lps) < 1e-3:
            raise PlanError(f"A {self.KIND}'s entry and tip must be different points.")


def _id():
    return declare("id", "id", K.Text(non_empty=True, ref="id"), default_factory=new_id, required=True,
                   doc="unique within the plan; other items refer to it")


def _name(default: str, required: bool = True, shown: bool = True):
    editor = Editor("text", "Name") if shown else None
    return declare("name", "name", K.Text(), default, required=required, editor=editor,
                   doc="shown in the plan tree, the views and the report")


def _locked(shown: bool = False, doc: str = "refuses edits"):
    return declare("locked", "locked", K.Flag(), False, editor=Editor("check", "") if shown else None, doc=doc)


def _point(key: str, label: str, doc: str, required: bool = True, **kw):
    return declare(key, label, K.Point(), required=required, editor=Editor("point", label.capitalize()), doc=doc,
                   **kw)


def _gauge_doc() -> str:
    sizes = ", ".join(f"{g} {d:.2f} mm" for g, d in vocab.GAUGE_OUTER_DIAMETER_MM.items())
    return f"outer diameters {sizes} (DOMAIN.md, \"Access geometry\")"


@dataclass(frozen=True)
class Needle(_Shaft, PlanItem):
    """A bone needle (introducer cannula) placed from ``entry_lps`` to ``tip_lps``.

    Chen AJNR 2022 used a 13-gauge needle by a transpedicular or transcostovertebral approach.
    ``locked`` items refuse edits (see :mod:`planner.plan.commands`).
    """

    KIND: ClassVar[str] = "needle"

    entry_lps: Point = _point("entry", "entry", "where the needle enters (at or outside the skin)")
    tip_lps: Point = _point("tip", "tip", "the needle tip; must differ from the entry")
    name: str = _name("Needle")
    level: str = declare("level", "level", K.level_names(), "", required=True, editor=Editor("choice", "Level"),
                         doc="the level the needle treats, matching a `levels[].name` when present; `\"\"`: not "
                             "named (the planner then shows the vertebra its tip lies in, docs/levels.md)")
    approach: str = declare("approach", "approach", K.Choice(vocab.APPROACHES), "transpedicular", required=True,
                            editor=Editor("choice", "Approach"), doc="the access route (DOMAIN.md)")
    side: str = declare("side", "side", K.Choice(vocab.SIDES), "right", required=True,
                        editor=Editor("choice", "Side"), doc="the patient's side of the entry")
    gauge: str = declare("gauge", "gauge", K.gauges(), "13G", required=True, editor=Editor("choice", "Gauge"),
                         doc=_gauge_doc())
    usable_length_mm: float = declare("usable_length_mm", "usable length (mm)", K.Number(positive=True), 150.0,
                                      doc="the needle's usable length in mm; a longer entry-to-tip is a finding")
    locked: bool = _locked(shown=True, doc="refuses edits (also of its antenna)")
    id: str = _id()

    def check(self) -> None:
        self._check_distinct_ends()

    @property
    def exceeds_usable_length(self) -> bool:
        """True when entry-to-tip is longer than the needle's usable length."""
        return self.length_mm > self.usable_length_mm


@dataclass(frozen=True)
class Antenna(PlanItem):
    """A microwave antenna passed coaxially through needle ``needle_id``.

    The needle is pulled back so the antenna tip sits ``extension_mm`` beyond the needle tip
    (15 mm in Chen AJNR 2022). Power 20-40 W, 2-5 min as cycles of 30-90 s (same source).
    """

    KIND: ClassVar[str] = "antenna"

    needle_id: str = declare("needle", "needle", K.Text(
        non_empty=True, ref="id", empty_message="An antenna must name the needle it passes through."), required=True,
        doc="the id of the needle the antenna passes through coaxially; at most one antenna per needle")
    device_id: str = declare("device", "device", K.Text(), "generic-mw-2450-1.6", required=True,
                             editor=Editor("device", "Device"),
                             doc="a device id of the device library (`resources/devices`, docs/ablation-model.md)")
    extension_mm: float = declare("extension_mm", "antenna extension (mm)", K.Number(minimum=0.0), 15.0,
                                  required=True, editor=Editor("number", "Tip beyond needle", 0, 60, 1, " mm"),
                                  doc="the antenna tip beyond the needle tip along the needle, in mm "
                                      "(Chen AJNR 2022: 15 mm)")
    power_w: float = declare("power_w", "power (W)", K.Number(positive=True), 30.0, required=True,
                             editor=Editor("number", "Power", 1, 200, 0, " W"), doc="power in W (Chen: 20–40 W)")
    time_s: float = declare("time_s", "time (s)", K.Number(positive=True), 210.0, required=True,
                            editor=Editor("number", "Time", 10, 1800, 0, " s"),
                            doc="total ablation time in s (Chen: 2–5 min)")
    cycles: int = declare("cycles", "cycles", K.Number(minimum=1, whole=True), 1,
                          editor=Editor("integer", "Cycles", 1, 20),
                          doc="the number of cycles the time is split into (Chen: cycles of 30–90 s)")
    id: str = _id()
    name: str = _name("Antenna", required=False, shown=False)
    pause_s: float = declare("pause_s", "pause between cycles (s)", K.Number(minimum=0.0), 0.0,
                             editor=Editor("number", "Pause between cycles", 0, 600, 0, " s"),
                             doc="the pause between cycles in s (bioheat model, docs/thermal-model.md)")
    schedule: str = declare("schedule", "schedule", K.Choice(("sequential", "simultaneous")), "sequential",
                            editor=Editor("choice", "Schedule"),
                            doc="after the previous antenna, or together with it (bioheat model)")

    def tip_lps(self, needle: Needle) -> np.ndarray:
        """Antenna tip: the needle tip plus ``extension_mm`` along the needle direction."""
        if needle.id != self.needle_id:
            raise PlanError("This antenna does not pass through that needle.")
        return np.asarray(needle.tip_lps) + self.extension_mm * needle.direction


@dataclass(frozen=True)
class Thermocouple(_Shaft, PlanItem):
    """A thermocouple in a 16-gauge needle next to a neural structure (Chen AJNR 2022).

    ``prealarm_c`` default 42 °C (Chen's stop rule); ``alarm_c`` default 45 °C (Nakatsuka CVIR 2009;
    Sag & Husain 2022 safe range 10-45 °C).
    """

    KIND: ClassVar[str] = "thermocouple"

    entry_lps: Point = _point("entry", "entry", "where the probe's needle enters")
    tip_lps: Point = _point("tip", "tip", "the measuring tip, by the neural structure it guards; must differ from "
                                          "the entry")
    name: str = _name("Thermocouple")
    gauge: str = declare("gauge", "gauge", K.gauges(), "16G", doc="the probe's needle (Chen AJNR 2022: 16-gauge)")
    alarm_c: float = declare("alarm_c", "alarm temperature (°C)", K.Number(), 45.0, required=True,
                             editor=Editor("number", "Alarm", 0, 100, 1, " °C"),
                             doc="stop temperature in °C, default 45 (Nakatsuka CVIR 2009; Sag & Husain 2022)")
    prealarm_c: float = declare("prealarm_c", "pre-alarm temperature (°C)", K.Number(), 42.0,
                                editor=Editor("number", "Pre-alarm", 0, 100, 1, " °C"),
                                doc="warning temperature in °C, not above `alarm_c` (Chen AJNR 2022: 42 °C)")
    locked: bool = _locked()
    id: str = _id()

    def check(self) -> None:
        if self.prealarm_c > self.alarm_c:
            raise PlanError(
                f"The pre-alarm ({self.prealarm_c:g} °C) must not be above the alarm ({self.alarm_c:g} °C)."
            )
        self._check_distinct_ends()


@dataclass(frozen=True)
class Target(PlanItem):
    """A lesion target: a sphere, an ellipsoid, or a reference to a label mask.

    ``semi_axes_mm`` are along the rows of ``axes`` (unit vectors); a sphere has three equal semi-axes.
    ``mask_ref`` names a label volume (file name or UID) when ``kind == "mask"``.
    """

    KIND: ClassVar[str] = "target"

    centre_lps: Point = _point("centre", "centre", "the centre of the sphere or ellipsoid")
    kind: str = declare("kind", "target kind", K.Choice(vocab.TARGET_KINDS), "sphere", required=True,
                        doc="a sphere has three equal semi-axes; a mask names its label volume in `mask`")
    semi_axes_mm: Point = declare("semi_axes_mm", "semi-axes (mm)", K.Point(words="three numbers > 0"),
                                  (10.0, 10.0, 10.0), required=True, doc="in mm, along the rows of `axes`")
    axes: tuple[Point, Point, Point] = declare("axes", "axes", K.Axes(), _IDENTITY_AXES,
                                               doc="default the patient axes")
    mask_ref: str = declare("mask", "mask reference", K.Text(), "",
                            doc="reference (file name or UID) of a label volume; required for `kind: \"mask\"`")
    level: str = declare("level", "level", K.level_names(), "", doc="the level the lesion lies in")
    name: str = _name("Target", shown=False)
    locked: bool = _locked()
    id: str = _id()

    def check(self) -> None:
        if min(self.semi_axes_mm) <= 0:
            raise PlanError(f"semi-axes (mm): must all be greater than 0, got {list(self.semi_axes_mm)}")
        if self.kind == "sphere" and not (self.semi_axes_mm[0] == self.semi_axes_mm[1] == self.semi_axes_mm[2]):
            raise PlanError("A sphere target needs three equal semi-axes; use kind 'ellipsoid'.")
        if self.kind == "mask" and not self.mask_ref:
            raise PlanError("A mask target must name its mask (mask reference).")

    @property
    def volume_ml(self) -> float:
        """Ellipsoid volume 4/3·pi·a·b·c in mL (for a mask, of its bounding ellipsoid)."""
        a, b, c = self.semi_axes_mm
        return float(4.0 / 3.0 * np.pi * a * b * c / 1000.0)


@dataclass(frozen=True)
class Level(PlanItem):
    """A treated vertebral level with its own axes and mid-sagittal plane.

    ``axes`` rows: left-right (toward the patient's left), anterior-posterior (toward posterior),
    cranio-caudal (toward the head) of this vertebra. The mid-sagittal plane (``plane_point_lps``,
    ``plane_normal_lps``; by default the body centre and the left-right axis) is used to mirror a
    needle to the other side (bipedicular approach). ``sins``: optional SINS component scores
    (DOMAIN.md, "SINS"). ``body_depth_mm``: anterior-posterior extent of the body, measured on the CT.
    ``ctv_sectors``: the ISRC sectors (1-6, Cox et al. 2012) the user chose for this level's clinical target
    volume; None means the sectors come from the rules (resources/ctv/isrc_rules.json).
    """

    KIND: ClassVar[str] = "level"

    name: str = declare("name", "level name", K.level_names(allow_empty=False), required=True,
                        doc="the level; unique within the plan (at most 4 levels, Chen AJNR 2022)")
    body_centre_lps: Point = declare("body_centre", "body centre", K.Point(), required=True,
                                     doc="the centre of the vertebral body")
    axes: tuple[Point, Point, Point] = declare("axes", "axes", K.Axes(named=True), _IDENTITY_AXES,
                                               doc="the vertebra's own axes toward the patient's left, posterior and "
                                                   "head; default the patient axes")
    plane_point_lps: Point | None = declare("mid_sagittal_plane.point", "mid-sagittal plane point", K.Point(), None,
                                            fill=lambda level: level.body_centre_lps,
                                            doc="a point of the plane used to mirror a needle to the other pedicle; "
                                                "default `body_centre`")
    plane_normal_lps: Point | None = declare("mid_sagittal_plane.normal", "mid-sagittal plane normal",
                                             K.Point(unit=True), None, fill=lambda level: level.axes[0],
                                             doc="that plane's normal; default the `left_right` axis")
    sins: Mapping[str, int] | None = declare("sins", "SINS", K.Scores(), None,
                                             doc="Spinal Instability Neoplastic Score components (DOMAIN.md)")
    locked: bool = _locked()
    id: str = _id()
    body_depth_mm: float | None = declare("body_depth_mm", "body depth (mm)", K.Number(positive=True, nullable=True),
                                          None, doc="the anterior-posterior extent of the body in mm, measured on the "
                                                    "CT when the level was found; gives the posterior wall (centre + "
                                                    "depth/2 along `anterior_posterior`) for the \"tip to posterior "
                                                    "wall\" readout")
    ctv_sectors: tuple[int, ...] | None = declare("ctv_sectors", "CTV sectors", K.Sectors(), None,
                                                  doc="the ISRC sectors (Cox et al. 2012) the user chose for this "
                                                      "level's clinical target volume; `null`: from the ISRC rules "
                                                      "(docs/ctv.md)")

    def posterior_wall_lps(self) -> np.ndarray | None:
        """The centre of the body's posterior wall (centre + half the depth toward posterior)."""
        if self.body_depth_mm is None:
            return None
        return np.asarray(self.body_centre_lps) + 0.5 * self.body_depth_mm * np.asarray(self.axes[1])


@dataclass(frozen=True)
class SeriesRef(SeriesUids, PlanItem):
    """Which CT series the plan was made on: its DICOM UIDs (:class:`~planner.core.volume.SeriesUids`,
    declared again here only to say how the plan file holds them) and a one-way hash of the patient id.

    The patient id is stored only as a SHA-256 hash so a plan file names no patient.
    """

    study_instance_uid: str = declare("study_instance_uid", "series study_instance_uid", K.Text(), "", required=True,
                                      doc="Study Instance UID (0020,000D); `\"\"` for anonymised data")
    series_instance_uid: str = declare("series_instance_uid", "series series_instance_uid", K.Text(), "",
                                       required=True, doc="Series Instance UID (0020,000E)")
    frame_of_reference_uid: str = declare("frame_of_reference_uid", "series frame_of_reference_uid", K.Text(), "",
                                          required=True, doc="Frame of Reference UID (0020,0052): the coordinates "
                                                             "are only valid in this frame")
    patient_id_hash: str = declare("patient_id_hash", "series patient_id_hash", K.Text(), "",
                                   doc="SHA-256 (hex) of Patient ID (0010,0020); the plan file holds no patient name "
                                       "or id")
    geometry_fingerprint: str = declare("geometry_fingerprint", "series geometry_fingerprint", K.Text(), "",
                                        doc="size, spacing, first/last slice position, orientation and a hash of "
                                            "3 pixel rows (planner/plan/identity.py): names the series when its "
                                            "UIDs are empty; `\"\"` in plans saved before it")

    @staticmethod
    def hash_patient_id(patient_id: str) -> str:
        """SHA-256 hex digest of a patient id (PatientID (0010,0020)); "" for an empty id."""
        return hashlib.sha256(patient_id.encode("utf-8")).hexdigest() if patient_id else ""

    @classmethod
    def from_series_info(cls, info, fingerprint: str = "") -> "SeriesRef":
        """Build from a :class:`planner.core.volume.SeriesInfo` (and the loaded volume's
        :func:`planner.plan.identity.series_fingerprint`)."""
        uids = {f.name: getattr(info, f.name) for f in dataclasses.fields(SeriesUids)}
        return cls(**uids, patient_id_hash=cls.hash_patient_id(info.patient_id), geometry_fingerprint=fingerprint)

    def mismatch_with(self, info, fingerprint: str = "") -> str | None:
        """Why this plan does not belong to the series ``info`` (a SeriesInfo; ``fingerprint``: the loaded
        volume's), or None when it does.

        Empty values on either side are not compared (anonymised data often lacks them). When the two
        do not share a Frame of Reference UID, the plan's geometry fingerprint decides (issue 17: a
        plan saved on a series with every UID empty matched any scan).
        """
        if self.patient_id_hash and info.patient_id and self.patient_id_hash != self.hash_patient_id(info.patient_id):
            return "The plan was made for a different patient than the loaded images."
        if self.other_frame_than(info):
            return "The plan was made in a different frame of reference (another scan) than the loaded images."
        if self.geometry_fingerprint and fingerprint and not self._same_frame(info):
            return identity.fingerprint_mismatch(self.geometry_fingerprint, fingerprint)
        return None

    def unverified_with(self, info) -> str | None:
        """Words saying the plan names no series at all (every UID empty and no fingerprint: a plan saved
        before fingerprints on a series without UIDs), so it cannot be checked against ``info``; else None."""
        named = self.frame_of_reference_uid or self.series_instance_uid or self.geometry_fingerprint
        return None if named else identity.UNVERIFIED

    def _same_frame(self, info) -> bool:
        return bool(self.frame_of_reference_uid) and self.frame_of_reference_uid == info.frame_of_reference_uid


ITEM_TYPES: dict[str, type] = {cls.KIND: cls for cls in (Level, Needle, Antenna, Thermocouple, Target)}
KINDS: tuple[str, ...] = tuple(ITEM_TYPES)
