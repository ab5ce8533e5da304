"""Each plan item field is declared once; everything else derives from that declaration.

A plan item (:mod:`planner.plan.items`) is a frozen standard-library dataclass whose fields are made
with :func:`declare`. The declaration (a :class:`PlanField` in the field's ``metadata``) says the
field's JSON key, the words used in messages, its value kind (:mod:`planner.plan.kinds`), whether the
file must hold it, and how the properties panel edits it. From it come:

* validation of a new or edited item, with messages naming the field (:func:`check_fields`, run by
  :class:`PlanItem.__post_init__`);
* JSON writing and reading (:func:`item_to_dict`, :func:`item_from_dict`);
* the item's JSON Schema (:func:`item_schema`, assembled by :mod:`planner.plan.schema`);
* which names an undoable edit may set (:func:`editable_names`, used by the commands);
* the rows of the properties panel (:func:`editors`);
* the field tables of docs/plan-format.md (:mod:`planner.plan.field_docs`), from the declaration's ``doc``.

Why standard dataclasses with field metadata, not attrs or pydantic: the items already are frozen
dataclasses compared with ``==`` and copied with :func:`dataclasses.replace` (the undo model), the
plan layer must stay free of heavy dependencies, and the JSON layout (nested keys, names such as
``entry`` for ``entry_lps``) is its own published format (docs/plan-format.md) that the schema file
describes; a small table of kinds maps onto it more directly than pydantic's model-to-schema rules.

Adding an optional field: one ``declare(...)`` line in the item class (with a default, so older files
still read), then ``python3 -m planner.plan.write_schema`` to refresh ``resources/schemas/plan.schema.json`` and the
field tables of docs/plan-format.md.
When old files cannot be read unchanged, bump :data:`planner.plan.serialize.SCHEMA_VERSION` and add
one migration step (:mod:`planner.plan.migrations`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass
from functools import lru_cache
from typing import Any, Callable

from planner.core.errors import PlanError
from planner.plan.kinds import Kind


@dataclass(frozen=True)
class Editor:
    """How the properties panel edits a field: a widget kind, its label, range, decimals and unit."""

    widget: str  # "text", "choice", "device", "point", "number" or "integer"; "check" for flags
    label: str
    lo: float = 0.0
    hi: float = 0.0
    decimals: int = 1
    suffix: str = ""


@dataclass(frozen=True)
class PlanField:
    """What the planner knows about one field of a plan item (see the module docstring)."""

    key: str  # JSON key; "outer.inner" nests (a level's "mid_sagittal_plane.normal")
    label: str  # words naming the field in messages
    kind: Kind
    required: bool = False  # the file must hold the key (schema "required")
    editor: Editor | None = None  # None: not edited in the properties panel
    fill: Callable[[Any], Any] | None = None  # value taken from the item when the field is None
    doc: str = ""  # what the field means (Markdown, with its source): docs/plan-format.md and the schema


def declare(key: str, label: str, kind: Kind, default: Any = MISSING, *, default_factory: Any = MISSING,
            required: bool = False, editor: Editor | None = None, fill=None, doc: str = "") -> Any:
    """A dataclass field carrying its :class:`PlanField` declaration."""
    meta = {"plan": PlanField(key, label, kind, required, editor, fill, doc)}
    return dataclasses.field(default=default, default_factory=default_factory, metadata=meta)


def declared(item_or_class) -> tuple[tuple[str, PlanField], ...]:
    """``(attribute name, declaration)`` of each declared field, in declaration order."""
    return _declared(item_or_class if isinstance(item_or_class, type) else type(item_or_class))


@lru_cache(maxsize=None)
def _declared(cls: type) -> tuple[tuple[str, PlanField], ...]:
    return tuple((f.name, f.metadata["plan"]) for f in dataclasses.fields(cls) if "plan" in f.metadata)


def editable_names(item_or_class) -> frozenset[str]:
    """Attribute names an edit command may change (every declared field but the id)."""
    return frozenset(name for name, _ in declared(item_or_class) if name != "id")


def editors(item_or_class) -> tuple[tuple[str, PlanField], ...]:
    """The declared fields the properties panel shows: the name first, the lock last."""
    shown = [(n, f) for n, f in declared(item_or_class) if f.editor is not None]
    return tuple(sorted(shown, key=lambda nf: (nf[0] != "name", nf[0] == "locked")))


def check_fields(item) -> None:
    """Normalise and check every declared field of a frozen item (PlanError naming the field)."""
    for name, spec in declared(item):
        value = getattr(item, name)
        if value is None and spec.fill is not None:
            value = spec.fill(item)
        object.__setattr__(item, name, spec.kind.check(value, spec.label))


class PlanItem:
    """Base of the plan items: checks the declared fields, then the item's own cross-field rules."""

    KIND = ""

    def __post_init__(self):
        check_fields(self)
        self.check()

    def check(self) -> None:
        """Rules between fields (e.g. pre-alarm not above alarm); PlanError when broken."""


def json_order(item_or_class):
    return sorted(declared(item_or_class), key=lambda nf: nf[1].key not in ("id", "name"))


def item_to_dict(item) -> dict[str, Any]:
    """The JSON object of one item (id and name first, then declaration order)."""
    out: dict[str, Any] = {}
    for name, spec in json_order(item):
        *outer, last = spec.key.split(".")
        target = out
        for part in outer:
            target = target.setdefault(part, {})
        target[last] = spec.kind.to_json(getattr(item, name))
    return out


def item_from_dict(cls, data: dict):
    """Build an item from its schema-valid JSON object; keys the file leaves out take the defaults."""
    kwargs = {}
    for name, spec in declared(cls):
        raw: Any = data
        for part in spec.key.split("."):
            raw = raw.get(part, MISSING) if isinstance(raw, dict) else MISSING
        if raw is not MISSING:
            kwargs[name] = spec.kind.from_json(raw)
    return cls(**kwargs)


def item_schema(cls) -> dict:
    """The JSON Schema of one item's object: properties, required keys, no other keys."""
    properties: dict[str, Any] = {}
    required = []
    for _, spec in json_order(cls):
        *outer, last = spec.key.split(".")
        if spec.required:
            required.append(spec.key.split(".")[0])
        target = properties
        for part in outer:
            node = target.setdefault(part, {"type": "object", "required": [], "additionalProperties": False,
                                            "properties": {}})
            node["required"].append(last)
            target = node["properties"]
        target[last] = {**spec.kind.schema(), "description": _plain(spec.doc)} if spec.doc else spec.kind.schema()
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


def _plain(markdown: str) -> str:
    """A field's documentation without Markdown code marks (the schema's ``description`` is plain text)."""
    return markdown.replace("`", "")


def unknown_fields(item, names) -> list[str]:
    """The names among ``names`` that an edit of ``item`` may not set (sorted)."""
    allowed = editable_names(item)
    return sorted(n for n in names if n not in allowed)


def refuse_unknown(item, names) -> None:
    """PlanError naming the fields an edit may not set (the id, or names the item does not declare)."""
    bad = unknown_fields(item, names)
    if bad:
        raise PlanError(f"A {item.KIND} has no editable field {', '.join(bad)}.")
