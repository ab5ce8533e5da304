"""``python3 -m planner.plan.write_schema``: write resources/schemas/plan.schema.json and the field tables of
docs/plan-format.md from the item declarations (run after declaring or changing a plan field;
tests/plan/test_fields.py and tests/plan/test_field_docs.py check both)."""

from __future__ import annotations

import sys
from pathlib import Path

from planner.plan.field_docs import render_document
from planner.plan.schema import schema_path, schema_text

#: The plan format document of a source checkout (an installed package has no docs/ folder).
PLAN_FORMAT_DOC = Path(__file__).resolve().parents[2] / "docs" / "plan-format.md"


def main() -> int:
    path = schema_path()
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    if PLAN_FORMAT_DOC.is_file():
        text = PLAN_FORMAT_DOC.read_text(encoding="utf-8")
        PLAN_FORMAT_DOC.write_text(render_document(text), encoding="utf-8")
        print(f"wrote the field tables of {PLAN_FORMAT_DOC}")
    else:
        print(f"no {PLAN_FORMAT_DOC} here (not a source checkout): only the schema was written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
