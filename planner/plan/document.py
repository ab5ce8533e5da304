"""``PlanDocument``: the items of one plan, with fine-grained psygnal events.

Every change goes through :meth:`PlanDocument.insert`, :meth:`remove` or :meth:`replace` (the
commands in :mod:`planner.plan.commands` call them, so user edits are undoable). Views connect to
``item_added(kind, id)``, ``item_removed(kind, id)``, ``item_changed(kind, id, field_names)`` and
``reset()`` (whole document replaced or cleared).
"""

from __future__ import annotations

from dataclasses import dataclass, fields as dc_fields, replace
from datetime import datetime, timezone
from typing import Any, Iterator

import numpy as np
from psygnal import Signal

from planner.core.errors import PlanError
from planner.plan.fields import refuse_unknown
from planner.plan.items import ITEM_TYPES, KINDS, Antenna, Level, Needle, SeriesRef, Target, Thermocouple
from planner.plan.vocab import MAX_LEVELS


def utc_now_iso() -> str:
    """Current time as ISO 8601 UTC with seconds, e.g. ``2024-05-01T10:00:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PlanState:
    """A comparable snapshot of a plan's content (items in order, series reference)."""

    series: SeriesRef
    levels: tuple[Level, ...]
    needles: tuple[Needle, ...]
    antennas: tuple[Antenna, ...]
    thermocouples: tuple[Thermocouple, ...]
    targets: tuple[Target, ...]


class PlanDocument:
    """The model of what the interventionalist places, in LPS mm, with change events."""

    item_added = Signal(str, str)
    item_removed = Signal(str, str)
    item_changed = Signal(str, str, tuple)
    reset = Signal()

    def __init__(self, series: SeriesRef | None = None, created: str | None = None, modified: str | None = None):
        self._series = series if series is not None else SeriesRef()
        self._items: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._kind_of: dict[str, str] = {}
        self.created = created or utc_now_iso()
        self.modified = modified or self.created

    # ----------------------------------------------------------------- reading
    @property
    def series(self) -> SeriesRef:
        return self._series

    def items(self, kind: str) -> tuple:
        """Items of one kind in insertion order."""
        return tuple(self._bucket(kind).values())

    @property
    def levels(self) -> tuple[Level, ...]:
        return self.items("level")

    @property
    def needles(self) -> tuple[Needle, ...]:
        return self.items("needle")

    @property
    def antennas(self) -> tuple[Antenna, ...]:
        return self.items("antenna")

    @property
    def thermocouples(self) -> tuple[Thermocouple, ...]:
        return self.items("thermocouple")

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.items("target")

    def __contains__(self, item_id: str) -> bool:
        return item_id in self._kind_of

    def __iter__(self) -> Iterator:
        for kind in KINDS:
            yield from self._items[kind].values()

    def __len__(self) -> int:
        return len(self._kind_of)

    def kind_of(self, item_id: str) -> str:
        """The kind ("needle", ...) of the item with this id; PlanError when absent."""
        try:
            return self._kind_of[item_id]
        except KeyError:
            raise PlanError(f"No plan item has the id {item_id!r}; it may have been deleted.") from None

    def get(self, item_id: str):
        """The item with this id (never look items up by display name)."""
        return self._items[self.kind_of(item_id)][item_id]

    def index_of(self, item_id: str) -> int:
        """Position of the item among the items of its kind."""
        return list(self._items[self.kind_of(item_id)]).index(item_id)

    def antenna_for(self, needle_id: str) -> Antenna | None:
        """The antenna passing through this needle, or None."""
        for antenna in self._items["antenna"].values():
            if antenna.needle_id == needle_id:
                return antenna
        return None

    def antenna_tip_lps(self, antenna_id: str) -> np.ndarray:
        """Tip of an antenna: its needle's tip plus the extension along the needle."""
        antenna = self.get(antenna_id)
        return antenna.tip_lps(self.get(antenna.needle_id))

    def level_named(self, name: str) -> Level | None:
        """The level item for a level name such as "L2" (level names are unique in a plan)."""
        for level in self._items["level"].values():
            if level.name == name:
                return level
        return None

    def is_locked(self, item_id: str) -> bool:
        """True when the item, or for an antenna its needle, is locked."""
        item = self.get(item_id)
        if isinstance(item, Antenna):
            return item.needle_id in self and self.get(item.needle_id).locked
        return bool(getattr(item, "locked", False))

    def state(self) -> PlanState:
        """A snapshot that compares equal for equal content (used by tests and by undo checks)."""
        return PlanState(self._series, *(self.items(k) for k in ("level", "needle", "antenna", "thermocouple", "target")))

    # ----------------------------------------------------------------- changing
    def insert(self, item, index: int | None = None) -> None:
        """Add an item (at ``index`` among its kind, default at the end); emits item_added."""
        kind = getattr(type(item), "KIND", None)
        if kind not in ITEM_TYPES or not isinstance(item, ITEM_TYPES[kind]):
            raise PlanError(f"Cannot add {type(item).__name__} to a plan.")
        if item.id in self._kind_of:
            raise PlanError(f"The plan already has an item with id {item.id!r}.")
        self._check_insert(item)
        bucket = self._items[kind]
        entries = list(bucket.items())
        position = len(entries) if index is None else max(0, min(index, len(entries)))
        entries.insert(position, (item.id, item))
        self._items[kind] = dict(entries)
        self._kind_of[item.id] = kind
        self.item_added.emit(kind, item.id)

    def remove(self, item_id: str) -> tuple[Any, int]:
        """Remove one item; returns (item, former index). Refuses a needle that still has an antenna."""
        kind = self.kind_of(item_id)
        if kind == "needle" and self.antenna_for(item_id) is not None:
            raise PlanError("Remove the needle's antenna before the needle (the delete command does both).")
        index = self.index_of(item_id)
        item = self._items[kind].pop(item_id)
        del self._kind_of[item_id]
        self.item_removed.emit(kind, item_id)
        return item, index

    def replace(self, new_item) -> tuple[str, ...]:
        """Replace the item with the same id by ``new_item``; emits item_changed with changed fields."""
        kind = self.kind_of(new_item.id)
        old = self._items[kind][new_item.id]
        if type(old) is not type(new_item):
            raise PlanError("An item cannot change its kind.")
        changed = tuple(f.name for f in dc_fields(old) if getattr(old, f.name) != getattr(new_item, f.name))
        if not changed:
            return ()
        self._check_replace(old, new_item)
        self._items[kind][new_item.id] = new_item
        self.item_changed.emit(kind, new_item.id, changed)
        return changed

    def set_fields(self, item_id: str, **values) -> tuple[str, ...]:
        """Replace an item by a copy with some fields changed (not undoable; commands use this)."""
        item = self.get(item_id)
        refuse_unknown(item, values)
        return self.replace(replace(item, **values))

    def clear(self) -> None:
        """Remove everything (series reference kept); emits reset."""
        self._items = {kind: {} for kind in KINDS}
        self._kind_of = {}
        self.reset.emit()

    def record_series_fingerprint(self, fingerprint: str) -> None:
        """Record the loaded series' geometry fingerprint (:mod:`planner.plan.identity`) in a plan saved
        before plans held one, once it was opened on these images; the next save writes it."""
        self._series = replace(self._series, geometry_fingerprint=fingerprint)

    def assign(self, other: "PlanDocument") -> None:
        """Take over the whole content of another document (e.g. a plan just read); emits reset."""
        self._series = other.series
        self.created, self.modified = other.created, other.modified
        self._items = {kind: dict(other._items[kind]) for kind in KINDS}
        self._kind_of = dict(other._kind_of)
        self.reset.emit()

    # ----------------------------------------------------------------- rules
    def _check_insert(self, item) -> None:
        if isinstance(item, Level):
            if len(self._items["level"]) >= MAX_LEVELS:
                raise PlanError(f"A plan holds at most {MAX_LEVELS} levels (Chen AJNR 2022 treated up to 4 per patient).")
            if self.level_named(item.name) is not None:
                raise PlanError(f"The plan already has level {item.name}.")
        if isinstance(item, Antenna):
            if self._kind_of.get(item.needle_id) != "needle":
                raise PlanError("An antenna must pass through a needle of this plan.")
            if self.antenna_for(item.needle_id) is not None:
                raise PlanError("That needle already holds an antenna.")

    def _check_replace(self, old, new) -> None:
        if isinstance(new, Level) and new.name != old.name:
            other = self.level_named(new.name)
            if other is not None and other.id != new.id:
                raise PlanError(f"The plan already has level {new.name}.")
        if isinstance(new, Antenna) and new.needle_id != old.needle_id:
            if self._kind_of.get(new.needle_id) != "needle":
                raise PlanError("An antenna must pass through a needle of this plan.")
            holder = self.antenna_for(new.needle_id)
            if holder is not None and holder.id != new.id:
                raise PlanError("That needle already holds an antenna.")

    def _bucket(self, kind: str) -> dict:
        try:
            return self._items[kind]
        except KeyError:
            raise PlanError(f"Unknown kind of plan item {kind!r}.") from None
