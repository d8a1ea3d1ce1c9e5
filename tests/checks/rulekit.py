"""Small real-format inventories for the rule tests: policies as JSON text, principals as records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from polp.audit.engine import run_checks
from polp.checks.interface import Check, Finding
from polp.iam.parse import parse_policy_text
from polp.inventory import AccessKey, Inventory, PolicyKind, PolicyRef, PrincipalRecord

ACCOUNT = "111122223333"
Doc = dict[str, Any]


def allow(actions: str | Sequence[str], resources: str | Sequence[str] = "*", **extra: Any) -> Doc:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: str | Sequence[str], resources: str | Sequence[str] = "*", **extra: Any) -> Doc:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def policy_ref(name: str, *statements: Doc, kind: PolicyKind = "inline") -> PolicyRef:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}" if kind == "managed" else None
    return PolicyRef(name, kind, parse_policy_text(text, f"{name}.json"), arn=arn)


def role(name: str, *policies: PolicyRef, boundary: PolicyRef | None = None) -> PrincipalRecord:
    return PrincipalRecord(kind="role", name=name, arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
                           inline_policies=tuple(p for p in policies if p.kind == "inline"),
                           managed_policies=tuple(p for p in policies if p.kind != "inline"),
                           permissions_boundary=boundary)


def user(name: str, *policies: PolicyRef, keys: Sequence[AccessKey] = (),
         password: bool | None = None) -> PrincipalRecord:
    return PrincipalRecord(kind="user", name=name, arn=f"arn:aws:iam::{ACCOUNT}:user/{name}",
                           inline_policies=tuple(policies), access_keys=tuple(keys),
                           password_enabled=password)


def findings(check: Check, *principals: PrincipalRecord, now: float | None = None) -> list[Finding]:
    """The check's findings about principals (standalone policy documents are not in these inventories)."""
    return run_checks(Inventory(principals=principals), [check], now=now).findings


def one_role(check: Check, *statements: Doc, boundary: Doc | None = None) -> list[Finding]:
    """Findings for a role holding one inline policy made of ``statements``."""
    bound = policy_ref("boundary", boundary, kind="boundary") if boundary is not None else None
    return findings(check, role("ml-role", policy_ref("inline-policy", *statements), boundary=bound))
