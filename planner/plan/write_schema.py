"""``python3 -m planner.plan.write_schema``: write resources/schemas/plan.schema.json from the item
declarations (run after declaring or changing a plan field; tests/plan/test_fields.py checks it)."""

from __future__ import annotations

import sys

from planner.plan.schema import schema_path, schema_text


def main() -> int:
    path = schema_path()
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
