"""The typed form definition: sections, fields, options, urgency scale, banners, statuses.

Strict pydantic models (unknown keys and wrong types are rejected) plus the checks that
need the whole form (duplicate ids, conditions naming unknown fields or options,
migrations). A :class:`FormDefinition` that exists has passed every check and carries
its compiled conditions, ready for the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, PrivateAttr
from pydantic import Field as PydanticField

from desktop.forms import conditions
from desktop.forms.conditions import Condition, ConditionError, VarType
from desktop.i18n import pick
from doorloop_protocol.vocab import CASE_STATUSES, CaseStatus

FieldType = Literal[
    "text", "multiline", "date", "datetime", "number", "phone", "bsn", "choice", "multi",
    "yesno", "ynu",
]  # fmt: skip
AGE_BANDS = ("under_12", "12_15", "16_17", "18_22", "23_plus", "unknown")
# Values the engine derives and conditions may read.
DERIVED_VARIABLES: dict[str, VarType] = {
    "youth.age_years": VarType("number"),
    "youth.age_in_months": VarType("number"),
    "youth.age_band": VarType("str", frozenset(AGE_BANDS)),
}
_KIND_OF_TYPE: dict[str, conditions.Kind] = {
    "text": "str", "multiline": "str", "date": "str", "datetime": "str", "phone": "str",
    "bsn": "str", "choice": "str", "ynu": "str", "number": "number", "yesno": "bool",
    "multi": "list",
}  # fmt: skip
_TEXT_TYPES = ("text", "multiline")


class FormDefinitionError(Exception):
    """A form definition that cannot be used; ``problems`` lists each, with its place."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}invalid form definition:\n  " + "\n  ".join(problems))


def _bilingual(texts: dict[str, str]) -> dict[str, str]:
    missing = [lang for lang in ("nl", "en") if not texts.get(lang, "").strip()]
    if missing:
        raise ValueError(f"text needs both 'nl' and 'en' (missing or empty: {', '.join(missing)})")
    return texts


Text = Annotated[dict[Literal["nl", "en"], str], AfterValidator(_bilingual)]
Identifier = Annotated[str, PydanticField(pattern=r"^[a-z][a-z0-9_]*$")]
FieldId = Annotated[str, PydanticField(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
OptionValue = Annotated[str, PydanticField(pattern=r"^[A-Za-z0-9_]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Option(_Strict):
    """One choice of a ``choice`` or ``multi`` field."""

    value: OptionValue
    label: Text
    help: Text | None = None


class Field(_Strict):
    """One question of the intake; ``id`` is the key in stored answers."""

    id: FieldId
    type: FieldType
    label: Text
    help: Text
    options: list[Option] = []
    options_from: Literal["urgency"] | None = None
    required: Literal["req", "soft"] | None = None
    required_if: str | None = None
    visible_if: str | None = None
    default: Literal["now"] | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    not_future: bool = False
    max_years_back: Annotated[int, PydanticField(gt=0)] | None = None
    max_length: Annotated[int, PydanticField(gt=0)] | None = None
    masked: bool = False

    _option_values: tuple[str, ...] = PrivateAttr(default=())

    def model_post_init(self, context: Any, /) -> None:
        self._option_values = tuple(option.value for option in self.options)

    @property
    def option_values(self) -> tuple[str, ...]:
        """The option values in the definition's order."""
        # read the private dict directly: pydantic's __getattr__ is slow on a hot path
        return self.__pydantic_private__["_option_values"]  # type: ignore[index]

    def option(self, value: str) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(f"{self.id} has no option {value!r}")

    def option_label(self, value: str, lang: str | None = None) -> str:
        """The label of an option; unknown values are shown as they are."""
        try:
            return pick(self.option(value).label, lang)
        except KeyError:
            return str(value)


class Section(_Strict):
    """A group of fields; ``role`` says who fills it in, ``stage`` which status step needs it."""

    id: Identifier
    title: Text
    help: Text | None = None
    role: Literal["desk", "triagist"] = "desk"
    stage: Literal["intake", "triage", "handover"] = "intake"
    fields: list[Field]


class UrgencyLevel(_Strict):
    """One step of the urgency scale; the response deadline is ``call.received_at`` + target."""

    code: Annotated[str, PydanticField(pattern=r"^[A-Z][A-Za-z0-9_]*$")]
    label: Text
    help: Text
    target_minutes: Annotated[int, PydanticField(gt=0)] | None = None
    target_working_days: Annotated[int, PydanticField(gt=0)] | None = None
    # the referral timer *acknowledge by* (coordination.referrals); neither = no timer
    acknowledge_minutes: Annotated[int, PydanticField(gt=0)] | None = None
    acknowledge_working_days: Annotated[int, PydanticField(gt=0)] | None = None
    acute: bool
    colour: Annotated[str, PydanticField(pattern=r"^#[0-9A-Fa-f]{6}$")]


class Banner(_Strict):
    """Immediate advice, shown at once when ``when`` holds (and recorded when shown)."""

    id: Identifier
    section: Identifier | None = None
    severity: Literal["danger", "warning", "info"] = "warning"
    when: str
    text: Text
    suggests_urgency: str | None = None


class FieldWarning(_Strict):
    """A non-blocking warning shown at ``field`` when ``when`` holds."""

    id: Identifier
    field: FieldId
    when: str
    text: Text


class StatusInfo(_Strict):
    """Names of a case status (the transitions are code: desktop/forms/workflow.py)."""

    id: CaseStatus
    label: Text
    help: Text | None = None


class Migration(_Strict):
    """How answers of an older version of this form become answers of this version."""

    from_version: str
    rename: dict[str, str] = {}
    drop: list[str] = []
    add: dict[str, Any] = {}
    rename_options: dict[str, dict[str, str]] = {}


class FormDefinition(_Strict):
    """A whole intake format, e.g. ``intake`` version ``1``."""

    id: Identifier
    version: Annotated[str, PydanticField(pattern=r"^[0-9A-Za-z._-]+$")]
    title: Text
    timezone: str = "Europe/Amsterdam"
    statuses: list[StatusInfo]
    urgency: list[UrgencyLevel]
    recorded: list[Field] = []
    sections: list[Section]
    banners: list[Banner] = []
    warnings: list[FieldWarning] = []
    migrations: list[Migration] = []

    _fields: dict[str, Field] = PrivateAttr(default_factory=dict)
    _section_of: dict[str, Section] = PrivateAttr(default_factory=dict)
    _visible_if: dict[str, Condition] = PrivateAttr(default_factory=dict)
    _required_if: dict[str, Condition] = PrivateAttr(default_factory=dict)
    _banner_when: dict[str, Condition] = PrivateAttr(default_factory=dict)
    _warning_when: dict[str, Condition] = PrivateAttr(default_factory=dict)
    _schema: dict[str, VarType] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        problems = _prepare(self)
        if problems:
            raise FormDefinitionError(problems)

    # -- lookups used by the UI, the reports and the store ---------------------------

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    def field(self, field_id: str) -> Field:
        """The field (or product-recorded value) with this id; KeyError when unknown."""
        try:
            return self.__pydantic_private__["_fields"][field_id]  # type: ignore[index]
        except KeyError:
            raise KeyError(f"form {self.id} v{self.version} has no field {field_id!r}") from None

    def has_field(self, field_id: str) -> bool:
        return field_id in self.__pydantic_private__["_fields"]  # type: ignore[index]

    def fields(self) -> list[Field]:
        """All typed fields in form order (product-recorded values not included)."""
        return [field for section in self.sections for field in section.fields]

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"form {self.id} v{self.version} has no section {section_id!r}")

    def section_of(self, field_id: str) -> Section:
        """The section holding a typed field; KeyError for unknown or recorded ids."""
        return self._section_of[field_id]

    def option_label(self, field_id: str, value: Any, lang: str | None = None) -> str:
        """The label of ``value`` for a choice/multi field (a list gives a comma-joined text);
        unknown values are shown as they are."""
        field = self.field(field_id)
        if isinstance(value, list | tuple):
            return ", ".join(field.option_label(str(item), lang) for item in value)
        if field.type == "yesno" and isinstance(value, bool):
            return pick({"nl": "ja", "en": "yes"} if value else {"nl": "nee", "en": "no"}, lang)
        if field.type == "ynu":
            return pick(_YNU_LABELS.get(str(value), {"nl": str(value)}), lang)
        return field.option_label(str(value), lang)

    def urgency_level(self, code: str) -> UrgencyLevel:
        for level in self.urgency:
            if level.code == code:
                return level
        raise KeyError(f"form {self.id} v{self.version} has no urgency {code!r}")

    def banner(self, banner_id: str) -> Banner:
        for banner in self.banners:
            if banner.id == banner_id:
                return banner
        raise KeyError(f"form {self.id} v{self.version} has no banner {banner_id!r}")

    def status(self, status_id: str) -> StatusInfo:
        for status in self.statuses:
            if status.id == status_id:
                return status
        raise KeyError(f"unknown case status {status_id!r}")

    def status_label(self, status_id: str, lang: str | None = None) -> str:
        return pick(self.status(status_id).label, lang)

    def migration_from(self, version: str) -> Migration | None:
        for migration in self.migrations:
            if migration.from_version == version:
                return migration
        return None

    def condition_schema(self) -> Mapping[str, VarType]:
        """What conditions may read: every field, recorded value and derived value."""
        return self._schema


_YNU_LABELS = {
    "yes": {"nl": "ja", "en": "yes"},
    "no": {"nl": "nee", "en": "no"},
    "unknown": {"nl": "onbekend", "en": "unknown"},
}
_YNU_OPTIONS = frozenset(_YNU_LABELS)


def _var_type(field: Field) -> VarType:
    kind = _KIND_OF_TYPE[field.type]
    if field.type == "ynu":
        return VarType(kind, _YNU_OPTIONS)
    if field.type in ("choice", "multi"):
        return VarType(kind, frozenset(field.option_values))
    return VarType(kind)


def _field_shape_problems(field: Field, where: str) -> list[str]:
    problems: list[str] = []
    has_options = field.type in ("choice", "multi")
    if has_options and not field.options:
        problems.append(f"{where}.options: a {field.type} field needs options")
    if not has_options and (field.options or field.options_from):
        problems.append(f"{where}.options: only choice and multi fields have options")
    if (field.min is not None or field.max is not None or field.integer) and field.type != "number":
        problems.append(f"{where}: min, max and integer apply to number fields only")
    if field.min is not None and field.max is not None and field.min > field.max:
        problems.append(f"{where}.min: greater than max")
    if (field.not_future or field.max_years_back) and field.type not in ("date", "datetime"):
        problems.append(f"{where}: not_future and max_years_back apply to dates only")
    if field.default == "now" and field.type not in ("date", "datetime"):
        problems.append(f"{where}.default: 'now' applies to dates only")
    if field.max_length is not None and field.type not in _TEXT_TYPES:
        problems.append(f"{where}.max_length: applies to text fields only")
    if field.required_if is not None and field.required is None:
        problems.append(f"{where}.required_if: needs 'required: req' or 'required: soft'")
    seen: dict[str, int] = {}
    for index, option in enumerate(field.options):
        if option.value in seen:
            problems.append(
                f"{where}.options[{index}].value: duplicate option '{option.value}' "
                f"(also options[{seen[option.value]}])"
            )
        seen.setdefault(option.value, index)
    return problems


def _urgency_options(form: FormDefinition) -> list[Option]:
    return [
        Option(
            value=level.code,
            label={lang: f"{level.code} {text}" for lang, text in level.label.items()},
            help=level.help,
        )
        for level in form.urgency
    ]


def _build(
    text: str | None, schema: Mapping[str, VarType], where: str, problems: list[str]
) -> Condition | None:
    if text is None:
        return None
    try:
        return conditions.build(text, schema)
    except ConditionError as error:
        problems.append(f"{where}: {error}")
        return None


def _prepare(form: FormDefinition) -> list[str]:
    """Check what needs the whole form and compile the conditions; return the problems."""
    problems: list[str] = []
    try:
        ZoneInfo(form.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone: unknown time zone '{form.timezone}'")

    status_ids = [status.id for status in form.statuses]
    for status_id in CASE_STATUSES:
        if status_id not in status_ids:
            problems.append(f"statuses: missing status '{status_id}'")
    for index, status_id in enumerate(status_ids):
        if status_ids.index(status_id) != index:
            problems.append(f"statuses[{index}].id: duplicate status '{status_id}'")

    codes: dict[str, int] = {}
    for index, level in enumerate(form.urgency):
        if level.code in codes:
            problems.append(f"urgency[{index}].code: duplicate urgency code '{level.code}'")
        codes.setdefault(level.code, index)
        if level.target_minutes is not None and level.target_working_days is not None:
            problems.append(
                f"urgency[{index}]: give target_minutes or target_working_days, not both"
            )
        if level.acknowledge_minutes is not None and level.acknowledge_working_days is not None:
            problems.append(
                f"urgency[{index}]: give acknowledge_minutes or acknowledge_working_days, not both"
            )
    if not form.urgency:
        problems.append("urgency: the urgency scale is empty")

    # fields: shapes, duplicates, the urgency options
    fields: dict[str, Field] = {}
    places: dict[str, str] = {}
    section_ids: dict[str, int] = {}
    for s_index, section in enumerate(form.sections):
        if section.id in section_ids:
            problems.append(f"sections[{s_index}].id: duplicate section id '{section.id}'")
        section_ids.setdefault(section.id, s_index)
        for f_index, field in enumerate(section.fields):
            where = f"sections[{s_index}].fields[{f_index}]"
            if field.options and field.options_from:
                problems.append(f"{where}.options_from: give either options or options_from")
            elif field.options_from == "urgency":
                field = field.model_copy(update={"options": _urgency_options(form)})
                section.fields[f_index] = field
                field.model_post_init(None)
            problems.extend(_field_shape_problems(field, where))
            if field.id in places:
                problems.append(
                    f"{where}.id: duplicate field id '{field.id}' (also at {places[field.id]})"
                )
                continue
            places[field.id] = where
            fields[field.id] = field
            form._section_of[field.id] = section
    for index, field in enumerate(form.recorded):
        where = f"recorded[{index}]"
        if field.id in places:
            problems.append(
                f"{where}.id: duplicate field id '{field.id}' (also at {places[field.id]})"
            )
            continue
        if field.visible_if or field.required or field.options:
            problems.append(f"{where}: a recorded value has no conditions, requirement or options")
        places[field.id] = where
        fields[field.id] = field
    form._fields = fields

    schema: dict[str, VarType] = {fid: _var_type(field) for fid, field in fields.items()}
    for name, var in DERIVED_VARIABLES.items():
        if name in schema:
            problems.append(f"{places[name]}.id: '{name}' is a derived value, not a field")
        schema[name] = var
    form._schema = schema

    for fid, field in fields.items():
        where = places[fid]
        visible = _build(field.visible_if, schema, f"{where}.visible_if", problems)
        if visible is not None:
            form._visible_if[fid] = visible
        required = _build(field.required_if, schema, f"{where}.required_if", problems)
        if required is not None:
            form._required_if[fid] = required

    banner_ids: set[str] = set()
    for index, banner in enumerate(form.banners):
        where = f"banners[{index}]"
        if banner.id in banner_ids:
            problems.append(f"{where}.id: duplicate banner id '{banner.id}'")
        banner_ids.add(banner.id)
        if banner.section is not None and banner.section not in section_ids:
            problems.append(f"{where}.section: unknown section '{banner.section}'")
        if banner.suggests_urgency is not None and banner.suggests_urgency not in codes:
            problems.append(
                f"{where}.suggests_urgency: unknown urgency '{banner.suggests_urgency}'"
            )
        when = _build(banner.when, schema, f"{where}.when", problems)
        if when is not None:
            form._banner_when[banner.id] = when

    warning_ids: set[str] = set()
    for index, warning in enumerate(form.warnings):
        where = f"warnings[{index}]"
        if warning.id in warning_ids:
            problems.append(f"{where}.id: duplicate warning id '{warning.id}'")
        warning_ids.add(warning.id)
        if warning.field not in form._section_of:
            problems.append(f"{where}.field: unknown field '{warning.field}'")
        when = _build(warning.when, schema, f"{where}.when", problems)
        if when is not None:
            form._warning_when[warning.id] = when

    for index, migration in enumerate(form.migrations):
        problems.extend(_migration_problems(form, migration, f"migrations[{index}]"))
    return problems


def _migration_problems(form: FormDefinition, migration: Migration, where: str) -> list[str]:
    from desktop.forms.values import validate_value

    problems: list[str] = []
    if migration.from_version == form.version:
        problems.append(f"{where}.from_version: a form cannot migrate from its own version")
    for old, new in migration.rename.items():
        if new not in form._section_of:
            problems.append(f"{where}.rename.{old}: unknown field '{new}' in this version")
        if old in form._fields:
            problems.append(f"{where}.rename.{old}: '{old}' is still a field of this version")
    for index, old in enumerate(migration.drop):
        if old in form._fields:
            problems.append(f"{where}.drop[{index}]: '{old}' is still a field of this version")
    for fid, default in migration.add.items():
        if fid not in form._section_of:
            problems.append(f"{where}.add.{fid}: unknown field '{fid}' in this version")
            continue
        _, error = validate_value(form._fields[fid], default)
        if error:
            problems.append(f"{where}.add.{fid}: default {default!r} does not fit: {error}")
    for fid, renames in migration.rename_options.items():
        field = form._fields.get(fid)
        if field is None or field.type not in ("choice", "multi"):
            problems.append(f"{where}.rename_options.{fid}: not a choice field of this version")
            continue
        for old, new in renames.items():
            if new not in field.option_values:
                problems.append(
                    f"{where}.rename_options.{fid}.{old}: unknown option '{new}' in this version"
                )
    return problems
