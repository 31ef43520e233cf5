"""The condition language: parsing, type checks, evaluation, and that it never crashes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.forms.conditions import (
    KEYWORDS,
    And,
    Call,
    Compare,
    ConditionError,
    Expr,
    ListLit,
    Lit,
    Not,
    Or,
    Ref,
    VarType,
    build,
    parse,
    to_source,
)

SCHEMA = {
    "call.caller_role": VarType("str", frozenset({"youth", "parent", "gp"})),
    "risk.suicidality": VarType("str", frozenset({"none", "plan", "recent_attempt"})),
    "risk.means_available": VarType("str", frozenset({"yes", "no", "unknown"})),
    "youth.age_years": VarType("number"),
    "youth.birth_date": VarType("str"),
    "youth.interpreter_needed": VarType("bool"),
    "handover.informed": VarType("list", frozenset({"parents", "gp"})),
}


def holds(text: str, **env: object) -> bool:
    values = {key.replace("__", "."): value for key, value in env.items()}
    return build(text, SCHEMA)(values)


def test_examples_of_the_brief() -> None:
    assert holds("call.caller_role != 'youth'", call__caller_role="parent")
    assert not holds("call.caller_role != 'youth'", call__caller_role="youth")
    high = "risk.suicidality in ['plan','recent_attempt'] and risk.means_available == 'yes'"
    assert holds(high, risk__suicidality="plan", risk__means_available="yes")
    assert not holds(high, risk__suicidality="plan", risk__means_available="no")
    assert not holds(high, risk__suicidality="none", risk__means_available="yes")
    assert holds("youth.age_years < 18", youth__age_years=17)
    assert not holds("youth.age_years < 18", youth__age_years=18)
    assert holds("empty(youth.birth_date)")
    assert not holds("empty(youth.birth_date)", youth__birth_date="2010-01-01")
    assert holds("filled(youth.birth_date)", youth__birth_date="2010-01-01")


def test_empty_values() -> None:
    # comparisons with an empty value are false, except != and not in
    assert not holds("youth.age_years < 18")
    assert not holds("youth.age_years >= 18")
    assert holds("call.caller_role != 'youth'")
    assert not holds("call.caller_role == 'youth'")
    assert not holds("call.caller_role in ['youth']")
    assert holds("call.caller_role not in ['youth']")
    assert not holds("youth.interpreter_needed")
    assert holds("not youth.interpreter_needed")


def test_precedence_and_parentheses() -> None:
    env = {"call__caller_role": "gp", "youth__age_years": 20}
    assert holds(
        "call.caller_role == 'youth' and youth.age_years > 3 or youth.age_years > 19", **env
    )
    assert not holds(
        "call.caller_role == 'youth' and (youth.age_years > 3 or youth.age_years > 19)", **env
    )
    assert holds("not call.caller_role == 'youth' and youth.age_years == 20", **env)
    assert holds("not (call.caller_role == 'youth' or youth.age_years < 18)", **env)


def test_lists_and_booleans() -> None:
    assert holds("'parents' in handover.informed", handover__informed=["parents"])
    assert holds("'parents' not in handover.informed", handover__informed=["gp"])
    assert holds("youth.interpreter_needed == true", youth__interpreter_needed=True)
    assert holds("youth.interpreter_needed", youth__interpreter_needed=True)
    assert not holds("youth.interpreter_needed == true", youth__interpreter_needed=False)
    # true is not 1
    assert not holds("youth.age_years == 1", youth__age_years=True)


def test_strings_with_quotes_and_escapes() -> None:
    assert parse(r"""call.caller_role == 'it\'s'""") == Compare(
        "==", Ref("call.caller_role"), Lit("it's")
    )
    assert parse('call.caller_role == "a\\\\b"') == Compare(
        "==", Ref("call.caller_role"), Lit("a\\b")
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty condition"),
        ("youth.age_years <", "expected a field id, a value or '(' but found end of condition"),
        ("youth.age_years < 18 18", "expected 'and', 'or' or the end but found '18' at column 22"),
        ("(youth.age_years < 18", "expected ')' but found end of condition"),
        ("youth.age_years # 3", "unexpected character '#' at column 17"),
        ("call.caller_role == 'youth", "unterminated text starting at column 21"),
        (r"call.caller_role == 'a\n'", "unknown escape '\\n'"),
        ("empty(youth.birth_date) == true", "empty(...) cannot be compared"),
        ("[1, 2]", "expected a comparison after a list"),
        ("(" * 100 + "true" + ")" * 100, "nested too deeply"),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(ConditionError, match=re.escape(message)):
        parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("youth.brithdate == 'x'", "unknown field 'youth.brithdate'"),
        ("empty(youth.brithdate)", "unknown field 'youth.brithdate'"),
        ("risk.suicidality == 'plann'", "unknown option 'plann' for 'risk.suicidality'"),
        ("risk.suicidality in ['plan', 'x']", "unknown option 'x'"),
        ("youth.age_years == 'old'", "'youth.age_years' cannot be compared with 'old'"),
        ("youth.birth_date < 3", "cannot be compared with 3: it is text"),
        ("call.caller_role < 'youth'", "'<' compares numbers only"),
        ("call.caller_role", "'call.caller_role' is not a yes/no field"),
        ("'x'", "'x' is not a condition"),
        ("handover.informed == 'gp'", "'handover.informed' is a list"),
        ("'zzz' in handover.informed", "unknown option 'zzz' for 'handover.informed'"),
        ("call.caller_role in handover.informed", "'in' needs"),
        ("1 == 1", "at least one field id"),
        ("youth.age_years == youth.birth_date", "hold different kinds"),
    ],
)
def test_type_errors(text: str, message: str) -> None:
    with pytest.raises(ConditionError, match=re.escape(message)):
        build(text, SCHEMA)


# --------------------------------------------------------------------------- properties

names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}(\.[a-z_][a-z0-9_]{0,6}){0,2}", fullmatch=True).filter(
    lambda name: name not in KEYWORDS
)
refs = names.map(Ref)
literals = st.one_of(
    st.text(max_size=8).map(Lit),
    st.integers(-(10**6), 10**6).map(Lit),
    st.floats(allow_nan=False, allow_infinity=False).map(Lit),
    st.booleans().map(Lit),
)


def expressions_over(
    refs: st.SearchStrategy[Ref], literals: st.SearchStrategy[Lit]
) -> st.SearchStrategy[Expr]:
    list_literals = st.lists(literals, max_size=3).map(lambda items: ListLit(tuple(items)))
    compare_ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    operands = st.one_of(refs, literals)
    comparisons = st.one_of(
        st.builds(Compare, compare_ops, operands, operands),
        st.builds(Compare, st.sampled_from(["in", "not in"]), operands, list_literals),
        st.builds(Compare, st.sampled_from(["in", "not in"]), literals, refs),
    )
    atoms = st.one_of(
        refs,
        st.booleans().map(Lit),
        st.builds(Call, st.sampled_from(["empty", "filled"]), refs),
        comparisons,
    )
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            inner.map(Not), st.builds(And, inner, inner), st.builds(Or, inner, inner)
        ),
        max_leaves=12,
    )


expressions = expressions_over(refs, literals)
# Over the schema's own names and options, so that many of them pass the type check.
schema_expressions = expressions_over(
    st.sampled_from(sorted(SCHEMA)).map(Ref),
    st.one_of(
        st.sampled_from(["youth", "gp", "plan", "yes", "parents", "none"]).map(Lit),
        st.integers(0, 30).map(Lit),
        st.booleans().map(Lit),
    ),
)


@given(expressions)
def test_round_trip(expr: Expr) -> None:
    assert parse(to_source(expr)) == expr


@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        tree = parse(text)
    except ConditionError as error:
        assert str(error)
    else:
        assert parse(to_source(tree)) == tree


condition_alphabet = st.sampled_from(
    [*list("()[],'\" <>=!.-_019"), "and ", "or ", "not ", "in ", "true", "empty(", "x.y", "é"]
)


@given(st.lists(condition_alphabet, max_size=40).map("".join))
def test_condition_like_text_never_crashes(text: str) -> None:
    try:
        build(text, SCHEMA)
    except ConditionError as error:
        assert str(error)


@given(
    schema_expressions,
    st.dictionaries(
        st.sampled_from(sorted(SCHEMA)),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=3), st.booleans(), st.lists(st.text())
        ),
    ),
)
def test_checked_conditions_evaluate_to_a_bool_on_any_values(
    expr: Expr, env: dict[str, object]
) -> None:
    try:
        condition = build(to_source(expr), SCHEMA)
    except ConditionError:
        return
    assert condition(env) in (True, False)
    assert condition({}) in (True, False)
