"""The combined matchers answer exactly as one regular expression per pattern would."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from polp.iam.matching import action_regex, arn_regex, compile_actions, compile_arns

_ARNISH = st.text(alphabet="arn:aws3/*?bB-", max_size=16)


def _reference(patterns: list[str], value: str, *, actions: bool) -> bool:
    for pattern in patterns:
        body = action_regex(pattern) if actions else arn_regex(pattern)
        flags = (re.IGNORECASE if actions else 0) | re.DOTALL
        if re.fullmatch(body, value, flags):
            return True
    return False


@settings(max_examples=600, deadline=None)
@given(st.lists(_ARNISH, max_size=4), _ARNISH)
def test_arn_matcher_agrees_with_the_per_pattern_regex(patterns: list[str], value: str) -> None:
    assert compile_arns(tuple(patterns))(value) is _reference(patterns, value, actions=False)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.text(alphabet="s3:GgEeT*?", max_size=10), max_size=4),
    st.text(alphabet="s3:GgEeT", max_size=10),
)
def test_action_matcher_agrees_with_the_per_pattern_regex(patterns: list[str], value: str) -> None:
    assert compile_actions(tuple(patterns))(value) is _reference(patterns, value, actions=True)


def test_plain_and_prefix_patterns() -> None:
    match = compile_arns(("arn:aws:s3:::models/*", "arn:aws:s3:::data"))
    assert match("arn:aws:s3:::models/v1/model.tar.gz") and match("arn:aws:s3:::data")
    assert not match("arn:aws:s3:::data/x") and not match("arn:aws:s3:::Models/x")
    assert compile_actions(("S3:get*",))("s3:GetObject")
    assert compile_actions(("*",))("anything:At all")
    assert not compile_actions(())("s3:GetObject")
