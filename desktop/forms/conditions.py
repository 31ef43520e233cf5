"""The condition language of form definitions: parse, type-check and compile; never ``eval``.

Conditions decide visibility (``visible_if``), when a requirement applies
(``required_if``), advice banners and field warnings. They are small boolean
expressions over answer values and derived values::

    call.caller_role != 'youth'
    risk.suicidality in ['plan', 'recent_attempt'] and risk.means_available == 'yes'
    youth.age_years < 18
    empty(youth.birth_date) or not youth.interpreter_needed
    'parents' in handover.informed

Grammar (``or`` binds loosest, then ``and``, then ``not``)::

    expr       := and_expr ('or' and_expr)*
    and_expr   := not_expr ('and' not_expr)*
    not_expr   := 'not' not_expr | '(' expr ')' | comparison
    comparison := operand [('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in') operand]
    operand    := NAME | STRING | NUMBER | 'true' | 'false' | '[' literals ']'
                | ('empty' | 'filled') '(' NAME ')'

Semantics with empty answers: ``empty(x)`` is true when ``x`` has no (valid) value; a
comparison with an empty value is false, except ``!=`` and ``not in`` which are true.

:func:`parse` checks syntax (raises :class:`ConditionError` with a column), and
:func:`check` checks names, types and option values against a :class:`Schema` (the
form's fields plus derived values). :func:`compile_condition` turns a checked tree into
a plain Python closure, so evaluating a form costs no parsing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

MAX_LENGTH = 2000
MAX_DEPTH = 40

Kind = Literal["str", "number", "bool", "list"]
Scalar = str | int | float | bool
Env = Mapping[str, Any]
Predicate = Callable[[Env], bool]


class ConditionError(ValueError):
    """A condition that cannot be parsed or does not fit the form."""


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Ref:
    """A field id or derived value, e.g. ``youth.age_years``."""

    name: str


@dataclass(frozen=True)
class Lit:
    """A literal string, number or boolean."""

    value: Scalar


@dataclass(frozen=True)
class ListLit:
    """A list of literals, the right side of ``in``."""

    items: tuple[Lit, ...]


@dataclass(frozen=True)
class Call:
    """``empty(name)`` or ``filled(name)``."""

    func: Literal["empty", "filled"]
    arg: Ref


@dataclass(frozen=True)
class Compare:
    op: str
    left: Ref | Lit | ListLit
    right: Ref | Lit | ListLit


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


Expr = Ref | Lit | ListLit | Call | Compare | Not | And | Or
Operand = Ref | Lit | ListLit

COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">", "in", "not in")
KEYWORDS = {"and", "or", "not", "in", "true", "false"}
FUNCTIONS = ("empty", "filled")

# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, keyword, string, op, punct, end
    text: str
    pos: int


def _unquote(text: str, pos: int) -> str:
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            escaped = body[i + 1]
            if escaped not in "\\'\"":
                raise ConditionError(f"unknown escape '\\{escaped}' at column {pos + i + 2}")
            out.append(escaped)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in "'\"":
                raise ConditionError(f"unterminated text starting at column {pos + 1}")
            raise ConditionError(f"unexpected character {text[pos]!r} at column {pos + 1}")
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "name" and value in KEYWORDS:
            kind = "keyword"
        if kind != "ws":
            tokens.append(_Token(kind, value, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _describe(self, token: _Token) -> str:
        return "end of condition" if token.kind == "end" else repr(token.text)

    def fail(self, expected: str) -> ConditionError:
        token = self.current
        return ConditionError(
            f"expected {expected} but found {self._describe(token)} at column {token.pos + 1}"
        )

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            return self.advance()
        return None

    def expect(self, kind: str, text: str, expected: str) -> _Token:
        token = self.accept(kind, text)
        if token is None:
            raise self.fail(expected)
        return token

    def parse(self) -> Expr:
        expr = self.or_expr()
        if self.current.kind != "end":
            raise self.fail("'and', 'or' or the end")
        return expr

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while self.accept("keyword", "or"):
            left = Or(left, self.and_expr())
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while self.accept("keyword", "and"):
            left = And(left, self.not_expr())
        return left

    def not_expr(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"condition nested too deeply (more than {MAX_DEPTH} levels)")
        try:
            if self.accept("keyword", "not"):
                return Not(self.not_expr())
            if self.accept("punct", "("):
                inner = self.or_expr()
                self.expect("punct", ")", "')'")
                return inner
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Expr:
        left = self.operand()
        token = self.current
        op: str | None = None
        if token.kind == "op":
            op = self.advance().text
        elif token.kind == "keyword" and token.text == "in":
            self.advance()
            op = "in"
        elif (
            token.kind == "keyword"
            and token.text == "not"
            and self.tokens[self.index + 1].kind == "keyword"
            and self.tokens[self.index + 1].text == "in"
        ):
            self.index += 2
            op = "not in"
        if op is None:
            if isinstance(left, ListLit):
                raise self.fail("a comparison after a list")
            return left
        if isinstance(left, Call):
            raise ConditionError(f"{left.func}(...) cannot be compared (column {token.pos + 1})")
        right = self.operand()
        if isinstance(right, Call):
            raise ConditionError(f"{right.func}(...) cannot be compared (column {token.pos + 1})")
        return Compare(op, left, right)

    def operand(self) -> Ref | Lit | ListLit | Call:
        token = self.current
        if token.kind == "name":
            self.advance()
            if token.text in FUNCTIONS and self.accept("punct", "("):
                name = self.accept("name")
                if name is None:
                    raise self.fail("a field id")
                self.expect("punct", ")", "')'")
                func: Literal["empty", "filled"] = "empty" if token.text == "empty" else "filled"
                return Call(func, Ref(name.text))
            return Ref(token.text)
        if token.kind == "punct" and token.text == "[":
            self.advance()
            items: list[Lit] = []
            if not self.accept("punct", "]"):
                while True:
                    items.append(self.literal())
                    if self.accept("punct", "]"):
                        break
                    self.expect("punct", ",", "',' or ']'")
            return ListLit(tuple(items))
        return self.literal()

    def literal(self) -> Lit:
        token = self.current
        if token.kind == "string":
            self.advance()
            return Lit(_unquote(token.text, token.pos))
        if token.kind == "number":
            self.advance()
            if any(c in token.text for c in ".eE"):
                number = float(token.text)
                if not math.isfinite(number):
                    raise ConditionError(f"number out of range at column {token.pos + 1}")
                return Lit(number)
            return Lit(int(token.text))
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.advance()
            return Lit(token.text == "true")
        raise self.fail("a field id, a value or '('")


def parse(text: str) -> Expr:
    """Parse a condition; raise :class:`ConditionError` (with a column) when it is malformed."""
    if not isinstance(text, str):
        raise ConditionError("a condition must be text")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"condition longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ConditionError("empty condition")
    return _Parser(text).parse()


# --------------------------------------------------------------------------- source


def _literal_source(lit: Lit) -> str:
    value = lit.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def to_source(expr: Expr) -> str:
    """Render a tree as condition text; ``parse(to_source(e)) == e``."""
    if isinstance(expr, Ref):
        return expr.name
    if isinstance(expr, Lit):
        return _literal_source(expr)
    if isinstance(expr, ListLit):
        return "[" + ", ".join(_literal_source(item) for item in expr.items) + "]"
    if isinstance(expr, Call):
        return f"{expr.func}({expr.arg.name})"
    if isinstance(expr, Compare):
        return f"{to_source(expr.left)} {expr.op} {to_source(expr.right)}"
    if isinstance(expr, Not):
        inner = to_source(expr.operand)
        if isinstance(expr.operand, And | Or | Compare):
            inner = f"({inner})"
        return f"not {inner}"
    if isinstance(expr, And):
        left = to_source(expr.left)
        right = to_source(expr.right)
        if isinstance(expr.left, Or):
            left = f"({left})"
        if isinstance(expr.right, And | Or):
            right = f"({right})"
        return f"{left} and {right}"
    left = to_source(expr.left)
    right = to_source(expr.right)
    if isinstance(expr.right, Or):
        right = f"({right})"
    return f"{left} or {right}"


def names(expr: Expr) -> set[str]:
    """Every field id or derived value a condition reads."""
    if isinstance(expr, Ref):
        return {expr.name}
    if isinstance(expr, Call):
        return {expr.arg.name}
    if isinstance(expr, Compare):
        return names(expr.left) | names(expr.right)
    if isinstance(expr, Not):
        return names(expr.operand)
    if isinstance(expr, And | Or):
        return names(expr.left) | names(expr.right)
    return set()


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class VarType:
    """What a name holds in conditions: its kind and, for choices, the allowed values."""

    kind: Kind
    options: frozenset[str] | None = None


Schema = Mapping[str, VarType]


def _lit_kind(value: Scalar) -> Kind:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "str"
    return "number"


def _kind_word(kind: Kind) -> str:
    return {"str": "text", "number": "a number", "bool": "true/false", "list": "a list"}[kind]


def _check_ref(ref: Ref, schema: Schema) -> VarType:
    var = schema.get(ref.name)
    if var is None:
        raise ConditionError(f"unknown field '{ref.name}'")
    return var


def _check_literal_against(lit: Lit, var: VarType, name: str, element: bool = False) -> None:
    expected: Kind = "str" if var.kind == "list" else var.kind
    if _lit_kind(lit.value) != expected:
        what = "its values are" if element or var.kind == "list" else "it is"
        raise ConditionError(
            f"'{name}' cannot be compared with {_literal_source(lit)}: "
            f"{what} {_kind_word(expected)}"
        )
    if var.options is not None and isinstance(lit.value, str) and lit.value not in var.options:
        choices = ", ".join(sorted(var.options))
        raise ConditionError(f"unknown option '{lit.value}' for '{name}' (options: {choices})")


def _check_compare(expr: Compare, schema: Schema) -> None:
    left, right, op = expr.left, expr.right, expr.op
    if op in ("in", "not in"):
        if isinstance(left, Ref) and isinstance(right, ListLit):
            var = _check_ref(left, schema)
            if var.kind == "list":
                raise ConditionError(f"'{left.name}' is a list; write 'value in {left.name}'")
            for item in right.items:
                _check_literal_against(item, var, left.name, element=True)
            return
        if isinstance(left, Lit) and isinstance(right, Ref):
            var = _check_ref(right, schema)
            if var.kind != "list":
                raise ConditionError(f"'{right.name}' is not a list; write '{right.name} == ...'")
            _check_literal_against(left, var, right.name, element=True)
            return
        raise ConditionError(f"'{op}' needs 'field {op} [values]' or 'value {op} list_field'")
    if isinstance(left, ListLit) or isinstance(right, ListLit):
        raise ConditionError(f"a list can only follow 'in' or 'not in', not '{op}'")
    if isinstance(left, Lit) and isinstance(right, Lit):
        raise ConditionError("a comparison needs at least one field id")
    if isinstance(left, Ref) and isinstance(right, Ref):
        left_var, right_var = _check_ref(left, schema), _check_ref(right, schema)
        if left_var.kind != right_var.kind:
            raise ConditionError(f"'{left.name}' and '{right.name}' hold different kinds of value")
        if op not in ("==", "!=") and left_var.kind != "number":
            raise ConditionError(f"'{op}' compares numbers only")
        return
    ref, lit = (left, right) if isinstance(left, Ref) else (right, left)
    assert isinstance(ref, Ref) and isinstance(lit, Lit)
    var = _check_ref(ref, schema)
    if var.kind == "list":
        raise ConditionError(f"'{ref.name}' is a list; use 'value in {ref.name}'")
    _check_literal_against(lit, var, ref.name)
    if op not in ("==", "!=") and var.kind != "number":
        kind = _kind_word(var.kind)
        raise ConditionError(f"'{op}' compares numbers only; '{ref.name}' is {kind}")


def check(expr: Expr, schema: Schema) -> None:
    """Check names, kinds and option values; raise :class:`ConditionError` naming the problem."""
    if isinstance(expr, Ref):
        var = _check_ref(expr, schema)
        if var.kind != "bool":
            raise ConditionError(
                f"'{expr.name}' is not a yes/no field; compare it, e.g. '{expr.name} == ...'"
            )
    elif isinstance(expr, Lit):
        if not isinstance(expr.value, bool):
            raise ConditionError(f"{_literal_source(expr)} is not a condition")
    elif isinstance(expr, ListLit):
        raise ConditionError("a list is not a condition")
    elif isinstance(expr, Call):
        _check_ref(expr.arg, schema)
    elif isinstance(expr, Compare):
        _check_compare(expr, schema)
    elif isinstance(expr, Not):
        check(expr.operand, schema)
    else:
        check(expr.left, schema)
        check(expr.right, schema)


# --------------------------------------------------------------------------- compile


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _order(op: str) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if not (_is_number(a) and _is_number(b)):
            return False
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)

    return compare


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    return bool(a == b)


def _value_getter(operand: Operand) -> Callable[[Env], Any]:
    if isinstance(operand, Ref):
        name = operand.name
        return lambda env: env.get(name)
    if isinstance(operand, Lit):
        value = operand.value
        return lambda env: value
    values = tuple(item.value for item in operand.items)
    return lambda env: values


def _compile_compare(expr: Compare) -> Predicate:
    get_left, get_right = _value_getter(expr.left), _value_getter(expr.right)
    op = expr.op
    if op in ("==", "!="):
        negate = op == "!="
        return lambda env: _same(get_left(env), get_right(env)) != negate
    if op in ("in", "not in"):
        negate = op == "not in"

        def member(env: Env) -> bool:
            item, container = get_left(env), get_right(env)
            found = (
                item is not None
                and isinstance(container, list | tuple)
                and any(_same(item, other) for other in container)
            )
            return found != negate

        return member
    order = _order(op)
    return lambda env: order(get_left(env), get_right(env))


def compile_condition(expr: Expr) -> Predicate:
    """Turn a (checked) tree into a closure ``env -> bool``; env maps names to valid values."""
    if isinstance(expr, Ref):
        name = expr.name
        return lambda env: env.get(name) is True
    if isinstance(expr, Lit):
        constant = expr.value is True
        return lambda env: constant
    if isinstance(expr, Call):
        name = expr.arg.name
        if expr.func == "empty":
            return lambda env: env.get(name) is None
        return lambda env: env.get(name) is not None
    if isinstance(expr, Compare):
        return _compile_compare(expr)
    if isinstance(expr, Not):
        inner = compile_condition(expr.operand)
        return lambda env: not inner(env)
    if isinstance(expr, And):
        left, right = compile_condition(expr.left), compile_condition(expr.right)
        return lambda env: left(env) and right(env)
    if isinstance(expr, Or):
        left, right = compile_condition(expr.left), compile_condition(expr.right)
        return lambda env: left(env) or right(env)
    raise ConditionError("a list is not a condition")


@dataclass(frozen=True)
class Condition:
    """A parsed, checked and compiled condition, ready to evaluate."""

    source: str
    tree: Expr
    predicate: Predicate

    def __call__(self, env: Env) -> bool:
        return self.predicate(env)

    @property
    def names(self) -> set[str]:
        return names(self.tree)


def build(text: str, schema: Schema) -> Condition:
    """Parse, check and compile ``text`` against ``schema`` in one step."""
    tree = parse(text)
    check(tree, schema)
    return Condition(text, tree, compile_condition(tree))
