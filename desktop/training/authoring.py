"""Writing scenarios without YAML: the editor's draft and its one source of truth.

The trainer's editor shows a scenario as a form; the YAML stays the file format and the
advanced view. Both are views of one thing — the scenario's plain data (what the YAML
file holds). This module is the Qt-free half:

- :class:`ScenarioDraft` — everything the form shows, in plain Python values;
- :func:`draft_from_data` — the data as a draft (tolerant: a half-written YAML still
  opens, unknown shapes raise :class:`DraftError` naming the place, in Dutch);
- :func:`apply_draft` — the draft written back over the data: every key the form owns
  is replaced, everything else is kept as it is (never dropped silently);
- :func:`form_gaps` — Dutch sentences for what the YAML holds that the form cannot
  show (so the editor can say so instead of losing it);
- :func:`blank_data` / :func:`copy_data` / :func:`new_id` — a new scenario from scratch
  or from a copy, with an id made from the title;
- :func:`proposed_flags` — the rules engine's flags for the draft's facts.

English texts are optional in the form: an empty English text is written as the Dutch
one (the file format needs both), and an English text equal to the Dutch one is shown
empty, so form → YAML → form gives the same draft.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desktop.forms import FormDefinition
from desktop.i18n import _, pick
from desktop.training.scenario import DECISION_FIELDS, FREE_TEXT_TYPES

FORM_KEYS = (
    "id",
    "version",
    "title",
    "summary",
    "learning_goals",
    "call_at",
    "caller",
    "script",
    "key_questions",
    "expected",
    "debrief",
)
EXPECTED_KEYS = (
    "answers",
    "urgency",
    "acceptable_urgency",
    "intervention",
    "acceptable_interventions",
    "flags",
    "flags_reason",
    "decision_minutes",
)
SCENARIO_ORDER = (
    "id",
    "version",
    "title",
    "summary",
    "learning_goals",
    "form",
    "call_at",
    "caller",
    "script",
    "key_questions",
    "expected",
    "debrief",
)


class DraftError(ValueError):
    """Data the form cannot show at all (the YAML view keeps it); Dutch ``problems``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Bilingual:
    """A text in Dutch and (optionally) English; ``en`` empty means "as the Dutch"."""

    nl: str = ""
    en: str = ""

    def data(self) -> dict[str, str]:
        nl = self.nl.strip()
        return {"nl": nl, "en": self.en.strip() or nl}

    @classmethod
    def of(cls, value: Any, place: str) -> Bilingual:
        if value is None:
            return cls()
        if isinstance(value, str):
            return cls(value, "")
        if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
            nl, en = value.get("nl", ""), value.get("en", "")
            return cls(nl, "" if en == nl else en)
        raise DraftError([_("{place}: verwacht een tekst met 'nl' en 'en'.").format(place=place)])


@dataclass
class LineDraft:
    """One thing the caller says and the moment it is revealed (``when``)."""

    id: str
    when: str
    speaker: Bilingual
    text: Bilingual


@dataclass
class QuestionDraft:
    id: str
    text: Bilingual
    why: Bilingual
    fields: list[str] = field(default_factory=list)


@dataclass
class ScenarioDraft:
    """Everything the trainer's form shows of one scenario."""

    id: str = ""
    version: int = 1
    title: Bilingual = field(default_factory=Bilingual)
    summary: Bilingual = field(default_factory=Bilingual)
    caller: Bilingual = field(default_factory=Bilingual)
    call_at: str = ""
    learning_goals: list[Bilingual] = field(default_factory=list)
    script: list[LineDraft] = field(default_factory=list)
    key_questions: list[QuestionDraft] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    urgency: str = ""
    acceptable_urgency: list[str] = field(default_factory=list)
    intervention: str = ""
    acceptable_interventions: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    flags_reason: Bilingual = field(default_factory=Bilingual)
    decision_minutes: int = 15
    debrief: list[Bilingual] = field(default_factory=list)


# --------------------------------------------------------------------------- data → draft


def _list(value: Any, place: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DraftError([_("{place}: verwacht een lijst.").format(place=place)])
    return value


def _mapping(value: Any, place: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DraftError(
            [_("{place}: verwacht een mapping (sleutel: waarde).").format(place=place)]
        )
    return value


def _str(value: Any, place: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise DraftError([_("{place}: verwacht een tekst.").format(place=place)])


def _int(value: Any, default: int, place: str) -> int:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DraftError([_("{place}: verwacht een geheel getal.").format(place=place)])


def _strings(value: Any, place: str) -> list[str]:
    return [_str(item, f"{place}.{index}") for index, item in enumerate(_list(value, place))]


def _keywords(value: Any) -> list[str]:
    words = value if isinstance(value, list) else [value]
    return [str(word) for word in words if word is not None]


def draft_from_data(data: Any, form: FormDefinition) -> ScenarioDraft:
    """The form's view of scenario data (parsed YAML); raises :class:`DraftError` when a
    part has a shape no form widget can hold (the YAML view then stays the editor)."""
    data = _mapping(data, _("(hele casus)"))
    problems: list[str] = []

    def guard(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except DraftError as error:
            problems.extend(error.problems)
            return None

    expected = guard(_mapping, data.get("expected"), "expected") or {}
    draft = ScenarioDraft(
        id=guard(_str, data.get("id"), "id") or "",
        version=guard(_int, data.get("version"), 1, "version") or 1,
        title=guard(Bilingual.of, data.get("title"), "title") or Bilingual(),
        summary=guard(Bilingual.of, data.get("summary"), "summary") or Bilingual(),
        caller=guard(Bilingual.of, data.get("caller"), "caller") or Bilingual(),
        call_at=guard(_str, data.get("call_at"), "call_at") or "",
        urgency=guard(_str, expected.get("urgency"), "expected.urgency") or "",
        acceptable_urgency=guard(
            _strings, expected.get("acceptable_urgency"), "expected.acceptable_urgency"
        )
        or [],
        intervention=guard(_str, expected.get("intervention"), "expected.intervention") or "",
        acceptable_interventions=guard(
            _strings, expected.get("acceptable_interventions"), "expected.acceptable_interventions"
        )
        or [],
        flags=guard(_strings, expected.get("flags"), "expected.flags") or [],
        flags_reason=guard(Bilingual.of, expected.get("flags_reason"), "expected.flags_reason")
        or Bilingual(),
        decision_minutes=guard(_int, expected.get("decision_minutes"), 15, "decision_minutes")
        or 15,
    )
    for name in ("learning_goals", "debrief"):
        items = guard(_list, data.get(name), name) or []
        texts = [guard(Bilingual.of, item, f"{name}.{i}") for i, item in enumerate(items)]
        setattr(draft, name, [text for text in texts if text is not None])
    for index, item in enumerate(guard(_list, data.get("script"), "script") or []):
        place = f"script.{index}"
        line = guard(_mapping, item, place)
        if line is None:
            continue
        draft.script.append(
            LineDraft(
                id=guard(_str, line.get("id"), f"{place}.id") or "",
                when=guard(_str, line.get("when"), f"{place}.when") or "start",
                speaker=guard(Bilingual.of, line.get("speaker"), f"{place}.speaker") or Bilingual(),
                text=guard(Bilingual.of, line.get("text"), f"{place}.text") or Bilingual(),
            )
        )
    for index, item in enumerate(guard(_list, data.get("key_questions"), "key_questions") or []):
        place = f"key_questions.{index}"
        question = guard(_mapping, item, place)
        if question is None:
            continue
        draft.key_questions.append(
            QuestionDraft(
                id=guard(_str, question.get("id"), f"{place}.id") or "",
                text=guard(Bilingual.of, question.get("text"), f"{place}.text") or Bilingual(),
                why=guard(Bilingual.of, question.get("why"), f"{place}.why") or Bilingual(),
                fields=guard(_strings, question.get("fields"), f"{place}.fields") or [],
            )
        )
    answers = guard(_mapping, expected.get("answers"), "expected.answers") or {}
    for fid, value in answers.items():
        if form.has_field(fid) and form.field(fid).type in FREE_TEXT_TYPES:
            draft.answers[fid] = _keywords(value)
        else:
            draft.answers[fid] = value
    if problems:
        raise DraftError(problems)
    return draft


# --------------------------------------------------------------------------- draft → data


def apply_draft(data: Any, draft: ScenarioDraft, form: FormDefinition) -> dict[str, Any]:
    """``data`` with every key the form owns replaced by the draft's; other keys (such
    as ``form``) are kept. The result is in the file format's key order."""
    base: dict[str, Any] = copy.deepcopy(dict(data)) if isinstance(data, Mapping) else {}
    answers: dict[str, Any] = {}
    for fid, value in draft.answers.items():
        if value is None or value == [] or value == "":
            continue
        if form.has_field(fid) and form.field(fid).type in FREE_TEXT_TYPES:
            words = [word.strip() for word in _keywords(value) if str(word).strip()]
            if not words:
                continue
            answers[fid] = words[0] if len(words) == 1 else words
        else:
            answers[fid] = value
    old_expected = base.get("expected")
    expected: dict[str, Any] = dict(old_expected) if isinstance(old_expected, Mapping) else {}
    expected.update(
        {
            "answers": answers,
            "urgency": draft.urgency,
            "acceptable_urgency": list(draft.acceptable_urgency),
            "intervention": draft.intervention,
            "acceptable_interventions": list(draft.acceptable_interventions),
            "flags": list(draft.flags),
            "decision_minutes": draft.decision_minutes,
        }
    )
    if draft.flags_reason.nl.strip():
        expected["flags_reason"] = draft.flags_reason.data()
    else:
        expected.pop("flags_reason", None)
    expected = {key: expected[key] for key in (*EXPECTED_KEYS, *expected) if key in expected}
    base.update(
        {
            "id": draft.id,
            "version": draft.version,
            "title": draft.title.data(),
            "summary": draft.summary.data(),
            "learning_goals": [goal.data() for goal in draft.learning_goals],
            "call_at": draft.call_at,
            "caller": draft.caller.data(),
            "script": [
                {
                    "id": line.id,
                    "when": line.when,
                    "speaker": line.speaker.data(),
                    "text": line.text.data(),
                }
                for line in draft.script
            ],
            "key_questions": [
                {
                    "id": question.id,
                    "text": question.text.data(),
                    "why": question.why.data(),
                    "fields": list(question.fields),
                }
                for question in draft.key_questions
            ],
            "expected": expected,
            "debrief": [note.data() for note in draft.debrief],
        }
    )
    return {key: base[key] for key in (*SCENARIO_ORDER, *base) if key in base}


# --------------------------------------------------------------------------- gaps


def form_gaps(data: Any, yaml_text: str = "") -> list[str]:
    """What the YAML holds that the form cannot show (Dutch sentences); the editor shows
    them so nothing is lost without a word."""
    gaps: list[str] = []
    if not isinstance(data, Mapping):
        return gaps
    form_ref = data.get("form")
    if isinstance(form_ref, Mapping) and (
        form_ref.get("id", "intake") != "intake" or str(form_ref.get("version", "1")) != "1"
    ):
        gaps.append(
            _(
                "De casus gebruikt formulier {form} versie {version}; het formulier toont "
                "intake versie 1. Pas deze casus in de YAML aan."
            ).format(form=form_ref.get("id"), version=form_ref.get("version"))
        )
    unknown = [key for key in data if key not in (*FORM_KEYS, "form")]
    expected = data.get("expected")
    if isinstance(expected, Mapping):
        unknown += [f"expected.{key}" for key in expected if key not in EXPECTED_KEYS]
    if unknown:
        gaps.append(
            _("Onderdelen die het formulier niet kent (alleen in de YAML): {keys}.").format(
                keys=", ".join(str(key) for key in unknown)
            )
        )
    if any(line.lstrip().startswith("#") for line in yaml_text.splitlines()):
        gaps.append(_("De YAML bevat opmerkingen (#): die worden bij opslaan niet bewaard."))
    return gaps


# --------------------------------------------------------------------------- problems

_PLACE = re.compile(r"veld ([a-z_]+(?:\.[a-z0-9_]+)*)")


def place_words(place: str, form: FormDefinition) -> str | None:
    """A scenario field's place in the form's words (``None`` when there are none)."""
    parts = place.split(".")
    if place.startswith("expected.answers.") and form.has_field(".".join(parts[2:4])):
        return _("feit '{label}'").format(label=pick(form.field(".".join(parts[2:4])).label))
    words = {
        "title": _("titel"),
        "summary": _("samenvatting"),
        "caller": _("melder"),
        "call_at": _("moment van het gesprek"),
        "learning_goals": _("leerdoelen"),
        "expected.urgency": _("verwachte urgentie"),
        "expected.acceptable_urgency": _("ook goede urgentie"),
        "expected.intervention": _("verwachte interventie"),
        "expected.acceptable_interventions": _("ook goede interventie"),
        "expected.flags": _("juridische signalen"),
        "expected.flags_reason": _("reden voor afwijken van de regels"),
        "debrief": _("nabespreking"),
    }
    if place in words:
        return words[place]
    numbered = {
        "script": _("script, regel {n}"),
        "key_questions": _("kernvraag {n}"),
        "learning_goals": _("leerdoel {n}"),
        "debrief": _("nabesprekingspunt {n}"),
    }
    if parts[0] in numbered and len(parts) > 1 and parts[1].isdigit():
        return numbered[parts[0]].format(n=int(parts[1]) + 1)
    return None


def friendly_problem(problem: str, form: FormDefinition) -> str:
    """A loader problem with the place in the form's words first and the YAML place in
    brackets: "veld expected.answers.risk.suicidality" → "feit 'Suïcidaliteit'
    (expected.answers.risk.suicidality)"."""

    def replace(match: re.Match[str]) -> str:
        words = place_words(match.group(1), form)
        return f"{words} ({match.group(1)})" if words else match.group(0)

    return _PLACE.sub(replace, problem, count=1)


# --------------------------------------------------------------------------- new and copy


def slug(text: str) -> str:
    """An id from a title: ``Sanne (14): 'Ik wil…'`` → ``sanne_14_ik_wil``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    ident = "_".join(words)[:40].strip("_")
    if not ident or not ident[0].isalpha():
        ident = "casus_" + ident if ident else "casus"
    return ident


def new_id(title: str, taken: Iterable[str]) -> str:
    """A free id made from the title (``_2``, ``_3`` … when taken)."""
    taken = set(taken)
    base = slug(title)
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


def blank_data(now: datetime, taken: Iterable[str]) -> dict[str, Any]:
    """A new scenario from scratch: the skeleton a trainer fills in the form."""
    title = _("Nieuwe casus")
    return {
        "id": new_id(title, taken),
        "version": 1,
        "title": {"nl": title, "en": "New scenario"},
        "summary": {"nl": "", "en": ""},
        "learning_goals": [],
        "call_at": now.replace(second=0, microsecond=0).isoformat(),
        "caller": {"nl": "", "en": ""},
        "script": [
            {
                "id": "opening",
                "when": "start",
                "speaker": {"nl": "", "en": ""},
                "text": {"nl": "", "en": ""},
            }
        ],
        "key_questions": [],
        "expected": {
            "answers": {},
            "urgency": "",
            "acceptable_urgency": [],
            "intervention": "",
            "acceptable_interventions": [],
            "flags": [],
            "decision_minutes": 15,
        },
        "debrief": [],
    }


def copy_data(data: Mapping[str, Any], taken: Iterable[str]) -> dict[str, Any]:
    """A copy as a new scenario of one's own: new id, version 1, "(kopie)" in the title."""
    out = copy.deepcopy(dict(data))
    title = out.get("title") if isinstance(out.get("title"), Mapping) else {}
    nl = str(title.get("nl", "")) if title else ""
    en = str(title.get("en", "")) if title else ""
    out["title"] = {"nl": f"{nl} {_('(kopie)')}".strip(), "en": f"{en} (copy)".strip()}
    out["id"] = new_id(str(data.get("id") or nl), taken)
    out["version"] = 1
    return {key: out[key] for key in (*SCENARIO_ORDER, *out) if key in out}


def next_line_id(draft: ScenarioDraft, stem: str = "line") -> str:
    taken = {line.id for line in draft.script}
    number = len(draft.script) + 1
    while f"{stem}_{number}" in taken:
        number += 1
    return f"{stem}_{number}"


def next_question_id(draft: ScenarioDraft, text: str) -> str:
    return new_id(text or "vraag", (q.id for q in draft.key_questions))


def proposed_flags(draft: ScenarioDraft, form: FormDefinition) -> list[str]:
    """The rules engine's flags for the draft's facts on its call date (empty while the
    date is unreadable or no care type is chosen)."""
    from desktop.training.scoring import flags_for_answers

    try:
        moment = datetime.fromisoformat(draft.call_at)
    except ValueError:
        return []
    facts = {
        fid: value
        for fid, value in draft.answers.items()
        if fid not in DECISION_FIELDS
        and not (form.has_field(fid) and form.field(fid).type in FREE_TEXT_TYPES)
    }
    return flags_for_answers(facts, moment.date())


__all__ = [
    "Bilingual",
    "DraftError",
    "LineDraft",
    "QuestionDraft",
    "ScenarioDraft",
    "apply_draft",
    "blank_data",
    "copy_data",
    "draft_from_data",
    "form_gaps",
    "friendly_problem",
    "new_id",
    "next_line_id",
    "next_question_id",
    "proposed_flags",
    "slug",
]
