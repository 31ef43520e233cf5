"""Checking a case JSON given to the reports from outside (the handover CLI).

DESIGN.md contract 4 and docs/internal-api.md: ``id``, ``form``, ``status`` and
``answers`` are required; answers use the field ids and stored values of the form
definition. :func:`check_case` lists every problem with the offending key named
(``answers.youth.birth_date``), so a caller can report them all at once; the answer
values are checked by the forms module's own validator, so the CLI accepts exactly
what the desk stores.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.forms import FormDefinition, FormDefinitionError, load_form, validate_value
from desktop.reports.text import translator
from doorloop_protocol.vocab import CASE_STATUSES

REQUIRED_KEYS = ("id", "form", "status", "answers")
STATUSES = CASE_STATUSES
SEVERITIES = ("required", "warning", "info")


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with an input case: the key path and a message."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class CaseError(ValueError):
    """An input case is not usable; ``problems`` names each offending key."""

    def __init__(self, problems: list[CaseProblem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def _is_datetime_with_offset(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.utcoffset() is not None


def check_case(
    case: object, *, lang: str = "nl", now: datetime | None = None
) -> tuple[dict[str, Any], FormDefinition]:
    """Check ``case``; return ``(case with normalised answers, its form definition)``.

    ``now`` enables the date range checks (a birth date in the future, ...). Raises
    :class:`CaseError` listing every problem found.
    """
    _, _n = translator(lang)
    if not isinstance(case, Mapping):
        raise CaseError([CaseProblem("case", _("verwacht een JSON-object"))])
    problems = [
        CaseProblem(key, _("ontbreekt (verplicht)")) for key in REQUIRED_KEYS if key not in case
    ]
    if problems:
        raise CaseError(problems)

    try:
        uuid.UUID(str(case["id"]))
    except ValueError:
        problems.append(
            CaseProblem("id", _("geen geldige uuid: {value!r}").format(value=case["id"]))
        )
    if case["status"] not in STATUSES:
        problems.append(
            CaseProblem("status", _("onbekende status {value!r}").format(value=case["status"]))
        )
    form = _load_form(case["form"], problems, _)
    answers = case["answers"]
    if not isinstance(answers, Mapping):
        problems.append(CaseProblem("answers", _("verwacht een JSON-object")))
        answers = {}
    cleaned: dict[str, Any] = {}
    if form is not None:
        cleaned = _check_answers(form, answers, problems, _, now)
    _check_extras(case, problems, _)
    if problems or form is None:  # no form: _load_form listed why
        raise CaseError(problems)
    return {**case, "answers": cleaned}, form


def _load_form(meta: object, problems: list[CaseProblem], _: Any) -> FormDefinition | None:
    if not isinstance(meta, Mapping) or not isinstance(meta.get("id"), str):
        problems.append(CaseProblem("form", _('verwacht {"id": ..., "version": ...}')))
        return None
    version = str(meta.get("version", ""))
    try:
        return load_form(meta["id"], version)
    except FormDefinitionError:
        problems.append(
            CaseProblem(
                "form",
                _("onbekend formulier {id} versie {version}").format(
                    id=meta["id"], version=version
                ),
            )
        )
        return None


def _check_answers(
    form: FormDefinition,
    answers: Mapping[str, Any],
    problems: list[CaseProblem],
    _: Any,
    now: datetime | None,
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        where = f"answers.{key}"
        try:
            field = form.field(key)
        except KeyError:
            problems.append(CaseProblem(where, _("onbekend veld in dit formulier")))
            continue
        if value is None or value == "" or value == []:
            problems.append(CaseProblem(where, _("leeg antwoord: laat het veld weg")))
            continue
        normalised, message = validate_value(field, value, now=now)
        if message is not None:
            problems.append(CaseProblem(where, message))
        else:
            cleaned[key] = normalised
    return cleaned


def _check_extras(case: Mapping[str, Any], problems: list[CaseProblem], _: Any) -> None:
    if "region" in case and not isinstance(case["region"], str | None):
        problems.append(CaseProblem("region", _("verwacht tekst")))
    if "training" in case and not isinstance(case["training"], bool):
        problems.append(CaseProblem("training", _("verwacht true of false")))
    flags = case.get("legal_flags")
    if flags is not None:
        if not isinstance(flags, list):
            problems.append(CaseProblem("legal_flags", _("verwacht een lijst")))
        else:
            for index, flag in enumerate(flags):
                _check_flag(f"legal_flags[{index}]", flag, problems, _)
    shown = case.get("banners_shown")
    if shown is not None:
        if not isinstance(shown, list):
            problems.append(CaseProblem("banners_shown", _("verwacht een lijst")))
        else:
            for index, banner in enumerate(shown):
                where = f"banners_shown[{index}]"
                if not isinstance(banner, Mapping) or not isinstance(banner.get("id"), str):
                    problems.append(CaseProblem(where, _('verwacht {"id": ..., "shown_at": ...}')))
                elif "shown_at" in banner and not _is_datetime_with_offset(banner["shown_at"]):
                    problems.append(
                        CaseProblem(f"{where}.shown_at", _("verwacht datum en tijd met tijdzone"))
                    )

    amendments = case.get("amendments")
    if amendments is not None:
        if not isinstance(amendments, list):
            problems.append(CaseProblem("amendments", _("verwacht een lijst")))
            return
        for index, amendment in enumerate(amendments):
            where = f"amendments[{index}]"
            if not isinstance(amendment, Mapping) or not isinstance(amendment.get("reason"), str):
                problems.append(CaseProblem(where, _('verwacht {"at": ..., "reason": ...}')))
            elif not _is_datetime_with_offset(amendment.get("at")):
                problems.append(
                    CaseProblem(f"{where}.at", _("verwacht datum en tijd met tijdzone"))
                )


def _check_flag(where: str, flag: object, problems: list[CaseProblem], _: Any) -> None:
    if not isinstance(flag, Mapping):
        problems.append(CaseProblem(where, _("verwacht een JSON-object")))
        return
    if not isinstance(flag.get("code"), str) or not flag["code"]:
        problems.append(CaseProblem(f"{where}.code", _("ontbreekt (verplicht)")))
    if flag.get("severity") not in SEVERITIES:
        problems.append(
            CaseProblem(
                f"{where}.severity",
                _("verwacht een van: {values}").format(values=", ".join(SEVERITIES)),
            )
        )
    title = flag.get("title")
    if not (isinstance(title, str) or (isinstance(title, Mapping) and title)):
        problems.append(CaseProblem(f"{where}.title", _('verwacht {"nl": ..., "en": ...}')))
    citations = flag.get("citations", [])
    if not isinstance(citations, list) or not all(isinstance(c, str) for c in citations):
        problems.append(CaseProblem(f"{where}.citations", _("verwacht een lijst met teksten")))
