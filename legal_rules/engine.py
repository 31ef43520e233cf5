"""The rule set in memory and its evaluation for one decision.

Owns the checked rule entries (:class:`Rule`, :class:`Term`, :class:`MissingFact`), the
periods in which one fixed set of entries is in force, the closures compiled for each
period, care type and age segment (with a small cache of outcomes keyed by the answers
they read), and :meth:`RuleSet.evaluate`, which turns checked facts into
the JSON-ready output of ``domain/legal-rules.md``.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from legal_rules.conditions import (
    Age,
    BirthdayWithin,
    Condition,
    Context,
    birthday_finder,
    compile_condition,
    references,
    walk,
)
from legal_rules.facts import CONDITION_VALUES, ENUM_FACTS, age_band, check_facts

RULES_VERSION: Final = "2"
"""Version of the rule set; bumped when a rule changes (see legal_rules/CHANGELOG.md)."""

SEVERITIES: Final = ("required", "warning", "info")
"""Flag severities, in output order."""

NOTE_KINDS: Final = ("project_decision", "open_point", "closed_point")

MISSING_FACT_ORDER: Final = (
    "birth_date",
    "youth_competent",
    "authority",
    "child_protection",
    "intellectual_disability",
    "psychiatric_disorder_suspected",
    "youth_care_before_18",
)
"""The facts ``missing_facts`` may name, in output order."""

DETAILS: Final = ("birthday_within",)
"""Names a rule's ``detail`` may take: the value it puts in a flag's ``detail``. A rule
may instead give a :class:`DetailChoice` (``detail: {choose: [...]}`` in the files)."""

BAND_CUTS: Final = (12 * 12, 16 * 12, 18 * 12, 23 * 12)
"""Ages in months where the age band changes."""

Text = dict[str, str]
"""A user-facing text as ``{"nl": ..., "en": ...}``."""


@dataclass(frozen=True)
class Note:
    """A remark for the reviewing jurist: a project decision, an open point, or a point
    that was open and is now closed (with how it was settled)."""

    kind: str
    text: Text


@dataclass(frozen=True)
class DetailChoice:
    """A flag's ``detail`` chosen by the facts: the value of the first option whose
    condition holds; the last option has no condition (``None``) and is the default.
    The conditions read facts and the age only (no terms, flags or birthdays)."""

    options: tuple[tuple[Condition | None, str], ...]


@dataclass(frozen=True)
class Dated:
    """Something in force from ``valid_from`` up to and including ``valid_to``."""

    valid_from: date
    valid_to: date | None
    source: str
    """Rule file and entry, for messages."""

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Rule(Dated):
    code: str
    severity: str
    when: Condition
    citations: tuple[str, ...]
    title: Text
    explanation: Text
    section: str
    notes: tuple[Note, ...] = ()
    detail: str | DetailChoice | None = None

    @property
    def project_decision(self) -> bool:
        return any(note.kind == "project_decision" for note in self.notes)


@dataclass(frozen=True)
class Term(Dated):
    """A named definition used by rule conditions (such as ``verzet``)."""

    name: str
    description: Text
    when: Condition
    section: str
    citations: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class MissingFact(Dated):
    """When ``fact`` is needed by a rule and was not given, it is listed in missing_facts."""

    fact: str
    when: Condition
    section: str


@dataclass(frozen=True)
class Section:
    """One rule file: its id (file name without .yaml) and title."""

    id: str
    title: Text


Outcome = tuple[tuple[Callable[[Context], dict[str, Any]], ...], tuple[str, ...]]
"""The flags (as builders of their output) and the missing facts of one evaluation."""

MEMO_SIZE: Final = 4096
"""Outcomes kept per compiled part; the cache is emptied when it grows beyond this."""


@dataclass
class _Compiled:
    """Everything evaluated for one period, care type and age segment.

    The outcome depends only on the context values named in ``inputs`` and on the
    birthdays found by ``probes``, so outcomes are cached under those values: the desk
    re-evaluates the same answers over and over while a call goes on.
    """

    steps: tuple[tuple[str, Callable[[Context], Any]], ...]
    output: tuple[tuple[str, Callable[[Context], dict[str, Any]]], ...]
    missing: tuple[tuple[str, Callable[[Context], Any]], ...]
    inputs: tuple[str, ...]
    probes: tuple[Callable[[Context], date | None], ...]
    always: frozenset[str] = frozenset()
    """Rule codes flagged whatever the other facts (known when compiling)."""
    memo: dict[Any, Outcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.inputs) > 1:
            self._key: Callable[[Context], Any] = operator.itemgetter(*self.inputs)
        elif self.inputs:
            (name,) = self.inputs
            self._key = lambda c: c[name]
        else:
            self._key = lambda c: ()

    def outcome(self, c: Context) -> Outcome:
        key: Any = self._key(c)
        if self.probes:
            key = (key, tuple([probe(c) for probe in self.probes]))
        found = self.memo.get(key)
        if found is None:
            for name, fn in self.steps:
                c[name] = fn(c)
            found = (
                tuple([build for code, build in self.output if c[code]]),
                tuple([fact for fact, fn in self.missing if fn(c)]),
            )
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = found
        return found


@dataclass
class _Period:
    start: date
    compiled: dict[tuple[str, int], _Compiled] = field(default_factory=dict)
    """Per (care type, age segment index; 0 = age unknown)."""


_CONTEXT_INPUTS: Final = frozenset({*CONDITION_VALUES, "age_total_months"})
"""Context keys a compiled closure can read besides terms and rule codes."""


def _always(_: Context) -> bool:
    return True


def _flag_builder(rule: Rule) -> Callable[[Context], dict[str, Any]]:
    code, severity = rule.code, rule.severity
    title_nl, title_en = rule.title["nl"], rule.title["en"]
    expl_nl, expl_en = rule.explanation["nl"], rule.explanation["en"]
    citations = rule.citations
    detail_of: Callable[[Context], Any] | None = None
    if isinstance(rule.detail, DetailChoice):
        options = tuple(
            (_always if when is None else compile_condition(when, {}, {}), value)
            for when, value in rule.detail.options
        )

        def detail_of(c: Context) -> Any:
            for test, value in options:
                if test is True or (test is not False and test(c)):
                    return value
            return None

    elif rule.detail == "birthday_within":
        finder = birthday_finder(
            next(node for node in walk(rule.when) if isinstance(node, BirthdayWithin))
        )

        def detail_of(c: Context) -> Any:
            found = finder(c)
            return None if found is None else found.isoformat()

    def build(c: Context) -> dict[str, Any]:
        return {
            "code": code,
            "severity": severity,
            "title": {"nl": title_nl, "en": title_en},
            "explanation": {"nl": expl_nl, "en": expl_en},
            "citations": list(citations),
            "detail": None if detail_of is None else detail_of(c),
        }

    return build


def _any_of(fns: tuple[Callable[[Context], Any], ...]) -> Callable[[Context], bool]:
    """True when any of `fns` is true for the context."""
    return lambda context: any(fn(context) for fn in fns)


def dependency_order(rules: Iterable[Rule], terms: Iterable[Term]) -> list[str]:
    """Rule codes and term names so that each comes after what its condition refers to.

    Raises ValueError naming a cycle. Assumes all references exist (the loader checks).
    """
    deps: dict[str, set[str]] = {}
    entries: list[Term | Rule] = [*terms, *rules]
    for entry in entries:
        name = entry.name if isinstance(entry, Term) else entry.code
        codes, names = references(entry.when)
        deps.setdefault(name, set()).update(codes | names)
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*path[path.index(name) :], name]
            raise ValueError("conditions refer to each other in a cycle: " + " -> ".join(cycle))
        state[name] = 1
        for dep in sorted(deps.get(name, ())):
            visit(dep, [*path, name])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [])
    return order


class RuleSet:
    """A checked, compiled set of rules; :meth:`evaluate` applies it to facts."""

    def __init__(
        self,
        sections: list[Section],
        rules: list[Rule],
        terms: list[Term],
        missing_facts: list[MissingFact],
    ) -> None:
        self.sections = tuple(sections)
        self.rules = tuple(rules)
        self.terms = tuple(terms)
        self.missing_facts = tuple(missing_facts)
        self.codes: frozenset[str] = frozenset(rule.code for rule in rules)
        self._order = dependency_order(rules, terms)
        cuts = set(BAND_CUTS)
        dated: list[Rule | Term | MissingFact] = [*rules, *terms, *missing_facts]
        for entry in dated:
            for node in walk(entry.when):
                if isinstance(node, Age):
                    cuts.update(bound for bound in (node.at_least, node.under) if bound)
        self._age_cuts = sorted(cuts)
        lows = [0, *self._age_cuts]
        highs: list[int | None] = [*self._age_cuts, None]
        self._segments: list[tuple[int, int | None] | None] = [None, *zip(lows, highs, strict=True)]
        starts = {date.min}
        for entry in dated:
            starts.add(entry.valid_from)
            if entry.valid_to is not None and entry.valid_to < date.max:
                starts.add(entry.valid_to + timedelta(days=1))
        self._periods = [self._compile_period(start) for start in sorted(starts)]
        self._period_starts = [period.start for period in self._periods]

    def clear_cache(self) -> None:
        """Forget the cached outcomes (for measuring the engine without its cache)."""
        for period in self._periods:
            for compiled in period.compiled.values():
                compiled.memo.clear()

    def in_force(self, day: date) -> list[Rule]:
        """The rules in force on ``day``, in output order (severity, then code)."""
        rank = {severity: i for i, severity in enumerate(SEVERITIES)}
        chosen = [rule for rule in self.rules if rule.in_force(day)]
        return sorted(chosen, key=lambda rule: (rank[rule.severity], rule.code))

    def _compile_period(self, start: date) -> _Period:
        rules = {rule.code: rule for rule in self.rules if rule.in_force(start)}
        terms = {term.name: term for term in self.terms if term.in_force(start)}
        missing = [entry for entry in self.missing_facts if entry.in_force(start)]
        in_force: list[Rule | Term | MissingFact] = [*rules.values(), *terms.values(), *missing]
        for entry in in_force:
            _, needed = references(entry.when)
            absent = sorted(needed - set(terms))
            if absent:
                raise ValueError(
                    f"{entry.source}: refers to term(s) {', '.join(absent)} "
                    f"not in force on {start.isoformat()}"
                )
        period = _Period(start)
        for care_type in ENUM_FACTS["care_type"]:
            for index, segment in enumerate(self._segments):
                band = "unknown" if segment is None else age_band(segment[0] // 12)
                fixed = {"care_type": care_type, "age_band": band, "age_segment": segment}
                period.compiled[care_type, index] = self._specialise(fixed, rules, terms, missing)
        return period

    def _specialise(
        self,
        fixed: dict[str, Any],
        rules: dict[str, Rule],
        terms: dict[str, Term],
        missing: list[MissingFact],
    ) -> _Compiled:
        resolved: dict[str, bool | None] = {code: False for code in self.codes}
        candidates: list[tuple[str, Callable[[Context], Any], set[Any]]] = []
        for name in self._order:
            entry: Rule | Term | None = terms.get(name) or rules.get(name)
            if entry is None:
                continue  # a rule not in force: never flagged
            entry_reads: set[Any] = set()
            compiled = compile_condition(entry.when, fixed, resolved, entry_reads)
            if compiled is True or compiled is False:
                resolved[name] = compiled
                if compiled and isinstance(entry, Rule):
                    candidates.append((name, _always, set()))
            else:
                resolved[name] = None
                candidates.append((name, compiled, entry_reads))
        rank = {severity: i for i, severity in enumerate(SEVERITIES)}
        shown = sorted(
            (rule for code, rule in rules.items() if resolved[code] is not False),
            key=lambda rule: (rank[rule.severity], rule.code),
        )
        reads: set[Any] = set()
        needed: list[tuple[str, Callable[[Context], Any]]] = []
        for fact in MISSING_FACT_ORDER:
            parts = []
            for gap in missing:
                if gap.fact == fact:
                    parts.append(compile_condition(gap.when, fixed, resolved, reads))
            if any(part is True for part in parts):
                needed.append((fact, _always))
                continue
            dynamic = [part for part in parts if part is not False and part is not True]
            if len(dynamic) == 1:
                needed.append((fact, dynamic[0]))
            elif dynamic:
                needed.append((fact, _any_of(tuple(dynamic))))
        # Keep every rule and the terms something kept looks up; from the last step back.
        steps: list[tuple[str, Callable[[Context], Any]]] = []
        for name, fn, entry_reads in reversed(candidates):
            if name in rules or name in reads:
                steps.append((name, fn))
                reads |= entry_reads
        steps.reverse()
        return _Compiled(
            steps=tuple(steps),
            output=tuple((rule.code, _flag_builder(rule)) for rule in shown),
            missing=tuple(needed),
            inputs=tuple(sorted(name for name in reads if name in _CONTEXT_INPUTS)),
            probes=tuple(
                birthday_finder(window) for window in reads if isinstance(window, BirthdayWithin)
            ),
            always=frozenset(code for code in rules if resolved[code] is True),
        )

    def possible_flags(self, day: date, care_type: str) -> dict[str, dict[str, str]]:
        """Per age band, the rules that can be flagged for ``care_type`` on ``day``:
        code -> ``"always"`` (whatever the other facts) or ``"depends"`` (on the other
        facts). A code not listed is never flagged for that care type and band. Read
        from the compiled conditions, so it cannot drift from what the engine does."""
        period = self._periods[bisect.bisect_right(self._period_starts, day) - 1]
        found: dict[str, dict[str, str]] = {}
        seen: dict[str, int] = {}
        for index, segment in enumerate(self._segments):
            band = "unknown" if segment is None else age_band(segment[0] // 12)
            compiled = period.compiled[care_type, index]
            seen[band] = seen.get(band, 0) + 1
            codes = found.setdefault(band, {})
            for code, _build in compiled.output:
                state = "always" if code in compiled.always else "depends"
                if seen[band] > 1 and codes.get(code) != state:
                    state = "depends"  # always in one part of the band, not in another
                codes[code] = state
            if seen[band] > 1:
                present = {code for code, _build in compiled.output}
                for code in codes:
                    if code not in present:
                        codes[code] = "depends"
        return found

    def evaluate(self, facts: object) -> dict[str, Any]:
        """The flags, age and missing facts for one decision (``domain/legal-rules.md``).

        Raises :class:`legal_rules.FactsError` when the facts break the input contract.
        """
        c = check_facts(facts)
        decision: date = c["decision_date"]
        period = self._periods[bisect.bisect_right(self._period_starts, decision) - 1]
        months = c["age_total_months"]
        segment = 0 if months is None else bisect.bisect_right(self._age_cuts, months) + 1
        flagged, missing = period.compiled[c["care_type"], segment].outcome(c)
        return {
            "rules_version": RULES_VERSION,
            "decision_date": decision.isoformat(),
            "age": {"years": c["age_years"], "months": c["age_months"], "band": c["age_band"]},
            "flags": [build(c) for build in flagged],
            "missing_facts": list(missing),
        }
