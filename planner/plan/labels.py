"""The name a finding or a report line gives a plan item: one that tells it from every other item.

An antenna's stored name is not shown or edited anywhere (every path that places one, the antenna tool,
B's mirror, Duplicate, a proposal, calls it "Antenna"), so two antennas were both "[Antenna]" in the
report and the findings list could not say whose zone a warning was about (review of the lumbar
walkthrough: the two "zone in front of the vertebra" warnings of a bipedicular pair). The rule, one for
every path:

- an antenna is named by the needle it passes through: ``"Antenna in Needle 1 (contralateral)"``
  (its own name, "in", the label of its needle); the needle's rename is followed, nothing is stored;
- any other item by its name;
- items still sharing a label after that (two needles both called "Needle 1", say) get their side
  when the sides tell them apart (``"Needle 1 (left)"``), else their place in the plan among them
  (``"Needle 1 #2"``); an antenna of such a needle then follows its needle's label.

Only findings and report lines use these labels; the stored names (the plan list, the views, a plot's
legend) stay short.
"""

from __future__ import annotations

from collections import defaultdict

KINDS = ("level", "needle", "thermocouple", "target")  # the items named on their own, before the antennas


def _told_apart(items, label_of) -> dict[str, str]:
    """``label_of`` of each item, qualified where two or more items share one."""
    groups: dict[str, list] = defaultdict(list)
    for item in items:
        groups[label_of(item)].append(item)
    out = {}
    for label, group in groups.items():
        if len(group) == 1:
            out[group[0].id] = label
            continue
        sides = [getattr(item, "side", "") for item in group]
        by_side = all(sides) and len(set(sides)) == len(sides)
        for k, item in enumerate(group, start=1):
            out[item.id] = f"{label} ({item.side})" if by_side else f"{label} #{k}"
    return out


def _name(item) -> str:
    return getattr(item, "name", "") or item.KIND.capitalize()


def item_labels(doc) -> dict[str, str]:
    """Item id -> a label no other item of ``doc`` has (see the module docstring for the rule)."""
    items = [item for kind in KINDS for item in doc.items(kind)]
    labels = _told_apart(items, _name)

    def antenna_label(antenna) -> str:
        needle = labels.get(antenna.needle_id)
        return f"{_name(antenna)} in {needle}" if needle else _name(antenna)

    labels.update(_told_apart(doc.antennas, antenna_label))
    return labels


def tagged(message: str, label: str) -> str:
    """``message`` with ``[label]`` in front, unless it already names the item (a needle's findings
    begin with its name: "Needle 1: the path ...") or there is no label."""
    if not label or label in message:
        return message
    return f"[{label}] {message}"


def finding_text(finding, labels: dict[str, str]) -> str:
    """The message of ``finding`` tagged with the label of the item it is about (``labels`` from
    :func:`item_labels`), as the findings list and the report show it."""
    return tagged(finding.message, labels.get(finding.item_id, "") if finding.item_id else "")


__all__ = ["finding_text", "item_labels", "tagged"]
