"""Evaluating HCL expressions as far as a configuration alone allows.

python-hcl2 returns every expression that is not a plain literal as its source text: ``"${var.x}"``,
``"${jsonencode({Version = \\"2012-10-17\\", ...})}"``, and string literals with their quotes
(``'"ml-data"'``). This module parses that text (literals, templates with ``${...}``, objects with ``=``
or ``:`` and quoted or bare keys, tuples, traversals such as ``aws_iam_policy.x.arn`` or
``var.list[0]``, function calls, comparisons, ``&&``/``||``/``!`` and conditionals) and evaluates it
against a :class:`Scope`.

Whatever cannot be evaluated (an unknown reference, a ``for`` expression, a splat, arithmetic on an
unknown) becomes :class:`Unknown`, never an exception. Inside a string an unknown is written as its
``${...}`` placeholder, so a policy keeps its shape and the reference stays visible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

MAX_DEPTH = 48
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the configuration does not determine; ``text`` is the expression standing for it."""

    text: str

    @property
    def placeholder(self) -> str:
        return "${" + self.text + "}"


class Scope(Protocol):
    """What an expression can refer to."""

    def lookup(self, parts: tuple[str | int, ...], text: str) -> Any:
        """The value of a traversal such as ``("var", "x", 0)``; :class:`Unknown` if not known."""
        ...

    def call(self, name: str, args: list[Any], text: str) -> Any:
        """The value of a function call with evaluated arguments; :class:`Unknown` if not known."""
        ...

    def unknown(self, text: str) -> Unknown:
        """Record and return an unknown value."""
        ...


class _Fail(Exception):
    """The text is not an expression this evaluator understands."""


MISSING = object()


def step(value: Any, part: str | int) -> Any:
    """``value[part]`` for a key of an object or an index of a list, else :data:`MISSING`."""
    if isinstance(value, dict) and isinstance(part, str):
        return value.get(part, MISSING)
    if (
        isinstance(value, list)
        and isinstance(part, int)
        and not isinstance(part, bool)
        and 0 <= part < len(value)
    ):
        return value[part]
    return MISSING


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def render(value: Any) -> str | None:
    """A value as Terraform interpolates it into a string; ``None`` for collections."""
    if isinstance(value, Unknown):
        return value.placeholder
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    if value is None:
        return ""
    return None


def to_plain(value: Any) -> Any:
    """Replace every :class:`Unknown` by its placeholder string, for JSON and for the builders."""
    if isinstance(value, Unknown):
        return value.placeholder
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


class _Parser:
    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.pos = 0
        self.scope = scope
        self.depth = 0

    # --- lexical helpers ---------------------------------------------------------------------------

    def ws(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch in " \t\r\n":
                self.pos += 1
            elif ch == "#" or text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                self.pos = n if end < 0 else end + 2
            else:
                break

    def peek(self, token: str) -> bool:
        self.ws()
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise _Fail

    def span(self, start: int) -> str:
        return " ".join(self.text[start : self.pos].split())

    def skip_balanced(self) -> None:
        """Skip a bracketed region (``for`` expressions), strings and templates included."""
        depth = 0
        text, n = self.text, len(self.text)
        while self.pos < n:
            ch = text[self.pos]
            if ch == '"':
                self.string_literal(evaluate=False)
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    self.pos += 1
                    return
            self.pos += 1
        raise _Fail

    # --- grammar ---------------------------------------------------------------------------------

    def expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Fail
        try:
            return self.conditional()
        finally:
            self.depth -= 1

    def conditional(self) -> Any:
        start = self.pos
        condition = self.binary(0)
        if not self.take("?"):
            return condition
        yes = self.expression()
        self.expect(":")
        no = self.expression()
        if isinstance(condition, bool):
            return yes if condition else no
        return self.scope.unknown(self.span(start))

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!="),
        ("<=", ">=", "<", ">"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        start = self.pos
        left = self.binary(level + 1)
        while True:
            self.ws()
            operator = next((op for op in self._LEVELS[level] if self.text.startswith(op, self.pos)), None)
            if operator is None or (operator in ("<", ">") and self.text.startswith("<<", self.pos)):
                return left
            self.pos += len(operator)
            right = self.binary(level + 1)
            left = self.operate(operator, left, right, start)

    def operate(self, operator: str, left: Any, right: Any, start: int) -> Any:
        if contains_unknown(left) or contains_unknown(right):
            return self.scope.unknown(self.span(start))
        if operator == "==":
            return left == right
        if operator == "!=":
            return left != right
        if operator in ("&&", "||") and isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if operator == "&&" else (left or right)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if numbers and operator in ("+", "-", "*", "<", ">", "<=", ">="):
            results: dict[str, Callable[[Any, Any], Any]] = {
                "+": lambda a, b: a + b,
                "-": lambda a, b: a - b,
                "*": lambda a, b: a * b,
                "<": lambda a, b: a < b,
                ">": lambda a, b: a > b,
                "<=": lambda a, b: a <= b,
                ">=": lambda a, b: a >= b,
            }
            return results[operator](left, right)
        return self.scope.unknown(self.span(start))

    def unary(self) -> Any:
        start = self.pos
        if self.take("!"):
            value = self.unary()
            return (not value) if isinstance(value, bool) else self.scope.unknown(self.span(start))
        if self.peek("-"):
            self.pos += 1
            value = self.unary()
            if isinstance(value, int | float) and not isinstance(value, bool):
                return -value
            return self.scope.unknown(self.span(start))
        return self.postfix()

    def postfix(self) -> Any:
        self.ws()
        start = self.pos
        match = _IDENT.match(self.text, self.pos)
        if match and match.group() not in ("true", "false", "null", "for"):
            self.pos = match.end()
            if self.peek("(") or self.peek("::"):
                value = self.call(match.group(), start)
                return self.accessors(value, start)
            parts: list[str | int] = [match.group()]
            while True:
                part = self.accessor()
                if part is None:
                    break
                if isinstance(part, Unknown):
                    return self.scope.unknown(self.span(start))
                parts.append(part)
            if len(parts) == 1:
                return self.scope.unknown(match.group())  # a bare word: a type name or a keyword
            value = self.scope.lookup(tuple(parts), self.span(start))
            return self.accessors(value, start)
        value = self.primary()
        return self.accessors(value, start)

    def accessor(self) -> str | int | Unknown | None:
        """One ``.name``, ``.0`` or ``[expr]``; ``None`` when none follows. Splats are unknown."""
        self.ws()
        if self.text.startswith(".*", self.pos) or self.text.startswith("[*]", self.pos):
            self.pos += 2 if self.text[self.pos] == "." else 3
            return Unknown("splat")
        if self.text.startswith(".", self.pos):
            self.pos += 1
            match = _IDENT.match(self.text, self.pos) or _NUMBER.match(self.text, self.pos)
            if not match:
                raise _Fail
            self.pos = match.end()
            return int(match.group()) if match.group().isdigit() else match.group()
        if self.text.startswith("[", self.pos):
            self.pos += 1
            key = self.expression()
            self.expect("]")
            if isinstance(key, bool) or not isinstance(key, str | int):
                return Unknown("index")
            return key
        return None

    def accessors(self, value: Any, start: int) -> Any:
        while True:
            part = self.accessor()
            if part is None:
                return value
            if isinstance(value, Unknown) or isinstance(part, Unknown):
                value = self.scope.unknown(self.span(start))
            else:
                found = step(value, part)
                value = self.scope.unknown(self.span(start)) if found is MISSING else found

    def call(self, name: str, start: int) -> Any:
        while self.take("::"):  # provider-defined functions: provider::aws::arn_parse
            match = _IDENT.match(self.text, self.pos)
            if not match:
                raise _Fail
            self.pos = match.end()
            name += "::" + match.group()
        self.expect("(")
        args: list[Any] = []
        while not self.take(")"):
            args.append(self.expression())
            if self.take("..."):
                self.expect(")")
                return self.scope.unknown(self.span(start))
            if not self.take(","):
                self.expect(")")
                break
        return self.scope.call(name, args, self.span(start))

    def primary(self) -> Any:
        self.ws()
        if self.pos >= len(self.text):
            raise _Fail
        ch = self.text[self.pos]
        start = self.pos
        if ch == '"':
            return self.string_literal(evaluate=True)
        if ch == "(":
            self.pos += 1
            value = self.expression()
            self.expect(")")
            return value
        if ch == "[":
            return self.tuple_(start)
        if ch == "{":
            return self.object_(start)
        if self.text.startswith("<<", self.pos):
            raise _Fail  # heredocs reach us as strings (python-hcl2 converts them)
        number = _NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            literal = number.group()
            return int(literal) if literal.isdigit() else float(literal)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                end = self.pos + len(word)
                if end == len(self.text) or not (self.text[end].isalnum() or self.text[end] in "_-"):
                    self.pos = end
                    return value
        raise _Fail

    def at_for(self) -> bool:
        """Whether a ``for`` expression starts here (after the opening bracket)."""
        self.ws()
        match = _IDENT.match(self.text, self.pos)
        return match is not None and match.group() == "for"

    def tuple_(self, start: int) -> Any:
        self.pos += 1
        if self.at_for():
            self.pos = start
            self.skip_balanced()
            return self.scope.unknown(self.span(start))
        items: list[Any] = []
        while not self.take("]"):
            items.append(self.expression())
            if not self.take(","):
                self.expect("]")
                break
        return items

    def object_(self, start: int) -> Any:
        self.pos += 1
        if self.at_for():
            self.pos = start
            self.skip_balanced()
            return self.scope.unknown(self.span(start))
        result: dict[str, Any] = {}
        unknown_key = False
        while not self.take("}"):
            self.ws()
            key: Any
            match = _IDENT.match(self.text, self.pos)
            if match:
                self.pos = match.end()
                key = match.group()
                if self.peek(".") or self.peek("["):
                    raise _Fail  # a traversal as a key must be in parentheses
            elif self.text.startswith('"', self.pos):
                key = self.string_literal(evaluate=True)
            elif self.text.startswith("(", self.pos):
                self.pos += 1
                key = self.expression()
                self.expect(")")
            else:
                number = _NUMBER.match(self.text, self.pos)
                if not number:
                    raise _Fail
                self.pos = number.end()
                key = number.group()
            if not (self.take("=") or self.take(":")):
                raise _Fail
            value = self.expression()
            text_key = render(key) if not isinstance(key, Unknown) else None
            if text_key is None:
                unknown_key = True
            else:
                result[text_key] = value
            self.take(",")
        return self.scope.unknown(self.span(start)) if unknown_key else result

    def string_literal(self, *, evaluate: bool) -> Any:
        """A quoted template: escapes, ``${...}`` interpolations; ``%{...}`` directives are unknown."""
        text, n = self.text, len(self.text)
        start = self.pos
        self.pos += 1
        parts: list[Any] = []
        buffer: list[str] = []
        directive = False
        while True:
            if self.pos >= n:
                raise _Fail
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                break
            if ch == "\\":
                self.pos += 1
                if self.pos >= n:
                    raise _Fail
                escape = text[self.pos]
                if escape in _ESCAPES:
                    buffer.append(_ESCAPES[escape])
                    self.pos += 1
                elif escape in "uU":
                    width = 4 if escape == "u" else 8
                    digits = text[self.pos + 1 : self.pos + 1 + width]
                    try:
                        buffer.append(chr(int(digits, 16)))
                    except ValueError:
                        raise _Fail from None
                    self.pos += 1 + width
                else:
                    raise _Fail
                continue
            if text.startswith("$${", self.pos) or text.startswith("%%{", self.pos):
                buffer.append(text[self.pos + 1 : self.pos + 3])
                self.pos += 3
                continue
            if text.startswith("%{", self.pos):
                directive = True
                self.pos += 2
                self._skip_interpolation()
                self.pos += 1
                continue
            if text.startswith("${", self.pos):
                self.pos += 2
                self.take("~")
                value = None
                if evaluate:
                    value = self.expression()
                else:
                    self._skip_interpolation()
                self.take("~")
                self.expect("}")
                if buffer:
                    parts.append("".join(buffer))
                    buffer = []
                parts.append(_Interpolated(value))
                continue
            if ch == "\n":
                raise _Fail
            buffer.append(ch)
            self.pos += 1
        if buffer:
            parts.append("".join(buffer))
        if not evaluate:
            return None
        if directive:
            return self.scope.unknown(self.span(start))
        if len(parts) == 1 and isinstance(parts[0], _Interpolated):
            return parts[0].value
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            rendered = render(part.value)
            out.append(rendered if rendered is not None else self.scope.unknown(self.span(start)).placeholder)
        return "".join(out)

    def _skip_interpolation(self) -> None:
        depth = 0
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == '"':
                self.string_literal(evaluate=False)
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    return None
                depth -= 1
            self.pos += 1
        raise _Fail


@dataclass(frozen=True, slots=True)
class _Interpolated:
    value: Any


def evaluate_text(text: str, scope: Scope) -> Any:
    """Evaluate expression text as python-hcl2 gives it (``${...}`` wrappers removed)."""
    stripped = text.strip()
    if stripped.startswith("${") and stripped.endswith("}") and _single_interpolation(stripped):
        stripped = stripped[2:-1]
    parser = _Parser(stripped, scope)
    try:
        value = parser.expression()
        parser.ws()
        if parser.pos != len(stripped):
            raise _Fail
        return value
    except (_Fail, RecursionError, ValueError, OverflowError):
        return scope.unknown(" ".join(stripped.split())[:200])


def _single_interpolation(text: str) -> bool:
    """Whether ``${...}`` wraps the whole text (not ``${a}-${b}``)."""
    parser = _Parser(text, _NullScope())
    parser.pos = 2
    try:
        parser._skip_interpolation()
    except _Fail:
        return False
    return parser.pos == len(text) - 1


def literal_string(text: str) -> str | None:
    """A quoted HCL string literal without interpolations, unquoted (block labels, keys)."""
    if not (text.startswith('"') and text.endswith('"')):
        return text if _IDENT.fullmatch(text) else None
    parser = _Parser(text, _NullScope())
    try:
        value = parser.string_literal(evaluate=True)
    except _Fail:
        return None
    return value if isinstance(value, str) and parser.pos == len(text) else None


class _NullScope:
    def lookup(self, parts: tuple[str | int, ...], text: str) -> Any:
        return Unknown(text)

    def call(self, name: str, args: list[Any], text: str) -> Any:
        return Unknown(text)

    def unknown(self, text: str) -> Unknown:
        return Unknown(text)


def dumps_json(value: Any) -> str:
    """``jsonencode``: unknowns become their placeholders, keys sorted as Terraform does."""
    return json.dumps(to_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
