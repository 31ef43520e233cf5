"""The small declarative condition language of the rule files.

Owns the condition tree (parsed and checked from YAML), its compilation into plain
Python closures (never ``eval``) and its rendering as Dutch or English text for the
jurist's rule table. A condition is a mapping with exactly one predicate:

``all: [cond, ...]`` / ``any: [cond, ...]`` / ``not: cond``
    combinations.
``is: {fact: value | [value, ...], ...}``
    each named fact (or the derived ``age_band``) has one of the values.
``age: {at_least: 12, under: 16}``
    the age is known and within the bounds; a bound is whole years (``12``) or years
    and months (``"17y6m"``); either bound may be left out.
``flagged: CODE | [CODE, ...]``
    one of these rules is flagged on the decision date.
``term: name``
    a named definition (``terms`` in the rule files, such as ``verzet``) holds.
``birthday_within: {ages: [12, 16, 18], days: [1, 30]}``
    one of these birthdays falls that many days after the decision date.

Compilation folds what is known beforehand (the care type, rules not in force), so each
care type gets its own small set of closures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from legal_rules.facts import CONDITION_VALUES, birthday

Context = dict[str, Any]
Compiled = bool | Callable[[Context], Any]
"""A compiled condition: a constant when known at load time, else a closure."""


class ConditionError(ValueError):
    """A condition in a rule file is malformed; the message says where and why."""


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class Is:
    fact: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Age:
    at_least: int | None
    """Lower bound in months, inclusive."""
    under: int | None
    """Upper bound in months, exclusive."""


@dataclass(frozen=True)
class Flagged:
    codes: tuple[str, ...]


@dataclass(frozen=True)
class TermRef:
    name: str


@dataclass(frozen=True)
class BirthdayWithin:
    ages: tuple[int, ...]
    first_day: int
    last_day: int


Condition = All | AnyOf | Not | Is | Age | Flagged | TermRef | BirthdayWithin

PREDICATES: Final = ("all", "any", "not", "is", "age", "flagged", "term", "birthday_within")

CODE_PATTERN: Final = re.compile(r"[A-Z][A-Z0-9_]*")
NAME_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*")
_AGE_TEXT: Final = re.compile(r"([0-9]{1,3})y(?:([0-9]{1,2})m)?")


def _show(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return repr(value)


def _parse_age_bound(raw: object, where: str) -> int:
    if type(raw) is int and 0 <= raw <= 200:
        return raw * 12
    if isinstance(raw, str):
        match = _AGE_TEXT.fullmatch(raw)
        if match and int(match.group(2) or 0) < 12:
            return int(match.group(1)) * 12 + int(match.group(2) or 0)
    raise ConditionError(f"{where}: age bound must be whole years or 'NyMm'; got {_show(raw)}")


def _as_list(raw: object) -> list[Any]:
    return raw if isinstance(raw, list) else [raw]


def parse(raw: object, where: str = "when") -> Condition:
    """Check a condition read from YAML and turn it into a condition tree.

    Raises :class:`ConditionError` naming the place (``where``) and the problem.
    References to rule codes and terms are checked by the loader, which knows them all.
    """
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ConditionError(
            f"{where}: a condition is a mapping with exactly one of {', '.join(PREDICATES)}"
        )
    ((key, arg),) = raw.items()
    here = f"{where}.{key}"
    if key in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise ConditionError(f"{here}: needs a non-empty list of conditions")
        items = tuple(parse(item, f"{here}[{i}]") for i, item in enumerate(arg))
        return All(items) if key == "all" else AnyOf(items)
    if key == "not":
        return Not(parse(arg, here))
    if key == "is":
        if not isinstance(arg, dict) or not arg:
            raise ConditionError(f"{here}: needs a mapping of fact: value(s)")
        checks: list[Condition] = []
        for fact, wanted in arg.items():
            if fact not in CONDITION_VALUES:
                known = ", ".join(CONDITION_VALUES)
                raise ConditionError(f"{here}: unknown fact {_show(fact)} (known: {known})")
            values = _as_list(wanted)
            if not values:
                raise ConditionError(f"{here}.{fact}: needs at least one value")
            allowed = CONDITION_VALUES[fact]
            for value in values:
                # `x in allowed` would accept 1 for True and 0 for False; compare exactly.
                if not any(value is a or (type(value) is str and value == a) for a in allowed):
                    shown = ", ".join(_show(a) for a in allowed)
                    raise ConditionError(
                        f"{here}.{fact}: unknown value {_show(value)} (allowed: {shown})"
                    )
            checks.append(Is(fact, tuple(dict.fromkeys(values))))
        return checks[0] if len(checks) == 1 else All(tuple(checks))
    if key == "age":
        if not isinstance(arg, dict) or not arg or set(arg) - {"at_least", "under"}:
            raise ConditionError(f"{here}: needs at_least and/or under (and nothing else)")
        low = _parse_age_bound(arg["at_least"], f"{here}.at_least") if "at_least" in arg else None
        high = _parse_age_bound(arg["under"], f"{here}.under") if "under" in arg else None
        if low is not None and high is not None and low >= high:
            raise ConditionError(f"{here}: at_least must be below under")
        return Age(low, high)
    if key == "flagged":
        codes = _as_list(arg)
        if not codes or not all(isinstance(c, str) and CODE_PATTERN.fullmatch(c) for c in codes):
            raise ConditionError(f"{here}: needs a rule code or a list of rule codes")
        return Flagged(tuple(dict.fromkeys(codes)))
    if key == "term":
        if not isinstance(arg, str) or not NAME_PATTERN.fullmatch(arg):
            raise ConditionError(f"{here}: needs the name of a term")
        return TermRef(arg)
    if key == "birthday_within":
        if not isinstance(arg, dict) or set(arg) != {"ages", "days"}:
            raise ConditionError(f"{here}: needs exactly ages and days")
        ages, days = arg["ages"], arg["days"]
        if (
            not isinstance(ages, list)
            or not ages
            or not all(type(a) is int and 0 < a <= 200 for a in ages)
        ):
            raise ConditionError(f"{here}.ages: needs a list of whole ages in years")
        if (
            not isinstance(days, list)
            or len(days) != 2
            or not all(type(d) is int for d in days)
            or not 1 <= days[0] <= days[1]
        ):
            raise ConditionError(f"{here}.days: needs [first, last] with 1 <= first <= last")
        return BirthdayWithin(tuple(sorted(set(ages))), days[0], days[1])
    raise ConditionError(
        f"{where}: unknown predicate {_show(key)} (known: {', '.join(PREDICATES)})"
    )


def walk(cond: Condition) -> list[Condition]:
    """The condition and all conditions nested in it."""
    found = [cond]
    if isinstance(cond, All | AnyOf):
        for item in cond.items:
            found.extend(walk(item))
    elif isinstance(cond, Not):
        found.extend(walk(cond.item))
    return found


def references(cond: Condition) -> tuple[set[str], set[str]]:
    """The rule codes and the term names that ``cond`` refers to."""
    codes: set[str] = set()
    terms: set[str] = set()
    for node in walk(cond):
        if isinstance(node, Flagged):
            codes.update(node.codes)
        elif isinstance(node, TermRef):
            terms.add(node.name)
    return codes, terms


# --- compilation -----------------------------------------------------------------------


def _and(parts: list[Callable[[Context], Any]]) -> Callable[[Context], Any]:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda c: a(c) and b(c)
    if len(parts) == 3:
        a, b, d = parts
        return lambda c: a(c) and b(c) and d(c)
    fns = tuple(parts)

    def every(c: Context) -> bool:
        return all(fn(c) for fn in fns)

    return every


def _or(parts: list[Callable[[Context], Any]]) -> Callable[[Context], Any]:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda c: a(c) or b(c)
    if len(parts) == 3:
        a, b, d = parts
        return lambda c: a(c) or b(c) or d(c)
    fns = tuple(parts)

    def some(c: Context) -> bool:
        return any(fn(c) for fn in fns)

    return some


def _is(fact: str, values: tuple[Any, ...]) -> Callable[[Context], Any]:
    if len(values) == 1:
        (value,) = values
        if value is None or value is True or value is False:
            return lambda c: c[fact] is value
        return lambda c: c[fact] == value
    wanted = frozenset(values)
    return lambda c: c[fact] in wanted


def _is_not(fact: str, values: tuple[Any, ...]) -> Callable[[Context], Any]:
    if len(values) == 1:
        (value,) = values
        if value is None or value is True or value is False:
            return lambda c: c[fact] is not value
        return lambda c: c[fact] != value
    unwanted = frozenset(values)
    return lambda c: c[fact] not in unwanted


def _age_in_segment(cond: Age, segment: tuple[int, int | None] | None) -> bool | None:
    """Whether every age in ``segment`` (months, [low, high); None = age unknown) meets
    ``cond`` (True), none does (False), or it depends on the exact age (None)."""
    if segment is None:
        return False
    low, high = segment
    want_low = cond.at_least or 0
    want_high = cond.under
    if low >= want_low and (want_high is None or (high is not None and high <= want_high)):
        return True
    if (want_high is not None and low >= want_high) or (high is not None and high <= want_low):
        return False
    return None


def _window_possible(cond: BirthdayWithin, segment: tuple[int, int | None] | None) -> bool:
    """Whether someone with an age in ``segment`` can have one of the birthdays in the window."""
    if segment is None:
        return False  # no birth date
    if cond.last_day > 365:
        return True
    low, high = segment
    # The birthday at age A can fall within a year only while the age is A - 1.
    return any((high is None or (age - 1) * 12 < high) and age * 12 > low for age in cond.ages)


def _age(low: int | None, high: int | None) -> Callable[[Context], Any]:
    if low is None:
        assert high is not None
        return lambda c: (m := c["age_total_months"]) is not None and m < high
    if high is None:
        return lambda c: (m := c["age_total_months"]) is not None and m >= low
    return lambda c: (m := c["age_total_months"]) is not None and low <= m < high


def birthday_finder(cond: BirthdayWithin) -> Callable[[Context], date | None]:
    """A closure giving the first of the birthdays that falls in the window, or None."""
    ages, first, last = cond.ages, cond.first_day, cond.last_day
    # A birthday at most a year ahead is the next one: age + 1. Longer windows check all.
    current = frozenset(age - 1 for age in ages) if last <= 365 else None

    def find(c: Context) -> date | None:
        birth = c["birth_date"]
        if birth is None or (current is not None and c["age_years"] not in current):
            return None
        decision = c["decision_date"]
        for years in ages:
            day = birthday(birth, years)
            if day is not None and first <= (day - decision).days <= last:
                return day
        return None

    return find


def compile_condition(
    cond: Condition,
    fixed: Mapping[str, Any],
    resolved: Mapping[str, bool | None],
    reads: set[Any] | None = None,
) -> Compiled:
    """Compile ``cond`` into a constant or a closure over the evaluation context.

    ``fixed`` holds facts known at compile time (the care type, the age band) and may hold
    ``age_segment``: the range of ages in months ``(low, high or None)`` being compiled
    for, or None for an unknown age. ``resolved`` gives, per rule code or term name,
    True/False when known at compile time, or None when it is only known while
    evaluating (then the context holds it under that name). ``reads``, when given,
    collects what the closure reads from the context: fact names, ``age_total_months``,
    term names and rule codes, and the :class:`BirthdayWithin` windows (which read the
    dates). Together with the
    terms and flags these decide the value, so they can key a cache.
    """
    sink: set[Any] = set() if reads is None else reads
    if isinstance(cond, All | AnyOf):
        is_all = isinstance(cond, All)
        parts: list[Callable[[Context], Any]] = []
        local: set[Any] = set()  # kept only if the combination stays dynamic
        for item in cond.items:
            sub = compile_condition(item, fixed, resolved, local)
            if sub is True or sub is False:
                if sub is not is_all:
                    return sub  # a False in all(), a True in any()
                continue
            parts.append(sub)
        if not parts:
            return is_all
        sink.update(local)
        return _and(parts) if is_all else _or(parts)
    if isinstance(cond, Not):
        if isinstance(cond.item, Is) and cond.item.fact not in fixed:
            sink.add(cond.item.fact)
            return _is_not(cond.item.fact, cond.item.values)
        sub = compile_condition(cond.item, fixed, resolved, sink)
        if sub is True or sub is False:
            return not sub
        return lambda c: not sub(c)
    if isinstance(cond, Is):
        if cond.fact in fixed:
            return fixed[cond.fact] in cond.values
        sink.add(cond.fact)
        return _is(cond.fact, cond.values)
    if isinstance(cond, Age):
        if "age_segment" in fixed:
            known = _age_in_segment(cond, fixed["age_segment"])
            if known is not None:
                return known
        sink.add("age_total_months")
        return _age(cond.at_least, cond.under)
    if isinstance(cond, Flagged | TermRef):
        names = cond.codes if isinstance(cond, Flagged) else (cond.name,)
        dynamic: list[Callable[[Context], Any]] = []
        for name in names:
            known = resolved[name]
            if known is True:
                return True
            if known is None:
                sink.add(name)
                dynamic.append(_lookup(name))
        return _or(dynamic) if dynamic else False
    if isinstance(cond, BirthdayWithin):
        if "age_segment" in fixed and not _window_possible(cond, fixed["age_segment"]):
            return False
        sink.add(cond)
        find = birthday_finder(cond)
        return lambda c: find(c) is not None
    raise TypeError(f"not a condition: {cond!r}")


def _lookup(name: str) -> Callable[[Context], Any]:
    return lambda c: c[name]


# --- rendering for jurists ---------------------------------------------------------------

_WORDS: Final = {
    "nl": {
        "and": " EN ",
        "or": " OF ",
        "not": "NIET",
        "is": "is",
        "one_of": "is een van",
        "none_of": "is geen van",
        "flagged": "is gemeld",
        "not_flagged": "is niet gemeld",
        "some_flagged": "een van {codes} is gemeld",
        "none_flagged": "geen van {codes} is gemeld",
        "is_not": "is niet",
        "years": "jaar",
        "months": "mnd",
        "at_least": "{low} of ouder",
        "under": "jonger dan {high}",
        "between": "{low} tot {high}",
        "age": "leeftijd {range}",
        "birthday": "de {ages} verjaardag valt {first}–{last} dagen na de beslisdatum",
        "ordinal": "{n}e",
        "list_or": " of ",
    },
    "en": {
        "and": " AND ",
        "or": " OR ",
        "not": "NOT",
        "is": "is",
        "one_of": "is one of",
        "none_of": "is none of",
        "flagged": "is flagged",
        "not_flagged": "is not flagged",
        "some_flagged": "one of {codes} is flagged",
        "none_flagged": "none of {codes} is flagged",
        "is_not": "is not",
        "years": "y",
        "months": "m",
        "at_least": "{low} or older",
        "under": "under {high}",
        "between": "{low} to under {high}",
        "age": "age {range}",
        "birthday": "the {ages} birthday falls {first}–{last} days after the decision date",
        "ordinal": "{n}th",
        "list_or": " or ",
    },
}


def _months_text(months: int, lang: str) -> str:
    words = _WORDS[lang]
    years, rest = divmod(months, 12)
    if rest == 0:
        return str(years)
    return f"{years} {words['years']} {rest} {words['months']}"


def _value_text(value: object) -> str:
    if value is None:
        return "`null`"
    if value is True or value is False:
        return "`true`" if value else "`false`"
    return f"`{value}`"


def render(cond: Condition, lang: str = "en", nested: bool = False, negated: bool = False) -> str:
    """The condition as one line of Dutch or English text (Markdown inline code for names).

    Unambiguous for a reader: the connectives are capitals (EN/OF, AND/OR), every nested
    combination is in brackets, and a choice of values is a set in braces."""
    words = _WORDS[lang]
    if isinstance(cond, All | AnyOf):
        joiner = words["and"] if isinstance(cond, All) else words["or"]
        text = joiner.join(render(item, lang, nested=True) for item in cond.items)
        return f"({text})" if nested else text
    if isinstance(cond, Not):
        if isinstance(cond.item, Is | Flagged):
            return render(cond.item, lang, negated=True)
        return f"{words['not']} {render(cond.item, lang, nested=True)}"
    if isinstance(cond, Is):
        if len(cond.values) == 1:
            value = _value_text(cond.values[0])
            return f"`{cond.fact}` {words['is_not' if negated else 'is']} {value}"
        values = "{" + ", ".join(_value_text(v) for v in cond.values) + "}"
        return f"`{cond.fact}` {words['none_of' if negated else 'one_of']} {values}"
    if isinstance(cond, Age):
        if cond.at_least is None:
            assert cond.under is not None
            span = words["under"].format(high=_months_text(cond.under, lang))
        elif cond.under is None:
            span = words["at_least"].format(low=_months_text(cond.at_least, lang))
        else:
            span = words["between"].format(
                low=_months_text(cond.at_least, lang), high=_months_text(cond.under, lang)
            )
        return words["age"].format(range=span)
    if isinstance(cond, Flagged):
        if len(cond.codes) == 1:
            return f"`{cond.codes[0]}` {words['not_flagged' if negated else 'flagged']}"
        codes = "{" + ", ".join(f"`{code}`" for code in cond.codes) + "}"
        return words["none_flagged" if negated else "some_flagged"].format(codes=codes)
    if isinstance(cond, TermRef):
        return f"*{cond.name}*"
    if isinstance(cond, BirthdayWithin):
        ordinals = [words["ordinal"].format(n=age) for age in cond.ages]
        ages = (
            ordinals[0]
            if len(ordinals) == 1
            else ", ".join(ordinals[:-1]) + words["list_or"] + ordinals[-1]
        )
        return words["birthday"].format(ages=ages, first=cond.first_day, last=cond.last_day)
    raise TypeError(f"not a condition: {cond!r}")
