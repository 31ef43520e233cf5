"""Consent and authorization rules as dated data, and the engine that evaluates them.

For one decision about one young person the engine flags whose consent is needed and
which legal authorization or procedure applies, each flag with its citation
(contract: ``domain/legal-rules.md``). It advises a professional; it never decides.

Public API::

    evaluate(facts: dict) -> dict      # the JSON-ready output; raises FactsError
    FactsError                         # .errors: {key: English message}
    load_rules(folder=None) -> RuleSet # the bundled rule files, or those in a folder
    RuleFileError                      # .problems: broken rule files
    RULES_VERSION                      # "2" (see legal_rules/CHANGELOG.md)

The rules live in ``legal_rules/rules/*.yaml`` (see :mod:`legal_rules.loader`); the
command line is ``python -m legal_rules evaluate|table|check``. No Qt, no I/O beyond
reading the rule files.
"""

from __future__ import annotations

from typing import Any

from legal_rules.engine import RULES_VERSION, RuleSet
from legal_rules.facts import FactsError
from legal_rules.loader import RuleFileError, load_rules

__all__ = ["RULES_VERSION", "FactsError", "RuleFileError", "RuleSet", "evaluate", "load_rules"]


def evaluate(facts: dict[str, Any]) -> dict[str, Any]:
    """Flags, age and missing facts for one decision, per the bundled rules.

    Raises :class:`FactsError` naming every key that breaks the input contract.
    """
    return load_rules().evaluate(facts)
