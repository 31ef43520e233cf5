"""The intake format as data and the form engine (visibility, validation, derived values).

Public API (docs/internal-api.md): :func:`load_form`, :class:`FormDefinition` and its
parts; the engine and migrations are added in :mod:`desktop.forms.engine` and
:mod:`desktop.forms.migrate`.
"""

from desktop.forms.conditions import ConditionError
from desktop.forms.loader import (
    available_forms,
    form_from_data,
    latest_version,
    load_form,
    load_form_file,
    parse_form,
)
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
    "Option",
    "Section",
    "StatusInfo",
    "UrgencyLevel",
    "available_forms",
    "form_from_data",
    "latest_version",
    "load_form",
    "load_form_file",
    "parse_form",
    "parse_input",
    "validate_value",
]
