"""The HCL expression converter: the text python-hcl2 hands back, turned into data."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polp.sources.hcl_expr import Unknown, evaluate_text, literal_string
from polp.sources.hcl_functions import call_function


class FakeScope:
    """Knows ``var.bucket``, ``var.list`` and ``local.tags``; everything else is unknown."""

    def __init__(self) -> None:
        self.unknowns: list[str] = []

    KNOWN: ClassVar[dict[tuple[str | int, ...], Any]] = {
        ("var", "bucket"): "ml-data",
        ("var", "list"): ["a", "b"],
        ("local", "tags"): {"Team": "ml"},
        ("var", "enabled"): True,
    }

    def lookup(self, parts: tuple[str | int, ...], text: str) -> Any:
        if parts[:2] not in self.KNOWN:
            return self.unknown(text)
        value = self.KNOWN[parts[:2]]
        for part in parts[2:]:
            value = value[part]
        return value

    def call(self, name: str, args: list[Any], text: str) -> Any:
        return call_function(name, args, lambda: self.unknown(text))

    def unknown(self, text: str) -> Unknown:
        self.unknowns.append(text)
        return Unknown(text)


def ev(text: str) -> Any:
    return evaluate_text(text, FakeScope())


def test_literals() -> None:
    assert ev('"plain"') == "plain"
    assert ev('"a\\"b\\\\c\\n"') == 'a"b\\c\n'
    assert ev("42") == 42 and ev("1.5") == 1.5 and ev("-3") == -3
    assert ev("true") is True and ev("null") is None
    assert ev('"$${aws:username}"') == "${aws:username}"  # an IAM policy variable, escaped in HCL


def test_templates_and_references() -> None:
    assert ev('"arn:aws:s3:::${var.bucket}/*"') == "arn:aws:s3:::ml-data/*"
    assert ev("${var.bucket}") == "ml-data"
    assert ev("${var.list[1]}") == "b"
    assert ev("${local.tags.Team}") == "ml"
    assert ev('"${var.list}"') == ["a", "b"]  # a lone interpolation keeps its type
    assert ev('"${ var.bucket }-${~ var.bucket ~}"') == "ml-data-ml-data"


def test_unknowns_become_placeholders_inside_strings() -> None:
    scope = FakeScope()
    assert evaluate_text('"arn:aws:s3:::${var.other}/*"', scope) == "arn:aws:s3:::${var.other}/*"
    assert scope.unknowns == ["var.other"]
    assert ev("${var.other}") == Unknown("var.other")


def test_objects_with_equals_colons_quoted_and_bare_keys() -> None:
    text = (
        '${jsonencode({Version = "2012-10-17", "Statement" : [{Effect = "Allow", "aws:x" = [1, true], '
        'nested = {a = {b = null}}}], (var.bucket) = "dynamic key"})}'
    )
    value = json.loads(ev(text))
    assert value == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "aws:x": [1, True], "nested": {"a": {"b": None}}}],
        "ml-data": "dynamic key",
    }


def test_multiline_object_without_commas() -> None:
    text = '{\n  a = 1\n  b = "two" # comment\n  // another\n  c = [\n    1,\n    2,\n  ]\n}'
    assert ev(text) == {"a": 1, "b": "two", "c": [1, 2]}


def test_functions() -> None:
    assert ev('${join(",", ["a", "b"])}') == "a,b"
    assert ev('${format("arn:aws:s3:::%s/*", var.bucket)}') == "arn:aws:s3:::ml-data/*"
    assert ev('${concat(["a"], var.list)}') == ["a", "a", "b"]
    assert ev('${merge(local.tags, {Env = "dev"})}') == {"Team": "ml", "Env": "dev"}
    assert ev('${jsondecode("{\\"a\\": [1]}")}') == {"a": [1]}
    assert ev('${lower("ABC")}') == "abc"
    assert ev('${var.enabled ? "yes" : "no"}') == "yes"
    assert ev('${var.bucket == "ml-data"}') is True
    assert ev("${2 * 3600}") == 7200
    assert ev('${try(var.nope, "fallback")}') == "fallback"
    assert isinstance(ev('${sha256("x")}'), Unknown)


@pytest.mark.parametrize(
    "text",
    [
        "${[for s in var.list : upper(s)]}",
        "${{for k, v in local.tags : k => v}}",
        "${aws_iam_role.x[*].arn}",
        "${var.other ? 1 : 0}",
        '"%{ if var.enabled }yes%{ endif }"',
        "${var.list[var.other]}",
        "${(((((",
        '"unterminated',
        "${provider::aws::arn_parse(var.bucket)}",
    ],
)
def test_unevaluable_expressions_are_unknown(text: str) -> None:
    assert isinstance(ev(text), Unknown)


def test_labels() -> None:
    assert literal_string('"aws_iam_role"') == "aws_iam_role"
    assert literal_string("bare_label") == "bare_label"
    assert literal_string('"${x}"') is None


def test_deep_nesting_is_unknown_not_a_crash() -> None:
    assert isinstance(ev("${" + "[" * 5000 + "]" * 5000 + "}"), Unknown)
    assert isinstance(ev("${" + "(" * 5000 + "1" + ")" * 5000 + "}"), Unknown)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='${}[]()"\\=:,.% abvrlocatp0123456789\n#~!?*-<>&|', max_size=80))
def test_any_text_evaluates_without_exception(text: str) -> None:
    evaluate_text(text, FakeScope())
