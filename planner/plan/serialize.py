"""Plan <-> plain dict (the JSON layout of schema version 2, described in docs/plan-format.md).

The layout of each item comes from its field declarations (:mod:`planner.plan.fields`); this module
only adds the document's header and the order of the item lists.
"""

from __future__ import annotations

from typing import Any

from planner.core.errors import PlanError
from planner.plan.document import PlanDocument
from planner.plan.fields import item_from_dict, item_to_dict
from planner.plan.items import Antenna, Level, Needle, SeriesRef, Target, Thermocouple

FORMAT_NAME = "spine-ablation-plan"
SCHEMA_VERSION = 2

#: (JSON list key, item class) in file order; levels first so needles can name them.
ITEM_LISTS: tuple[tuple[str, type], ...] = (
    ("levels", Level), ("needles", Needle), ("antennas", Antenna), ("thermocouples", Thermocouple), ("targets", Target),
)


def plan_to_dict(doc: PlanDocument, app_version: str) -> dict[str, Any]:
    """The JSON-ready dict of a plan (schema version 2)."""
    out: dict[str, Any] = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "app_version": app_version,
        "created": doc.created,
        "modified": doc.modified,
        "coordinate_system": "LPS",
        "units": "mm",
        "series": item_to_dict(doc.series),
    }
    for key, cls in ITEM_LISTS:
        out[key] = [item_to_dict(x) for x in doc.items(cls.KIND)]
    return out


def plan_from_dict(data: dict) -> PlanDocument:
    """Build a document from a schema-valid version-2 dict; item errors name their place in the file."""
    try:
        series = item_from_dict(SeriesRef, data["series"])
    except PlanError as exc:
        raise PlanError(f"series: {exc}") from None
    doc = PlanDocument(series=series, created=data["created"], modified=data["modified"])
    for key, cls in ITEM_LISTS:
        for index, entry in enumerate(data[key]):
            try:
                doc.insert(item_from_dict(cls, entry))
            except PlanError as exc:
                raise PlanError(f"{key}[{index}]: {exc}") from None
    return doc
