"""The corpus rules of the issue: AWS's own documents, and moto's valid and invalid cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from validate_helpers import shared_dir

from polp.errors import InputError
from polp.validate.finding import Severity
from polp.validate.policy_type import PolicyType
from polp.validate.validator import validate_file, validate_text

CORPORA = shared_dir() / "corpora"
needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not available")


def _files(folder: str) -> list[Path]:
    return sorted((CORPORA / folder / "policies").glob("*.json"))


@needs_corpora
def test_every_aws_managed_policy_parses_without_error_findings() -> None:
    files = _files("managed-policies")
    assert len(files) > 1500
    errors = []
    for path in files:
        result = validate_file(path, PolicyType.IDENTITY)
        errors += [(path.name, f.code, f.message) for f in result.findings if f.severity is Severity.ERROR]
    assert errors == []


@needs_corpora
def test_every_aws_documentation_example_parses() -> None:
    files = _files("aws-doc-examples")
    assert len(files) > 200
    for path in files:
        result = validate_file(path)
        assert result.policy_type is not None, path.name
        assert not [f for f in result.findings if f.code == "syntax"], path.name


def _cases() -> dict[str, Any]:
    path = CORPORA / "policy-validation" / "cases.json"
    return json.loads(path.read_text()) if path.is_file() else {"invalid": [], "valid": []}


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, indent=2)


@needs_corpora
@pytest.mark.parametrize("case", _cases()["invalid"], ids=lambda c: c["error_message"][:40])
def test_every_invalid_moto_document_is_rejected(case: dict[str, Any]) -> None:
    try:
        found = validate_text(_text(case["document"]), "case.json", PolicyType.IDENTITY)
    except InputError:
        return  # not JSON or not a policy document: the CLI exits 2
    assert [f for f in found if f.severity is Severity.ERROR], case["error_message"]


def _valid_params() -> list[Any]:
    return [pytest.param(document) for document in _cases()["valid"]]


@needs_corpora
@pytest.mark.parametrize("document", _valid_params())
def test_every_valid_moto_document_is_accepted(document: dict[str, Any]) -> None:
    found = validate_text(_text(document), "case.json", PolicyType.IDENTITY)
    assert [(f.code, f.message) for f in found if f.severity is Severity.ERROR] == []


@needs_corpora
def test_valid_documents_naming_missing_actions_draw_an_unknown_action_finding() -> None:
    named = {
        "iam: asdf safdsf af ",
        "service-prefix:action-name",
        "fsx:ListBucket",
        "aaaaaadsfdsafsadfsadfaaaaa:ListBucket",
        "s3-s:ListBucket",
        "s3.s:ListBucket",
    }
    seen = set()
    for document in _cases()["valid"]:
        statement = document["Statement"]
        action = statement.get("Action") if isinstance(statement, dict) else None
        if action in named:
            seen.add(action)
            found = {f.code for f in validate_text(json.dumps(document), "case.json")}
            assert found & {"unknown-action", "unknown-service"}, action
    assert seen == named
