"""An answer as a person reads it: the one formatter of stored answers. Qt-free.

Used wherever an answer is shown rather than edited: the printed and exported reports,
the version history, the reconcile view, the guarded-answer notes and the training
debrief. (An editor shows the value as it is typed: ``desktop.ui.field_widgets``.)
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from desktop.forms.model import FormDefinition
from desktop.i18n import pick

EMPTY = {"nl": "(leeg)", "en": "(empty)"}
"""An answer that is not given."""

OPTION_TYPES = frozenset({"choice", "multi", "yesno", "ynu"})


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def number_text(value: float, lang: str | None = None) -> str:
    """``54,4`` in Dutch, ``54.4`` in English; whole numbers without decimals."""
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text.replace(".", ",") if (lang or _lang()) == "nl" else text


def answer_text(
    form: FormDefinition | None,
    field_id: str,
    value: Any,
    lang: str | None = None,
    zone: tzinfo | str | None = None,
) -> str:
    """``value`` of ``field_id`` as shown: option labels (ja/nee, onbekend), dates as
    dd-mm-jjjj, moments as dd-mm-jjjj uu:mm in ``zone`` (default: the form's time zone,
    the desk's local time), decimal commas in Dutch, ``(leeg)`` for no answer. A field the
    form does not know, or a value the form would reject, is shown as it is."""
    if is_empty(value):
        return pick(EMPTY, lang)
    if form is None or not form.has_field(field_id):
        return str(value)
    kind = form.field(field_id).type
    try:
        if kind in OPTION_TYPES:
            return form.option_label(field_id, value, lang)
        if kind == "date":
            return date.fromisoformat(str(value)).strftime("%d-%m-%Y")
        if kind == "datetime":
            where = ZoneInfo(zone) if isinstance(zone, str) else zone
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(where or ZoneInfo(form.timezone))
            return moment.strftime("%d-%m-%Y %H:%M")
        if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            return number_text(value, lang)
    except (TypeError, ValueError, AttributeError):
        return str(value)
    return str(value)


def _lang() -> str:
    from desktop.i18n import language

    return language()
