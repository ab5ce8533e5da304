"""Dialogs of the whole-target planning: the ranked proposed accesses with their ``why``, and the CTV's
ISRC sectors (Cox et al., IJROBP 2012) the user can toggle."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem,
                               QVBoxLayout)

from planner.anatomy.sectors import SECTOR_NAMES, SECTORS


def option_text(option) -> str:
    """One line per option: rank, needles (side, approach as the plan will name it, power x time), the CTV's
    and the lesion's coverage, whether a thermocouple is added, and why it ranks there (screenshot round of
    issue 17: at T12 the dialog said "unipedicular left" and the plan then listed a transcostovertebral
    needle; the lesion's coverage showed only once the option was added)."""
    needles = ", ".join(f"{n.side} {n.approach} {n.power_w:g} W × {n.time_s:g} s" for n in option.needles)
    tc = "; a thermocouple added" if option.thermocouple_tip_lps is not None else ""
    why = option.why[:1].upper() + option.why[1:]  # it holds the CTV's and the lesion's coverage
    return f"{option.rank}. {option.approach} ({needles}){tc}.\n{why}"


class ProposeDialog(QDialog):
    """The options of a proposal, best first; ``chosen()`` is the selected one after Add."""

    def __init__(self, case, proposal, parent=None):
        super().__init__(parent)
        self.setObjectName("propose_dialog")
        self.setWindowTitle(f"Proposed access – {case.level.name}")
        self.resize(760, 420)
        self.proposal = proposal
        layout = QVBoxLayout(self)
        ctv_ml = proposal.ctv_ml
        head = [f"CTV of {case.level.name}: sectors {', '.join(str(s) for s in sorted(case.choice.sectors))} "
                f"({ctv_ml:.1f} mL)."] + case.choice.explain()
        if getattr(case, "level_source", "") == "automatic count":
            head.append(f"Level {case.level.name} comes from the automatic count of the vertebrae: check it "
                        "(the plan names no level).")
        if not case.level_measured:
            head.append("The vertebral body was not measured (cut by the scan): the level frame comes from the bone.")
        head += list(proposal.notes)
        head.append("Zones are predictions from ex vivo device tables (approximations): check every option.")
        info = QLabel("\n".join(head), self)
        info.setWordWrap(True)
        info.setObjectName("propose_info")
        layout.addWidget(info)
        self.list = QListWidget(self)
        self.list.setObjectName("propose_options")
        self.list.setWordWrap(True)
        for option in proposal.options:
            row = QListWidgetItem(option_text(option))
            row.setData(Qt.UserRole, option.rank)
            self.list.addItem(row)
        if self.list.count():
            self.list.setCurrentRow(0)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(self)
        self.add_button = buttons.addButton("Add to plan", QDialogButtonBox.AcceptRole)
        self.add_button.setEnabled(bool(proposal.options))
        buttons.addButton(QDialogButtonBox.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self):
        row = self.list.currentItem()
        if row is None:
            return None
        return next((o for o in self.proposal.options if o.rank == row.data(Qt.UserRole)), None)


class SectorDialog(QDialog):
    """Check boxes for the six ISRC sectors; ``sectors()`` the checked ones."""

    def __init__(self, level_name: str, chosen, involved, parent=None):
        super().__init__(parent)
        self.setObjectName("sector_dialog")
        self.setWindowTitle(f"CTV sectors – {level_name}")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Sectors of the clinical target volume (ISRC, Cox et al. 2012).\n"
                                "Sectors the lesion involves are marked *.", self))
        self.boxes = {}
        for s in SECTORS:
            box = QCheckBox(f"{s} {SECTOR_NAMES[s]}" + (" *" if s in involved else ""), self)
            box.setObjectName(f"sector_{s}")
            box.setChecked(s in chosen)
            layout.addWidget(box)
            self.boxes[s] = box
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.use_rules = buttons.addButton("Use the rules", QDialogButtonBox.ResetRole)
        self.use_rules.clicked.connect(lambda: self.done(2))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def sectors(self) -> tuple[int, ...]:
        return tuple(s for s, box in self.boxes.items() if box.isChecked())
