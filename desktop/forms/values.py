"""Answer values per field type: check stored values and turn typed text into stored values.

The stored forms are those of docs/internal-api.md (phone: digits with an optional
leading ``+``; date: ``YYYY-MM-DD``; datetime: ISO 8601 with offset; yesno: bool; ynu:
``yes``/``no``/``unknown``; multi: option values in the definition's order). Messages
are Dutch source strings through :func:`desktop.i18n._`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from desktop.i18n import _

if TYPE_CHECKING:
    from desktop.forms.model import Field

DEFAULT_TIMEZONE = "Europe/Amsterdam"
YNU_VALUES = ("yes", "no", "unknown")
BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)

Result = tuple[Any, str | None]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DUTCH_DATETIME = re.compile(
    r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})[ ,T]+(\d{1,2})[:.](\d{2})(?::(\d{2}))?$"
)
_PHONE_NOISE = re.compile(r"[\s\-./()]")
_DUTCH_SPECIAL = re.compile(r"^0(800|900|906|909)\d{4,7}$")

_YES_WORDS = {"ja", "j", "yes", "y", "true", "waar", "1"}
_NO_WORDS = {"nee", "n", "no", "false", "onwaar", "0"}
_UNKNOWN_WORDS = {"onbekend", "o", "?", "unknown", "weet niet", "u"}


def is_empty(value: object) -> bool:
    """True for values that count as 'not answered' (absent, blank text, empty list)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple) and len(value) == 0


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number).replace(".", ",")


# --------------------------------------------------------------------------- checks


def bsn_is_valid(digits: str) -> bool:
    """The 11-proef for a 9-digit BSN (and never all zeros)."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, BSN_WEIGHTS, strict=True))
    return total % 11 == 0 and digits != "000000000"


def normalize_phone(text: str) -> str:
    """Remove spaces, dashes, dots, brackets and a '(0)'; ``00`` becomes ``+``."""
    text = text.strip()
    text = re.sub(r"^(\+\d{1,3})\s*\(0\)", r"\1", text)
    text = _PHONE_NOISE.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def phone_is_valid(text: str) -> bool:
    """A Dutch number (10 digits, or 0800/0900 numbers) or an international one (E.164)."""
    if not text.isascii():
        return False
    if text.startswith("+"):
        digits = text[1:]
        if not digits.isdigit() or not 8 <= len(digits) <= 15 or digits.startswith("0"):
            return False
        return len(digits) == 11 if digits.startswith("31") else True
    if not text.isdigit():
        return False
    return bool(re.fullmatch(r"0[1-9]\d{8}", text) or _DUTCH_SPECIAL.match(text))


def _check_date(value: date, field: Field, today: date | None) -> str | None:
    if today is None:
        return None
    if field.not_future and value > today:
        return _("Deze datum ligt in de toekomst.")
    if field.max_years_back is not None:
        try:
            limit = today.replace(year=today.year - field.max_years_back)
        except ValueError:  # 29 February
            limit = today.replace(year=today.year - field.max_years_back, day=28)
        if value < limit:
            return _("Deze datum ligt meer dan {years} jaar terug.").format(
                years=field.max_years_back
            )
    return None


def _parse_iso_date(text: str) -> date | None:
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_iso_datetime(text: str) -> datetime | None:
    if len(text) < 16 or not text[:4].isdigit() or not text.isascii():
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _today(now: datetime | None) -> date | None:
    return now.date() if now is not None else None


def validate_value(field: Field, value: object, *, now: datetime | None = None) -> Result:
    """Check a stored answer; return ``(normalised value, None)`` or ``(None, message)``.

    ``now`` enables the date range checks (not in the future, not too long ago).
    """
    kind = field.type
    if kind in ("text", "multiline"):
        if not isinstance(value, str):
            return None, _("Verwacht tekst.")
        text = value.strip()
        if field.max_length is not None and len(text) > field.max_length:
            return None, _("Te lang: maximaal {n} tekens.").format(n=field.max_length)
        return text, None
    if kind == "phone":
        if not isinstance(value, str):
            return None, _("Verwacht een telefoonnummer.")
        phone = normalize_phone(value)
        if not phone_is_valid(phone):
            return None, _(
                "Ongeldig telefoonnummer: gebruik 10 cijfers (06-12345678) "
                "of een internationaal nummer (+32 ...)."
            )
        return phone, None
    if kind == "bsn":
        if not isinstance(value, str):
            return None, _("Een BSN heeft 9 cijfers.")
        digits = re.sub(r"[\s.\-]", "", value)
        if len(digits) == 8 and digits.isdigit() and digits.isascii():
            digits = "0" + digits
        if len(digits) != 9 or not digits.isdigit() or not digits.isascii():
            return None, _("Een BSN heeft 9 cijfers.")
        if not bsn_is_valid(digits):
            return None, _("Dit BSN klopt niet (11-proef).")
        return digits, None
    if kind == "date":
        parsed = _parse_iso_date(value) if isinstance(value, str) else None
        if parsed is None:
            return None, _("Ongeldige datum; gebruik dd-mm-jjjj.")
        error = _check_date(parsed, field, _today(now))
        return (None, error) if error else (parsed.isoformat(), None)
    if kind == "datetime":
        moment = _parse_iso_datetime(value) if isinstance(value, str) else None
        if moment is None:
            return None, _("Ongeldige datum en tijd; gebruik dd-mm-jjjj uu:mm.")
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None, _("Datum en tijd zonder tijdzone.")
        error = _check_date(moment.date(), field, _today(now))
        return (None, error) if error else (moment.isoformat(), None)
    if kind == "number":
        return _validate_number(field, value)
    if kind == "choice":
        if not isinstance(value, str) or value not in field.option_values:
            return None, _("Onbekende keuze: {value}.").format(value=_short(value))
        return value, None
    if kind == "multi":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return None, _("Verwacht een lijst met keuzes.")
        unknown = [v for v in value if v not in field.option_values]
        if unknown:
            return None, _("Onbekende keuze: {value}.").format(value=_short(unknown[0]))
        chosen = set(value)
        return [v for v in field.option_values if v in chosen], None
    if kind == "yesno":
        if not isinstance(value, bool):
            return None, _("Kies ja of nee.")
        return value, None
    if kind == "ynu":
        if value not in YNU_VALUES or not isinstance(value, str):
            return None, _("Kies ja, nee of onbekend.")
        return value, None
    return None, _("Onbekend veldtype.")


def _validate_number(field: Field, value: object) -> Result:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None, _("Verwacht een getal.")
    if isinstance(value, float) and not math.isfinite(value):
        return None, _("Verwacht een getal.")
    number: int | float = value
    if field.integer and isinstance(number, float):
        if not number.is_integer():
            return None, _("Verwacht een geheel getal.")
        number = int(number)
    low, high = field.min, field.max
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            message = _("Kies een waarde van {low} tot en met {high}.")
        elif low is not None:
            message = _("Kies een waarde van minstens {low}.")
        else:
            message = _("Kies een waarde van hoogstens {high}.")
        return None, message.format(
            low=_format_number(low) if low is not None else "",
            high=_format_number(high) if high is not None else "",
        )
    return number, None


# --------------------------------------------------------------------------- typed text


def _local(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return ZoneInfo(DEFAULT_TIMEZONE)
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _text_to_date(text: str) -> date | None:
    parsed = _parse_iso_date(text)
    if parsed is not None:
        return parsed
    match = _DUTCH_DATE.match(text)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _text_to_datetime(text: str, zone: tzinfo) -> datetime | None:
    moment = _parse_iso_datetime(text)
    if moment is None:
        match = _DUTCH_DATETIME.match(text)
        if match is None:
            return None
        day, month, year, hour, minute = (int(g) for g in match.groups()[:5])
        second = int(match.group(6) or 0)
        try:
            moment = datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
        moment = moment.astimezone(zone)  # fixes the offset, also around DST changes
    return moment


def _text_to_number(text: str) -> int | float | None:
    cleaned = text.replace(" ", "")
    if re.fullmatch(r"-?\d+", cleaned):
        return int(cleaned)
    if re.fullmatch(r"-?\d+[.,]\d+", cleaned):
        return float(cleaned.replace(",", "."))
    return None


def _match_option(field: Field, text: str) -> str | None:
    wanted = text.strip().casefold()
    for option in field.options:
        candidates = {option.value.casefold(), *(t.casefold() for t in option.label.values())}
        if wanted in candidates:
            return option.value
    return None


def parse_input(
    field: Field,
    raw_text: str,
    *,
    now: datetime | None = None,
    tz: str | tzinfo | None = None,
) -> Result:
    """Turn what a user typed into the stored value: ``(value, None)``, ``(None, message)``,
    or ``(None, None)`` for empty input (the answer is then removed).

    Dates accept ``23-11-2026``, ``23/11/2026`` and ``2026-11-23``; datetimes also
    ``23-11-2026 03:12`` (local time in ``tz``, default Europe/Amsterdam). Choices accept
    the option value or either label; multi takes a comma-separated list. ``now`` enables
    the date range checks.
    """
    if not isinstance(raw_text, str):
        return None, _("Verwacht tekst.")
    text = raw_text.strip()
    if not text:
        return None, None
    kind = field.type
    value: Any = text
    if kind == "date":
        parsed_date = _text_to_date(text)
        if parsed_date is None:
            return None, _("Ongeldige datum; gebruik dd-mm-jjjj.")
        value = parsed_date.isoformat()
    elif kind == "datetime":
        moment = _text_to_datetime(text, _local(tz))
        if moment is None:
            return None, _("Ongeldige datum en tijd; gebruik dd-mm-jjjj uu:mm.")
        value = moment.isoformat()
    elif kind == "number":
        value = _text_to_number(text)
        if value is None:
            return None, _("Verwacht een getal.")
    elif kind == "choice":
        value = _match_option(field, text)
        if value is None:
            return None, _("Onbekende keuze: {value}.").format(value=_short(text))
    elif kind == "multi":
        chosen: list[str] = []
        for part in text.split(","):
            if not part.strip():
                continue
            option = _match_option(field, part)
            if option is None:
                return None, _("Onbekende keuze: {value}.").format(value=_short(part.strip()))
            chosen.append(option)
        value = chosen
    elif kind in ("yesno", "ynu"):
        word = text.casefold()
        if word in _YES_WORDS:
            value = True if kind == "yesno" else "yes"
        elif word in _NO_WORDS:
            value = False if kind == "yesno" else "no"
        elif kind == "ynu" and word in _UNKNOWN_WORDS:
            value = "unknown"
        else:
            return None, _("Kies ja of nee.") if kind == "yesno" else _("Kies ja, nee of onbekend.")
    return validate_value(field, value, now=now)
