"""Guarded answers on screen: the question before a given one is cleared, and the lines
under a section's heading that tell which given answer changed, when and by whom.

Which answers are guarded is the desk's rule (``DeskSession.guarded_fields``); their
changes come from the case's versions (``DeskSession.answer_changes``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.forms import FormDefinition
from desktop.i18n import _, pick
from desktop.session.desk import AnswerChange
from desktop.ui.history_view import value_text


def ask_before_unset(
    parent: QWidget,
    form: FormDefinition,
    field_id: str,
    before: Any,
    after: Any,
    answered: Callable[[bool], None],
) -> QMessageBox:
    """Open (window-modal) the question whether a given answer may be cleared or made
    *onbekend*; ``answered(True)`` to change it. Enter and Escape keep it."""
    zone = ZoneInfo(form.timezone)
    text = _("{field} was: {before}. Wijzigen in: {after}?").format(
        field=pick(form.field(field_id).label),
        before=value_text(form, field_id, before, zone),
        after=value_text(form, field_id, after, zone) if after else _("leeg"),
    )
    box = QMessageBox(parent)
    box.setObjectName("confirm_unset")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Antwoord wijzigen?"))
    box.setText(text)
    box.setInformativeText(
        _("Een gegeven antwoord over risico of wettelijk kader wordt niet zomaar gewist.")
    )
    change = box.addButton(_("&Ja, wijzigen"), QMessageBox.ButtonRole.YesRole)
    keep = box.addButton(_("&Nee, laten staan"), QMessageBox.ButtonRole.NoRole)
    change.setObjectName("confirm_change")
    keep.setObjectName("confirm_keep")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.finished.connect(lambda _result: answered(box.clickedButton() is change))
    box.open()
    return box


def changed_answers(
    form: FormDefinition,
    changes: Iterable[AnswerChange],
    time_text: Callable[[datetime], str],
) -> dict[str, tuple[str, list[str]]]:
    """Per section with changed given answers: the heading's addition ("gewijzigd om
    09:51", the latest) and one line per field (its last change)."""
    zone = ZoneInfo(form.timezone)
    latest: dict[str, dict[str, AnswerChange]] = {}
    for change in changes:  # oldest first: the last change of a field wins
        latest.setdefault(form.section_of(change.field_id).id, {})[change.field_id] = change
    told: dict[str, tuple[str, list[str]]] = {}
    for section, fields in latest.items():
        last = max(fields.values(), key=lambda c: c.at)
        lines = [
            _("{field} gewijzigd om {time} door {who}: was {before}, nu {after}").format(
                field=pick(form.field(fid).label),
                time=time_text(change.at),
                who=change.by,
                before=value_text(form, fid, change.before, zone),
                after=value_text(form, fid, change.after, zone),
            )
            for fid, change in fields.items()
        ]
        told[section] = (_("gewijzigd om {time}").format(time=time_text(last.at)), lines)
    return told
