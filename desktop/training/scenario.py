"""Training scenarios (casussen) as data: the typed model and its strict loader.

A scenario is one scripted call for a triage exercise: what the caller says (revealed
as the trainee reaches each intake section or asks each key question), the facts the
trainee should capture (expected answers by field id of the intake format), the
expected triage (urgency, intervention), the expected legal flags (codes of
``legal_rules``) and the key questions that must be asked.

Scenarios are YAML files (``desktop/training/scenarios/*.yaml`` ships the bundled ones;
trainers add their own). The loader is strict in two steps:

1. shape — :class:`Scenario` (pydantic, unknown keys and wrong types rejected);
2. meaning — :func:`check_scenario`: every expected answer is a valid value of its
   intake field, every urgency and intervention exists in the form, every flag code
   exists in the rules and the expected flags are exactly what the rules engine gives
   for the expected answers on the scenario's date, every reveal names a real section
   or key question, and every key question gets an answer in the script.

Problems are Dutch sentences naming the scenario and the field
(:class:`ScenarioError.problems`), so a trainer can fix a file without a developer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from desktop.forms import FormDefinition, FormDefinitionError, evaluate, load_form, validate_value
from desktop.forms.model import FieldId, Identifier, Text
from desktop.i18n import _, pick
from doorloop_protocol.workflow import RECORDED_DECISION_FIELDS

FREE_TEXT_TYPES = ("text", "multiline")
DECISION_FIELDS = frozenset({"triage.urgency", "triage.intervention", *RECORDED_DECISION_FIELDS})
TRIGGER = re.compile(
    r"^(start|section:[a-z][a-z0-9_]*|question:[a-z][a-z0-9_]*|after:[1-9][0-9]{0,4})$"
)


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` are Dutch sentences, each with its place."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "\n  ".join(problems))


def _moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise ValueError("date and time without a UTC offset")
    return moment.isoformat()


Moment = Annotated[str, AfterValidator(_moment)]
Trigger = Annotated[str, PydanticField(pattern=TRIGGER.pattern)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScriptLine(_Strict):
    """Something the caller (or someone beside them) says.

    ``when`` is ``start`` (said at once), ``section:<id>`` (revealed when the trainee
    reaches that intake section), ``question:<id>`` (revealed when the trainee asks
    that key question) or ``after:<seconds>`` (said by itself once that much exercise
    time has passed, as a caller who goes on talking).
    """

    id: Identifier
    when: Trigger
    speaker: Text
    text: Text

    @property
    def after(self) -> int | None:
        """Seconds of exercise time for an ``after:`` line, else ``None``."""
        kind, _sep, ref = self.when.partition(":")
        return int(ref) if kind == "after" else None


class KeyQuestion(_Strict):
    """A question the trainee must ask, such as "Wat heb jij nodig?"."""

    id: Identifier
    text: Text
    why: Text
    fields: list[FieldId] = []  # intake fields where the answer belongs


class FormRef(_Strict):
    id: Identifier = "intake"
    version: str = "1"


class Expected(_Strict):
    """What a good intake of this call captures and decides.

    ``answers``: field id → stored value (docs/internal-api.md). For free-text fields
    the value is a keyword or a list of keywords that the trainee's text must contain
    (case and accents ignored).
    """

    answers: dict[FieldId, Any]
    urgency: str
    acceptable_urgency: list[str] = []
    intervention: str
    acceptable_interventions: list[str] = []
    flags: list[str]
    flags_reason: Text | None = None  # why ``flags`` differ from the rules engine's
    decision_minutes: Annotated[int, PydanticField(gt=0, le=240)] = 15


class Scenario(_Strict):
    """One scripted call for a triage exercise."""

    id: Identifier
    version: Annotated[int, PydanticField(ge=1)] = 1
    title: Text
    summary: Text
    learning_goals: Annotated[list[Text], PydanticField(min_length=1)]
    form: FormRef = FormRef()
    call_at: Moment
    caller: Text
    script: Annotated[list[ScriptLine], PydanticField(min_length=1)]
    key_questions: list[KeyQuestion] = []
    expected: Expected
    debrief: list[Text] = []

    @property
    def call_moment(self) -> datetime:
        """The scenario's "now": ages and legal flags are counted on this moment."""
        return datetime.fromisoformat(self.call_at)

    def key_question(self, question_id: str) -> KeyQuestion:
        for question in self.key_questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def lines_for(self, trigger: str) -> list[ScriptLine]:
        return [line for line in self.script if line.when == trigger]

    def revealed(
        self, sections: Iterable[str], questions: Iterable[str], elapsed: float = 0.0
    ) -> list[ScriptLine]:
        """The script lines the trainee has unlocked after ``elapsed`` seconds of
        exercise time, in script order."""
        open_triggers = {"start"}
        open_triggers.update(f"section:{section}" for section in sections)
        open_triggers.update(f"question:{question}" for question in questions)
        return [
            line
            for line in self.script
            if line.when in open_triggers or (line.after is not None and line.after <= elapsed)
        ]

    def to_data(self) -> dict[str, Any]:
        """Plain data for YAML/JSON (the loader reads it back unchanged)."""
        data = self.model_dump(mode="json", exclude_defaults=False)
        if data["expected"].get("flags_reason") is None:
            data["expected"].pop("flags_reason", None)
        return data

    def to_yaml(self) -> str:
        return dump_yaml(self.to_data())


# --------------------------------------------------------------------------- YAML


class _ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with duplicate keys rejected and dates kept as text (stored values are
    ISO strings, never date objects)."""


_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _ScenarioLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_ScenarioLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error becomes a :class:`ScenarioError` in Dutch."""
    try:
        return yaml.load(text, Loader=_ScenarioLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _(" (regel {line})").format(line=mark.line + 1) if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioError(
            [_("Geen geldige YAML{where}: {problem}").format(where=where, problem=problem)],
            source,
        ) from None


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------------- errors


def _place(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or _("(hele casus)")


def _dutch(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("ontbreekt")
    if kind == "extra_forbidden":
        return _("onbekend veld")
    if kind == "string_pattern_mismatch":
        return _("ongeldige schrijfwijze")
    if kind in ("too_short", "list_too_short"):
        return _("mag niet leeg zijn")
    if kind.startswith(("greater_than", "less_than")):
        return _("waarde buiten het toegestane bereik")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return _("verkeerd soort waarde")
    if kind == "value_error":
        message = str(error.get("msg", ""))
        if "offset" in message:
            return _("datum en tijd zonder tijdzone (bijv. +01:00)")
        if "ISO 8601" in message:
            return _("geen geldige datum en tijd (jjjj-mm-ddTuu:mm+01:00)")
        if "'nl' and 'en'" in message:
            return _("tekst heeft zowel 'nl' als 'en' nodig")
    return _("ongeldige waarde")


def _shape_problems(error: ValidationError, name: str) -> list[str]:
    return [
        _("Casus '{name}', veld {place}: {problem}.").format(
            name=name, place=_place(tuple(item["loc"])), problem=_dutch(item)
        )
        for item in error.errors()
    ]


# --------------------------------------------------------------------------- meaning


@cache
def rule_codes() -> frozenset[str]:
    """Every flag code the bundled rules know."""
    import legal_rules

    return legal_rules.load_rules().codes


def expected_flags_for(scenario: Scenario, answers: Mapping[str, Any] | None = None) -> list[str]:
    """The rules engine's flag codes for ``answers`` (default: the expected ones) on the
    scenario's date, in the engine's order; empty while no care type is chosen."""
    from desktop.training.scoring import flags_for_answers

    data = _comparable_answers(scenario) if answers is None else answers
    return flags_for_answers(data, scenario.call_moment.date())


def _comparable_answers(scenario: Scenario, form: FormDefinition | None = None) -> dict[str, Any]:
    """Expected answers without free-text keywords (the rules read no free text)."""
    form = form or load_form(scenario.form.id, scenario.form.version)
    return {
        fid: value
        for fid, value in scenario.expected.answers.items()
        if not (form.has_field(fid) and form.field(fid).type in FREE_TEXT_TYPES)
    }


def check_scenario(scenario: Scenario, form: FormDefinition | None = None) -> list[str]:
    """Every problem of meaning (Dutch sentences naming the scenario and the field)."""
    try:
        form = form or load_form(scenario.form.id, scenario.form.version)
    except FormDefinitionError:
        return [
            _("Casus '{name}', veld form: formulier {form} versie {version} bestaat niet.").format(
                name=scenario.id, form=scenario.form.id, version=scenario.form.version
            )
        ]
    problems: list[str] = []

    def add(place: str, text: str) -> None:
        problems.append(
            _("Casus '{name}', veld {place}: {problem}.").format(
                name=scenario.id, place=place, problem=text
            )
        )

    line_ids = [line.id for line in scenario.script]
    for duplicate in sorted({i for i in line_ids if line_ids.count(i) > 1}):
        add("script", _("regel-id '{id}' komt vaker voor").format(id=duplicate))
    question_ids = [question.id for question in scenario.key_questions]
    for duplicate in sorted({i for i in question_ids if question_ids.count(i) > 1}):
        add("key_questions", _("vraag-id '{id}' komt vaker voor").format(id=duplicate))
    sections = {section.id for section in form.sections}
    if not any(line.when == "start" for line in scenario.script):
        add("script", _("geen regel met 'when: start' (de opening van het gesprek)"))
    for index, line in enumerate(scenario.script):
        kind, _sep, ref = line.when.partition(":")
        if kind == "section" and ref not in sections:
            add(f"script.{index}.when", _("onbekende sectie '{ref}'").format(ref=ref))
        if kind == "question" and ref not in question_ids:
            add(f"script.{index}.when", _("onbekende kernvraag '{ref}'").format(ref=ref))
    for index, question in enumerate(scenario.key_questions):
        if not scenario.lines_for(f"question:{question.id}"):
            add(
                f"key_questions.{index}",
                _("kernvraag '{id}' krijgt geen antwoord in het script").format(id=question.id),
            )
        for fid in question.fields:
            if not form.has_field(fid):
                add(f"key_questions.{index}.fields", _("onbekend veld '{id}'").format(id=fid))

    now = scenario.call_moment
    visible = evaluate(form, _comparable_answers(scenario, form), now=now).visible
    for fid, value in scenario.expected.answers.items():
        place = f"expected.answers.{fid}"
        if not form.has_field(fid):
            add(place, _("onbekend veld in formulier {form}").format(form=form.id))
            continue
        if fid in DECISION_FIELDS:
            add(place, _("hoort bij expected.urgency of expected.intervention"))
            continue
        if fid not in visible:
            add(place, _("dit veld is bij de verwachte antwoorden verborgen"))
        field = form.field(fid)
        if field.type in FREE_TEXT_TYPES:
            words = value if isinstance(value, list) else [value]
            if not words or not all(isinstance(word, str) and word.strip() for word in words):
                add(place, _("verwacht een trefwoord of een lijst met trefwoorden"))
            continue
        _value, message = validate_value(field, value, now=now)
        if message:
            add(place, message.rstrip("."))

    urgency_codes = [level.code for level in form.urgency]
    for place, code in [
        ("expected.urgency", scenario.expected.urgency),
        *(("expected.acceptable_urgency", c) for c in scenario.expected.acceptable_urgency),
    ]:
        if code not in urgency_codes:
            add(place, _("onbekende urgentie '{code}'").format(code=code))
    interventions = form.field("triage.intervention").option_values
    for place, value in [
        ("expected.intervention", scenario.expected.intervention),
        *(
            ("expected.acceptable_interventions", v)
            for v in scenario.expected.acceptable_interventions
        ),
    ]:
        if value not in interventions:
            add(place, _("onbekende interventie '{value}'").format(value=value))

    known = rule_codes()
    unknown_codes = [code for code in scenario.expected.flags if code not in known]
    for code in unknown_codes:
        add("expected.flags", _("onbekende signaalcode '{code}'").format(code=code))
    if not unknown_codes and not problems and scenario.expected.flags_reason is None:
        produced = expected_flags_for(scenario)
        missing = [code for code in produced if code not in scenario.expected.flags]
        extra = [code for code in scenario.expected.flags if code not in produced]
        if missing or extra:
            add(
                "expected.flags",
                _(
                    "komt niet overeen met de regels voor de verwachte antwoorden "
                    "(ontbreekt: {missing}; te veel: {extra})"
                ).format(missing=", ".join(missing) or "-", extra=", ".join(extra) or "-"),
            )
    return problems


# --------------------------------------------------------------------------- loading


def scenario_from_data(data: Any, source: str = "", *, check: bool = True) -> Scenario:
    """A checked :class:`Scenario` from parsed YAML/JSON; raises :class:`ScenarioError`."""
    name = data.get("id", "?") if isinstance(data, dict) else "?"
    if not isinstance(data, dict):
        raise ScenarioError([_("Een casus moet een YAML-mapping zijn.")], source)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_shape_problems(error, str(name)), source) from None
    if check:
        problems = check_scenario(scenario)
        if problems:
            raise ScenarioError(problems, source)
    return scenario


def parse_scenario(text: str, source: str = "<tekst>", *, check: bool = True) -> Scenario:
    return scenario_from_data(read_yaml(text, source), source, check=check)


def load_scenario_file(path: Path) -> Scenario:
    return parse_scenario(path.read_text(encoding="utf-8"), str(path))


def bundled_scenarios() -> list[Scenario]:
    """The scenarios shipped in ``desktop/training/scenarios``, by file name."""
    return list(_bundled())


@cache
def _bundled() -> tuple[Scenario, ...]:
    folder = resources.files("desktop.training").joinpath("scenarios")
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yaml")),
        key=lambda entry: entry.name,
    )
    return tuple(
        parse_scenario(entry.read_text(encoding="utf-8"), f"scenarios/{entry.name}")
        for entry in entries
    )


def display_title(scenario: Scenario, lang: str | None = None) -> str:
    return pick(scenario.title, lang)


__all__ = [
    "Expected",
    "KeyQuestion",
    "Scenario",
    "ScenarioError",
    "ScriptLine",
    "bundled_scenarios",
    "check_scenario",
    "display_title",
    "dump_yaml",
    "expected_flags_for",
    "load_scenario_file",
    "parse_scenario",
    "read_yaml",
    "rule_codes",
    "scenario_from_data",
]
