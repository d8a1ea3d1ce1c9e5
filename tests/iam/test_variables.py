"""Policy variables, following "IAM policy elements: Variables and tags" in the IAM user guide."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polp.iam.context import RequestContext
from polp.iam.variables import (
    compile_glob_text,
    has_variables,
    literal_pieces,
    pieces_regex,
    substitute,
    substitute_glob,
    substitute_pieces,
    substituter,
    variable_keys,
)

DAVID = RequestContext({"aws:username": "David", "aws:userid": "AIDAEXAMPLE",
                        "aws:PrincipalTag/team": "yellow"})


# -- substitute -------------------------------------------------------------------------------------


def test_doc_resource_with_username() -> None:
    # "arn:aws:s3:::mybucket/${aws:username}/*" becomes the user's own prefix.
    assert substitute("arn:aws:s3:::mybucket/${aws:username}/*", DAVID) == "arn:aws:s3:::mybucket/David/*"
    assert substitute("arn:aws:iam::account-id:user/${aws:username}", DAVID) == (
        "arn:aws:iam::account-id:user/David")


def test_doc_tag_variable_in_resource() -> None:
    ctx = RequestContext({"aws:PrincipalTag/department": "hr"})
    assert substitute("arn:aws:s3:::bucket/${aws:PrincipalTag/department}", ctx) == "arn:aws:s3:::bucket/hr"


def test_doc_several_variables_in_one_value() -> None:
    # The AllowAccessBasedOnArnMatching example: three principal tags in one ARN.
    ctx = RequestContext({"aws:PrincipalTag/access-project": "p", "aws:PrincipalTag/access-application": "a",
                          "aws:PrincipalTag/access-environment": "e"})
    text = ("arn:aws:sns:*:*:${aws:PrincipalTag/access-project}-${aws:PrincipalTag/access-application}-"
            "${aws:PrincipalTag/access-environment}-*")
    assert substitute(text, ctx) == "arn:aws:sns:*:*:p-a-e-*"


def test_key_names_in_variables_are_case_insensitive() -> None:
    # "Key names are case-insensitive. For example, aws:CurrentTime is equivalent to AWS:currenttime."
    assert substitute("${AWS:UserName}", DAVID) == "David"
    assert substitute("${aws:principaltag/TEAM}", DAVID) == "yellow"


def test_variable_without_value_fails() -> None:
    # "not present means that the value is not in the current request information, and any attempt
    # to match it fails".
    assert substitute("home/${aws:username}/", RequestContext({})) is None
    assert substitute("${aws:TokenIssueTime}", DAVID) is None


def test_multivalued_key_cannot_be_a_variable() -> None:
    # "You can use any single-valued condition key as a variable. You can't use a multivalued
    # condition key as a variable."
    ctx = RequestContext({"aws:TagKeys": ["a"], "aws:CalledVia": ["athena.amazonaws.com", "x"]})
    assert substitute("${aws:TagKeys}", ctx) is None
    assert substitute("${aws:CalledVia}", ctx) is None
    assert substitute("${aws:TagKeys, 'none'}", ctx) == "none"


def test_doc_default_value() -> None:
    # "Resource":"arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}"
    text = "arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}"
    assert substitute(text, DAVID) == "arn:aws:s3:::amzn-s3-demo-bucket-yellow"
    assert substitute(text, RequestContext({})) == "arn:aws:s3:::amzn-s3-demo-bucket-company-wide"


def test_doc_default_anonymous() -> None:
    # Older guide: anonymous users do not populate ${aws:userid}; default it to 'anonymous'.
    text = "arn:aws:s3:::/bucket/${aws:userid, 'anonymous'}"
    assert substitute(text, RequestContext({})) == "arn:aws:s3:::/bucket/anonymous"
    assert substitute(text, DAVID) == "arn:aws:s3:::/bucket/AIDAEXAMPLE"


def test_default_is_case_sensitive_and_may_contain_spaces() -> None:
    assert substitute("${aws:username, 'Default User'}", RequestContext({})) == "Default User"
    assert substitute("${aws:username, ''}", RequestContext({})) == ""


@pytest.mark.parametrize("text", ["${aws:username,'anon'}", "${aws:username ,  'anon'}"])
def test_whitespace_around_the_comma_is_tolerated(text: str) -> None:
    assert substitute(text, RequestContext({})) == "anon"


def test_default_is_not_used_when_the_key_has_a_value() -> None:
    assert substitute("${aws:username, 'anon'}", DAVID) == "David"


def test_empty_string_value_is_a_value() -> None:
    assert substitute("a${aws:username, 'x'}b", RequestContext({"aws:username": ""})) == "ab"


@pytest.mark.parametrize(("text", "expected"), [("${*}", "*"), ("${?}", "?"), ("${$}", "$"),
                                                ("a${*}b${?}c${$}d", "a*b?c$d")])
def test_special_characters(text: str, expected: str) -> None:
    # "${*} - use where you need an * (asterisk) character", likewise ${?} and ${$}.
    assert substitute(text, RequestContext({})) == expected


def test_substitution_is_a_single_pass() -> None:
    ctx = RequestContext({"aws:username": "${aws:userid}", "aws:userid": "X"})
    assert substitute("${aws:username}", ctx) == "${aws:userid}"
    assert substitute("${aws:nothing, '${aws:userid}'}", ctx) == "${aws:userid}"


@pytest.mark.parametrize("text", ["${aws:username", "${}", "${ aws:username }", "$", "${aws:user name}",
                                  "{aws:username}", "$ {aws:username}"])
def test_malformed_variables_are_literal_text(text: str) -> None:
    assert substitute(text, DAVID) == text


def test_text_without_variables_is_unchanged() -> None:
    assert substitute("arn:aws:s3:::bucket/*", RequestContext({})) == "arn:aws:s3:::bucket/*"


def test_has_variables_and_variable_keys() -> None:
    assert has_variables("home/${aws:username}/")
    assert not has_variables("home/$aws/{x}")
    assert variable_keys("${aws:UserName}/${aws:PrincipalTag/Team, 'x'}/${*}/${aws:username}") == (
        "aws:username", "aws:principaltag/team")
    assert variable_keys("plain") == ()


# -- globs -------------------------------------------------------------------------------------------


def _glob(text: str, ctx: RequestContext, *, case_sensitive: bool = True) -> re.Pattern[str]:
    pattern = substitute_glob(text, ctx, case_sensitive=case_sensitive)
    assert pattern is not None
    return pattern


def test_policy_wildcards_stay_wildcards() -> None:
    pattern = _glob("home/${aws:username}/*", DAVID)
    assert pattern.fullmatch("home/David/")
    assert pattern.fullmatch("home/David/a/b.txt")
    assert not pattern.fullmatch("home/Davidx/a")
    assert not pattern.fullmatch("home/david/a")


def test_escaped_wildcards_are_literal() -> None:
    # "inserting an * asterisk in the string would be interpreted as a wildcard ... instead of as a
    # literal *. In these cases, you can use ${*}".
    pattern = _glob("file${*}name${?}", RequestContext({}))
    assert pattern.fullmatch("file*name?")
    assert not pattern.fullmatch("fileXname?")
    assert not pattern.fullmatch("file*nameX")


def test_wildcards_in_substituted_values_are_literal() -> None:
    ctx = RequestContext({"aws:username": "a*b?"})
    pattern = _glob("home/${aws:username}/", ctx)
    assert pattern.fullmatch("home/a*b?/")
    assert not pattern.fullmatch("home/aXXbY/")
    default = _glob("${aws:nothing, '*'}", ctx)
    assert default.fullmatch("*")
    assert not default.fullmatch("anything")


def test_regex_characters_are_literal() -> None:
    ctx = RequestContext({"aws:username": "a.b+(c)[d]"})
    pattern = _glob("x.${aws:username}|y", ctx)
    assert pattern.fullmatch("x.a.b+(c)[d]|y")
    assert not pattern.fullmatch("xXaXb+(c)[d]|y")


def test_wildcards_span_newlines_and_slashes() -> None:
    pattern = _glob("a*b?", RequestContext({}))
    assert pattern.fullmatch("a/\n/b\n")


def test_case_insensitive_glob() -> None:
    pattern = _glob("HOME/${aws:username}/*", DAVID, case_sensitive=False)
    assert pattern.fullmatch("home/david/x")


def test_glob_fails_when_a_variable_has_no_value() -> None:
    assert substitute_glob("home/${aws:username}/*", RequestContext({})) is None
    assert substitute_pieces("home/${aws:username}/*", RequestContext({})) is None


def test_glob_is_cached_per_values() -> None:
    a = substitute_glob("home/${aws:username}/*", DAVID)
    b = substitute_glob("home/${aws:username}/*", RequestContext({"aws:username": "David", "other": "x"}))
    c = substitute_glob("home/${aws:username}/*", RequestContext({"aws:username": "Eve"}))
    assert a is b
    assert a is not c


def test_pieces() -> None:
    assert substitute_pieces("a*${aws:username}?${*}", DAVID) == (
        (False, "a"), (True, "*"), (False, "David"), (True, "?"), (False, "*"))
    assert literal_pieces("${*}") == ((False, "${"), (True, "*"), (False, "}"))
    assert pieces_regex(((False, "a.b"), (True, "*"), (True, "?"))) == r"a\.b.*."


def test_version_2008_text_is_literal_glob() -> None:
    # Without Version 2012-10-17 "${aws:username}" is literal text; its * and ? still act as
    # wildcards in a StringLike value.
    pattern = compile_glob_text("${aws:username}/*")
    assert pattern.fullmatch("${aws:username}/x")
    assert not pattern.fullmatch("David/x")
    assert compile_glob_text("${*}").fullmatch("${anything}")


# -- properties ----------------------------------------------------------------------------------------

_values = st.text(min_size=0, max_size=12)


@given(_values)
def test_substituted_value_matches_only_itself(value: str) -> None:
    ctx = RequestContext({"aws:username": value})
    pattern = _glob("home/${aws:username}/", ctx)
    assert pattern.fullmatch(f"home/{value}/")
    assert substitute("home/${aws:username}/", ctx) == f"home/{value}/"


@given(_values, _values)
def test_substituted_value_never_matches_another(value: str, other: str) -> None:
    ctx = RequestContext({"aws:username": value})
    matched = _glob("${aws:username}", ctx).fullmatch(other) is not None
    assert matched == (value == other)


@given(st.text(alphabet="ab*?$", max_size=10))
def test_text_without_variables_substitutes_to_itself(text: str) -> None:
    assert substitute(text, RequestContext({})) == text
    assert substitute_glob(text, RequestContext({})) is compile_glob_text(text)


_templates = st.lists(
    st.sampled_from(["${aws:username}", "${aws:PrincipalTag/team, 'none'}", "${aws:userid, ''}", "${*}",
                     "${aws:TagKeys}", "a*", "/", "${", "}", "?"]),
    max_size=4).map("".join)
_contexts = st.fixed_dictionaries({}, optional={"aws:username": st.text(alphabet="ab*", max_size=3),
                                                "aws:PrincipalTag/team": st.text(alphabet="ab", max_size=3),
                                                "aws:userid": st.text(alphabet="ab", max_size=3),
                                                "aws:TagKeys": st.lists(st.text(alphabet="ab", max_size=2))})


@given(_templates, _contexts)
def test_substituter_is_substitute(text: str, raw: dict[str, object]) -> None:
    # substituter has a fast path for a value that is one variable and nothing else.
    ctx = RequestContext(raw)
    assert substituter(text)(ctx) == substitute(text, ctx)
