"""Evaluation of the Condition element, operator by operator, as the IAM user guide documents it.

Logic of a Condition block ("Conditions with multiple context keys or values"):

* every clause (operator × key) must hold: AND across operators and across keys;
* the policy values of one key are ORed; for a *negated* operator (``StringNotEquals``,
  ``StringNotEqualsIgnoreCase``, ``StringNotLike``, ``NumericNotEquals``, ``DateNotEquals``,
  ``NotIpAddress``, ``ArnNotEquals``, ``ArnNotLike``) they are NORed: the clause holds iff the context
  value matches *none* of the policy values.

Missing keys ("Condition operators", Important box): a key absent from the request context makes a
clause false, except that a negated operator is then *true*; ``...IfExists`` is true when the key is
absent and otherwise behaves as the plain operator; ``Null`` tests presence (``true``: the key is
absent, ``false``: it is present). A key whose value is an empty list counts as absent.

Set operators ("Single-valued vs. multivalued context keys"): ``ForAllValues:`` holds iff every
context value satisfies the operator, and also when the key is absent or its values are an empty
data set (no values, or AWS's example, a single empty string). AWS warns that this makes
``ForAllValues`` with an ``Allow`` effect overly permissive unless a ``"Null": {key: "false"}``
check accompanies it. ``ForAnyValue:`` holds iff at least one context value satisfies the operator,
and is false when the key is absent or empty. Per context value, a negated operator is satisfied
when that value matches none of the policy values.

A multivalued context key used with an operator without a set qualifier is not specified by AWS
(Access Analyzer reports it as "Missing qualifier"); here a positive operator holds if *any*
context value matches, and a negated one iff *no* context value matches (the negation of the
positive operator, as for single values).

Values that are invalid for the operator (a date that does not parse, a bad CIDR, ``Bool`` with
``maybe``), in the policy or in the request, make the clause false; so does an unknown operator.
Policy variables are substituted only in String and ARN operators and only when the policy's
``Version`` is ``2012-10-17`` (``variables=True``); a policy value whose variable has no value
matches nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal, cast

from polp.iam.context import RequestContext, Values
from polp.iam.matching import compile_arn_pieces, compile_arns
from polp.iam.model import ConditionClause
from polp.iam.variables import (
    compile_glob_text,
    has_variables,
    substitute,
    substitute_glob,
    substitute_pieces,
    substituter,
)

Qualifier = Literal["ForAllValues", "ForAnyValue"]
ValueKind = Literal["string", "numeric", "date", "bool", "binary", "ip", "arn", "null"]

_KINDS: dict[str, ValueKind] = {
    "StringEquals": "string",
    "StringNotEquals": "string",
    "StringEqualsIgnoreCase": "string",
    "StringNotEqualsIgnoreCase": "string",
    "StringLike": "string",
    "StringNotLike": "string",
    "NumericEquals": "numeric",
    "NumericNotEquals": "numeric",
    "NumericLessThan": "numeric",
    "NumericLessThanEquals": "numeric",
    "NumericGreaterThan": "numeric",
    "NumericGreaterThanEquals": "numeric",
    "DateEquals": "date",
    "DateNotEquals": "date",
    "DateLessThan": "date",
    "DateLessThanEquals": "date",
    "DateGreaterThan": "date",
    "DateGreaterThanEquals": "date",
    "Bool": "bool",
    "BinaryEquals": "binary",
    "IpAddress": "ip",
    "NotIpAddress": "ip",
    "ArnEquals": "arn",
    "ArnLike": "arn",
    "ArnNotEquals": "arn",
    "ArnNotLike": "arn",
    "Null": "null",
}

#: The base condition operators (without set qualifier or ``IfExists``), spelled as AWS spells them.
KNOWN_OPERATORS: frozenset[str] = frozenset(_KINDS)

#: Operators that use negated matching: true iff the context value matches none of the policy values.
NEGATED_OPERATORS: frozenset[str] = frozenset({
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
})

#: Operators whose values may contain policy variables.
VARIABLE_OPERATORS: frozenset[str] = frozenset(op for op, kind in _KINDS.items() if kind in ("string", "arn"))

_QUALIFIERS: dict[str, Qualifier] = {"ForAllValues": "ForAllValues", "ForAnyValue": "ForAnyValue"}
_IF_EXISTS = "IfExists"


def parse_operator(op: str) -> tuple[Qualifier | None, str, bool] | None:
    """Split ``ForAnyValue:StringLikeIfExists`` into ``("ForAnyValue", "StringLike", True)``.

    ``None`` if ``op`` is not a valid operator. Operators are case-sensitive (``stringequals`` is
    invalid); the qualifier is separated by exactly one colon; ``Null`` takes no ``IfExists`` (Access
    Analyzer: "Null with if exists"). A set qualifier on ``Null`` is accepted and has no effect.
    """
    qualifier: Qualifier | None = None
    rest = op
    if ":" in op:
        prefix, _, rest = op.partition(":")
        qualifier = _QUALIFIERS.get(prefix)
        if qualifier is None or ":" in rest:
            return None
    if_exists = rest.endswith(_IF_EXISTS)
    if if_exists:
        rest = rest[: -len(_IF_EXISTS)]
    if rest not in _KINDS or (if_exists and rest == "Null"):
        return None
    return qualifier, rest, if_exists


def value_kind(base_operator: str) -> ValueKind:
    """The kind of value an operator compares; raises :class:`ValueError` for an unknown operator."""
    try:
        return _KINDS[base_operator]
    except KeyError:
        raise ValueError(f"unknown condition operator {base_operator!r}") from None


def is_negated(base_operator: str) -> bool:
    return base_operator in NEGATED_OPERATORS


# -- value parsing ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@lru_cache(maxsize=8192)
def parse_number(text: str) -> Decimal | None:
    """An integer or decimal (``10``, ``-1.5``, ``2e3``); ``None`` if ``text`` is not one."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


# W3C profile of ISO 8601 (the format the IAM guide requires): YYYY, YYYY-MM, YYYY-MM-DD,
# YYYY-MM-DDThh:mm[:ss[.s+]]TZD. A missing time zone is taken as UTC.
_ISO_DATE = re.compile(
    r"""(?P<y>\d{4})
        (?:-(?P<mo>\d{2})
           (?:-(?P<d>\d{2})
              (?:[Tt](?P<h>\d{2}):(?P<mi>\d{2})
                 (?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?
                 (?P<tz>[Zz]|(?P<sign>[+-])(?P<tzh>\d{2})(?::?(?P<tzm>\d{2}))?)?
              )?
           )?
        )?""",
    re.VERBOSE,
)
_EPOCH = re.compile(r"-?\d+")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_INT64 = range(-(2**63), 2**63)
_NS = 10**9


@lru_cache(maxsize=8192)
def parse_date(text: str) -> int | None:
    """A date/time as nanoseconds since the Unix epoch; ``None`` if ``text`` is not one.

    Accepts the W3C ISO 8601 forms and epoch seconds (a signed 64-bit integer). Exactly four digits
    are a year (``2020`` is 2020-01-01T00:00:00Z), not epoch second 2020.
    """
    if len(text) != 4 and _EPOCH.fullmatch(text):
        seconds = int(text)
        return seconds * _NS if seconds in _INT64 else None
    m = _ISO_DATE.fullmatch(text)
    if m is None:
        return None
    try:
        day = date(int(m["y"]), int(m["mo"] or 1), int(m["d"] or 1))
    except ValueError:
        return None
    hour, minute, second = int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    if m["sign"]:
        tzh, tzm = int(m["tzh"]), int(m["tzm"] or 0)
        if tzh > 23 or tzm > 59:
            return None
        offset = (tzh * 3600 + tzm * 60) * (-1 if m["sign"] == "-" else 1)
    seconds = (day.toordinal() - _EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second - offset
    fraction = int((m["f"] or "")[:9].ljust(9, "0"))
    return seconds * _NS + fraction


_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/\d{1,3})?")
Network = IPv4Network | IPv6Network


@lru_cache(maxsize=8192)
def parse_network(text: str) -> Network | None:
    """An IPv4/IPv6 address or CIDR block (an address alone is a /32 or /128); ``None`` if invalid."""
    if not (_IPV4.fullmatch(text) or _IPV6.fullmatch(text)):
        return None
    try:
        return ip_network(text, strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _ipv4_host(text: str) -> int | None:
    """The address of ``text`` as an integer if it is one IPv4 address (or a /32), else ``None``."""
    net = parse_network(text)
    if isinstance(net, IPv4Network) and net.prefixlen == 32:
        return int(net.network_address)
    return None


@lru_cache(maxsize=8192)
def parse_binary(text: str) -> bytes | None:
    """The bytes of a base-64 value; ``None`` if ``text`` is not valid base-64."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_BOOLS = ("true", "false")


def is_valid_value(base_operator: str, value: str) -> bool:
    """Whether ``value`` is syntactically valid for ``base_operator`` (what IAM checks at creation)."""
    kind = _KINDS.get(base_operator)
    if kind is None:
        return False
    if kind == "string":
        return True
    if kind == "numeric":
        return parse_number(value) is not None
    if kind == "date":
        return parse_date(value) is not None
    if kind in ("bool", "null"):
        return value.lower() in _BOOLS
    if kind == "binary":
        return parse_binary(value) is not None
    if kind == "ip":
        return parse_network(value) is not None
    # arn: "*", a value with variables, or six colon-separated segments
    return value == "*" or has_variables(value) or len(value.split(":", 5)) == 6


# -- matchers ------------------------------------------------------------------------------------------


class _InvalidValue(Exception):
    """A context value that is not valid for the operator: the clause is false."""


_INVALID = _InvalidValue()

#: Whether one context value matches at least one policy value (raises :class:`_InvalidValue`).
_Positive = Callable[[str, RequestContext], bool]


def _split(values: tuple[str, ...], variables: bool) -> tuple[list[str], list[str]]:
    """(static values, values with variables to substitute per request)."""
    static: list[str] = []
    dynamic: list[str] = []
    for value in values:
        (dynamic if variables and has_variables(value) else static).append(value)
    return static, dynamic


def _string_matcher(base: str, values: tuple[str, ...], variables: bool) -> _Positive:
    static, dynamic = _split(values, variables)
    if base in ("StringEquals", "StringNotEquals"):
        exact = frozenset(static)
        if not dynamic:
            return lambda c, _ctx: c in exact
        substitutions = tuple(map(substituter, dynamic))

        def equals(c: str, ctx: RequestContext) -> bool:
            return c in exact or any(sub(ctx) == c for sub in substitutions)

        return equals

    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        folded = frozenset(v.lower() for v in static)

        def equals_ignore_case(c: str, ctx: RequestContext) -> bool:
            low = c.lower()
            if low in folded:
                return True
            for d in dynamic:
                sub = substitute(d, ctx)
                if sub is not None and sub.lower() == low:
                    return True
            return False

        return equals_ignore_case

    # StringLike / StringNotLike
    literal = frozenset(v for v in static if "*" not in v and "?" not in v)
    globs = [v for v in static if v not in literal]
    if "*" in globs:
        return lambda _c, _ctx: True
    combined = (re.compile("|".join(f"(?:{compile_glob_text(g).pattern})" for g in globs), re.DOTALL)
                if globs else None)

    def like(c: str, ctx: RequestContext) -> bool:
        if c in literal or (combined is not None and combined.fullmatch(c) is not None):
            return True
        for d in dynamic:
            pattern = substitute_glob(d, ctx)
            if pattern is not None and pattern.fullmatch(c) is not None:
                return True
        return False

    return like


def _arn_matcher(values: tuple[str, ...], variables: bool) -> _Positive:
    static, dynamic = _split(values, variables)
    matches = compile_arns(tuple(static)) if static else None

    def arn(c: str, ctx: RequestContext) -> bool:
        if matches is not None and matches(c):
            return True
        for d in dynamic:
            pieces = substitute_pieces(d, ctx)
            if pieces is not None and compile_arn_pieces(pieces).fullmatch(c) is not None:
                return True
        return False

    return arn


def _numeric_matcher(base: str, values: tuple[str, ...]) -> _Positive | None:
    parsed = [parse_number(v) for v in values]
    if not parsed or any(p is None for p in parsed):
        return None
    numbers = cast(list[Decimal], parsed)

    def number(c: str) -> Decimal:
        n = parse_number(c)
        if n is None:
            raise _INVALID
        return n

    if base in ("NumericEquals", "NumericNotEquals"):
        exact = frozenset(numbers)
        return lambda c, _ctx: number(c) in exact
    # "less than any policy value" is "less than the largest"; likewise for the others
    high, low = max(numbers), min(numbers)
    if base == "NumericLessThan":
        return lambda c, _ctx: number(c) < high
    if base == "NumericLessThanEquals":
        return lambda c, _ctx: number(c) <= high
    if base == "NumericGreaterThan":
        return lambda c, _ctx: number(c) > low
    return lambda c, _ctx: number(c) >= low


def _date_matcher(base: str, values: tuple[str, ...]) -> _Positive | None:
    parsed = [parse_date(v) for v in values]
    if not parsed or any(p is None for p in parsed):
        return None
    instants = cast(list[int], parsed)

    def instant(c: str) -> int:
        t = parse_date(c)
        if t is None:
            raise _INVALID
        return t

    if base in ("DateEquals", "DateNotEquals"):
        exact = frozenset(instants)
        return lambda c, _ctx: instant(c) in exact
    high, low = max(instants), min(instants)
    if base == "DateLessThan":
        return lambda c, _ctx: instant(c) < high
    if base == "DateLessThanEquals":
        return lambda c, _ctx: instant(c) <= high
    if base == "DateGreaterThan":
        return lambda c, _ctx: instant(c) > low
    return lambda c, _ctx: instant(c) >= low


def _ip_matcher(values: tuple[str, ...]) -> _Positive | None:
    parsed = [parse_network(v) for v in values]
    if any(p is None for p in parsed):
        return None
    v4 = [n for n in parsed if isinstance(n, IPv4Network)]
    v6 = [n for n in parsed if isinstance(n, IPv6Network)]
    # What ``address in network`` computes for an IPv4 address, with the integers taken out once.
    v4_masks = tuple((int(n.network_address), int(n.netmask)) for n in v4)

    def ip(c: str, _ctx: RequestContext) -> bool:
        host = _ipv4_host(c)
        if host is not None:  # the common case: one IPv4 address (aws:SourceIp)
            for address, mask in v4_masks:  # noqa: SIM110 - a loop: any() over a generator costs more
                if host & mask == address:
                    return True
            return False
        net = parse_network(c)
        if net is None:
            raise _INVALID
        if isinstance(net, IPv4Network):
            if net.prefixlen == 32:
                return any(net.network_address in n for n in v4)
            return any(net.subnet_of(n) for n in v4)
        if net.prefixlen == 128:
            return any(net.network_address in n for n in v6)
        return any(net.subnet_of(n) for n in v6)

    return ip


def _bool_matcher(values: tuple[str, ...]) -> _Positive | None:
    folded = frozenset(v.lower() for v in values)
    if not folded <= set(_BOOLS):
        return None

    def boolean(c: str, _ctx: RequestContext) -> bool:
        low = c.lower()
        if low not in _BOOLS:
            raise _INVALID
        return low in folded

    return boolean


def _binary_matcher(values: tuple[str, ...]) -> _Positive | None:
    parsed = [parse_binary(v) for v in values]
    if any(p is None for p in parsed):
        return None
    exact = frozenset(cast(list[bytes], parsed))

    def binary(c: str, _ctx: RequestContext) -> bool:
        b = parse_binary(c)
        if b is None:
            raise _INVALID
        return b in exact

    return binary


def _positive_matcher(base: str, values: tuple[str, ...], variables: bool) -> _Positive | None:
    kind = _KINDS[base]
    if kind == "string":
        return _string_matcher(base, values, variables)
    if kind == "arn":
        return _arn_matcher(values, variables)
    if kind == "numeric":
        return _numeric_matcher(base, values)
    if kind == "date":
        return _date_matcher(base, values)
    if kind == "ip":
        return _ip_matcher(values)
    if kind == "bool":
        return _bool_matcher(values)
    return _binary_matcher(values)


# -- clauses ---------------------------------------------------------------------------------------------


def _is_empty_set(values: Values | None) -> bool:
    """Absent, no values, or AWS's example of an empty data set: a single empty string."""
    return not values or values == ("",)


def _never(_ctx: RequestContext) -> bool:
    return False


def _null_test(key: str, values: tuple[str, ...]) -> Callable[[RequestContext], bool]:
    folded = {v.lower() for v in values}
    if not folded <= set(_BOOLS):
        return _never
    when_absent, when_present = "true" in folded, "false" in folded
    return lambda ctx: when_absent if _is_empty_set(ctx.get_lower(key)) else when_present


def _build(clause: ConditionClause, variables: bool) -> Callable[[RequestContext], bool]:
    base, key = clause.base, clause.key.lower()
    if base not in _KINDS or (base == "Null" and clause.if_exists):
        return _never
    if base == "Null":
        return _null_test(key, clause.values)
    pos = _positive_matcher(base, clause.values, variables)
    if pos is None:
        return _never
    negated, if_exists, qualifier = base in NEGATED_OPERATORS, clause.if_exists, clause.qualifier

    if qualifier == "ForAllValues":

        def for_all(ctx: RequestContext) -> bool:
            values = ctx.get_lower(key)
            if not values or values == ("",):
                return True
            try:
                results = [pos(c, ctx) for c in values]  # all of them: an invalid value anywhere is false
            except _InvalidValue:
                return False
            return not any(results) if negated else all(results)

        return for_all

    if qualifier == "ForAnyValue":

        def for_any(ctx: RequestContext) -> bool:
            values = ctx.get_lower(key)
            if not values:
                return if_exists
            if values == ("",):
                return False
            try:
                results = [pos(c, ctx) for c in values]
            except _InvalidValue:
                return False
            return not all(results) if negated else any(results)

        return for_any

    when_absent = if_exists or negated

    def plain(ctx: RequestContext) -> bool:
        values = ctx.get_lower(key)
        if not values:
            return when_absent
        try:
            matched = pos(values[0], ctx) if len(values) == 1 else any([pos(c, ctx) for c in values])
        except _InvalidValue:
            return False
        return not matched if negated else matched

    return plain


@dataclass(frozen=True, slots=True)
class CompiledClause:
    """A clause compiled for repeated evaluation: call it with a :class:`RequestContext`."""

    clause: ConditionClause
    variables: bool
    test: Callable[[RequestContext], bool] = field(repr=False, compare=False)

    def __call__(self, ctx: RequestContext) -> bool:
        return self.test(ctx)


@lru_cache(maxsize=65536)
def compile_clause(clause: ConditionClause, *, variables: bool = True) -> CompiledClause:
    """Compile ``clause`` once (cached on the clause and the flag).

    ``variables`` is whether policy variables are substituted: true only for policies with
    ``"Version": "2012-10-17"``; otherwise ``${...}`` is literal text.
    """
    return CompiledClause(clause, variables, _build(clause, variables))


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A whole Condition block compiled: true iff every clause holds (an empty block holds)."""

    clauses: tuple[CompiledClause, ...]

    def __call__(self, ctx: RequestContext) -> bool:
        return all(clause.test(ctx) for clause in self.clauses)


def compile_condition_block(
    clauses: Sequence[ConditionClause], *, variables: bool = True
) -> CompiledCondition:
    return CompiledCondition(tuple(compile_clause(c, variables=variables) for c in clauses))


def evaluate_clause(clause: ConditionClause, ctx: RequestContext, *, variables: bool) -> bool:
    """Whether one ``operator: {key: values}`` clause holds in ``ctx``."""
    return compile_clause(clause, variables=variables).test(ctx)


def evaluate_condition_block(
    clauses: Sequence[ConditionClause], ctx: RequestContext, *, variables: bool
) -> bool:
    """Whether a whole Condition block holds: every clause must (AND across operators and keys)."""
    return all(compile_clause(c, variables=variables).test(ctx) for c in clauses)
