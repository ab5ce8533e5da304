"""Undoable commands on a :class:`PlanDocument` and the :class:`CommandStack` that runs them.

A gesture in the user interface becomes one command pushed on the stack. Consecutive commands with
the same ``merge_key`` (same item, same fields: one handle being dragged) merge into one undo step
until :meth:`CommandStack.end_merge` is called (on mouse release). Several commands can form one undo
step (:class:`MacroCommand`, or ``with stack.macro("text"): ...``). Locked items refuse edits with
:class:`PlanError`; only their ``locked`` flag may change. An antenna counts as locked when its
needle is locked (it is part of the placed needle assembly).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np
from psygnal import Signal

from planner.core.errors import PlanError
from planner.plan.commands_base import AddItem, Command, MacroCommand, RemoveItem, SetFields  # noqa: F401
from planner.plan.commands_base import bipedicular_pair, duplicate, point_fields  # noqa: F401
from planner.plan.document import PlanDocument


def add_item(item) -> AddItem:
    """Command adding one item."""
    return AddItem(item)


def remove_item(item_id: str) -> RemoveItem:
    """Command deleting one item; a needle takes its antenna with it (one undo step)."""
    return RemoveItem(item_id)


def set_fields(item_id: str, mergeable: bool = False, text: str | None = None, **values) -> SetFields:
    """Command changing some fields of one item (e.g. ``tip_lps=...`` or ``power_w=35``)."""
    return SetFields(item_id, values, text=text, mergeable=mergeable)


def move_point(item_id: str, field_name: str, point_lps, mergeable: bool = True) -> SetFields:
    """Command moving one handle (``entry_lps``, ``tip_lps``, ``centre_lps``...) to a new point."""
    label = field_name.replace("_lps", "").replace("_", " ")
    return SetFields(item_id, {field_name: tuple(np.asarray(point_lps, float))}, text=f"Move {label}", mergeable=mergeable)


def move_item(doc: PlanDocument, item_id: str, delta_lps, mergeable: bool = True) -> SetFields:
    """Command translating a whole needle/thermocouple (entry and tip) or a target/level centre."""
    delta = np.asarray(delta_lps, dtype=float).reshape(3)
    item = doc.get(item_id)
    names = point_fields(item)
    if not names:
        raise PlanError(f"A {item.KIND} cannot be moved on its own.")
    values = {n: tuple(np.asarray(getattr(item, n)) + delta) for n in names}
    return SetFields(item_id, values, text=f"Move {item.KIND}", mergeable=mergeable, merge_tag="move")


def lock(item_id: str, locked: bool = True) -> SetFields:
    """Command locking (or unlocking) an item."""
    return SetFields(item_id, {"locked": bool(locked)}, text="Lock" if locked else "Unlock")


def rename(item_id: str, name: str) -> SetFields:
    """Command renaming an item (display name only; items are found by id)."""
    return SetFields(item_id, {"name": str(name)}, text="Rename")


class CommandStack:
    """Undo/redo history of one plan, with clean-state (saved) tracking.

    ``changed`` fires after every push/undo/redo/clear/mark_saved; ``modified_changed(bool)`` fires
    when :attr:`is_modified` flips.
    """

    changed = Signal()
    modified_changed = Signal(bool)

    def __init__(self, doc: PlanDocument, limit: int = 0):
        self.doc = doc
        self.limit = int(limit)
        self._commands: list[Command] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._merge_open = False
        self._macro_stack: list[list[Command]] = []

    # ----------------------------------------------------------------- state
    @property
    def can_undo(self) -> bool:
        return self._index > 0 and not self._macro_stack

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands) and not self._macro_stack

    @property
    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self._index > 0 else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self._index < len(self._commands) else ""

    @property
    def undo_command(self) -> Command | None:
        """The command :meth:`undo` would revert (None when there is none)."""
        return self._commands[self._index - 1] if self.can_undo else None

    @property
    def index(self) -> int:
        """Number of commands currently applied."""
        return self._index

    def __len__(self) -> int:
        return len(self._commands)

    @property
    def is_modified(self) -> bool:
        """True when the plan differs from the last :meth:`mark_saved` state."""
        return self._clean_index != self._index

    # ----------------------------------------------------------------- actions
    def push(self, command: Command) -> None:
        """Run a command and record it (merging a continuing drag). A failing command changes nothing."""
        command.redo(self.doc)
        self._record(command)

    def undo(self) -> None:
        if not self.can_undo:
            raise PlanError("Nothing to undo.")
        with self._tracking():
            self._index -= 1
            try:
                self._commands[self._index].undo(self.doc)
            except Exception:
                self._index += 1
                raise
            self._merge_open = False

    def redo(self) -> None:
        if not self.can_redo:
            raise PlanError("Nothing to redo.")
        with self._tracking():
            self._commands[self._index].redo(self.doc)
            self._index += 1
            self._merge_open = False

    def end_merge(self) -> None:
        """Close the current drag: the next command starts a new undo step."""
        self._merge_open = False

    def mark_saved(self) -> None:
        """Remember the current state as the saved one (clean)."""
        with self._tracking():
            self._clean_index = self._index
            self._merge_open = False

    def clear(self) -> None:
        """Forget the history (e.g. after loading a plan); the current state counts as saved."""
        with self._tracking():
            self._commands.clear()
            self._index = 0
            self._clean_index = 0
            self._merge_open = False

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Group the commands pushed inside the ``with`` block into one undo step.

        If the block raises, the commands already run are undone and the error propagates.
        """
        self._macro_stack.append([])
        try:
            yield
        except BaseException:
            done = self._macro_stack.pop()
            for command in reversed(done):
                command.undo(self.doc)
            raise
        done = self._macro_stack.pop()
        if done:
            self._record(MacroCommand(text, done))

    # ----------------------------------------------------------------- internals
    def _record(self, command: Command) -> None:
        if self._macro_stack:
            self._macro_stack[-1].append(command)
            return
        with self._tracking():
            del self._commands[self._index :]
            if self._clean_index is not None and self._clean_index > self._index:
                self._clean_index = None
            top = self._commands[-1] if self._commands else None
            key = command.merge_key()
            if (
                self._merge_open
                and top is not None
                and key is not None
                and top.merge_key() == key
                and self._clean_index != self._index
                and top.absorb(command)
            ):
                pass
            else:
                self._commands.append(command)
                self._index += 1
                self._trim()
            self._merge_open = True

    def _trim(self) -> None:
        if self.limit > 0 and len(self._commands) > self.limit:
            drop = len(self._commands) - self.limit
            del self._commands[:drop]
            self._index -= drop
            if self._clean_index is not None:
                self._clean_index = self._clean_index - drop if self._clean_index >= drop else None

    @contextmanager
    def _tracking(self) -> Iterator[None]:
        was_modified = self.is_modified
        yield
        self.changed.emit()
        if self.is_modified != was_modified:
            self.modified_changed.emit(self.is_modified)


__all__ = [
    "AddItem",
    "Command",
    "CommandStack",
    "MacroCommand",
    "RemoveItem",
    "SetFields",
    "add_item",
    "bipedicular_pair",
    "duplicate",
    "lock",
    "move_item",
    "move_point",
    "remove_item",
    "rename",
    "set_fields",
]
