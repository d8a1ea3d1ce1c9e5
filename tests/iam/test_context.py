"""The request context: case-insensitive keys, value conversion, immutability."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polp.iam.context import EMPTY_CONTEXT, RequestContext


def test_key_names_are_case_insensitive() -> None:
    # IAM guide, Condition element: "including the aws:SourceIP context key is equivalent to testing
    # for AWS:SourceIp".
    ctx = RequestContext({"aws:SourceIp": "203.0.113.7"})
    for key in ("aws:SourceIp", "aws:SourceIP", "AWS:SourceIp", "AWS:SOURCEIP", "aws:sourceip"):
        assert ctx.get(key) == ("203.0.113.7",)
        assert key in ctx
        assert ctx[key] == ("203.0.113.7",)


def test_tag_key_part_is_case_insensitive_too() -> None:
    # IAM guide: "ec2:ResourceTag/TagKey1" matches a resource tag key named TagKey1 or tagkey1.
    ctx = RequestContext({"ec2:ResourceTag/tagkey1": "Value1"})
    assert ctx.get("ec2:ResourceTag/TagKey1") == ("Value1",)
    assert ctx.get("EC2:RESOURCETAG/TAGKEY1") == ("Value1",)


def test_values_keep_their_case() -> None:
    ctx = RequestContext({"aws:username": "JohnDoe"})
    assert ctx.get("AWS:USERNAME") == ("JohnDoe",)


def test_absent_key() -> None:
    ctx = RequestContext({"aws:username": "bob"})
    assert ctx.get("aws:userid") is None
    assert "aws:userid" not in ctx
    with pytest.raises(KeyError):
        ctx["aws:userid"]
    assert ctx.get("aws:userid", ("x",)) == ("x",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("text", ("text",)),
        ("", ("",)),
        (True, ("true",)),
        (False, ("false",)),
        (10, ("10",)),
        (-3, ("-3",)),
        (1.5, ("1.5",)),
        (["a", "b"], ("a", "b")),
        (("a",), ("a",)),
        ([True, 1, "x"], ("true", "1", "x")),
        ([], ()),
    ],
)
def test_value_conversion(raw: object, expected: tuple[str, ...]) -> None:
    assert RequestContext({"k": raw}).get("k") == expected


def test_none_means_absent() -> None:
    ctx = RequestContext({"aws:TokenIssueTime": None, "aws:username": "bob"})
    assert "aws:TokenIssueTime" not in ctx
    assert len(ctx) == 1


def test_a_list_makes_a_key_multivalued_even_with_one_element() -> None:
    ctx = RequestContext({"aws:TagKeys": ["environment"], "aws:username": "bob"})
    assert ctx.is_multivalued("aws:tagkeys")
    assert ctx.single("aws:TagKeys") is None
    assert not ctx.is_multivalued("aws:username")
    assert ctx.single("AWS:UserName") == "bob"
    assert not ctx.is_multivalued("absent")
    assert ctx.single("absent") is None


def test_get_lower_and_single_lower() -> None:
    ctx = RequestContext({"aws:PrincipalTag/Team": "blue"})
    assert ctx.get_lower("aws:principaltag/team") == ("blue",)
    assert ctx.single_lower("aws:principaltag/team") == "blue"


def test_keys_that_differ_only_in_case_are_rejected() -> None:
    with pytest.raises(ValueError, match="given twice"):
        RequestContext({"aws:SourceIp": "1.2.3.4", "AWS:SOURCEIP": "5.6.7.8"})


@pytest.mark.parametrize("bad", [{"a": 1}, [["nested"]], object(), [None]])
def test_values_of_other_types_are_rejected(bad: object) -> None:
    with pytest.raises(TypeError):
        RequestContext({"k": bad})


def test_non_string_keys_are_rejected() -> None:
    with pytest.raises(TypeError):
        RequestContext({1: "x"})  # type: ignore[dict-item]


def test_iteration_yields_keys_as_written() -> None:
    ctx = RequestContext({"aws:SourceIp": "1.2.3.4", "s3:prefix": "home/"})
    assert list(ctx) == ["aws:SourceIp", "s3:prefix"]
    assert len(ctx) == 2
    assert dict(ctx.items()) == {"aws:SourceIp": ("1.2.3.4",), "s3:prefix": ("home/",)}


def test_immutable() -> None:
    ctx = RequestContext({"k": "v"})
    with pytest.raises(AttributeError):
        ctx.foo = 1
    with pytest.raises(TypeError):
        ctx["k"] = ("w",)  # type: ignore[index]


def test_with_values_returns_a_new_context() -> None:
    ctx = RequestContext({"aws:username": "bob", "aws:SourceIp": "1.2.3.4"})
    other = ctx.with_values(**{"AWS:USERNAME": "alice", "aws:SecureTransport": True})
    assert ctx.get("aws:username") == ("bob",)
    assert "aws:SecureTransport" not in ctx
    assert other.get("aws:username") == ("alice",)
    assert other.get("aws:securetransport") == ("true",)
    assert other.get("aws:SourceIp") == ("1.2.3.4",)
    assert list(other).count("aws:username") + list(other).count("AWS:USERNAME") == 1


def test_merged_keeps_multivalued_keys_and_removes_none() -> None:
    ctx = RequestContext({"aws:TagKeys": ["a"], "aws:username": "bob"})
    merged = ctx.merged({"aws:username": None, "s3:prefix": ""})
    assert merged.is_multivalued("aws:TagKeys")
    assert merged.get("aws:TagKeys") == ("a",)
    assert "aws:username" not in merged
    assert merged.get("s3:prefix") == ("",)


def test_equality_and_repr() -> None:
    a = RequestContext({"k": "v", "m": ["x", "y"]})
    b = RequestContext({"k": "v", "m": ("x", "y")})
    assert a == b
    assert a == {"k": ("v",), "m": ("x", "y")}
    assert "RequestContext(" in repr(a) and "'v'" in repr(a) and "['x', 'y']" in repr(a)
    assert len(EMPTY_CONTEXT) == 0


_key = st.from_regex(r"[a-z0-9]{1,8}:[A-Za-z0-9/_-]{1,16}", fullmatch=True)


@given(_key, st.text(max_size=20), st.randoms())
def test_lookup_ignores_case_for_any_key(key: str, value: str, rnd: random.Random) -> None:
    variant = "".join(ch.upper() if rnd.random() < 0.5 else ch.lower() for ch in key)
    ctx = RequestContext({key: value})
    assert ctx.get(variant) == (value,)
    assert variant in ctx
    assert ctx.single(variant) == value


@given(st.dictionaries(_key, st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5), max_size=3)),
                       max_size=5))
def test_merging_with_itself_is_identity(raw: dict[str, object]) -> None:
    lowered = {k.lower() for k in raw}
    if len(lowered) != len(raw):
        return
    ctx = RequestContext(raw)
    assert ctx.merged(raw) == ctx
    assert RequestContext({}).merged(raw) == ctx
