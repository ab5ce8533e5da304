"""The plan file's JSON Schema, assembled from the item declarations (:mod:`planner.plan.fields`).

``resources/schemas/plan.schema.json`` is this schema written out for other tools (a test checks the
two agree). After declaring a field, refresh the file with::

    python3 -m planner.plan.write_schema
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from planner.core.resources import resource_path
from planner.plan import vocab
from planner.plan.fields import item_schema
from planner.plan.items import SeriesRef
from planner.plan.serialize import FORMAT_NAME, ITEM_LISTS, SCHEMA_VERSION

SCHEMA_ID = "https://spine-ablation-planner.example/schemas/plan.schema.json"
_SHORT_LIST = re.compile(r'\[\s*((?:"[^"\n]*"|[-0-9.]+)(?:\s*,\s*(?:"[^"\n]*"|[-0-9.]+))*)\s*\]')
_HEADER = ("format", "schema_version", "app_version", "created", "modified", "coordinate_system", "units", "series")


@lru_cache(maxsize=1)
def build_plan_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a current-version plan file."""
    properties: dict = {
        "format": {"const": FORMAT_NAME},
        "schema_version": {"const": SCHEMA_VERSION},
        "app_version": {"type": "string"},
        "created": {"type": "string"},
        "modified": {"type": "string"},
        "coordinate_system": {"const": "LPS"},
        "units": {"const": "mm"},
        "series": item_schema(SeriesRef),
    }
    defs: dict = {
        "id": {"type": "string", "minLength": 1},
        "point": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
        "level_name": {"enum": [""] + list(vocab.LEVEL_NAMES)},
        "gauge": {"enum": list(vocab.GAUGE_OUTER_DIAMETER_MM)},
    }
    for key, cls in ITEM_LISTS:
        properties[key] = {"type": "array", "items": {"$ref": f"#/$defs/{cls.KIND}"}}
        defs[cls.KIND] = item_schema(cls)
    properties["levels"]["maxItems"] = vocab.MAX_LEVELS
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Spine ablation plan",
        "description": f"A percutaneous spine ablation plan, schema version {SCHEMA_VERSION}. Coordinates are "
                       "DICOM LPS in mm. See docs/plan-format.md.",
        "type": "object",
        "required": list(_HEADER) + [key for key, _ in ITEM_LISTS],
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as the text of ``resources/schemas/plan.schema.json`` (short lists on one line)."""
    text = json.dumps(build_plan_schema(), indent=2, ensure_ascii=False)
    return _SHORT_LIST.sub(lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text) + "\n"


def schema_path():
    """Where the schema file ships (``resources/schemas/plan.schema.json``)."""
    return resource_path("schemas", "plan.schema.json")
