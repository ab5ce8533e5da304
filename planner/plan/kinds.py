"""Value kinds of plan fields: how one kind of value is checked, written to JSON, read back and described
in the JSON Schema. A field declaration (:mod:`planner.plan.fields`) names one of these.

Each kind has five small methods, so a new kind of value is one small class here:

* ``check(value, label)`` -> the normalised value, or :class:`PlanError` with ``label`` in the message;
* ``to_json(value)`` / ``from_json(raw)`` -> the JSON form and back (``raw`` is already schema-valid);
* ``schema()`` -> the JSON Schema fragment (``$ref`` into the plan schema's ``$defs`` where shared);
* ``describe()`` -> the words of the "type" column in docs/plan-format.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from planner.core.errors import PlanError
from planner.plan import vocab

REF = "#/$defs/"


class Kind(ABC):
    """A value kind (see the module docstring). The base passes values through unchanged; every kind says
    how the JSON Schema describes it (:meth:`schema`)."""

    def check(self, value, label: str):
        return value

    def to_json(self, value):
        return value

    def from_json(self, raw):
        return raw

    @abstractmethod
    def schema(self) -> dict:
        """The JSON Schema fragment of this kind of value."""

    @abstractmethod
    def describe(self) -> str:
        """The "type" column of this kind in docs/plan-format.md (Markdown, a few words)."""


@dataclass(frozen=True)
class Text(Kind):
    """Free text (names, device ids). ``non_empty`` texts are ids and references to other items."""

    non_empty: bool = False
    ref: str = ""  # a $defs entry, e.g. "id"
    empty_message: str = ""  # the words when an empty text is refused (default: "<label>: ...")

    def check(self, value, label):
        if not isinstance(value, str):
            raise PlanError(f"{label}: expected text, got {value!r}")
        if self.non_empty and not value:
            raise PlanError(self.empty_message or f"{label}: must be a non-empty text, got {value!r}")
        return value

    def schema(self):
        return {"$ref": REF + self.ref} if self.ref else {"type": "string"}

    def describe(self):
        return "item id" if self.ref == "id" else "text"


@dataclass(frozen=True)
class Flag(Kind):
    """True/false (``locked``)."""

    def check(self, value, label):
        return bool(value)

    def schema(self):
        return {"type": "boolean"}

    def describe(self):
        return "boolean"


@dataclass(frozen=True)
class Number(Kind):
    """A finite number; ``minimum`` (inclusive) or ``positive`` (> 0); ``nullable`` allows None."""

    minimum: float | None = None
    positive: bool = False
    nullable: bool = False
    whole: bool = False

    def check(self, value, label):
        if value is None and self.nullable:
            return None
        v = vocab.finite(value, label, minimum=self.minimum, positive=self.positive)
        if not self.whole:
            return v
        if v != int(v):
            raise PlanError(f"{label} must be a whole number, got {value!r}")
        return int(v)

    def schema(self):
        base = "integer" if self.whole else "number"
        out: dict = {"type": [base, "null"] if self.nullable else base}
        if self.positive:
            out["exclusiveMinimum"] = 0
        if self.minimum is not None:
            out["minimum"] = int(self.minimum) if float(self.minimum).is_integer() else self.minimum
        return out

    def describe(self):
        words = "integer" if self.whole else "number"
        if self.positive:
            words += " > 0"
        elif self.minimum is not None:
            words += f" ≥ {self.minimum:g}"
        return words + (", or `null`" if self.nullable else "")


@dataclass(frozen=True)
class Choice(Kind):
    """One of a controlled vocabulary (:mod:`planner.plan.vocab`); ``ref`` names a shared $defs entry."""

    values: tuple[str, ...]
    ref: str = ""
    allow_empty: bool = False  # "" is also accepted (a level that is not named yet)

    def check(self, value, label):
        if value == "" and self.allow_empty:
            return ""
        return vocab.choice(value, self.values, label)

    def schema(self):
        return {"$ref": REF + self.ref} if self.ref else {"enum": list(self.values)}

    def describe(self):
        words = ", ".join(f"`{v}`" for v in self.values)
        return words + (' or `""`' if self.allow_empty else "")


def level_names(allow_empty: bool = True) -> Choice:
    """A vertebral level name, T1-T12, L1-L5, S1 (``""`` when ``allow_empty``)."""
    return _LevelName(vocab.LEVEL_NAMES, "level_name", allow_empty)


@dataclass(frozen=True)
class _LevelName(Choice):
    def schema(self):
        out = super().schema()
        return out if self.allow_empty else {**out, "not": {"const": ""}}

    def describe(self):
        runs: dict[str, list[str]] = {}
        for name in self.values:  # T1..T12, L1..L5, S1: one run per region letter
            runs.setdefault(name.rstrip("0123456789"), []).append(name)
        words = ", ".join(f"`{r[0]}`…`{r[-1]}`" if len(r) > 2 else ", ".join(f"`{n}`" for n in r)
                          for r in runs.values())
        return "level name " + words + (' or `""`' if self.allow_empty else "")


def gauges() -> Choice:
    """A needle gauge ("13G"...; outer diameters in :data:`planner.plan.vocab.GAUGE_OUTER_DIAMETER_MM`)."""
    return Choice(tuple(vocab.GAUGE_OUTER_DIAMETER_MM), "gauge")


def _xyz(point) -> list[float]:
    return [float(v) for v in point]


@dataclass(frozen=True)
class Point(Kind):
    """An (x, y, z) LPS mm point, or a unit vector when ``unit``; JSON ``[x, y, z]``. ``words`` describe a
    triple that is not a position (a target's semi-axes) in the docs."""

    unit: bool = False
    words: str = ""

    def check(self, value, label):
        return vocab.unit3(value, label) if self.unit else vocab.point3(value, label)

    def to_json(self, value):
        return _xyz(value)

    def from_json(self, raw):
        return tuple(raw)

    def schema(self):
        return {"$ref": REF + "point"}

    def describe(self):
        if self.words:
            return self.words
        return "unit vector `[x, y, z]`" if self.unit else "point `[x, y, z]` (LPS mm)"


#: JSON names of a level's three axes, in row order (left-right, anterior-posterior, cranio-caudal).
AXIS_NAMES = ("left_right", "anterior_posterior", "cranio_caudal")


@dataclass(frozen=True)
class Axes(Kind):
    """Three perpendicular unit vectors (rows); JSON a list of 3 points, or an object when ``named``."""

    named: bool = False

    def check(self, value, label):
        return vocab.axes3(value, label)

    def to_json(self, value):
        rows = [_xyz(r) for r in value]
        return dict(zip(AXIS_NAMES, rows)) if self.named else rows

    def from_json(self, raw):
        return tuple(raw[n] for n in AXIS_NAMES) if self.named else tuple(raw)

    def schema(self):
        point = {"$ref": REF + "point"}
        if self.named:
            return {"type": "object", "required": list(AXIS_NAMES), "additionalProperties": False,
                    "properties": {n: point for n in AXIS_NAMES}}
        return {"type": "array", "items": point, "minItems": 3, "maxItems": 3}

    def describe(self):
        if self.named:
            return "`{" + ", ".join(AXIS_NAMES) + "}`, unit vectors, mutually perpendicular"
        return "three unit vectors, mutually perpendicular"


class FrozenScores(dict):
    """A dict that refuses mutation, so a frozen item stays frozen."""

    def _refuse(self, *args, **kwargs):
        raise PlanError("Change a level's SINS scores through a plan command.")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self):
        return hash(tuple(sorted(self.items())))


@dataclass(frozen=True)
class Scores(Kind):
    """Optional table of component name -> whole score >= 0 (SINS, DOMAIN.md "SINS")."""

    def check(self, value, label):
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise PlanError(f"{label} must be a table of component name -> score.")
        clean = {}
        for key, score in value.items():
            v = vocab.finite(score, f"{label} {key}", minimum=0)
            if v != int(v):
                raise PlanError(f"{label} {key}: expected a whole number, got {score!r}")
            clean[str(key)] = int(v)
        return FrozenScores(clean)

    def to_json(self, value):
        return None if value is None else dict(value)

    def schema(self):
        return {"type": ["object", "null"], "additionalProperties": {"type": "integer", "minimum": 0}}

    def describe(self):
        return "object name → integer ≥ 0, or `null`"


@dataclass(frozen=True)
class Sectors(Kind):
    """Optional set of ISRC sectors, whole numbers 1-6 (Cox et al. 2012), kept sorted without repeats."""

    def check(self, value, label):
        if value is None:
            return None
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise PlanError(f"{label} must be a list of ISRC sectors 1-6, got {value!r}")
        sectors = []
        for s in value:
            v = vocab.finite(s, label, minimum=1)
            if v != int(v) or v > 6:
                raise PlanError(f"{label} must be ISRC sectors 1-6, got {list(value)}")
            sectors.append(int(v))
        return tuple(sorted(set(sectors)))

    def to_json(self, value):
        return None if value is None else list(value)

    def from_json(self, raw):
        return None if raw is None else tuple(raw)

    def schema(self):
        return {"type": ["array", "null"], "items": {"type": "integer", "minimum": 1, "maximum": 6},
                "uniqueItems": True}

    def describe(self):
        return "list of ISRC sectors 1–6, or `null`"
