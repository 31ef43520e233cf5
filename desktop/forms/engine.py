"""The form engine: from a definition and the answers so far to what the desk sees.

:func:`evaluate` is pure and fast (the UI calls it after every edit): which fields are
visible, which values are invalid (with a Dutch message through ``desktop.i18n._``),
warnings, derived values (age, age band, birthday threshold, response deadline), the
advice banners that apply and per section what is still missing. It never raises on
odd answers: unknown keys are reported and ignored, bad values become field errors.

Answers of hidden fields are kept by the store but ignored here (no errors, no
requirements, not seen by conditions). Nothing here blocks saving; ``req`` fields only
block finishing a section or a status step (see :func:`can_mark_ready`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from desktop.forms.model import FormDefinition, UrgencyLevel
from desktop.forms.values import is_empty, validate_value
from desktop.i18n import _, ngettext, pick
from doorloop_protocol.clock import add_target
from doorloop_protocol.clock import add_working_days as add_working_days
from legal_rules.facts import age_band, age_in_months
from legal_rules.facts import birthday as legal_birthday

AGE_THRESHOLDS = (12, 16, 18)
THRESHOLD_WINDOW_DAYS = 30
_MAX_PASSES = 6


@dataclass(frozen=True, slots=True)
class SectionState:
    """Progress of one section: ``complete`` when no hard requirement is missing and no
    visible field of it has an error."""

    id: str
    complete: bool
    missing: tuple[str, ...]
    missing_soft: tuple[str, ...]
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormState:
    """What the engine concluded from the answers at one moment."""

    visible: frozenset[str]
    required: frozenset[str]
    errors: dict[str, str]
    warnings: dict[str, str]
    derived: dict[str, Any]
    banners: tuple[str, ...]
    sections: dict[str, SectionState]
    values: dict[str, Any]
    unknown: tuple[str, ...]

    def missing(self, stage: str | None = None, form: FormDefinition | None = None) -> list[str]:
        """Missing hard requirements, in form order (optionally of one stage's sections)."""
        out: list[str] = []
        for section_id, state in self.sections.items():
            if stage is None or form is None or form.section(section_id).stage == stage:
                out.extend(state.missing)
        return out


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether a status step may be taken; truthy when ``ready``."""

    ready: bool
    missing: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.ready


# --------------------------------------------------------------------------- dates


@lru_cache(maxsize=8)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def birthday(birth: date, age: int) -> date:
    """The day someone turns ``age``; 29 February becomes 1 March in other years.

    The age rules are the rules engine's (domain/legal-rules.md); this only adapts them.
    """
    return legal_birthday(birth, age) or date.max


def age_on(birth: date, day: date) -> tuple[int, int] | None:
    """Whole years and remaining whole months on ``day`` (None when born later)."""
    if birth > day:
        return None
    return divmod(age_in_months(birth, day), 12)


def response_deadline(level: UrgencyLevel, received_at: datetime, zone: tzinfo) -> datetime | None:
    """``received_at`` + the level's target; None when the level has no target."""
    return add_target(
        received_at, zone, minutes=level.target_minutes, working_days=level.target_working_days
    )


# --------------------------------------------------------------------------- derived


def _derive(
    form: FormDefinition, values: Mapping[str, Any], now: datetime, zone: tzinfo
) -> tuple[dict[str, Any], str | None]:
    """Derived values and, when a birthday threshold is near, its warning text."""
    received_text = values.get("call.received_at")
    received = datetime.fromisoformat(received_text) if received_text else None
    call_day = received.date() if received is not None else now.astimezone(zone).date()

    derived: dict[str, Any] = {
        "youth.age": None,
        "youth.age_years": None,
        "youth.age_in_months": None,
        "youth.age_band": "unknown",
        "youth.age_threshold": None,
        "triage.deadline": None,
    }
    warning = None
    birth_text = values.get("youth.birth_date")
    birth = date.fromisoformat(birth_text) if birth_text else None
    age = age_on(birth, call_day) if birth is not None else None
    if age is not None and birth is not None:
        years, months = age
        derived["youth.age"] = {"years": years, "months": months, "estimated": False}
        derived["youth.age_years"] = years
        derived["youth.age_in_months"] = years * 12 + months
        for threshold in AGE_THRESHOLDS:
            day = birthday(birth, threshold)
            days = (day - call_day).days
            if 0 <= days <= THRESHOLD_WINDOW_DAYS:
                derived["youth.age_threshold"] = {
                    "age": threshold,
                    "date": day.isoformat(),
                    "days": days,
                }
                warning = _threshold_warning(threshold, day, days)
                break
    elif birth is None and values.get("youth.age_estimate") is not None:
        years = int(values["youth.age_estimate"])
        derived["youth.age"] = {"years": years, "months": None, "estimated": True}
        derived["youth.age_years"] = years
        derived["youth.age_in_months"] = years * 12
    derived["youth.age_band"] = age_band(derived["youth.age_years"])

    derived["triage.deadline"] = deadline_of(form, values)
    return derived, warning


def deadline_of(form: FormDefinition, answers: Mapping[str, Any]) -> str | None:
    """The response deadline of a case's answers (``triage.deadline``): the call time plus
    the urgency's target, in the form's time zone; None without both or without a target.

    The one formula: the engine derives it for the screen, the store for the case list.
    """
    received_text = answers.get("call.received_at")
    code = answers.get("triage.urgency")
    if not received_text or code is None:
        return None
    received = datetime.fromisoformat(str(received_text))
    deadline = response_deadline(form.urgency_level(str(code)), received, _zone(form.timezone))
    return None if deadline is None else deadline.isoformat(timespec="seconds")


def _threshold_warning(threshold: int, day: date, days: int) -> str:
    when = day.strftime("%d-%m-%Y")
    if days == 0:
        return _("Wordt vandaag {age}: andere regels voor toestemming en zorg.").format(
            age=threshold
        )
    return ngettext(
        "Wordt over {days} dag {age} (op {date}): andere regels voor toestemming en zorg.",
        "Wordt over {days} dagen {age} (op {date}): andere regels voor toestemming en zorg.",
        days,
    ).format(days=days, age=threshold, date=when)


# --------------------------------------------------------------------------- evaluate


def _valid_values(
    form: FormDefinition, answers: Mapping[Any, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    unknown: list[str] = []
    fields = form.__pydantic_private__["_fields"]  # type: ignore[index]
    for key, raw in answers.items():
        field = fields.get(key) if isinstance(key, str) else None
        if field is None:
            unknown.append(key if isinstance(key, str) else repr(key))
            continue
        if is_empty(raw):
            continue
        value, error = validate_value(field, raw, now=now)
        if error is not None:
            errors[key] = error
        elif not is_empty(value):
            values[key] = value
    return values, errors, unknown


def evaluate(form: FormDefinition, answers: Mapping[str, Any], *, now: datetime) -> FormState:
    """Everything the UI shows about ``answers`` at ``now`` (a naive ``now`` is local time)."""
    zone = _zone(form.timezone)
    now = _aware(now, zone)
    if not isinstance(answers, Mapping):
        answers = {}
    all_values, all_errors, unknown = _valid_values(form, answers, now)

    private = form.__pydantic_private__  # avoid pydantic's __getattr__
    assert private is not None
    visibility: dict[str, Any] = private["_visible_if"]
    fields = form.fields()
    env: dict[str, Any] = all_values
    visible: frozenset[str] = frozenset()
    derived: dict[str, Any] = {}
    threshold_warning: str | None = None
    for _pass in range(_MAX_PASSES):
        derived, threshold_warning = _derive(form, env, now, zone)
        scope = {**env, **derived}
        visible = frozenset(
            field.id
            for field in fields
            if field.id not in visibility or visibility[field.id](scope)
        )
        narrowed = {k: v for k, v in all_values.items() if k in visible or k not in visibility}
        if narrowed.keys() == env.keys():
            break
        env = narrowed
    scope = {**env, **derived}

    errors = {k: msg for k, msg in all_errors.items() if k in visible or k not in visibility}
    warnings: dict[str, str] = {}
    if threshold_warning and "youth.birth_date" in visible:
        warnings["youth.birth_date"] = threshold_warning
    for warning in form.warnings:
        if warning.field in visible and private["_warning_when"][warning.id](scope):
            text = pick(warning.text)
            previous = warnings.get(warning.field)
            warnings[warning.field] = f"{previous} {text}" if previous else text

    banner_when = private["_banner_when"]
    banners = tuple(banner.id for banner in form.banners if banner_when[banner.id](scope))

    required: set[str] = set()
    sections: dict[str, SectionState] = {}
    required_if = private["_required_if"]
    for section in form.sections:
        missing: list[str] = []
        missing_soft: list[str] = []
        section_errors: list[str] = []
        for field in section.fields:
            fid = field.id
            if fid not in visible:
                continue
            if fid in errors:
                section_errors.append(fid)
            if field.required is None or (fid in required_if and not required_if[fid](scope)):
                continue
            answered = fid in env
            if field.required == "req":
                required.add(fid)
                if not answered:
                    missing.append(fid)
            elif not answered:
                missing_soft.append(fid)
        sections[section.id] = SectionState(
            id=section.id,
            complete=not missing and not section_errors,
            missing=tuple(missing),
            missing_soft=tuple(missing_soft),
            errors=tuple(section_errors),
        )

    return FormState(
        visible=visible,
        required=frozenset(required),
        errors=errors,
        warnings=warnings,
        derived=derived,
        banners=banners,
        sections=sections,
        values=dict(env),
        unknown=tuple(unknown),
    )


def stage_readiness(
    form: FormDefinition,
    answers: Mapping[str, Any],
    stage: str,
    *,
    now: datetime | None = None,
) -> Readiness:
    """Whether the hard requirements of all sections of ``stage`` are met."""
    state = evaluate(form, answers, now=now or datetime.now(_zone(form.timezone)))
    missing = [
        fid
        for section in form.sections
        if section.stage == stage
        for fid in state.sections[section.id].missing
    ]
    return Readiness(ready=not missing, missing=tuple(missing))


def can_mark_ready(
    form: FormDefinition, answers: Mapping[str, Any], *, now: datetime | None = None
) -> Readiness:
    """May the case go to ``ready_for_triage``: hard requirements of the desk sections met?"""
    return stage_readiness(form, answers, "intake", now=now)
