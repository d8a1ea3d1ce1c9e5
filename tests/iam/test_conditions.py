"""Condition evaluation, case by case from the IAM user guide, plus properties.

Pages: "IAM JSON policy elements: Condition operators", "...: Condition", "Conditions with multiple
context keys or values", "Single-valued vs. multivalued context keys", "Single-valued context key
policy examples", "Multivalued context key examples", "Creating a condition that tests multiple key
values (set operations)" (older guide), "IAM policy elements: Variables and tags".
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from ipaddress import ip_network
from typing import ClassVar

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from polp.iam.conditions import (
    KNOWN_OPERATORS,
    NEGATED_OPERATORS,
    VARIABLE_OPERATORS,
    CompiledClause,
    compile_clause,
    compile_condition_block,
    evaluate_clause,
    evaluate_condition_block,
    is_negated,
    is_valid_value,
    parse_date,
    parse_network,
    parse_number,
    parse_operator,
    value_kind,
)
from polp.iam.context import RequestContext
from polp.iam.model import ConditionClause

ABSENT = object()

#: A Condition element as written in a policy: operator -> key -> value(s).
Condition = Mapping[str, Mapping[str, str | Sequence[str]]]


def clause(operator: str, key: str, values: str | Sequence[str]) -> ConditionClause:
    parsed = parse_operator(operator)
    assert parsed is not None, operator
    qualifier, base, if_exists = parsed
    vals = (values,) if isinstance(values, str) else tuple(values)
    return ConditionClause(operator=operator, key=key, values=vals, base=base, qualifier=qualifier,
                           if_exists=if_exists)


def block(condition: Condition) -> list[ConditionClause]:
    """A Condition element as written in a policy."""
    return [clause(op, key, vals) for op, keys in condition.items() for key, vals in keys.items()]


def holds(operator: str, key: str, values: str | Sequence[str], context: object = ABSENT, *,
          extra: Mapping[str, object] | None = None, variables: bool = True) -> bool:
    """Evaluate one clause; ``context`` is the value of ``key`` in the request (ABSENT: not there)."""
    raw: dict[str, object] = dict(extra or {})
    if context is not ABSENT:
        raw[key] = context
    return evaluate_clause(clause(operator, key, values), RequestContext(raw), variables=variables)


def evaluate(condition: Condition, context: Mapping[str, object], *, variables: bool = True) -> bool:
    return evaluate_condition_block(block(condition), RequestContext(context), variables=variables)


# == Operators ===========================================================================================


class TestParseOperator:
    @pytest.mark.parametrize(
        ("op", "expected"),
        [
            ("StringEquals", (None, "StringEquals", False)),
            ("StringLikeIfExists", (None, "StringLike", True)),
            ("ForAllValues:StringLike", ("ForAllValues", "StringLike", False)),
            ("ForAnyValue:StringNotEqualsIfExists", ("ForAnyValue", "StringNotEquals", True)),
            ("NotIpAddressIfExists", (None, "NotIpAddress", True)),
            ("Null", (None, "Null", False)),
            ("ForAllValues:Null", ("ForAllValues", "Null", False)),
            ("BinaryEqualsIfExists", (None, "BinaryEquals", True)),
            ("ArnNotLikeIfExists", (None, "ArnNotLike", True)),
        ],
    )
    def test_valid(self, op: str, expected: tuple[str | None, str, bool]) -> None:
        assert parse_operator(op) == expected

    @pytest.mark.parametrize(
        "op",
        [
            "ForAnyValue::StringEquals",  # exactly one colon
            "ForAnyValue:ForAllValues:StringEquals",
            "ForAllValues:",
            ":StringEquals",
            "forallvalues:StringEquals",
            "ForEachValue:StringEquals",
            "stringequals",  # operators are case-sensitive
            "STRINGEQUALS",
            "StringEqualsifexists",
            "NullIfExists",  # "IfExists ... any condition operator name except the Null condition"
            "StringEqualsIfExistsIfExists",
            "IfExists",
            "",
            "StringEqual",
            "BinaryNotEquals",
            "StringEquals ",
        ],
    )
    def test_invalid(self, op: str) -> None:
        assert parse_operator(op) is None

    def test_known_operators(self) -> None:
        assert len(KNOWN_OPERATORS) == 27
        negated = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
                   "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}
        assert negated == NEGATED_OPERATORS
        assert NEGATED_OPERATORS <= KNOWN_OPERATORS
        assert is_negated("ArnNotLike") and not is_negated("ArnLike")
        string_or_arn = {op for op in KNOWN_OPERATORS if op.startswith(("String", "Arn"))}
        assert string_or_arn == VARIABLE_OPERATORS

    @pytest.mark.parametrize(
        ("op", "kind"),
        [("StringNotLike", "string"), ("NumericGreaterThanEquals", "numeric"), ("DateEquals", "date"),
         ("Bool", "bool"), ("BinaryEquals", "binary"), ("NotIpAddress", "ip"), ("ArnEquals", "arn"),
         ("Null", "null")],
    )
    def test_value_kind(self, op: str, kind: str) -> None:
        assert value_kind(op) == kind

    def test_value_kind_unknown(self) -> None:
        with pytest.raises(ValueError):
            value_kind("StringEqualz")


class TestIsValidValue:
    @pytest.mark.parametrize(
        ("op", "value", "valid"),
        [
            ("DateLessThan", "234-13", False),
            ("DateLessThan", "9223372036854775808", False),  # beyond a signed 64-bit epoch
            ("DateLessThan", "9223372036854775807", True),
            ("DateLessThan", "-9223372036854775808", True),
            ("DateLessThan", "-9223372036854775809", False),
            ("DateLessThan", "1577836800", True),
            ("DateLessThan", "2020", True),
            ("DateLessThan", "2020-06", True),
            ("DateLessThan", "2020-01-01", True),
            ("DateLessThan", "2020-01-01T00:00Z", True),
            ("DateLessThan", "2020-01-01T00:00:01Z", True),
            ("DateLessThan", "2013-08-16T12:00:00Z", True),
            ("DateLessThan", "2020-01-01T00:00:00.123456789Z", True),
            ("DateLessThan", "2020-01-01T00:00:00+02:00", True),
            ("DateLessThan", "2020-01-01T00:00:00", True),
            ("DateLessThan", "2020-13-01", False),
            ("DateLessThan", "2020-02-30", False),
            ("DateLessThan", "2020-01-01T24:00:00Z", False),
            ("DateLessThan", "2020-01-01T12:60:00Z", False),
            ("DateLessThan", "2020-01-01 00:00:00Z", False),
            ("DateLessThan", "2020-1-1", False),
            ("DateLessThan", "", False),
            ("DateLessThan", "yesterday", False),
            ("DateLessThan", "2020-01-01T00:00:00Z ", False),
            ("DateEquals", "${aws:CurrentTime}", False),  # no variables in Date operators
            ("Bool", "true", True),
            ("Bool", "false", True),
            ("Bool", "True", True),
            ("Bool", "FALSE", True),
            ("Bool", "maybe", False),
            ("Bool", "1", False),
            ("Bool", "", False),
            ("Null", "true", True),
            ("Null", "False", True),
            ("Null", "yes", False),
            ("NumericEquals", "10", True),
            ("NumericEquals", "-1.5", True),
            ("NumericEquals", "0.25", True),
            ("NumericEquals", "1e3", True),
            ("NumericEquals", "ten", False),
            ("NumericEquals", "", False),
            ("NumericEquals", "1_000", False),
            ("NumericEquals", "NaN", False),
            ("NumericEquals", "Infinity", False),
            ("NumericEquals", "0x10", False),
            ("NumericEquals", " 10", False),
            ("IpAddress", "203.0.113.0/24", True),
            ("IpAddress", "203.0.113.5", True),
            ("IpAddress", "2001:DB8:1234:5678::/64", True),
            ("IpAddress", "2001:db8::1", True),
            ("IpAddress", "203.0.113.0/33", False),
            ("IpAddress", "256.0.0.1", False),
            ("IpAddress", "203.0.113/24", False),
            ("IpAddress", "1.2.3.4/255.255.255.0", False),
            ("IpAddress", "fe80::1%eth0", False),
            ("IpAddress", "2001:db8::/129", False),
            ("IpAddress", "example.com", False),
            ("NotIpAddress", "", False),
            ("BinaryEquals", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", True),
            ("BinaryEquals", "not base64!", False),
            ("BinaryEquals", "QmluYXJ5", True),
            ("BinaryEquals", "QmluYXJ", False),
            ("ArnEquals", "arn:aws:sns:REGION:123456789012:TOPIC-ID", True),
            ("ArnLike", "arn:aws:s3:::bucket/*", True),
            ("ArnLike", "*", True),
            ("ArnLike", "${aws:SourceArn}", True),
            ("ArnLike", "not-an-arn", False),
            ("StringEquals", "anything at all", True),
            ("StringLike", "", True),
            ("StringEqualz", "x", False),
        ],
    )
    def test_values(self, op: str, value: str, valid: bool) -> None:
        assert is_valid_value(op, value) is valid


class TestParsers:
    def test_date_forms_denote_the_same_instant(self) -> None:
        midnight = parse_date("2020-01-01T00:00:00Z")
        assert midnight == 1577836800 * 10**9
        for same in ("2020", "2020-01", "2020-01-01", "2020-01-01T00:00Z", "2020-01-01T00:00:00.000Z",
                     "2020-01-01T02:00:00+02:00", "2019-12-31T19:00:00-0500", "2020-01-01T00:00:00",
                     "2020-01-01t00:00:00z", "1577836800"):
            assert parse_date(same) == midnight, same
        assert parse_date("2020-01-01T00:00:00.5Z") == midnight + 500_000_000

    def test_numbers(self) -> None:
        assert parse_number("10") == parse_number("10.0") == parse_number("1e1")
        assert parse_number("abc") is None

    def test_networks(self) -> None:
        # "If you specify an IP address without the associated routing prefix, IAM uses the default
        # prefix value of /32."
        assert str(parse_network("203.0.113.7")) == "203.0.113.7/32"
        assert str(parse_network("2001:db8::1")) == "2001:db8::1/128"
        assert str(parse_network("203.0.113.7/24")) == "203.0.113.0/24"


# == Missing keys ========================================================================================


class TestMissingKeys:
    """"If the key that you specify in a policy condition is not present in the request context, the
    values do not match and the condition is false. If the policy condition requires that the key is
    not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition
    is true. This logic applies to all condition operators except ...IfExists and Null check.\""""

    SAMPLE: ClassVar[dict[str, str]] = {
        "StringEquals": "x", "StringNotEquals": "x", "StringEqualsIgnoreCase": "x",
        "StringNotEqualsIgnoreCase": "x", "StringLike": "*", "StringNotLike": "x*",
        "NumericEquals": "1", "NumericNotEquals": "1", "NumericLessThan": "1", "NumericLessThanEquals": "1",
        "NumericGreaterThan": "1", "NumericGreaterThanEquals": "1",
        "DateEquals": "2020-01-01", "DateNotEquals": "2020-01-01", "DateLessThan": "2020-01-01",
        "DateLessThanEquals": "2020-01-01", "DateGreaterThan": "2020-01-01",
        "DateGreaterThanEquals": "2020-01-01", "Bool": "true", "BinaryEquals": "QmluYXJ5",
        "IpAddress": "203.0.113.0/24", "NotIpAddress": "203.0.113.0/24", "ArnEquals": "arn:aws:s3:::b",
        "ArnLike": "*", "ArnNotEquals": "arn:aws:s3:::b", "ArnNotLike": "arn:*",
    }

    def test_sample_covers_every_operator(self) -> None:
        assert set(self.SAMPLE) == KNOWN_OPERATORS - {"Null"}

    @pytest.mark.parametrize("op", sorted(KNOWN_OPERATORS - {"Null"}))
    def test_absent_key(self, op: str) -> None:
        assert holds(op, "k", self.SAMPLE[op]) is (op in NEGATED_OPERATORS)

    @pytest.mark.parametrize("op", sorted(KNOWN_OPERATORS - {"Null"}))
    def test_absent_key_with_if_exists_is_true(self, op: str) -> None:
        assert holds(op + "IfExists", "k", self.SAMPLE[op]) is True

    @pytest.mark.parametrize("op", sorted(KNOWN_OPERATORS - {"Null"}))
    def test_empty_list_counts_as_absent(self, op: str) -> None:
        assert holds(op, "k", self.SAMPLE[op], []) is (op in NEGATED_OPERATORS)
        assert holds(op + "IfExists", "k", self.SAMPLE[op], []) is True


# == String ===============================================================================================


class TestString:
    def test_doc_string_equals_principal_tag(self) -> None:
        # "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}
        op, key, val = "StringEquals", "aws:PrincipalTag/job-category", "iamuser-admin"
        assert holds(op, key, val, "iamuser-admin")
        assert not holds(op, key, val, "dev-ops")
        # "If a user without the tag attempts to view or edit an access key, the condition returns false"
        assert not holds(op, key, val)

    def test_doc_string_equals_is_case_sensitive(self) -> None:
        # Condition element: StringEquals aws:username johndoe - "Users named JohnDoe are denied access."
        assert holds("StringEquals", "aws:username", "johndoe", "johndoe")
        assert not holds("StringEquals", "aws:username", "johndoe", "JohnDoe")

    def test_doc_string_equals_ignore_case(self) -> None:
        # "StringEqualsIgnoreCase operator to match users named johndoe or JohnDoe"
        assert holds("StringEqualsIgnoreCase", "aws:username", "johndoe", "johndoe")
        assert holds("StringEqualsIgnoreCase", "aws:username", "johndoe", "JohnDoe")
        assert not holds("StringEqualsIgnoreCase", "aws:username", "johndoe", "janedoe")
        assert not holds("StringNotEqualsIgnoreCase", "aws:username", "johndoe", "JOHNDOE")
        assert holds("StringNotEqualsIgnoreCase", "aws:username", "johndoe", "janedoe")

    def test_doc_string_like_home_directory(self) -> None:
        # StringLike s3:prefix ["", "home/", "home/${aws:username}/"]
        values = ["", "home/", "home/${aws:username}/"]
        user = {"aws:username": "martha_rivera"}
        assert holds("StringLike", "s3:prefix", values, "", extra=user)
        assert holds("StringLike", "s3:prefix", values, "home/", extra=user)
        assert holds("StringLike", "s3:prefix", values, "home/martha_rivera/", extra=user)
        assert not holds("StringLike", "s3:prefix", values, "home/carlos_salazar/", extra=user)
        # "You must specify wildcards to achieve partial string matches."
        assert not holds("StringLike", "s3:prefix", values, "home/martha_rivera/photos/", extra=user)
        assert not holds("StringLike", "s3:prefix", values, extra=user)

    def test_string_like_wildcards(self) -> None:
        # "multi-character match wildcards (*) and single-character match wildcards (?) anywhere"
        assert holds("StringLike", "k", "a*z", "az")
        assert holds("StringLike", "k", "a*z", "a/b:c z")
        assert holds("StringLike", "k", "a?z", "abz")
        assert not holds("StringLike", "k", "a?z", "az")
        assert not holds("StringLike", "k", "a?z", "abbz")
        assert holds("StringLike", "k", "*", "")
        assert holds("StringLike", "k", "*.example.com", "a.b.example.com")
        assert not holds("StringLike", "k", "a*", "A")  # case-sensitive
        assert holds("StringLike", "k", "line*", "line1\nline2")

    def test_string_equals_treats_wildcards_literally(self) -> None:
        assert not holds("StringEquals", "k", "a*", "abc")
        assert holds("StringEquals", "k", "a*", "a*")

    def test_doc_variables_page_prefix(self) -> None:
        # {"StringLike": {"s3:prefix": ["${aws:PrincipalTag/team}/*"]}}
        ctx = {"aws:PrincipalTag/team": "marketing"}
        assert holds("StringLike", "s3:prefix", "${aws:PrincipalTag/team}/*", "marketing/plan.doc", extra=ctx)
        assert not holds("StringLike", "s3:prefix", "${aws:PrincipalTag/team}/*", "sales/plan.doc", extra=ctx)
        assert not holds("StringLike", "s3:prefix", "${aws:PrincipalTag/team}/*", "marketing/x")  # no tag

    def test_doc_cost_center(self) -> None:
        # StringLike iam:ResourceTag/costCenter ["12345", "67890"]: "If the tag has no value, or has any
        # other value, then the request fails."
        values = ["12345", "67890"]
        assert holds("StringLike", "iam:ResourceTag/costCenter", values, "12345")
        assert holds("StringLike", "iam:ResourceTag/costCenter", values, "67890")
        assert not holds("StringLike", "iam:ResourceTag/costCenter", values, "")
        assert not holds("StringLike", "iam:ResourceTag/costCenter", values, "11111")
        assert not holds("StringLike", "iam:ResourceTag/costCenter", values)

    def test_doc_sns_endpoint(self) -> None:
        condition: Condition = {"StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                     "StringEquals": {"sns:Protocol": "https"}}
        base = {"aws:username": "Bob", "sns:Protocol": "https"}
        assert evaluate(condition, {**base, "sns:endpoint": "https://example.com/Bob/"})
        assert not evaluate(condition, {**base, "sns:endpoint": "https://example.com/Alice/"})
        assert not evaluate(condition, {**base, "sns:endpoint": "https://example.com/Bob/",
                                        "sns:Protocol": "http"})

    def test_doc_existing_object_tag_owner(self) -> None:
        # AllowUnlessOwnedBySomeoneElse: StringEquals s3:ExistingObjectTag/owner ${aws:PrincipalTag/owner}
        op, key, val = "StringEquals", "s3:ExistingObjectTag/owner", "${aws:PrincipalTag/owner}"
        assert holds(op, key, val, "ana", extra={"aws:PrincipalTag/owner": "ana"})
        assert not holds(op, key, val, "ana", extra={"aws:PrincipalTag/owner": "bob"})
        # "When you use a variable with no value ... StringEquals or StringLike do not match"
        assert not holds(op, key, val, "ana")
        assert not holds("StringLike", key, val, "ana")

    def test_doc_negated_operator_against_variable_with_no_value(self) -> None:
        # "Inverted condition operators like StringNotEquals or StringNotLike do match against a null
        # value": Deny StringNotEquals s3:ExistingObjectTag/Team ${aws:PrincipalTag/Team} - "Access is
        # explicitly denied when aws:principaltag/Team is not set."
        op, key, val = "StringNotEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}"
        assert holds(op, key, val, "blue")
        assert holds("StringNotLike", key, val, "blue")
        assert holds(op, key, val, "blue", extra={"aws:PrincipalTag/Team": "red"})
        assert not holds(op, key, val, "blue", extra={"aws:PrincipalTag/Team": "blue"})

    def test_variables_only_with_version_2012_10_17(self) -> None:
        # "If you don't include the Version element ... variables like ${aws:username} are treated as
        # literal strings in the policy."
        user = {"aws:username": "Bob"}
        assert holds("StringEquals", "k", "${aws:username}", "Bob", extra=user)
        assert not holds("StringEquals", "k", "${aws:username}", "Bob", extra=user, variables=False)
        assert holds("StringEquals", "k", "${aws:username}", "${aws:username}", extra=user, variables=False)
        assert holds("StringLike", "k", "${aws:username}*", "${aws:username}-x", variables=False)
        assert not holds("StringNotEquals", "k", "${aws:username}", "${aws:username}", variables=False)

    def test_special_character_variables(self) -> None:
        # ${*} and ${?} are literal characters, not wildcards.
        assert holds("StringLike", "k", "report${*}.txt", "report*.txt")
        assert not holds("StringLike", "k", "report${*}.txt", "report-2020.txt")
        assert holds("StringLike", "k", "what${?}", "what?")
        assert not holds("StringLike", "k", "what${?}", "whatX")
        assert holds("StringEquals", "k", "cost${$}", "cost$")

    def test_substituted_value_is_not_a_wildcard(self) -> None:
        star = {"aws:username": "*"}
        assert holds("StringLike", "s3:prefix", "home/${aws:username}/*", "home/*/x", extra=star)
        assert not holds("StringLike", "s3:prefix", "home/${aws:username}/*", "home/alice/x", extra=star)

    def test_multivalued_key_cannot_be_a_variable(self) -> None:
        tags = {"aws:TagKeys": ["a"]}
        assert not holds("StringEquals", "k", "${aws:TagKeys}", "a", extra=tags)
        assert holds("StringEquals", "k", "${aws:TagKeys, 'a'}", "a", extra=tags)

    def test_variable_key_case_insensitive_and_default(self) -> None:
        team = "${aws:PrincipalTag/team, 'company-wide'}"
        assert holds("StringEquals", "k", team, "company-wide")
        assert holds("StringEquals", "k", team, "yellow", extra={"AWS:PRINCIPALTAG/TEAM": "yellow"})
        assert not holds("StringEquals", "k", team, "company-wide", extra={"aws:PrincipalTag/team": "yellow"})

    def test_ignore_case_with_variables(self) -> None:
        assert holds("StringEqualsIgnoreCase", "k", "${aws:username}", "BOB", extra={"aws:username": "bob"})
        assert not holds("StringEqualsIgnoreCase", "k", "${aws:username}", "BOB")


# == Numeric ==============================================================================================


class TestNumeric:
    def test_doc_max_keys(self) -> None:
        # {"NumericLessThanEquals": {"s3:max-keys": "10"}}
        assert holds("NumericLessThanEquals", "s3:max-keys", "10", "10")
        assert holds("NumericLessThanEquals", "s3:max-keys", "10", "3")
        assert not holds("NumericLessThanEquals", "s3:max-keys", "10", "11")
        assert not holds("NumericLessThanEquals", "s3:max-keys", "10")

    @pytest.mark.parametrize(
        ("op", "context", "expected"),
        [
            ("NumericEquals", "10", True), ("NumericEquals", "10.0", True), ("NumericEquals", "11", False),
            ("NumericNotEquals", "10", False), ("NumericNotEquals", "11", True),
            ("NumericLessThan", "9.99", True), ("NumericLessThan", "10", False),
            ("NumericLessThanEquals", "10", True), ("NumericLessThanEquals", "10.01", False),
            ("NumericGreaterThan", "10.5", True), ("NumericGreaterThan", "10", False),
            ("NumericGreaterThanEquals", "10", True), ("NumericGreaterThanEquals", "-10", False),
        ],
    )
    def test_comparisons(self, op: str, context: str, expected: bool) -> None:
        assert holds(op, "k", "10", context) is expected

    def test_json_numbers_and_booleans_in_context(self) -> None:
        assert holds("NumericEquals", "k", "10", 10)
        assert holds("NumericLessThan", "k", "1", 0.5)

    def test_several_policy_values_are_ored(self) -> None:
        assert holds("NumericLessThan", "k", ["5", "20"], "10")
        assert not holds("NumericGreaterThan", "k", ["50", "20"], "10")
        assert holds("NumericEquals", "k", ["1", "2", "3"], "2")
        # negated: true iff the value matches none of them
        assert not holds("NumericNotEquals", "k", ["1", "2", "3"], "2")
        assert holds("NumericNotEquals", "k", ["1", "2", "3"], "4")

    def test_no_variables_in_numeric_operators(self) -> None:
        # "You can not use a policy variable with the Numeric condition operator."
        assert not holds("NumericEquals", "k", "${aws:n}", "5", extra={"aws:n": "5"})


# == Date =================================================================================================


class TestDate:
    def test_doc_token_issue_time(self) -> None:
        # {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
        op, key, val = "DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z"
        assert holds(op, key, val, "2020-06-01T12:00:00Z")
        assert not holds(op, key, val, "2020-01-01T00:00:01Z")
        assert not holds(op, key, val, "2019-12-31T23:59:59Z")
        # "The key is not present in ... requests that are made using access keys ... the request is denied."
        assert not holds(op, key, val)

    def test_doc_condition_block_time_window_and_ip(self) -> None:
        # Condition element: a time window on aws:CurrentTime ANDed with aws:SourceIp ranges.
        condition: Condition = {"DateGreaterThan": {"aws:CurrentTime": "2019-07-16T12:00:00Z"},
                     "DateLessThan": {"aws:CurrentTime": "2019-07-16T15:00:00Z"},
                     "IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}
        def at(time: str, ip: str) -> dict[str, object]:
            return {"aws:CurrentTime": time, "aws:SourceIp": ip}

        assert evaluate(condition, at("2019-07-16T13:30:00Z", "192.0.2.1"))
        assert evaluate(condition, at("2019-07-16T14:59:59Z", "203.0.113.9"))
        assert not evaluate(condition, at("2019-07-16T15:00:00Z", "192.0.2.1"))
        assert not evaluate(condition, at("2019-07-16T13:30:00Z", "198.51.100.1"))
        assert not evaluate(condition, {"aws:SourceIp": "192.0.2.1"})

    def test_epoch_and_iso_compare(self) -> None:
        # "You must specify date/time values with one of the W3C implementations of the ISO 8601 date
        # formats or in epoch (UNIX) time."
        assert holds("DateEquals", "aws:EpochTime", "2020-01-01T00:00:00Z", "1577836800")
        assert holds("DateEquals", "aws:CurrentTime", "1577836800", "2020-01-01T00:00:00Z")
        assert holds("DateLessThan", "aws:EpochTime", "1577836801", "1577836800")
        assert holds("DateEquals", "aws:CurrentTime", "2020-01-01", "2020-01-01T00:00:00Z")
        assert holds("DateEquals", "aws:CurrentTime", "2020-01-01T01:00:00+01:00", "2020-01-01T00:00:00Z")
        assert not holds("DateEquals", "aws:CurrentTime", "2020-01-01", "2020-01-01T00:00:00.001Z")
        assert holds("DateNotEquals", "aws:CurrentTime", "2020-01-01", "2020-01-01T00:00:00.001Z")
        assert holds("DateGreaterThanEquals", "aws:CurrentTime", "2020-01-01", "2020-01-01T00:00:00Z")
        assert holds("DateLessThanEquals", "aws:CurrentTime", "2020-01-01", "2020-01-01T00:00:00Z")

    def test_no_wildcards_in_dates(self) -> None:
        # "Wildcards are not permitted for date condition operators."
        assert not holds("DateEquals", "aws:CurrentTime", "2020-01-*", "2020-01-05")
        assert not holds("DateNotEquals", "aws:CurrentTime", "2020-01-*", "2020-01-05")

    def test_no_variables_in_date_operators(self) -> None:
        # "You can not use a policy variable with the Date condition operator."
        ctx = {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}
        assert not holds("DateEquals", "aws:CurrentTime", "${aws:TokenIssueTime}", "2020-01-01T00:00:00Z",
                         extra=ctx)


# == Bool / Binary ========================================================================================


class TestBool:
    def test_doc_secure_transport(self) -> None:
        # Deny {"Bool": {"aws:SecureTransport": "false"}} - requests not over SSL.
        assert holds("Bool", "aws:SecureTransport", "false", "false")
        assert holds("Bool", "aws:SecureTransport", "false", False)
        assert not holds("Bool", "aws:SecureTransport", "false", "true")
        assert not holds("Bool", "aws:SecureTransport", "false")

    def test_case_insensitive(self) -> None:
        assert holds("Bool", "aws:MultiFactorAuthPresent", "True", "true")
        assert holds("Bool", "aws:MultiFactorAuthPresent", "true", "TRUE")
        assert holds("Bool", "aws:MultiFactorAuthPresent", "TRUE", True)

    def test_bool_if_exists(self) -> None:
        # A common pattern: BoolIfExists aws:MultiFactorAuthPresent false.
        assert holds("BoolIfExists", "aws:MultiFactorAuthPresent", "false")
        assert holds("BoolIfExists", "aws:MultiFactorAuthPresent", "false", "false")
        assert not holds("BoolIfExists", "aws:MultiFactorAuthPresent", "false", "true")


class TestBinary:
    def test_doc_binary_equals(self) -> None:
        # "BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="} - byte for byte against base-64.
        value = "QmluYXJ5VmFsdWVJbkJhc2U2NA=="
        assert holds("BinaryEquals", "key", value, value)
        assert not holds("BinaryEquals", "key", value, "QmluYXJ5")
        assert not holds("BinaryEquals", "key", value)
        assert holds("BinaryEqualsIfExists", "key", value)


# == IP address ===========================================================================================


class TestIpAddress:
    def test_doc_source_ip_range(self) -> None:
        # {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}: "the IP range 203.0.113.0 to 203.0.113.255"
        for ip in ("203.0.113.0", "203.0.113.1", "203.0.113.255"):
            assert holds("IpAddress", "aws:SourceIp", "203.0.113.0/24", ip)
        for ip in ("203.0.112.255", "203.0.114.0", "198.51.100.1"):
            assert not holds("IpAddress", "aws:SourceIp", "203.0.113.0/24", ip)
        # "The aws:SourceIp key is always present ... except when the requester uses a VPC endpoint
        # ... In this case, the condition returns false"
        assert not holds("IpAddress", "aws:SourceIp", "203.0.113.0/24")

    def test_doc_mixed_ipv4_ipv6(self) -> None:
        values = ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]
        assert holds("IpAddress", "aws:SourceIp", values, "203.0.113.7")
        assert holds("IpAddress", "aws:SourceIp", values, "2001:db8:1234:5678::1")
        assert holds("IpAddress", "aws:SourceIp", values, "2001:DB8:1234:5678:ffff:ffff:ffff:ffff")
        assert not holds("IpAddress", "aws:SourceIp", values, "2001:db8:1234:5679::1")
        assert not holds("IpAddress", "aws:SourceIp", values, "198.51.100.1")

    def test_address_without_prefix_is_a_slash_32(self) -> None:
        assert holds("IpAddress", "aws:SourceIp", "203.0.113.7", "203.0.113.7")
        assert not holds("IpAddress", "aws:SourceIp", "203.0.113.7", "203.0.113.8")
        assert holds("IpAddress", "aws:SourceIp", "2001:db8::1", "2001:DB8:0:0:0:0:0:1")

    def test_not_ip_address(self) -> None:
        # "All IP addresses except the specified IP address or range"
        assert not holds("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.7")
        assert holds("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1")
        assert holds("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"], "198.51.100.1")
        assert not holds("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"], "2001:db8::5")
        assert holds("NotIpAddress", "aws:SourceIp", "203.0.113.0/24")  # negated, key absent

    def test_context_range(self) -> None:
        assert holds("IpAddress", "k", "10.0.0.0/8", "10.1.0.0/16")
        assert not holds("IpAddress", "k", "10.1.0.0/16", "10.0.0.0/8")

    def test_families_do_not_mix(self) -> None:
        assert not holds("IpAddress", "aws:SourceIp", "0.0.0.0/0", "2001:db8::1")
        assert not holds("IpAddress", "aws:SourceIp", "::/0", "203.0.113.7")
        assert holds("IpAddress", "aws:SourceIp", "::/0", "2001:db8::1")

    def test_no_variables_in_ip_operators(self) -> None:
        assert not holds("IpAddress", "aws:SourceIp", "${aws:ip}", "1.2.3.4", extra={"aws:ip": "1.2.3.4"})


# == ARN ==================================================================================================


class TestArn:
    def test_doc_arn_equals_source_arn(self) -> None:
        # {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:REGION:123456789012:TOPIC-ID"}}
        topic = "arn:aws:sns:REGION:123456789012:TOPIC-ID"
        assert holds("ArnEquals", "aws:SourceArn", topic, topic)
        assert not holds("ArnEquals", "aws:SourceArn", topic, "arn:aws:sns:REGION:123456789012:OTHER")
        # "If an IAM user attempts to perform this operation directly, the condition returns false"
        assert not holds("ArnEquals", "aws:SourceArn", topic)

    def test_doc_arn_like_matches_per_segment_but_string_like_does_not(self) -> None:
        pattern = "arn:aws:someservice:*:111122223333:finance/*"
        value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
        # "With a StringLike condition, the match succeeds."
        assert holds("StringLike", "aws:SourceArn", pattern, value)
        # "With an ArnLike condition, which matches elements between colons, the match fails."
        assert not holds("ArnLike", "aws:SourceArn", pattern, value)
        assert not holds("ArnEquals", "aws:SourceArn", pattern, value)
        assert holds("ArnNotLike", "aws:SourceArn", pattern, value)
        assert holds("ArnLike", "aws:SourceArn", pattern,
                     "arn:aws:someservice:us-east-2:111122223333:finance/document.txt")

    @pytest.mark.parametrize(
        ("pattern", "arn", "expected"),
        [
            ("arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:role/Admin", True),
            ("arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:user/Admin", False),
            ("arn:aws:iam::*:role/Admin", "arn:aws:iam::111122223333:role/Admin", True),
            ("arn:aws:iam::????????????:role/Admin", "arn:aws:iam::111122223333:role/Admin", True),
            ("arn:aws:iam::???:role/Admin", "arn:aws:iam::111122223333:role/Admin", False),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b:c", True),  # resource may hold colons
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::BUCKET/a", False),  # case-sensitive
            ("arn:*:s3:::bucket", "arn:aws-cn:s3:::bucket", True),
            ("*", "arn:aws:s3:::bucket", True),
            ("arn:aws:sqs:us-east-1:123456789012:queue", "arn:aws:sqs:us-east-1:123456789012:queue", True),
            ("arn:aws:sqs:us-east-1:123456789012:queue", "not-an-arn", False),
        ],
    )
    def test_arn_matching(self, pattern: str, arn: str, expected: bool) -> None:
        # "ArnEquals and ArnLike condition operators behave identically", likewise the negations.
        assert holds("ArnLike", "aws:SourceArn", pattern, arn) is expected
        assert holds("ArnEquals", "aws:SourceArn", pattern, arn) is expected
        assert holds("ArnNotLike", "aws:SourceArn", pattern, arn) is not expected
        assert holds("ArnNotEquals", "aws:SourceArn", pattern, arn) is not expected

    def test_arn_with_variables(self) -> None:
        user = {"aws:username": "Bob"}
        pattern, bob, eve = ("arn:aws:iam::123456789012:user/${aws:username}",
                             "arn:aws:iam::123456789012:user/Bob", "arn:aws:iam::123456789012:user/Eve")
        assert holds("ArnLike", "aws:PrincipalArn", pattern, bob, extra=user)
        assert not holds("ArnLike", "aws:PrincipalArn", pattern, eve, extra=user)
        assert not holds("ArnLike", "aws:PrincipalArn", pattern, bob)
        assert holds("ArnNotLike", "aws:PrincipalArn", pattern, bob)
        # a substituted "*" is literal
        star = {"aws:username": "*"}
        assert not holds("ArnLike", "aws:PrincipalArn", pattern, bob, extra=star)

    def test_whole_arn_from_a_variable_is_read_as_an_arn(self) -> None:
        ctx = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/R"}
        assert holds("ArnEquals", "aws:SourceArn", "${aws:PrincipalArn}", "arn:aws:iam::123456789012:role/R",
                     extra=ctx)
        assert not holds("ArnEquals", "aws:SourceArn", "${aws:PrincipalArn}",
                         "arn:aws:iam::123456789012:role/X", extra=ctx)


# == IfExists / Null ======================================================================================


class TestIfExists:
    def test_doc_instance_type(self) -> None:
        values = ["t1.*", "t2.*", "m3.*"]
        # THISPOLICYDOESNOTWORK: resources without ec2:InstanceType make StringLike fail.
        assert not holds("StringLike", "ec2:InstanceType", values)
        # "use the StringLikeIfExists condition operator instead ... the test only happens if the
        # condition key exists"
        assert holds("StringLikeIfExists", "ec2:InstanceType", values)
        assert holds("StringLikeIfExists", "ec2:InstanceType", values, "t2.micro")
        assert holds("StringLikeIfExists", "ec2:InstanceType", values, "m3.large")
        assert not holds("StringLikeIfExists", "ec2:InstanceType", values, "m4.large")

    def test_doc_negated_if_exists_still_denies_when_missing(self) -> None:
        # "If you are using an "Effect": "Deny" element with a negated condition operator like
        # StringNotEqualsIfExists, the request is still denied even if the tag is missing."
        assert holds("StringNotEqualsIfExists", "aws:ResourceTag/env", "prod")
        assert holds("StringNotEqualsIfExists", "aws:ResourceTag/env", "prod", "dev")
        assert not holds("StringNotEqualsIfExists", "aws:ResourceTag/env", "prod", "prod")

    def test_other_conditions_can_still_fail(self) -> None:
        # "Other condition elements in the statement can still result in a nonmatch, but not a
        # missing key when checked with ...IfExists."
        condition: Condition = {"StringLikeIfExists": {"ec2:InstanceType": ["t2.*"]},
                     "StringEquals": {"aws:RequestedRegion": "us-east-1"}}
        assert evaluate(condition, {"aws:RequestedRegion": "us-east-1"})
        assert not evaluate(condition, {"aws:RequestedRegion": "eu-west-1"})


class TestNull:
    def test_doc_token_issue_time(self) -> None:
        # {"Null": {"aws:TokenIssueTime": "true"}}: the user must not be using temporary credentials.
        assert holds("Null", "aws:TokenIssueTime", "true")
        assert not holds("Null", "aws:TokenIssueTime", "true", "2020-01-01T00:00:00Z")

    def test_false_means_present(self) -> None:
        # "false (the key exists and its value is not null)"
        assert holds("Null", "aws:TokenIssueTime", "false", "2020-01-01T00:00:00Z")
        assert not holds("Null", "aws:TokenIssueTime", "false")

    def test_empty_values_are_null(self) -> None:
        assert holds("Null", "aws:TagKeys", "true", [])
        assert not holds("Null", "aws:TagKeys", "false", [])
        assert holds("Null", "aws:TagKeys", "true", "")
        assert holds("Null", "aws:TagKeys", "false", ["a"])

    def test_values_are_ored_and_case_insensitive(self) -> None:
        assert holds("Null", "k", ["true", "false"])
        assert holds("Null", "k", ["true", "false"], "x")
        assert holds("Null", "k", "TRUE")
        assert holds("Null", "k", "False", "x")

    def test_invalid_value_is_false(self) -> None:
        assert not holds("Null", "k", "maybe")
        assert not holds("Null", "k", "maybe", "x")

    def test_no_variables_in_null(self) -> None:
        assert not holds("Null", "k", "${aws:x}", extra={"aws:x": "true"})

    def test_qualifier_has_no_effect(self) -> None:
        assert holds("ForAllValues:Null", "k", "true")
        assert holds("ForAnyValue:Null", "k", "false", ["a", "b"])


# == Set operators ========================================================================================


class TestSetOperatorsOlderGuide:
    """"Creating a Condition That Tests Multiple Key Values (Set Operations)"."""

    ALLOWED: ClassVar[list[str]] = ["PostDateTime", "Message", "Tags"]
    FORBIDDEN: ClassVar[list[str]] = ["ID", "PostDateTime"]

    def test_for_all_values_allowed_attributes(self) -> None:
        op, key = "ForAllValues:StringLike", "dynamodb:requestedAttributes"
        # "get the attributes PostDateTime and Message ... the request is allowed"
        assert holds(op, key, self.ALLOWED, ["PostDateTime", "Message"])
        # "if the user's request includes the ID attribute, the request fails"
        assert not holds(op, key, self.ALLOWED, ["PostDateTime", "Message", "ID"])
        # "PostDateTime and UserName ... There's no match for UserName, so the condition operator
        # returns false"
        assert not holds(op, key, self.ALLOWED, ["PostDateTime", "UserName"])

    def test_for_any_value_forbidden_attributes(self) -> None:
        op, key = "ForAnyValue:StringLike", "dynamodb:requestedAttributes"
        # "update the PostDateTime and Message attributes ... there is one match (PostDateTime), so
        # the condition is true"
        assert holds(op, key, self.FORBIDDEN, ["PostDateTime", "Message"])
        # "PutItem with just the UserName attribute ... The condition returns false"
        assert not holds(op, key, self.FORBIDDEN, ["UserName"])
        # "UserName, Message, and PostDateTime ... The last test returns true, so the condition is true"
        assert holds(op, key, self.FORBIDDEN, ["UserName", "Message", "PostDateTime"])

    def test_empty_data_set(self) -> None:
        # "If the key values in the request resolve to an empty data set (for example, an empty
        # string), a condition operator modified by ForAllValues returns true, and a condition
        # operator modified by ForAnyValue returns false."
        for empty in ([], "", [""]):
            assert holds("ForAllValues:StringLike", "dynamodb:requestedAttributes", self.ALLOWED, empty)
            assert not holds("ForAnyValue:StringLike", "dynamodb:requestedAttributes", self.FORBIDDEN, empty)


class TestMultivaluedExamples:
    """"Multivalued context key examples"."""

    def test_deny_for_all_values_single_value(self) -> None:
        op, key, val = "ForAllValues:StringNotLike", "aws:TagKeys", "key1*"
        assert not holds(op, key, val, ["key1:legal"])
        assert not holds(op, key, val, ["key1:hr", "key1:personnel"])
        assert holds(op, key, val, ["key2:audit"])
        assert holds(op, key, val)  # "No aws:TagKeys in the request context" - Match

    def test_deny_for_all_values_several_values(self) -> None:
        op, key, val = "ForAllValues:StringNotLike", "aws:TagKeys", ["key1*", "key2*"]
        assert not holds(op, key, val, ["key1:legal"])
        assert not holds(op, key, val, ["key1:hr", "key1:personnel"])
        assert not holds(op, key, val, ["key1:hr", "key2:audit"])
        assert holds(op, key, val, ["key3:legal"])
        assert holds(op, key, val)

    def test_deny_for_any_value(self) -> None:
        op, key, val = "ForAnyValue:StringEquals", "aws:TagKeys", "webserver"
        assert holds(op, key, val, ["webserver"])
        assert holds(op, key, val, ["environment", "webserver", "test"])
        assert not holds(op, key, val, ["environment", "test"])
        assert not holds(op, key, val)

    def test_null_check_prevents_missing_keys_matching(self) -> None:
        # "You can prevent missing context keys or context keys with empty values from evaluating to
        # true by including a Null condition operator in your policy with a value of false"
        condition: Condition = {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"},
                                "Null": {"aws:TagKeys": "false"}}
        assert not evaluate(condition, {})
        assert not evaluate(condition, {"aws:TagKeys": []})
        assert evaluate(condition, {"aws:TagKeys": ["key2:audit"]})


class TestSingleVsMultivaluedPage:
    """"Single-valued vs. multivalued context keys"."""

    TAGS: ClassVar[list[str]] = ["environment", "cost-center"]

    def test_for_all_values_with_null_check(self) -> None:
        condition: Condition = {"ForAllValues:StringEquals": {"aws:TagKeys": self.TAGS},
                                "Null": {"aws:TagKeys": "false"}}
        assert evaluate(condition, {"aws:TagKeys": ["environment"]})
        assert evaluate(condition, {"aws:TagKeys": ["cost-center"]})
        assert evaluate(condition, {"aws:TagKeys": ["environment", "cost-center"]})
        assert not evaluate(condition, {"aws:TagKeys": ["environment", "dept"]})
        # "the result is "No Match" because the Null condition check prevents matching when the
        # context key is missing"
        assert not evaluate(condition, {})

    def test_for_all_values_returns_true_without_keys(self) -> None:
        # "It also returns true if there are no context keys in the request."
        assert holds("ForAllValues:StringEquals", "aws:TagKeys", self.TAGS)

    def test_for_any_value(self) -> None:
        op, key = "ForAnyValue:StringEquals", "aws:TagKeys"
        assert holds(op, key, self.TAGS, ["environment"])
        assert holds(op, key, self.TAGS, ["cost-center"])
        assert holds(op, key, self.TAGS, ["environment", "cost-center"])
        assert holds(op, key, self.TAGS, ["environment", "dept"])
        assert not holds(op, key, self.TAGS, ["dept"])
        # "For no matching context key or if the key does not exist, the condition returns false."
        assert not holds(op, key, self.TAGS)

    def test_negated_set_operators(self) -> None:
        # per context value, a negated operator holds when the value matches none of the policy values
        assert holds("ForAnyValue:StringNotEquals", "aws:TagKeys", self.TAGS, ["environment", "dept"])
        assert not holds("ForAnyValue:StringNotEquals", "aws:TagKeys", self.TAGS,
                         ["environment", "cost-center"])
        assert holds("ForAllValues:StringNotEquals", "aws:TagKeys", self.TAGS, ["dept", "owner"])
        assert not holds("ForAllValues:StringNotEquals", "aws:TagKeys", self.TAGS, ["dept", "environment"])

    def test_set_operators_with_if_exists(self) -> None:
        assert holds("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", self.TAGS)
        assert holds("ForAllValues:StringEqualsIfExists", "aws:TagKeys", self.TAGS)
        assert not holds("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", self.TAGS, ["dept"])

    def test_set_operators_with_other_kinds(self) -> None:
        assert holds("ForAllValues:NumericLessThan", "k", "10", ["1", "2", "9"])
        assert not holds("ForAllValues:NumericLessThan", "k", "10", ["1", "20"])
        assert holds("ForAnyValue:IpAddress", "k", "10.0.0.0/8", ["192.0.2.1", "10.1.2.3"])
        assert holds("ForAllValues:ArnLike", "k", "arn:aws:iam::*:role/*",
                     ["arn:aws:iam::1:role/a", "arn:aws:iam::2:role/b"])
        # an invalid context value anywhere makes the clause false, whatever the order
        assert not holds("ForAllValues:NumericLessThan", "k", "10", ["1", "x"])
        assert not holds("ForAnyValue:NumericLessThan", "k", "10", ["1", "x"])
        assert not holds("ForAnyValue:NumericLessThan", "k", "10", ["x", "1"])
        assert not holds("NumericLessThan", "k", "10", ["1", "x"])


class TestMultivaluedWithoutQualifier:
    def test_positive_operator_matches_if_any_value_matches(self) -> None:
        assert holds("StringEquals", "aws:TagKeys", "webserver", ["environment", "webserver"])
        assert not holds("StringEquals", "aws:TagKeys", "webserver", ["environment", "test"])

    def test_negated_operator_matches_if_no_value_matches(self) -> None:
        assert not holds("StringNotEquals", "aws:TagKeys", "webserver", ["environment", "webserver"])
        assert holds("StringNotEquals", "aws:TagKeys", "webserver", ["environment", "test"])


# == Blocks ===============================================================================================


class TestConditionBlocks:
    """"Conditions with multiple context keys or values"."""

    POLICY: ClassVar[Condition] = {
        "StringEquals": {"aws:PrincipalTag/department": ["finance", "hr", "legal"],
                         "aws:PrincipalTag/role": ["audit", "security"]},
        "ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::222222222222:user/Ana",
                                         "arn:aws:iam::222222222222:user/Mary"]},
    }

    @staticmethod
    def _ctx(department: str | None, role: str | None, user: str) -> dict[str, object]:
        return {"aws:PrincipalTag/department": department, "aws:PrincipalTag/role": role,
                "aws:PrincipalArn": f"arn:aws:iam::222222222222:user/{user}"}

    def test_doc_and_or_table(self) -> None:
        assert evaluate(self.POLICY, self._ctx("legal", "audit", "Mary"))
        assert not evaluate(self.POLICY, self._ctx("hr", "audit", "Nikki"))
        assert not evaluate(self.POLICY, self._ctx("hr", "payroll", "Mary"))
        assert not evaluate(self.POLICY, self._ctx("hr", None, "Mary"))
        assert not evaluate(self.POLICY, self._ctx(None, None, "Mary"))

    def test_doc_negated_nor_table(self) -> None:
        # "When multiple values are specified for a single context key in a policy with negated
        # matching condition operators, the effective permissions work like a logical NOR."
        policy: Condition = {"StringEquals": self.POLICY["StringEquals"],
                             "ArnNotLike": self.POLICY["ArnLike"]}
        assert evaluate(policy, self._ctx("legal", "audit", "Nikki"))
        assert not evaluate(policy, self._ctx("hr", "audit", "Mary"))
        assert not evaluate(policy, self._ctx("hr", "payroll", "Nikki"))
        assert not evaluate(policy, self._ctx("hr", None, "Nikki"))
        assert not evaluate(policy, self._ctx(None, None, "Nikki"))

    def test_doc_single_valued_example_ecs(self) -> None:
        # "Single-valued context key policy examples": StringEquals aws:RequestTag/environment AND
        # ArnEquals ecs:cluster.
        policy: Condition = {
            "StringEquals": {"aws:RequestTag/environment": ["production", "prod-backup"]},
            "ArnEquals": {"ecs:cluster": ["arn:aws:ecs:us-east-1:111122223333:cluster/default1",
                                          "arn:aws:ecs:us-east-1:111122223333:cluster/default2"]},
        }
        c1 = "arn:aws:ecs:us-east-1:111122223333:cluster/default1"
        c2 = "arn:aws:ecs:us-east-1:111122223333:cluster/default2"
        assert evaluate(policy, {"aws:RequestTag/environment": "production", "ecs:cluster": c1})
        assert evaluate(policy, {"aws:RequestTag/environment": "prod-backup", "ecs:cluster": c2})
        assert not evaluate(policy, {"aws:RequestTag/webserver": "production", "ecs:cluster": c2})
        assert not evaluate(policy, {"ecs:cluster": c2})

    def test_doc_single_valued_example_volume_tags(self) -> None:
        # StringLike aws:RequestTag/project "*" (must be present) and StringNotEquals
        # aws:ResourceTag/environment "production" ("can be anything except production").
        project = block({"StringLike": {"aws:RequestTag/project": "*"}})
        not_prod = block({"StringNotEquals": {"aws:ResourceTag/environment": "production"}})
        ctx = RequestContext({"aws:RequestTag/project": "Feature3", "aws:ResourceTag/environment": "QA"})
        assert evaluate_condition_block(project, ctx, variables=True)
        assert evaluate_condition_block(not_prod, ctx, variables=True)
        assert not evaluate_condition_block(project, RequestContext({}), variables=True)
        assert not evaluate_condition_block(
            not_prod, RequestContext({"aws:ResourceTag/environment": "production"}), variables=True)

    def test_empty_block_holds(self) -> None:
        assert evaluate_condition_block([], RequestContext({}), variables=True)

    def test_condition_keys_are_case_insensitive(self) -> None:
        assert holds("IpAddress", "AWS:SOURCEIP", "203.0.113.0/24", extra={"aws:SourceIp": "203.0.113.7"})
        assert holds("StringEquals", "aws:principaltag/TEAM", "blue", extra={"aws:PrincipalTag/Team": "blue"})


# == Robustness ===========================================================================================


class TestInvalidValues:
    @pytest.mark.parametrize(
        ("op", "value", "context"),
        [
            ("DateLessThan", "234-13", "2020-01-01T00:00:00Z"),
            ("DateNotEquals", "not a date", "2020-01-01T00:00:00Z"),
            ("DateLessThan", "2020-01-01", "yesterday"),
            ("IpAddress", "300.1.1.1/24", "1.2.3.4"),
            ("NotIpAddress", "203.0.113.0/24", "not-an-ip"),
            ("NotIpAddress", "bad", "1.2.3.4"),
            ("Bool", "maybe", "true"),
            ("Bool", "true", "yes"),
            ("NumericEquals", "ten", "10"),
            ("NumericNotEquals", "10", "ten"),
            ("BinaryEquals", "not base64!", "QmluYXJ5"),
            ("BinaryEquals", "QmluYXJ5", "%%%"),
        ],
    )
    def test_invalid_values_make_the_clause_false(self, op: str, value: str, context: str) -> None:
        assert holds(op, "k", value, context) is False
        assert holds(f"ForAllValues:{op}", "k", value, [context]) is False
        assert holds(f"ForAnyValue:{op}", "k", value, [context]) is False

    def test_one_bad_value_spoils_the_clause(self) -> None:
        assert not holds("IpAddress", "k", ["203.0.113.0/24", "bad"], "203.0.113.7")

    def test_unknown_operator_is_false(self) -> None:
        bogus = ConditionClause(operator="StringEqualz", key="k", values=("x",), base="StringEqualz",
                                qualifier=None, if_exists=False)
        assert not evaluate_clause(bogus, RequestContext({"k": "x"}), variables=True)
        null_if_exists = ConditionClause(operator="NullIfExists", key="k", values=("true",), base="Null",
                                         qualifier=None, if_exists=True)
        assert not evaluate_clause(null_if_exists, RequestContext({}), variables=True)


class TestCompiled:
    def test_compile_is_cached_and_callable(self) -> None:
        c = clause("StringEquals", "aws:username", "bob")
        compiled = compile_clause(c)
        assert isinstance(compiled, CompiledClause)
        assert compile_clause(c) is compiled
        assert compile_clause(c, variables=False) is not compiled
        assert compiled(RequestContext({"aws:username": "bob"}))
        assert not compiled(RequestContext({"aws:username": "eve"}))

    def test_compiled_block(self) -> None:
        compiled = compile_condition_block(block({"StringEquals": {"a": "1"}, "Bool": {"b": "true"}}))
        assert compiled(RequestContext({"a": "1", "b": True}))
        assert not compiled(RequestContext({"a": "1", "b": False}))
        assert compile_condition_block([])(RequestContext({}))


# == Properties ===========================================================================================

_PAIRS = [("StringEquals", "StringNotEquals"), ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
          ("StringLike", "StringNotLike"), ("NumericEquals", "NumericNotEquals"),
          ("DateEquals", "DateNotEquals"), ("IpAddress", "NotIpAddress"), ("ArnEquals", "ArnNotEquals"),
          ("ArnLike", "ArnNotLike")]

_text = st.text(alphabet="abAB*?:/$", max_size=8)
_numbers = st.integers(-50, 50).map(str) | st.decimals(-50, 50, places=2, allow_nan=False).map(str)
_dates = st.integers(0, 4 * 10**9).map(str) | st.datetimes(
    datetime(1971, 1, 1), datetime(2100, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
_ips = st.ip_addresses(v=4).map(str) | st.builds(lambda a, p: f"{a}/{p}", st.ip_addresses(v=4),
                                                 st.integers(0, 32))
_arns = st.builds(lambda *parts: ":".join(parts), st.just("arn"), st.sampled_from(["aws", "*"]),
                  st.sampled_from(["s3", "iam", "s?"]), st.sampled_from(["", "us-east-1", "*"]),
                  st.sampled_from(["", "123", "*"]), _text)


def _values_for(base: str) -> st.SearchStrategy[str]:
    kind = value_kind(base)
    return {"string": _text, "numeric": _numbers, "date": _dates, "ip": _ips, "arn": _arns,
            "bool": st.sampled_from(["true", "false", "True"]),
            "binary": st.binary(max_size=6).map(lambda b: base64.b64encode(b).decode()),
            }[kind]


@st.composite
def _pair_case(draw: st.DrawFn) -> tuple[str, str, list[str], str]:
    positive, negative = draw(st.sampled_from(_PAIRS))
    values = draw(st.lists(_values_for(positive), min_size=1, max_size=3))
    context = draw(_values_for(positive))
    return positive, negative, values, context


@given(_pair_case())
def test_negated_is_not_positive_for_a_present_single_value(case: tuple[str, str, list[str], str]) -> None:
    positive, negative, values, context = case
    assert holds(negative, "k", values, context) is not holds(positive, "k", values, context)


@st.composite
def _operator_case(draw: st.DrawFn) -> tuple[str, list[str], str]:
    base = draw(st.sampled_from(sorted(KNOWN_OPERATORS - {"Null"})))
    values = draw(st.lists(_values_for(base), min_size=1, max_size=3))
    context = draw(_values_for(base))
    return base, values, context


@given(_operator_case())
def test_if_exists_is_plain_when_the_key_is_present(case: tuple[str, list[str], str]) -> None:
    base, values, context = case
    assert holds(base + "IfExists", "k", values, context) is holds(base, "k", values, context)


@given(_operator_case())
def test_qualifiers_on_a_single_value_agree_with_the_plain_operator(case: tuple[str, list[str], str]) -> None:
    base, values, context = case
    assume(context != "")  # a single empty string is AWS's example of an empty data set
    plain = holds(base, "k", values, context)
    assert holds("ForAllValues:" + base, "k", values, [context]) is plain
    assert holds("ForAnyValue:" + base, "k", values, [context]) is plain


@given(_operator_case(), st.sampled_from([[], "", [""], ABSENT]))
def test_for_all_values_over_an_empty_set_is_true(case: tuple[str, list[str], str], empty: object) -> None:
    base, values, _ = case
    assert holds("ForAllValues:" + base, "k", values, empty) is True
    assert holds("ForAnyValue:" + base, "k", values, empty) is False


@st.composite
def _multi_case(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    base = draw(st.sampled_from(sorted(KNOWN_OPERATORS - {"Null"})))
    values = draw(st.lists(_values_for(base), min_size=1, max_size=3))
    contexts = draw(st.lists(_values_for(base), min_size=1, max_size=4))
    return base, values, contexts


@given(_multi_case())
def test_for_all_and_for_any_are_quantifiers(case: tuple[str, list[str], list[str]]) -> None:
    base, values, contexts = case
    assume(contexts != [""])
    each = [holds(base, "k", values, c) for c in contexts]
    assert holds("ForAllValues:" + base, "k", values, contexts) is all(each)
    assert holds("ForAnyValue:" + base, "k", values, contexts) is any(each)


@given(st.lists(_text, min_size=1, max_size=4), _text)
def test_string_equals_is_membership(values: list[str], context: str) -> None:
    assert holds("StringEquals", "k", values, context) is (context in values)


@given(st.lists(_operator_case(), max_size=4), st.dictionaries(st.sampled_from(["k", "K", "j"]), _text))
def test_block_is_the_and_of_its_clauses(cases: list[tuple[str, list[str], str]],
                                         raw: dict[str, str]) -> None:
    assume(len({k.lower() for k in raw}) == len(raw))
    clauses = [clause(base, "k", values) for base, values, _ in cases]
    ctx = RequestContext(raw)
    expected = all(evaluate_clause(c, ctx, variables=True) for c in clauses)
    assert evaluate_condition_block(clauses, ctx, variables=True) is expected


@given(st.sampled_from(sorted(KNOWN_OPERATORS)), st.lists(st.text(max_size=10), max_size=3),
       st.one_of(st.text(max_size=10), st.lists(st.text(max_size=10), max_size=3)),
       st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]), st.booleans(), st.booleans())
def test_never_raises(base: str, values: list[str], context: object, qualifier: str, if_exists: bool,
                      variables: bool) -> None:
    op = qualifier + base + ("IfExists" if if_exists and base != "Null" else "")
    result = holds(op, "k", values, context, extra={"aws:username": "x"}, variables=variables)
    assert isinstance(result, bool)


@given(st.datetimes(datetime(1970, 1, 1), datetime(9999, 12, 31)), st.integers(-12, 12))
def test_iso_and_epoch_denote_the_same_instant(moment: datetime, hours: int) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    epoch = int(moment.timestamp())
    local = moment.astimezone(timezone(timedelta(hours=hours)))
    iso = local.strftime("%Y-%m-%dT%H:%M:%S") + (f"{hours:+03d}:00")
    assume(len(local.strftime("%Y")) == 4)
    assert parse_date(iso) == epoch * 10**9
    if len(str(epoch)) == 4:
        # Exactly four digits are read as a year, not as epoch seconds (documented in parse_date).
        assert parse_date(str(epoch)) == parse_date(f"{epoch}-01-01T00:00:00Z")
    else:
        assert parse_date(str(epoch)) == epoch * 10**9


@given(st.integers(0, 4 * 10**9), st.integers(0, 4 * 10**9))
def test_date_order_follows_epoch_order(a: int, b: int) -> None:
    assume(len(str(a)) != 4 and len(str(b)) != 4)
    assert holds("DateLessThan", "k", str(b), str(a)) is (a < b)
    assert holds("DateGreaterThanEquals", "k", str(b), str(a)) is (a >= b)


@given(st.lists(_ips, min_size=1, max_size=3), _ips | st.ip_addresses(v=6).map(str))
def test_ip_address_is_membership(networks: list[str], context: str) -> None:
    # IpAddress has a fast path for one IPv4 address; compare it with ipaddress's own containment.
    net = ip_network(context, strict=False)
    blocks = [ip_network(n, strict=False) for n in networks]
    expected = any(net.version == b.version and net.subnet_of(b) for b in blocks)  # type: ignore[arg-type]
    assert holds("IpAddress", "aws:SourceIp", networks, context) is expected
    assert holds("NotIpAddress", "aws:SourceIp", networks, context) is not expected
