"""The command classes (add, remove, set fields, macro) and the composite edits built from them.

Import them from :mod:`planner.plan.commands`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import fields, replace
from typing import Hashable, Sequence

import numpy as np

from planner.core.errors import PlanError
from planner.geometry.trajectory import mirror_segment
from planner.plan.document import PlanDocument
from planner.plan.fields import refuse_unknown
from planner.plan.items import Needle
from planner.plan.vocab import new_id


_POINT_FIELDS = ("entry_lps", "tip_lps", "centre_lps", "body_centre_lps", "plane_point_lps")


def point_fields(item) -> tuple[str, ...]:
    """Names of the item's LPS position fields (those a rigid move translates)."""
    names = {f.name for f in fields(item)}
    return tuple(n for n in _POINT_FIELDS if n in names)


def _display(doc: PlanDocument, item_id: str) -> str:
    item = doc.get(item_id)
    return f"{item.KIND} {item.name!r}" if getattr(item, "name", "") else item.KIND


def _refuse_if_locked(doc: PlanDocument, item_id: str, what: str) -> None:
    if doc.is_locked(item_id):
        raise PlanError(f"The {_display(doc, item_id)} is locked; unlock it to {what}.")


class Command(ABC):
    """One undoable change. ``redo`` runs it (first time and after undo), ``undo`` reverts it."""

    text = ""

    @abstractmethod
    def redo(self, doc: PlanDocument) -> None:
        """Apply the change to ``doc``."""

    @abstractmethod
    def undo(self, doc: PlanDocument) -> None:
        """Revert the change on ``doc``."""

    def merge_key(self) -> Hashable | None:
        """Commands with equal non-None keys pushed one after another may merge (a drag)."""
        return None

    def absorb(self, newer: "Command") -> bool:
        """Take over the effect of ``newer`` (already run); return True when merged."""
        return False


class AddItem(Command):
    """Add one item (at ``index`` among its kind, default last)."""

    def __init__(self, item, index: int | None = None):
        self.item = item
        self.index = index
        self.text = f"Add {item.KIND}"

    def redo(self, doc: PlanDocument) -> None:
        doc.insert(self.item, self.index)

    def undo(self, doc: PlanDocument) -> None:
        doc.remove(self.item.id)


class RemoveItem(Command):
    """Delete one item; deleting a needle also deletes its antenna, restored together on undo."""

    def __init__(self, item_id: str):
        self.item_id = item_id
        self.text = "Delete"
        self._removed: list[tuple[object, int]] = []

    def redo(self, doc: PlanDocument) -> None:
        _refuse_if_locked(doc, self.item_id, "delete it")
        self.text = f"Delete {doc.kind_of(self.item_id)}"
        removed = []
        if doc.kind_of(self.item_id) == "needle":
            antenna = doc.antenna_for(self.item_id)
            if antenna is not None:
                removed.append(doc.remove(antenna.id))
        removed.append(doc.remove(self.item_id))
        self._removed = removed

    def undo(self, doc: PlanDocument) -> None:
        for item, index in reversed(self._removed):
            doc.insert(item, index)


class SetFields(Command):
    """Change some fields of one item. ``mergeable`` commands on the same item and fields merge."""

    def __init__(self, item_id: str, values: dict, text: str | None = None, mergeable: bool = False, merge_tag: str = ""):
        if not values:
            raise PlanError("Nothing to change.")
        self.item_id = item_id
        self.values = dict(values)
        self.text = text or "Set " + ", ".join(sorted(self.values)).replace("_", " ")
        self.mergeable = mergeable
        self.merge_tag = merge_tag
        self._old = None
        self._new = None

    def redo(self, doc: PlanDocument) -> None:
        if self._new is None:
            if set(self.values) != {"locked"}:
                _refuse_if_locked(doc, self.item_id, "edit it")
            old = doc.get(self.item_id)
            if "id" in self.values:
                raise PlanError("An item's id cannot be changed.")
            refuse_unknown(old, self.values)
            new = replace(old, **self.values)
            self._old, self._new = old, new
        doc.replace(self._new)

    def undo(self, doc: PlanDocument) -> None:
        doc.replace(self._old)

    def merge_key(self) -> Hashable | None:
        if not self.mergeable:
            return None
        return (self.item_id, frozenset(self.values), self.merge_tag)

    def absorb(self, newer: Command) -> bool:
        if not isinstance(newer, SetFields) or newer.merge_key() != self.merge_key():
            return False
        self.values = dict(newer.values)
        self._new = newer._new
        return True


class MacroCommand(Command):
    """Several commands as one undo step; if one fails while running, the others are rolled back."""

    def __init__(self, text: str, commands: Sequence[Command]):
        self.text = text
        self.commands = list(commands)

    def redo(self, doc: PlanDocument) -> None:
        done: list[Command] = []
        try:
            for command in self.commands:
                command.redo(doc)
                done.append(command)
        except Exception:
            for command in reversed(done):
                command.undo(doc)
            raise

    def undo(self, doc: PlanDocument) -> None:
        for command in reversed(self.commands):
            command.undo(doc)


def duplicate(doc: PlanDocument, item_id: str, offset_lps=(0.0, 0.0, 0.0), suffix: str = " copy") -> MacroCommand:
    """Command adding an unlocked copy of an item (new id, name + suffix, moved by ``offset_lps``).

    A needle's antenna is copied onto the new needle in the same undo step.
    """
    item = doc.get(item_id)
    if item.KIND == "level":
        raise PlanError("A level cannot be duplicated; add the neighbouring level instead.")
    if item.KIND == "antenna":
        raise PlanError("Duplicate the needle: an antenna cannot exist without its own needle.")
    offset = np.asarray(offset_lps, dtype=float).reshape(3)
    changes: dict = {"id": new_id()}
    if hasattr(item, "name"):
        changes["name"] = item.name + suffix
    if hasattr(item, "locked"):
        changes["locked"] = False
    for point in point_fields(item):
        changes[point] = tuple(np.asarray(getattr(item, point)) + offset)
    copy = replace(item, **changes)
    commands: list[Command] = [AddItem(copy)]
    antenna = doc.antenna_for(item_id) if item.KIND == "needle" else None
    if antenna is not None:
        commands.append(AddItem(replace(antenna, id=new_id(), needle_id=copy.id)))
    return MacroCommand(f"Duplicate {item.KIND}", commands)


_OTHER_SIDE = {"left": "right", "right": "left"}


def bipedicular_pair(
    doc: PlanDocument,
    needle_id: str,
    plane_point_lps=None,
    plane_normal=None,
    suffix: str = " (contralateral)",
) -> MacroCommand:
    """Command adding the mirror image of a needle across a mid-sagittal plane (bipedicular approach).

    Chen AJNR 2022: lesions covering two-thirds of the body get two needles through bilateral
    approaches. The plane is given as a point and a normal; when omitted, the plane of the plan's
    level named by the needle is used. The new needle has the other side, the name with ``suffix``,
    and a copy of the needle's antenna if it has one; both are added as one undo step.
    """
    needle = doc.get(needle_id)
    if not isinstance(needle, Needle):
        raise PlanError("Only a bone needle can be mirrored to the other pedicle.")
    if plane_point_lps is None or plane_normal is None:
        level = doc.level_named(needle.level) if needle.level else None
        if level is None:
            raise PlanError(
                "No mid-sagittal plane: give the needle a level that is in the plan, or place the plane first."
            )
        plane_point_lps, plane_normal = level.plane_point_lps, level.plane_normal_lps
    if needle.side not in _OTHER_SIDE:
        raise PlanError("A midline needle has no opposite side to mirror to.")
    entry, tip = mirror_segment(needle.entry_lps, needle.tip_lps, plane_point_lps, plane_normal)
    mirrored = replace(
        needle,
        id=new_id(),
        entry_lps=tuple(entry),
        tip_lps=tuple(tip),
        side=_OTHER_SIDE[needle.side],
        name=needle.name + suffix,
        locked=False,
    )
    commands: list[Command] = [AddItem(mirrored)]
    antenna = doc.antenna_for(needle_id)
    if antenna is not None:
        commands.append(AddItem(replace(antenna, id=new_id(), needle_id=mirrored.id)))
    return MacroCommand("Create bipedicular pair", commands)

