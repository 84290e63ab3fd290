"""The filter and order-by language of ``modelreg search``: parse once, evaluate many times.

Pure: no I/O. Entities are plain mappings (the dict form of a model or a version), so
this module does not depend on the pydantic models.

Grammar (keywords are case-insensitive, precedence NOT > AND > OR)::

    filter     := [ or_expr ] EOF                     -- empty filter matches everything
    or_expr    := and_expr ( OR and_expr )*
    and_expr   := not_expr ( AND not_expr )*
    not_expr   := NOT not_expr | primary
    primary    := '(' or_expr ')' | comparison
    comparison := attribute ( '=' | '!=' | '<' | '<=' | '>' | '>=' ) value
                | attribute [ NOT ] ( LIKE | ILIKE ) value
                | attribute [ NOT ] IN '(' value ( ',' value )* ')'
    attribute  := name | run_id | source_path | version_number | stage | alias
                | created_at | created_by | description
                | ( tags | tag | metrics | metric | params | param ) '.' key
    key        := segment ( '.' segment )*            -- segment: [A-Za-z0-9_-]+ or `any text`
    value      := 'string' | "string" | number

Semantics worth knowing:

* A ``tags.K`` / ``metrics.K`` / ``params.K`` / ``run_id`` test matches only entities
  that have the key (run_id not None), for every operator including ``!=``, ``NOT IN``
  and ``NOT LIKE``. Write ``NOT tags.team = 'x'`` to also match entities without it.
* ``alias`` is set-valued: ``=``, ``IN``, ``LIKE`` match when any alias of the version
  does; ``!=``, ``NOT IN``, ``NOT LIKE`` match versions that have aliases and none of
  them matches (a version without aliases is "missing the key").
* On models, ``stage``, ``alias``, ``metrics.K``, ``params.K``, ``run_id``,
  ``source_path`` and ``version_number`` match when ANY version of the model matches
  the whole comparison; ``name``, ``tags.K``, ``description``, ``created_at`` and
  ``created_by`` are the model's own.
* ``stage`` compares case-insensitively for every operator.
* ``created_at`` compares as a point in time; a date-only value is that day's 00:00:00Z.
* ``params.K`` are strings; ``<`` ``<=`` ``>`` ``>=`` compare numerically when both
  sides parse as numbers and lexically otherwise. Params accept bare numbers, which
  ``=`` / ``IN`` compare by their text as written.
* Strings: a doubled quote or a backslash-escaped quote/backslash stands for itself;
  other backslashes are literal. In LIKE patterns ``\\%`` and ``\\_`` are literal.
"""

from __future__ import annotations

import contextlib
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypeGuard, TypeVar

from modelreg_cli.core.fields import VERSION_FIELDS, SearchKind

Target = Literal["models", "versions"]
_TARGETS: Final = ("models", "versions")

E = TypeVar("E", bound=Mapping[str, Any])

ValueTest = Callable[[Any], bool]
Predicate = Callable[[Mapping[str, Any]], bool]


class FilterError(ValueError):
    """A filter or order_by expression that cannot be parsed; the message is one line."""

    def __init__(self, message: str) -> None:
        # Messages quote the user's text, which may hold line breaks; keep them on one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


# --------------------------------------------------------------------------- tokens

TokenKind = Literal["word", "keyword", "string", "number", "op", "lparen", "rparen", "comma", "eof"]

_KEYWORDS: Final = frozenset({"AND", "OR", "NOT", "LIKE", "ILIKE", "IN"})
# Longest first, so '<=' is not read as '<' followed by '='.
_OPERATORS: Final = ("!=", "<=", ">=", "=", "<", ">")
_PUNCTUATION: Final[dict[str, TokenKind]] = {"(": "lparen", ")": "rparen", ",": "comma"}
_NUMBER_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_HEAD_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Key segments after a dot may start with a digit or hold '-': there is no arithmetic,
# so 'tags.my-key' cannot be misread.
_KEY_SEGMENT_RE: Final = re.compile(r"[\w-]+")  # \w: letters of any script, as MLflow's keys


@dataclass(frozen=True)
class Token:
    """One lexeme. ``text`` is the source as written; ``value`` is its meaning."""

    kind: TokenKind
    text: str
    value: str
    column: int  # 1-based
    parts: tuple[str, ...] = ()  # words: the dotted segments, back-quotes removed
    quoted_head: bool = False  # words: the first segment was back-quoted


def tokenize(text: str) -> list[Token]:
    """Split TEXT into tokens ending with an ``eof`` token; raise FilterError on bad lexemes."""
    tokens: list[Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            tokens.append(Token("eof", "", "", pos + 1))
            return tokens
        token = _next_token(text, pos)
        tokens.append(token)
        pos += len(token.text)


def _next_token(text: str, pos: int) -> Token:
    char = text[pos]
    if char in "'\"":
        return _read_string(text, pos)
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, char, pos + 1)
    number = _NUMBER_RE.match(text, pos) if char in "+-.0123456789" else None
    if number:
        return Token("number", number.group(), number.group(), pos + 1)
    for op in _OPERATORS:
        if text.startswith(op, pos):
            return Token("op", op, op, pos + 1)
    if char == "`" or _HEAD_RE.match(text, pos):
        return _read_word(text, pos)
    raise FilterError(f"unexpected character {char!r} at column {pos + 1}")


def _read_string(text: str, start: int) -> Token:
    quote = text[start]
    chars: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in (quote, "\\"):
            chars.append(text[pos + 1])
            pos += 2
        elif char == quote and text.startswith(quote, pos + 1):
            chars.append(quote)  # SQL style: '' inside '...' is one quote
            pos += 2
        elif char == quote:
            return Token("string", text[start : pos + 1], "".join(chars), start + 1)
        else:
            chars.append(char)
            pos += 1
    raise FilterError(f"unterminated string starting at column {start + 1}: add the closing {quote}")


def _read_word(text: str, start: int) -> Token:
    parts: list[str] = []
    segment, pos = _read_segment(text, start, _HEAD_RE, start)
    parts.append(segment)
    while pos < len(text) and text[pos] == ".":
        segment, pos = _read_segment(text, pos + 1, _KEY_SEGMENT_RE, start)
        parts.append(segment)
    raw = text[start:pos]
    quoted_head = text[start] == "`"
    if len(parts) == 1 and not quoted_head and raw.upper() in _KEYWORDS:
        return Token("keyword", raw, raw.upper(), start + 1)
    return Token("word", raw, ".".join(parts), start + 1, tuple(parts), quoted_head)


def _read_segment(text: str, pos: int, bare: re.Pattern[str], word_start: int) -> tuple[str, int]:
    # A key may be back-quoted, or (after a dot, as MLflow allows) double-quoted.
    quote = text[pos : pos + 1]
    if quote == "`" or (quote == '"' and pos > word_start):
        end = text.find(quote, pos + 1)
        what = "back-quoted" if quote == "`" else "double-quoted"
        if end < 0:
            raise FilterError(f"unterminated {what} name starting at column {pos + 1}: add the closing {quote}")
        if end == pos + 1:
            raise FilterError(f"empty {what} name at column {pos + 1}")
        return text[pos + 1 : end], end + 1
    match = bare.match(text, pos)
    if not match:
        raise FilterError(f"expected a key after '{text[word_start:pos]}' at column {pos + 1}")
    return match.group(), match.end()


def _describe(token: Token) -> str:
    if token.kind == "eof":
        return "end of input"
    if token.kind in ("string", "number"):
        return f"{token.kind} {token.text}"
    return f"'{token.text}'"


def _unexpected(token: Token, expectation: str) -> FilterError:
    return FilterError(f"unexpected {_describe(token)} at column {token.column}: {expectation}")


# --------------------------------------------------------------------------- attributes

Kind = SearchKind


@dataclass(frozen=True)
class FieldSpec:
    """What an attribute reads from an entity and how its values compare."""

    attribute: str  # canonical name ('tags' for tags.KEY)
    entity_key: str  # key in the entity mapping
    kind: Kind
    on_model: bool  # on models: read from the model itself, not "any version"


_FIELDS: Final[dict[str, FieldSpec]] = {
    spec.attribute: spec
    for spec in (
        *(FieldSpec(field.search.attribute, field.name, field.search.kind, field.search.on_model)
          for field in VERSION_FIELDS if field.search is not None),
        FieldSpec("alias", "aliases", "alias", False),  # a version's aliases live in model.yaml
    )
}
_KEYED: Final = {
    "tags": "tags",
    "tag": "tags",
    "metrics": "metrics",
    "metric": "metrics",
    "params": "params",
    "param": "params",
}
_ATTRIBUTE_HINT: Final = (
    "name, run_id, source_path, version_number, stage, alias, tags.KEY, metrics.KEY, params.KEY, "
    "created_at, created_by, description"
)

_STRING_OPS: Final = frozenset({"=", "!=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN"})
_ORDER_OPS: Final = frozenset({"=", "!=", "<", "<=", ">", ">="})
_SUPPORTED: Final[dict[Kind, frozenset[str]]] = {
    "string": _STRING_OPS,
    "stage": _STRING_OPS,
    "alias": _STRING_OPS,
    "numeric": _ORDER_OPS | {"IN", "NOT IN"},
    "timestamp": _ORDER_OPS,
    "param": _STRING_OPS | _ORDER_OPS,
}
_KIND_LABEL: Final[dict[Kind, str]] = {
    "string": "string", "stage": "string", "alias": "string", "param": "string",
    "numeric": "numeric", "timestamp": "timestamp",
}  # fmt: skip
_OPERATOR_HINT: Final[dict[Kind, str]] = {
    "string": "= != LIKE ILIKE IN NOT IN",
    "stage": "= != LIKE ILIKE IN NOT IN",
    "alias": "= != LIKE ILIKE IN NOT IN",
    "param": "= != < <= > >= LIKE ILIKE IN NOT IN",
    "numeric": "= != < <= > >=",
    "timestamp": "= != < <= > >=",
}
# Every negative operator is the negation of a positive one, so value tests only
# implement the positive forms and missing-key handling stays in one place.
_NEGATIONS: Final = {"!=": "=", "NOT IN": "IN", "NOT LIKE": "LIKE", "NOT ILIKE": "ILIKE"}
_ORDERINGS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


@dataclass(frozen=True)
class AttributeRef:
    """An attribute as written in the filter, resolved to its field (and key)."""

    spec: FieldSpec
    key: str | None
    text: str
    column: int


_ATTRIBUTE_PREFIXES: Final = frozenset({"attribute", "attributes", "attr"})
"""MLflow's `attribute.name`: the prefix names the kind of field, as tags. does."""


def _without_attribute_prefix(token: Token) -> Token:
    head = token.parts[0]
    if token.quoted_head or head.lower() not in _ATTRIBUTE_PREFIXES or len(token.parts) != 2:
        return token
    return Token(token.kind, token.text, token.parts[1], token.column, token.parts[1:])


def _resolve_attribute(token: Token) -> AttributeRef:
    # Attribute names are case-insensitive like the keywords; keys are not.
    token = _without_attribute_prefix(token)
    head = token.parts[0] if token.quoted_head else token.parts[0].lower()
    if head in _KEYED:
        if len(token.parts) == 1:
            raise FilterError(f"attribute '{token.text}' at column {token.column} needs a key: {_KEYED[head]}.KEY")
        return AttributeRef(_FIELDS[_KEYED[head]], ".".join(token.parts[1:]), token.text, token.column)
    if head in _FIELDS and len(token.parts) == 1:
        return AttributeRef(_FIELDS[head], None, token.text, token.column)
    raise FilterError(f"unknown attribute '{token.text}' at column {token.column}: use {_ATTRIBUTE_HINT}")


# --------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Comparison:
    """``attribute op value(s)``; ``predicate`` is compiled at parse time."""

    attribute: str
    op: str
    values: tuple[str, ...]  # as written
    column: int
    predicate: Predicate = field(repr=False, compare=False)

    def evaluate(self, entity: Mapping[str, Any]) -> bool:
        return self.predicate(entity)


@dataclass(frozen=True)
class Not:
    operand: Node

    def evaluate(self, entity: Mapping[str, Any]) -> bool:
        return not self.operand.evaluate(entity)


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]

    def evaluate(self, entity: Mapping[str, Any]) -> bool:
        return all(operand.evaluate(entity) for operand in self.operands)


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]

    def evaluate(self, entity: Mapping[str, Any]) -> bool:
        return any(operand.evaluate(entity) for operand in self.operands)


Node = Comparison | Not | And | Or


@dataclass(frozen=True)
class Filter:
    """A parsed filter for one target; ``root`` is None for the empty filter."""

    text: str
    target: Target
    root: Node | None

    def matches(self, entity: Mapping[str, Any]) -> bool:
        return self.root is None or self.root.evaluate(entity)


def parse_filter(text: str | None, target: Target) -> Filter:
    """Parse TEXT into a Filter for TARGET; raise FilterError naming the column on errors."""
    _check_target(target)
    source = text or ""
    if not source.strip():
        return Filter(source, target, None)
    return Filter(source, target, _Parser(source, target).parse())


def _check_target(target: str) -> None:
    if target not in _TARGETS:
        raise ValueError(f"unknown search target {target!r}: use models or versions")


# --------------------------------------------------------------------------- parser


MAX_DEPTH: Final = 100
"""How deep parentheses and NOTs may nest in one filter."""


class _Parser:
    """Recursive descent over the token list, one method per grammar rule."""

    def __init__(self, text: str, target: Target) -> None:
        self._tokens = tokenize(text)
        self._index = 0
        self._target = target
        self._depth = 0

    def parse(self) -> Node:
        node = self._parse_or()
        token = self._peek()
        if token.kind != "eof":
            raise _unexpected(token, "expected AND, OR or end of filter")
        return node

    def _peek(self, ahead: int = 0) -> Token:
        # The eof token is last, so clamping keeps every lookahead valid.
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _advance(self) -> Token:
        token = self._peek()
        self._index += 1
        return token

    def _accept_keyword(self, keyword: str) -> bool:
        token = self._peek()
        if token.kind == "keyword" and token.value == keyword:
            self._index += 1
            return True
        return False

    def _parse_or(self) -> Node:
        operands = [self._parse_and()]
        while self._accept_keyword("OR"):
            operands.append(self._parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _parse_and(self) -> Node:
        operands = [self._parse_not()]
        while self._accept_keyword("AND"):
            operands.append(self._parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _parse_not(self) -> Node:
        if self._accept_keyword("NOT"):
            with self._nested():
                return Not(self._parse_not())
        return self._parse_primary()

    @contextlib.contextmanager
    def _nested(self) -> Iterator[None]:
        """One more level of parentheses or NOT; a filter deeper than MAX_DEPTH is refused (Python
        would run out of stack on it)."""
        self._depth += 1
        if self._depth > MAX_DEPTH:
            token = self._peek()
            raise FilterError(f"the filter nests more than {MAX_DEPTH} levels deep (at column {token.column}): "
                              "write it with fewer parentheses and NOTs")
        try:
            yield
        finally:
            self._depth -= 1

    def _parse_primary(self) -> Node:
        token = self._peek()
        if token.kind == "word":
            return self._parse_comparison()
        if token.kind != "lparen":
            raise _unexpected(token, "expected a comparison")
        self._advance()
        with self._nested():
            node = self._parse_or()
        closing = self._advance()
        if closing.kind == "rparen":
            return node
        if closing.kind == "eof":
            raise FilterError(f"missing ')' at column {closing.column} to close '(' at column {token.column}")
        raise _unexpected(closing, f"expected AND, OR or ')' to close '(' at column {token.column}")

    def _parse_comparison(self) -> Comparison:
        attribute = _resolve_attribute(self._advance())
        op = self._parse_operator(attribute)
        kind = attribute.spec.kind
        if op not in _SUPPORTED[kind]:
            raise FilterError(
                f"operator {op} is not supported for {attribute.text} ({_KIND_LABEL[kind]}): use {_OPERATOR_HINT[kind]}"
            )
        listed = op in ("IN", "NOT IN")
        tokens = self._parse_list(attribute, op) if listed else [self._parse_value(attribute)]
        test = _build_test(attribute, op, tokens, listed)
        predicate = _build_predicate(attribute, op in _NEGATIONS, test, self._target)
        return Comparison(attribute.text, op, tuple(t.text for t in tokens), attribute.column, predicate)

    def _parse_operator(self, attribute: AttributeRef) -> str:
        token = self._advance()
        if token.kind == "op" or (token.kind == "keyword" and token.value in ("IN", "LIKE", "ILIKE")):
            return token.value
        if token.kind == "keyword" and token.value == "NOT":
            negated = self._advance()
            if negated.kind == "keyword" and negated.value in ("IN", "LIKE", "ILIKE"):
                return f"NOT {negated.value}"
            raise _unexpected(negated, "expected IN, LIKE or ILIKE after NOT")
        hint = _OPERATOR_HINT[attribute.spec.kind]
        raise _unexpected(token, f"expected an operator after '{attribute.text}': use {hint}")

    def _parse_value(self, attribute: AttributeRef) -> Token:
        token = self._peek()
        if token.kind not in ("string", "number", "word"):
            raise _unexpected(token, f"expected a value for '{attribute.text}'")
        return self._advance()

    def _parse_list(self, attribute: AttributeRef, op: str) -> list[Token]:
        opening = self._advance()
        if opening.kind != "lparen":
            raise _unexpected(opening, f"expected '(' after {op}")
        if self._peek().kind == "rparen":
            raise FilterError(
                f"empty list for '{attribute.text}' at column {opening.column}: {op} needs at least one value"
            )
        items = [self._parse_value(attribute)]
        while True:
            token = self._advance()
            if token.kind == "rparen":
                return items
            if token.kind == "comma":
                if self._peek().kind == "rparen":  # ('a',) as MLflow (Python's tuple syntax) allows
                    continue
                items.append(self._parse_value(attribute))
            elif token.kind == "eof":
                raise FilterError(
                    f"missing ')' at column {token.column} to close the list opened at column {opening.column}"
                )
            else:
                raise _unexpected(token, "expected ',' or ')' in the list")


# --------------------------------------------------------------------------- values


def _build_test(attribute: AttributeRef, op: str, tokens: list[Token], listed: bool) -> ValueTest:
    """Coerce the value tokens for the attribute's kind and compile the positive test."""
    _check_list_types(attribute, tokens)
    base = _NEGATIONS.get(op, op)
    kind = attribute.spec.kind
    if kind == "numeric":
        return _numeric_test(base, [_as_number(attribute, token) for token in tokens])
    if kind == "timestamp":
        return _timestamp_test(base, _as_timestamp(attribute, op, tokens[0]))
    if kind == "param":
        return _param_test(base, [_as_param(attribute, op, token, listed) for token in tokens])
    strings = [_as_string(attribute, op, token, listed) for token in tokens]
    return _string_test(base, strings, fold=kind == "stage")


def _check_list_types(attribute: AttributeRef, tokens: list[Token]) -> None:
    typed = [token for token in tokens if token.kind in ("string", "number")]
    for token in typed[1:]:
        if token.kind != typed[0].kind:
            raise FilterError(
                f"list for '{attribute.text}' at column {token.column} mixes strings and numbers: use one type"
            )


def _quote_hint(attribute: AttributeRef, op: str, token: Token, listed: bool) -> str:
    quoted = f"'{token.text}'"
    return f"{attribute.text} {op} ({quoted}, ...)" if listed else f"{attribute.text} {op} {quoted}"


def _as_string(attribute: AttributeRef, op: str, token: Token, listed: bool) -> str:
    if token.kind != "string":
        hint = _quote_hint(attribute, op, token, listed)
        raise FilterError(f"value for '{attribute.text}' at column {token.column} must be quoted: {hint}")
    return token.value


def _as_number(attribute: AttributeRef, token: Token) -> float:
    # Quoted numbers are accepted (MLflow users write version_number = '3').
    number = _to_float(token.value) if token.kind in ("number", "string") else None
    if number is None:
        raise FilterError(f"value for '{attribute.text}' at column {token.column} must be a number: got {token.text}")
    return number


def _as_timestamp(attribute: AttributeRef, op: str, token: Token) -> datetime:
    text = _as_string(attribute, op, token, False)
    moment = _parse_timestamp(text)
    if moment is None:
        raise FilterError(
            f"invalid timestamp {token.text} for '{attribute.text}' at column {token.column}: "
            "use ISO 8601 like '2026-10-01' or '2026-10-01T12:00:00Z'"
        )
    return moment


def _as_param(attribute: AttributeRef, op: str, token: Token, listed: bool) -> tuple[str, float | None]:
    # Params are strings but a bare number is natural for them (params.lr < 0.1);
    # LIKE patterns still have to be quoted.
    if token.kind == "number" and "LIKE" not in op:
        return token.value, _to_float(token.value)
    text = _as_string(attribute, op, token, listed)
    return text, _to_float(text)


def _to_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _parse_timestamp(text: str) -> datetime | None:
    """Read an ISO 8601 timestamp; a naive one (or a bare date) is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Segment = tuple[str | None, ...]
"""A run of a LIKE pattern between two '%': each item one character, None for '_' (any one)."""


def _like_segments(pattern: str) -> list[Segment]:
    """An SQL LIKE pattern (% any run, _ one char, \\% \\_ literal) cut at each '%'."""
    segments: list[Segment] = []
    current: list[str | None] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and pattern[index + 1 : index + 2] in ("%", "_"):
            current.append(pattern[index + 1])
            index += 2
            continue
        if char == "%":
            segments.append(tuple(current))
            current = []
        else:
            current.append(None if char == "_" else char)
        index += 1
    segments.append(tuple(current))
    return segments


def like_matcher(pattern: str, ignore_case: bool) -> Callable[[str], bool]:
    """A test of whether a text matches the LIKE PATTERN, in time linear in the text's length times
    the pattern's (a regex of '.*' runs can backtrack for minutes on a long text). Each run between
    two '%' is found at its leftmost place after the one before: where it fits at all, it fits
    there, since the '%' around it take whatever is left."""
    fold = str.casefold if ignore_case else (lambda text: text)
    segments = [tuple(None if item is None else fold(item) for item in segment) for segment in _like_segments(pattern)]
    if any(item is not None and len(item) != 1 for segment in segments for item in segment):
        fold = str.lower  # a character that casefolds to two: compare in lower case, one for one
        segments = [tuple(None if item is None else item.lower() for item in segment)
                    for segment in _like_segments(pattern)]

    def fits(segment: Segment, text: str, at: int) -> bool:
        return all(item is None or text[at + offset] == item for offset, item in enumerate(segment))

    def find(segment: Segment, text: str, start: int, stop: int) -> int:
        """The leftmost place in text[start:stop] where SEGMENT fits, or -1."""
        if None not in segment:
            return text.find("".join(segment), start, stop)  # type: ignore[arg-type]
        for at in range(start, stop - len(segment) + 1):
            if fits(segment, text, at):
                return at
        return -1

    first, last = segments[0], segments[-1]

    def matches(value: str) -> bool:
        text = fold(value)
        if len(text) != len(value) and ignore_case:
            text = value.lower()
        if len(segments) == 1:
            return len(text) == len(first) and fits(first, text, 0)
        end = len(text) - len(last)
        if end < len(first) or not fits(first, text, 0) or not fits(last, text, end):
            return False
        at = len(first)
        for segment in segments[1:-1]:
            found = find(segment, text, at, end)
            if found < 0:
                return False
            at = found + len(segment)
        return True

    return matches


def _string_test(op: str, values: list[str], fold: bool) -> ValueTest:
    if op in ("LIKE", "ILIKE"):
        matches = like_matcher(values[0], ignore_case=fold or op == "ILIKE")
        return lambda value: isinstance(value, str) and matches(value)
    if fold:
        folded = frozenset(text.casefold() for text in values)
        return lambda value: isinstance(value, str) and value.casefold() in folded
    wanted = frozenset(values)  # '=' is IN with one value
    return lambda value: isinstance(value, str) and value in wanted


def _is_number(value: Any) -> TypeGuard[float]:
    # bool is an int subclass, but True is not a metric value.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_test(op: str, values: list[float]) -> ValueTest:
    if op == "IN":
        wanted = frozenset(values)
        return lambda value: _is_number(value) and value in wanted
    compare = _ORDERINGS[op]
    bound = values[0]
    return lambda value: _is_number(value) and compare(value, bound)


def _timestamp_test(op: str, bound: datetime) -> ValueTest:
    compare = _ORDERINGS[op]

    def test(value: Any) -> bool:
        moment = _parse_timestamp(value) if isinstance(value, str) else None
        return moment is not None and compare(moment, bound)

    return test


def _param_test(op: str, values: list[tuple[str, float | None]]) -> ValueTest:
    if op in ("=", "IN", "LIKE", "ILIKE"):
        return _string_test(op, [text for text, _ in values], fold=False)
    compare = _ORDERINGS[op]
    bound_text, bound_number = values[0]

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        number = _to_float(value) if bound_number is not None else None
        if number is not None and bound_number is not None:
            return compare(number, bound_number)
        return compare(value, bound_text)

    return test


# --------------------------------------------------------------------------- predicates


def _build_predicate(attribute: AttributeRef, negated: bool, test: ValueTest, target: Target) -> Predicate:
    """Wrap the value test with field access, missing-key rules, negation and any-version."""
    on_entity = _entity_predicate(attribute, negated, test)
    if target == "versions" or attribute.spec.on_model:
        return on_entity
    return lambda model: any(on_entity(version) for version in model.get("versions") or ())


def _entity_predicate(attribute: AttributeRef, negated: bool, test: ValueTest) -> Predicate:
    entity_key = attribute.spec.entity_key
    key = attribute.key
    if attribute.spec.kind == "alias":

        def match_alias(entity: Mapping[str, Any]) -> bool:
            aliases = entity.get(entity_key) or ()
            # No aliases is "missing the key": it matches neither = nor !=.
            return bool(aliases) and any(test(alias) for alias in aliases) != negated

        return match_alias
    if key is None:

        def match_plain(entity: Mapping[str, Any]) -> bool:
            value = entity.get(entity_key)
            return value is not None and test(value) != negated

        return match_plain

    def match_keyed(entity: Mapping[str, Any]) -> bool:
        value = (entity.get(entity_key) or {}).get(key)
        return value is not None and test(value) != negated

    return match_keyed


# --------------------------------------------------------------------------- order by

OrderAttribute = Literal["name", "version_number", "created_at", "last_updated", "metrics"]


@dataclass(frozen=True)
class OrderKey:
    """One sort key; ``metric`` is set only for ``metrics``."""

    attribute: OrderAttribute
    descending: bool = False
    metric: str | None = None

    @property
    def label(self) -> str:
        name = f"metrics.{self.metric}" if self.metric is not None else self.attribute
        return f"{name} {'DESC' if self.descending else 'ASC'}"


# MLflow's own names are accepted as synonyms so MLflow habits carry over.
_ORDER_ATTRIBUTES: Final[dict[str, OrderAttribute]] = {
    "name": "name",
    "version_number": "version_number",
    "created_at": "created_at",
    "creation_timestamp": "created_at",
    "last_updated": "last_updated",
    "last_updated_timestamp": "last_updated",
    "updated_at": "last_updated",
    "timestamp": "last_updated",  # MLflow's name for it when ordering models
}
_ORDER_HINT: Final[dict[str, str]] = {
    "models": "name, created_at, last_updated, metrics.KEY",
    "versions": "name, version_number, created_at, last_updated, metrics.KEY",
}


@dataclass(frozen=True)
class Ordering:
    """The order of a search that names none, and the keys that break ties after the given ones
    (each added unless a key on the same attribute was given)."""

    default: Mapping[str, tuple[OrderKey, ...]]
    tie_breakers: Mapping[str, tuple[OrderKey, ...]]


MODELREG_ORDERING: Final = Ordering(
    default={
        "models": (OrderKey("name"),),
        # Versions most recent first; name and version make it deterministic.
        "versions": (OrderKey("created_at", True), OrderKey("name"), OrderKey("version_number", True)),
    },
    tie_breakers={"models": (OrderKey("name"),), "versions": (OrderKey("name"), OrderKey("version_number"))},
)
"""modelreg's own: `modelreg search` and the Python API."""

MLFLOW_ORDERING: Final = Ordering(
    default={
        "models": (OrderKey("name"),),
        "versions": (OrderKey("last_updated", True), OrderKey("name"), OrderKey("version_number", True)),
    },
    tie_breakers={"models": (OrderKey("name"),),
                  "versions": (OrderKey("name"), OrderKey("version_number", True))},
)
"""MLflow's (its SQL store): versions last updated first; within a name, higher versions first."""


def parse_order_by(clauses: Sequence[str], target: Target) -> list[OrderKey]:
    """Parse clauses like ``"metrics.acc DESC"`` (a clause may also list keys with commas)."""
    _check_target(target)
    keys: list[OrderKey] = []
    for clause in clauses:
        try:
            parsed = _parse_order_clause(clause, target)
        except FilterError as error:
            raise FilterError(f"order_by '{clause}': {error}") from None
        for key in parsed:
            if any((key.attribute, key.metric) == (seen.attribute, seen.metric) for seen in keys):
                raise FilterError(f"order_by '{clause}': duplicate key '{key.label.split()[0]}'")
            keys.append(key)
    return keys


def _parse_order_clause(clause: str, target: Target) -> list[OrderKey]:
    tokens = tokenize(clause)
    keys: list[OrderKey] = []
    index = 0
    while True:
        token = tokens[index]
        if token.kind != "word":
            raise _unexpected(token, f"expected a key: use {_ORDER_HINT[target]}")
        attribute, metric = _resolve_order_attribute(token, target)
        index += 1
        direction = tokens[index]
        has_direction = direction.kind == "word" and direction.text.upper() in ("ASC", "DESC")
        keys.append(OrderKey(attribute, has_direction and direction.text.upper() == "DESC", metric))
        index += 1 if has_direction else 0
        after = tokens[index]
        if after.kind == "eof":
            return keys
        if after.kind != "comma":
            expected = "',' or end of clause" if has_direction else "ASC, DESC, ',' or end of clause"
            raise _unexpected(after, f"expected {expected}")
        index += 1


def _resolve_order_attribute(token: Token, target: Target) -> tuple[OrderAttribute, str | None]:
    token = _without_attribute_prefix(token)
    head = token.parts[0] if token.quoted_head else token.parts[0].lower()
    if _KEYED.get(head) == "metrics":
        if len(token.parts) == 1:
            raise FilterError(f"key '{token.text}' at column {token.column} needs a metric name: metrics.KEY")
        return "metrics", ".".join(token.parts[1:])
    attribute = _ORDER_ATTRIBUTES.get(head) if len(token.parts) == 1 else None
    if attribute == "version_number" and target == "models":
        raise FilterError(
            f"key '{token.text}' at column {token.column} applies to versions only: use {_ORDER_HINT[target]}"
        )
    if attribute is None:
        raise FilterError(f"unknown key '{token.text}' at column {token.column}: use {_ORDER_HINT[target]}")
    return attribute, None


def sort_entities(entities: Sequence[E], keys: Sequence[OrderKey], target: Target,
                  ordering: Ordering = MODELREG_ORDERING) -> list[E]:
    """Sort by KEYS (or ORDERING's default for the target), then ORDERING's tie-breakers.

    Entities lacking a key's value (a metric, an unreadable timestamp) sort last in
    both directions. For models, ``metrics.KEY`` sorts by the highest value of that
    metric across the model's versions: "the model's best run" is the common question.
    """
    _check_target(target)
    effective = list(keys or ordering.default[target])
    tie_breakers = ordering.tie_breakers[target]
    effective += [tie for tie in tie_breakers if all(tie.attribute != key.attribute for key in effective)]
    ordered = list(entities)
    # Stable sorts from the least to the most significant key compose into one
    # multi-key sort, and let each key keep its own direction and missing-last rule.
    for key in reversed(effective):
        ordered = _sort_by(ordered, key, target)
    return ordered


def _sort_by(entities: list[E], key: OrderKey, target: Target) -> list[E]:
    values = _sort_values(entities, key, target)
    # Sorting indices keyed by a precomputed list keeps the per-item work in C.
    present = [index for index, value in enumerate(values) if value is not None]
    present.sort(key=values.__getitem__, reverse=key.descending)
    missing = [index for index, value in enumerate(values) if value is None]
    return [entities[index] for index in present + missing]


def _sort_values(entities: list[E], key: OrderKey, target: Target) -> list[Any]:
    """The value each entity sorts by under KEY; None when it has none."""
    if key.attribute == "name":
        return [entity.get("name") for entity in entities]
    if key.attribute == "version_number":
        return [entity.get("version") for entity in entities]
    if key.attribute in ("created_at", "last_updated"):
        entity_key = "created_at" if key.attribute == "created_at" else "updated_at"
        return [_timestamp_or_none(entity.get(entity_key)) for entity in entities]
    metric = key.metric or ""
    if target == "models":
        return [_best_metric(model, metric) for model in entities]
    return [_metric_or_none(version, metric) for version in entities]


def _timestamp_or_none(value: Any) -> datetime | None:
    return _parse_timestamp(value) if isinstance(value, str) else None


def _metric_or_none(version: Mapping[str, Any], metric: str) -> float | None:
    value = (version.get("metrics") or {}).get(metric)
    # NaN would make the sort order undefined, so it counts as missing.
    if not _is_number(value):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _best_metric(model: Mapping[str, Any], metric: str) -> float | None:
    values = [_metric_or_none(version, metric) for version in model.get("versions") or ()]
    present = [value for value in values if value is not None]
    return max(present) if present else None
