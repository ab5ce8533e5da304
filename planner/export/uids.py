"""UIDs for what the planner writes: UUID-derived ``2.25.<integer>`` UIDs (PS3.5 B.2), never
pydicom's example root.

PS3.5 B.2 ("UUID Derived UID") lets anyone without a registered root make a UID from a UUID: the
root ``2.25`` followed by the UUID read as one unsigned decimal integer (at most 39 digits, so the
UID stays within the 64 characters of the UI value representation).

- :func:`new_uid`: a fresh random UUID (version 4), for SOP instances.
- :func:`derived_uid`: a name-based UUID (version 5, SHA-1) of some text, for UIDs that must come out
  the same every time from the same inputs: the series a plan's exports go into (so a second export
  is a new instance in the same series, not a new series), or the stand-in series UID of a CT whose
  files carry none (the shared T11-T12 scan).
"""

from __future__ import annotations

import uuid

#: Namespace of the planner's name-based UUIDs (itself a version 5 UUID of the project's name).
PLANNER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "spine-ablation-planner")


#: Implementation Class UID (0002,0012) of the files the planner writes: derived_uid("implementation").
IMPLEMENTATION_CLASS_UID = "2.25.296219995390272141263057120422999143822"


def new_uid() -> str:
    """A random UID ``2.25.<uuid4 as integer>`` (PS3.5 B.2)."""
    return f"2.25.{uuid.uuid4().int}"


def derived_uid(*parts: str) -> str:
    """A UID that depends only on ``parts`` (PS3.5 B.2 with a version 5 UUID)."""
    return f"2.25.{uuid.uuid5(PLANNER_NAMESPACE, chr(31).join(str(p) for p in parts)).int}"
