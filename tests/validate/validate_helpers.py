"""Helpers shared by the validation tests (imported as a plain module: tests/ has no packages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from polp.validate.finding import ValidationFinding
from polp.validate.policy_type import PolicyType
from polp.validate.validator import validate_text


def shared_dir() -> Path:
    """The shared/ folder beside the project (CI lays a copy there)."""
    here = Path(__file__).resolve()
    return here.parents[2].parent / "shared"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return document


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def findings(document: Any, policy_type: str | None = None) -> list[ValidationFinding]:
    text = document if isinstance(document, str) else json.dumps(document, indent=1)
    kind = PolicyType(policy_type) if policy_type else None
    return validate_text(text, "test.json", kind)


def codes(document: Any, policy_type: str | None = None) -> set[str]:
    return {f.code for f in findings(document, policy_type)}


def only(document: Any, code: str, policy_type: str | None = None) -> list[ValidationFinding]:
    return [f for f in findings(document, policy_type) if f.code == code]
