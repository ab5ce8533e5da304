"""A local audit log of what the planner sent to or retrieved from which PACS, and when.

One JSON object per line in ``<cache folder's parent>/pacs-audit.jsonl`` (beside the series cache,
so clearing the cache keeps it): UTC time, operation (``send``, ``retrieve``), the node (label, AE
title, host, port, our AE title), how many objects of which SOP class / modality, and the outcome
("ok" or the kind of error). It names no patient and no UID: the objects are counted, not listed
(the PACS keeps its own audit trail of what it received), so the file can be shown to support staff.
The application's own logs get even less (the operation and the node label only).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from planner.pacs.settings import PacsNode, PacsSettings

log = logging.getLogger(__name__)
AUDIT_FILE = "pacs-audit.jsonl"


def audit_path(settings: PacsSettings) -> Path:
    return Path(settings.cache_dir).expanduser().parent / AUDIT_FILE


def record(settings: PacsSettings, operation: str, node: PacsNode, kinds: Counter | dict, outcome: str) -> None:
    """Append one entry; an unwritable log is reported in the app's log, never raised to the user."""
    entry = {"time_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), "operation": operation,
             "node": {"label": node.label, "ae_title": node.ae_title, "host": node.host, "port": node.port},
             "our_ae_title": settings.local_ae_title, "objects": dict(sorted(dict(kinds).items())),
             "count": int(sum(dict(kinds).values())), "outcome": outcome}
    path = audit_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError as exc:
        log.warning("PACS audit log %s could not be written: %s", path, exc.strerror or exc)
    log.info("PACS %s with %s: %s", operation, node.label, outcome)


def read_audit(settings: PacsSettings) -> list[dict]:
    """The entries written so far (oldest first)."""
    path = audit_path(settings)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
