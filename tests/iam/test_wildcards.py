"""The IAM glob language and exact glob intersection."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polp.iam.wildcards import (
    SEGMENT_STAR,
    compile_glob,
    glob_match,
    globs_intersect,
    globs_intersect_segmented,
    has_wildcard,
)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "", True),
        ("*", "anything:at/all", True),
        ("?", "", False),
        ("?", "x", True),
        ("?", "xy", False),
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "xs3:GetObject", False),  # fullmatch, not search
        ("s3:Get*", "s3:PutObject", False),
        ("ec2:?escribe*", "ec2:DescribeInstances", True),
        ("a.c", "abc", False),  # regex metacharacters are literal
        ("a+", "aa", False),
        ("a[b]", "a[b]", True),
        ("(x)|y", "(x)|y", True),
        ("a**b", "ab", True),
        ("*", "line\nbreak", True),
        ("a?c", "a\nc", True),
    ],
)
def test_glob_match(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value, case_sensitive=True) is expected


def test_actions_match_case_insensitively_arns_do_not() -> None:
    assert glob_match("S3:getobject", "s3:GetObject", case_sensitive=False)
    assert glob_match("s3:get*", "s3:GetObject", case_sensitive=False)
    assert not glob_match("S3:getobject", "s3:GetObject", case_sensitive=True)
    assert not glob_match("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", case_sensitive=True)


def test_compile_glob_is_cached_and_fullmatch_only() -> None:
    first = compile_glob("s3:Get*", case_sensitive=False)
    assert compile_glob("s3:Get*", case_sensitive=False) is first
    assert first.fullmatch("S3:GETOBJECT")
    assert compile_glob("s3:Get*", case_sensitive=True).fullmatch("S3:GETOBJECT") is None


def test_has_wildcard() -> None:
    assert has_wildcard("a*")
    assert has_wildcard("a?")
    assert not has_wildcard("arn:aws:s3:::bucket")
    assert not has_wildcard("")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("*", "anything", True),
        ("a*", "*b", True),  # "ab"
        ("a*", "b*", False),
        ("*a", "*b", False),
        ("a?c", "?b?", True),
        ("a?c", "??", False),
        ("a*b*c", "*c*b*", True),  # "acbc"... "a" "cb" "c"
        ("abc", "abc", True),
        ("abc", "abd", False),
        ("s3:Get*", "s3:*Object", True),
        ("s3:Get*", "s3:Put*", False),
        ("x*", "", False),
        ("*", "", True),
        ("", "", True),
        ("?", "", False),
    ],
)
def test_globs_intersect_examples(a: str, b: str, expected: bool) -> None:
    assert globs_intersect(a, b, case_sensitive=True) is expected
    assert globs_intersect(b, a, case_sensitive=True) is expected


def test_globs_intersect_case() -> None:
    assert globs_intersect("S3:GET*", "s3:*object", case_sensitive=False)
    assert not globs_intersect("S3:GET*", "s3:*object", case_sensitive=True)


def _naive(glob: str) -> re.Pattern[str]:
    """The textbook translation, exponential on some patterns but fine on short ones."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(body, re.DOTALL)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab*?", max_size=8), st.text(alphabet="abc", max_size=10))
def test_glob_match_agrees_with_the_textbook_regex(pattern: str, value: str) -> None:
    expected = _naive(pattern).fullmatch(value) is not None
    assert glob_match(pattern, value, case_sensitive=True) is expected
    assert glob_match(pattern.upper(), value, case_sensitive=False) is expected


def test_glob_match_does_not_backtrack_exponentially() -> None:
    # A backtracking regex would take longer than the universe's age on these.
    assert not glob_match("*a" * 60 + "*b", "a" * 5000, case_sensitive=True)
    assert not glob_match("a*" * 50 + "c", "a" * 199 + "b", case_sensitive=False)
    assert glob_match("*a?" * 60 + "*", "ab" * 2000, case_sensitive=True)


def _oracle(a: str, b: str, b_regex: str | None = None) -> bool:
    """Brute force: try every string short enough to be a shortest witness.

    A shortest common match never has a character eaten by stars on both sides, so each character
    is consumed by a non-star token of a or b: its length is at most their count. One character
    outside the patterns' literals stands for every other character.
    """
    ra = _naive(a)
    rb = re.compile(b_regex, re.DOTALL) if b_regex is not None else _naive(b)
    literals = sorted({c for c in a + b if c not in "*?" + SEGMENT_STAR})
    alphabet = [*literals, "z"]
    limit = sum(c not in "*" + SEGMENT_STAR for c in a) + sum(c not in "*" + SEGMENT_STAR for c in b)
    for length in range(limit + 1):
        for chars in itertools.product(alphabet, repeat=length):
            s = "".join(chars)
            if ra.fullmatch(s) and rb.fullmatch(s):
                return True
    return False


_GLOB = st.text(alphabet="ab*?", max_size=5)


@settings(max_examples=300, deadline=None)
@given(_GLOB, _GLOB)
def test_globs_intersect_matches_brute_force(a: str, b: str) -> None:
    assert globs_intersect(a, b, case_sensitive=True) is _oracle(a, b)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aB*?", max_size=4), st.text(alphabet="Ab*?", max_size=4))
def test_globs_intersect_case_insensitive_matches_brute_force(a: str, b: str) -> None:
    assert globs_intersect(a, b, case_sensitive=False) is _oracle(a.lower(), b.lower())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="a/*?", max_size=5), st.text(alphabet="a/*?" + SEGMENT_STAR, max_size=5))
def test_segment_star_matches_brute_force(a: str, b: str) -> None:
    b_regex = "".join(
        "[^/]*" if c == SEGMENT_STAR else ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in b
    )
    assert globs_intersect_segmented(a, b, case_sensitive=True) is _oracle(a, b, b_regex)


def test_segment_star_is_literal_in_the_public_function() -> None:
    assert not globs_intersect("a/b", "a" + SEGMENT_STAR, case_sensitive=True)
    assert globs_intersect("a" + SEGMENT_STAR, "a" + SEGMENT_STAR, case_sensitive=True)
    assert not globs_intersect_segmented("a/b", "a" + SEGMENT_STAR, case_sensitive=True)
    assert globs_intersect_segmented("ab*", "a" + SEGMENT_STAR, case_sensitive=True)


def test_long_literal_and_star_patterns() -> None:
    key = "a" * 199 + "b"
    assert globs_intersect("a*" * 50 + "b", key, case_sensitive=True)
    assert not globs_intersect("a*" * 50 + "c", key, case_sensitive=True)
    assert globs_intersect("*" + "?" * 199, "a" * 100 + "*", case_sensitive=True)
    assert not globs_intersect("?" * 201, key, case_sensitive=True)
