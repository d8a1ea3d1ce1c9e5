"""Condition operators and values: types, wildcards, set qualifiers, empty lists, IP ranges."""

from __future__ import annotations

import ipaddress
import re

from polp.iam.conditions import is_valid_value, parse_network, value_kind
from polp.iam.model import ConditionClause, Statement
from polp.iam.variables import has_variables
from polp.iam.wildcards import has_wildcard
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext
from polp.validate.finding import Severity

#: Ranges that never reach AWS as a public source address (RFC 1918, loopback, link-local, ULA).
_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
_EQUALS = frozenset(
    {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"}
)
_ESCAPES = re.compile(r"\$\{[*?$]\}")
#: The operator kinds that suit a key of each catalog type (``ArrayOf`` stripped). ARN keys take
#: String operators too, and Bool keys compare as the strings "true"/"false".
_SUITS = {
    "String": frozenset({"string", "arn"}),
    "ARN": frozenset({"arn", "string"}),
    "Bool": frozenset({"bool", "string"}),
    "Date": frozenset({"date"}),
    "Numeric": frozenset({"numeric"}),
    "IPAddress": frozenset({"ip"}),
    "Binary": frozenset({"binary"}),
}
_OPERATOR_FOR = {
    "Date": "a Date operator (DateLessThan, ...)",
    "Numeric": "a Numeric operator",
    "IPAddress": "IpAddress or NotIpAddress",
    "Binary": "BinaryEquals",
    "String": "a String operator",
    "ARN": "an ARN or String operator",
    "Bool": "Bool",
}
_EXPECTED = {
    "numeric": "a number",
    "bool": "true or false",
    "null": "true or false",
    "ip": "an IPv4 or IPv6 address or CIDR block (203.0.113.0/24)",
    "binary": "base-64 text",
    "arn": 'an ARN or "*"',
}


def check(ctx: CheckContext) -> None:
    for statement in ctx.statements:
        if not statement.condition:
            if "Condition" in statement.keys:
                ctx.report(
                    "empty-condition",
                    "The Condition element is empty: remove it or add conditions.",
                    (*statement.path, "Condition"),
                )
            continue
        for clause in statement.condition:
            _clause(ctx, statement, clause)


def _clause(ctx: CheckContext, statement: Statement, clause: ConditionClause) -> None:
    kind = value_kind(clause.base)
    if not clause.values:
        _empty(ctx, clause)
    if clause.base == "Null" and clause.qualifier:
        ctx.report(
            "null-with-qualifier",
            f'{clause.operator}: a set qualifier on Null has no meaning; use "Null" alone.',
            clause.path,
        )
    _values(ctx, clause, kind)
    info = lookups.condition_key(clause.key)
    if info is not None and kind != "null":
        base_type = info.type.removeprefix("ArrayOf")
        suits = _SUITS.get(base_type)
        variables = kind == "string" and any(has_variables(v) for v in clause.values)
        if suits is not None and kind not in suits and not variables:
            ctx.report(
                "operator-type-mismatch",
                f'"{clause.key}" is a {base_type} key: use '
                f"{_OPERATOR_FOR[base_type]} instead of {clause.base}.",
                clause.path,
            )
        if clause.qualifier == "ForAllValues" and not info.multivalued:
            ctx.report(
                "forallvalues-single-valued",
                f'"{clause.key}" has a single value, and {clause.operator} is also true when the key '
                "is absent from the request, which makes the condition overly permissive. Remove "
                '"ForAllValues:".',
                clause.path,
            )
        if clause.qualifier is None and info.multivalued:
            ctx.report(
                "missing-set-qualifier",
                f'"{clause.key}" can have several values: write ForAnyValue:{clause.operator} (some '
                f"value matches) or ForAllValues:{clause.operator} (every value matches).",
                clause.path,
            )
    if clause.key.lower() == "aws:sourceip" and kind == "ip":
        _private_ips(ctx, clause)


def _empty(ctx: CheckContext, clause: ConditionClause) -> None:
    if clause.qualifier == "ForAllValues":
        detail = (
            f"{clause.operator} with no values holds only when the key is absent; to test that, use "
            '"Null": {"' + clause.key + '": "true"}.'
        )
    elif clause.qualifier == "ForAnyValue":
        detail = f"{clause.operator} with no values never holds."
    elif clause.if_exists:
        detail = (
            f"{clause.operator} with no values holds only when the key is absent; to test that, use "
            '"Null": {"' + clause.key + '": "true"}.'
        )
    else:
        detail = "a condition without values does not do what it seems to."
    ctx.report("empty-condition", f'"{clause.key}" has an empty list of values: {detail}', clause.path)


def _values(ctx: CheckContext, clause: ConditionClause, kind: str) -> None:
    base = clause.base
    values = clause.values
    if kind == "bool" and {v.lower() for v in values} >= {"true", "false"}:
        ctx.report(
            "multiple-bool-values",
            f'"{clause.key}" is tested for both true and false: the condition '
            "always holds when the key is present. Keep one value.",
            clause.path,
        )
    for value in values:
        if has_variables(value) and kind not in ("string", "arn"):
            ctx.report(
                "variable-in-non-string-condition",
                f'"{value}": policy variables work only with String and ARN operators; with {base} the '
                "text is used literally.",
                clause.path,
            )
            continue
        if base in _EQUALS and has_wildcard(_ESCAPES.sub("", value)):
            like = base.replace("Equals", "Like").replace("IgnoreCase", "")
            ctx.report(
                "wildcard-without-like",
                f'"{value}" contains * or ?, which {base} compares literally; '
                f"use {like} if you meant a wildcard.",
                clause.path,
            )
        if kind == "string" or is_valid_value(base, value):
            continue
        if kind == "date":
            if iam_accepts_date(value):
                ctx.report(
                    "condition-value-type",
                    f'"{value}" is not an ISO 8601 date (2024-01-31 or 2024-01-31T12:00:00Z) nor epoch '
                    "seconds; IAM accepts it but it may not resolve to the time you expect.",
                    clause.path,
                )
            else:
                ctx.report(
                    "invalid-condition-value",
                    f'"{value}" is not a date: AWS rejects the policy ("The policy failed legacy '
                    'parsing"). Use ISO 8601 (2024-01-31T12:00:00Z) or epoch seconds.',
                    clause.path,
                )
            continue
        ctx.report(
            "condition-value-type",
            f'"{value}" is not {_EXPECTED[kind]}, so {base} never matches it.',
            clause.path,
        )
    if kind == "ip":
        _host_bits(ctx, clause)


def _host_bits(ctx: CheckContext, clause: ConditionClause) -> None:
    for value in clause.values:
        network = parse_network(value)
        if network is None or "/" not in value:
            continue
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError:
            ctx.report(
                "ip-host-bits",
                f'"{value}" has bits set after the prefix length, which are ignored: write "{network}".',
                clause.path,
            )


def _within(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
    block: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> bool:
    if isinstance(network, ipaddress.IPv4Network) and isinstance(block, ipaddress.IPv4Network):
        return network.subnet_of(block)
    if isinstance(network, ipaddress.IPv6Network) and isinstance(block, ipaddress.IPv6Network):
        return network.subnet_of(block)
    return False


def _private_ips(ctx: CheckContext, clause: ConditionClause) -> None:
    networks = [n for n in (parse_network(v) for v in clause.values) if n is not None]
    private = [n for n in networks if any(_within(n, p) for p in _PRIVATE)]
    if not private:
        return
    shown = ", ".join(str(n) for n in private[:3])
    if len(private) == len(networks):
        effect = "never matches" if clause.base == "IpAddress" else "always holds"
        ctx.report(
            "private-source-ip",
            f"aws:SourceIp only carries public addresses, so {clause.operator} on "
            f"private ranges ({shown}) {effect}. For requests through a VPC endpoint "
            "use aws:VpcSourceIp.",
            clause.path,
        )
    else:
        ctx.report(
            "private-source-ip",
            f"aws:SourceIp only carries public addresses; the private ranges ({shown}) "
            "have no effect. For requests through a VPC endpoint use aws:VpcSourceIp.",
            clause.path,
            Severity.SUGGESTION,
        )


_DATE_TIME = re.compile(r"(?P<date>[^t]*)(?:t(?P<time>.*))?")
_ZONE = re.compile(r"(?P<main>.*?)(?:z|[+-](?P<zh>\d{2})(?::?(?P<zm>\d{2}))?)?")


def iam_accepts_date(value: str) -> bool:
    """Whether IAM's policy parser accepts ``value`` in a Date condition (it is laxer than ISO 8601).

    Modelled on AWS's documented behaviour and the cases in moto's IAM validation tests: epoch
    seconds within a signed 64-bit range; otherwise ``[-]Y[-M[-D]][tH[:M[:S[.F]]][zone]]`` with a year
    of any length, one- or two-digit fields in range, up to nine fraction digits and a zone of ``z`` or
    ``±hh[:mm]``.
    """
    text = value.strip().lower()
    if re.fullmatch(r"-?\d+", text):
        return -(2**63) <= int(text) < 2**63 if len(text) > 4 else True
    m = _DATE_TIME.fullmatch(text)
    if m is None:
        return False
    date_text = m["date"].removeprefix("-")
    fields = date_text.split("-")
    if not fields[0].isdigit() or len(fields) > 3 or not all(f.isdigit() for f in fields):
        return False
    if len(fields) > 1 and not 1 <= int(fields[1]) <= 12:
        return False
    if len(fields) > 2 and not 1 <= int(fields[2]) <= 31:
        return False
    time_text = m["time"]
    if time_text is None or time_text == "":
        return True
    zone = _ZONE.fullmatch(time_text)
    if zone is None:
        return False
    if zone["zh"] is not None and (int(zone["zh"]) > 23 or int(zone["zm"] or 0) > 59):
        return False
    clock, _, fraction = zone["main"].partition(".")
    if fraction and (not fraction.isdigit() or len(fraction) > 9):
        return False
    pieces = clock.split(":")
    limits = (23, 59, 59)
    if len(pieces) > 3 or not all(p.isdigit() and len(p) <= 2 for p in pieces):
        return False
    return all(int(p) <= limit for p, limit in zip(pieces, limits, strict=False))
