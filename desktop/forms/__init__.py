"""The intake format as data and the form engine (visibility, validation, derived values).

Public API (docs/internal-api.md): :func:`load_form` / :func:`load_form_file` give a
:class:`FormDefinition`; :func:`evaluate` gives a :class:`FormState`; :func:`parse_input`
turns typed text into stored values; :func:`migrate_answers` moves answers between
versions; :mod:`desktop.forms.workflow` holds the case statuses. No Qt here.
"""

from desktop.forms.conditions import ConditionError
from desktop.forms.engine import (
    FormState,
    Readiness,
    SectionState,
    age_band,
    age_on,
    can_mark_ready,
    evaluate,
    stage_readiness,
)
from desktop.forms.loader import (
    available_forms,
    form_from_data,
    latest_version,
    load_form,
    load_form_file,
    parse_form,
)
from desktop.forms.migrate import MigrationError, MigrationReport, migrate_answers
from desktop.forms.model import (
    AGE_BANDS,
    CASE_STATUSES,
    Banner,
    Field,
    FieldWarning,
    FormDefinition,
    FormDefinitionError,
    Option,
    Section,
    StatusInfo,
    UrgencyLevel,
)
from desktop.forms.values import parse_input, validate_value

__all__ = [
    "AGE_BANDS",
    "CASE_STATUSES",
    "Banner",
    "ConditionError",
    "Field",
    "FieldWarning",
    "FormDefinition",
    "FormDefinitionError",
    "FormState",
    "MigrationError",
    "MigrationReport",
    "Option",
    "Readiness",
    "Section",
    "SectionState",
    "StatusInfo",
    "UrgencyLevel",
    "age_band",
    "age_on",
    "available_forms",
    "can_mark_ready",
    "evaluate",
    "form_from_data",
    "latest_version",
    "load_form",
    "load_form_file",
    "migrate_answers",
    "parse_form",
    "parse_input",
    "stage_readiness",
    "validate_value",
]
