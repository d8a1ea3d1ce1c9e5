"""``data "aws_iam_policy_document"``: the statement blocks rendered as the JSON policy Terraform makes.

Follows the AWS provider: ``effect`` defaults to ``Allow``; ``principals`` blocks of the same type
merge, and ``type = "*"`` with ``identifiers = ["*"]`` is ``"Principal": "*"``; ``condition`` blocks
group by operator then key; a single-element list is written as a string. ``source_policy_documents``
come first and are overridden by this document's statements of the same ``sid``;
``override_policy_documents`` then replace statements by ``sid`` or are appended. A source or override
document that is unknown makes the whole result unknown.
"""

from __future__ import annotations

import json
from typing import Any

from polp.sources.hcl_expr import Unknown, dumps_json

_LISTS = (
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


def _compact(values: Any) -> Any:
    """A one-element list as its element, as the provider writes it."""
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _principals(blocks: list[dict[str, Any]]) -> Any:
    merged: dict[str, list[Any]] = {}
    for block in blocks:
        kind = block.get("type")
        key = kind.placeholder if isinstance(kind, Unknown) else str(kind)
        identifiers = block.get("identifiers")
        items = identifiers if isinstance(identifiers, list) else [identifiers]
        merged.setdefault(key, []).extend(items)
    if list(merged) == ["*"] and merged["*"] == ["*"]:
        return "*"
    return {kind: _compact(items) for kind, items in merged.items()}


def _conditions(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, dict[str, list[Any]]] = {}
    for block in blocks:
        test, variable, values = block.get("test"), block.get("variable"), block.get("values")
        test_key = test.placeholder if isinstance(test, Unknown) else str(test)
        variable_key = variable.placeholder if isinstance(variable, Unknown) else str(variable)
        items = values if isinstance(values, list) else [values]
        out.setdefault(test_key, {}).setdefault(variable_key, []).extend(items)
    return {test: {key: _compact(values) for key, values in keys.items()} for test, keys in out.items()}


def statement_json(block: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid") not in (None, ""):
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") if block.get("effect") is not None else "Allow"
    for attribute, element in _LISTS:
        if block.get(attribute) is not None:
            value = block[attribute]
            statement[element] = _compact(value) if isinstance(value, list) else value
    for attribute, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        blocks = _blocks(block.get(attribute))
        if blocks:
            statement[element] = _principals(blocks)
    conditions = _blocks(block.get("condition"))
    if conditions:
        statement["Condition"] = _conditions(conditions)
    return statement


def _statements_of(document: Any) -> list[dict[str, Any]] | None:
    """The statements of a source or override JSON document; ``None`` if unknown or unreadable."""
    if not isinstance(document, str):
        return None
    try:
        data = json.loads(document)
    except (ValueError, RecursionError):
        return None
    statements = data.get("Statement") if isinstance(data, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else None


def _overlay(base: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace statements of ``base`` by ``sid``, append the others."""
    out = list(base)
    for statement in extra:
        sid = statement.get("Sid")
        index = next((i for i, s in enumerate(out) if sid and s.get("Sid") == sid), None)
        if index is None:
            out.append(statement)
        else:
            out[index] = statement
    return out


def _dynamic_statements(value: Any) -> list[dict[str, Any]]:
    """``dynamic "statement"`` blocks: their ``content``, once, with the iterator's values unknown."""
    out: list[dict[str, Any]] = []
    for block in _blocks(value):
        for label, inner in block.items():
            if label.strip('"') == "statement":
                for dynamic in _blocks(inner):
                    out.extend(_blocks(dynamic.get("content")))
    return out


def policy_document_json(body: dict[str, Any]) -> str | None:
    """The ``json`` attribute of the data source, from its evaluated body; ``None`` when a source or
    override document is unknown."""
    statements: list[dict[str, Any]] = []
    for key in ("source_policy_documents", "source_json"):
        documents = body.get(key)
        if documents is None:
            continue
        for document in documents if isinstance(documents, list) else [documents]:
            found = _statements_of(document)
            if found is None:
                return None
            statements = _overlay(statements, found)
    own = _blocks(body.get("statement")) + _dynamic_statements(body.get("dynamic"))
    statements = _overlay(statements, [statement_json(b) for b in own])
    for key in ("override_policy_documents", "override_json"):
        documents = body.get(key)
        if documents is None:
            continue
        for document in documents if isinstance(documents, list) else [documents]:
            found = _statements_of(document)
            if found is None:
                return None
            statements = _overlay(statements, found)
    policy: dict[str, Any] = {"Version": body.get("version") or "2012-10-17"}
    if body.get("policy_id"):
        policy["Id"] = body["policy_id"]
    policy["Statement"] = statements
    return dumps_json(policy)
