"""Small inventories for the access-rule tests: principals built from real-format JSON policies."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from polp.audit.engine import run_checks
from polp.checks.interface import Check, Finding
from polp.iam.parse import parse_policy_data
from polp.iam.source import DocumentSource
from polp.inventory import Inventory, PolicyKind, PolicyRef, PrincipalRecord

ACCOUNT = "111122223333"
OTHER = "444455556666"
CORPUS = "/work/shared/corpora/account-authorization-details/cloudsplaining-example.json"
NOW = time.time()

Doc = Mapping[str, Any]


def doc(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | Sequence[str], resource: str | Sequence[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | Sequence[str], resource: str | Sequence[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def ref(
    document: Doc, name: str = "inline", *, kind: PolicyKind = "inline", arn: str | None = None
) -> PolicyRef:
    policy = parse_policy_data(dict(document), DocumentSource(name=name))
    return PolicyRef(name, kind, policy, arn)


def managed(document: Doc, name: str, account: str = ACCOUNT) -> PolicyRef:
    return ref(document, name, kind="managed", arn=f"arn:aws:iam::{account}:policy/{name}")


def role(
    name: str,
    *policies: Doc | PolicyRef,
    trust: Doc | None = None,
    boundary: Doc | None = None,
    account: str = ACCOUNT,
    tags: tuple[tuple[str, str], ...] = (),
) -> PrincipalRecord:
    inline = tuple(p for p in policies if not isinstance(p, PolicyRef))
    attached = tuple(p for p in policies if isinstance(p, PolicyRef))
    return PrincipalRecord(
        "role",
        name,
        f"arn:aws:iam::{account}:role/{name}",
        inline_policies=tuple(ref(d, f"{name}-inline-{i}") for i, d in enumerate(inline)),
        managed_policies=attached,
        permissions_boundary=ref(boundary, f"{name}-boundary", kind="boundary") if boundary else None,
        trust_policy=ref(
            trust if trust is not None else service_trust("ec2.amazonaws.com"), "trust policy", kind="trust"
        ),
        tags=tags,
    )


def user(
    name: str,
    *policies: Doc | PolicyRef,
    groups: tuple[str, ...] = (),
    boundary: Doc | None = None,
    account: str = ACCOUNT,
) -> PrincipalRecord:
    inline = tuple(p for p in policies if not isinstance(p, PolicyRef))
    attached = tuple(p for p in policies if isinstance(p, PolicyRef))
    return PrincipalRecord(
        "user",
        name,
        f"arn:aws:iam::{account}:user/{name}",
        inline_policies=tuple(ref(d, f"{name}-inline-{i}") for i, d in enumerate(inline)),
        managed_policies=attached,
        groups=groups,
        permissions_boundary=ref(boundary, f"{name}-boundary", kind="boundary") if boundary else None,
    )


def group(name: str, *policies: Doc | PolicyRef, account: str = ACCOUNT) -> PrincipalRecord:
    inline = tuple(p for p in policies if not isinstance(p, PolicyRef))
    attached = tuple(p for p in policies if isinstance(p, PolicyRef))
    return PrincipalRecord(
        "group",
        name,
        f"arn:aws:iam::{account}:group/{name}",
        inline_policies=tuple(ref(d, f"{name}-inline-{i}") for i, d in enumerate(inline)),
        managed_policies=attached,
    )


def service_trust(*services: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"Service": list(services)}, "Action": "sts:AssumeRole"})


def aws_trust(*principals: str, **extra: Any) -> dict[str, Any]:
    return doc(
        {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole", **extra}
    )


ADMIN = managed(doc(allow("*")), "AdministratorAccess", account="aws")


def audit(check: Check, *principals: PrincipalRecord, policies: tuple[PolicyRef, ...] = ()) -> list[Finding]:
    return run_checks(Inventory(tuple(principals), policies), [check], now=NOW).findings


def about(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if f.principal is not None and f.principal.name == name]


def load_corpus() -> Inventory:
    """The cloudsplaining example account, through polp.sources (skipped until a reader exists)."""
    sources = pytest.importorskip("polp.sources")
    load = getattr(sources, "load_inventory", None)
    if load is not None:
        inventory: Inventory = load([CORPUS])
        return inventory
    account_details = pytest.importorskip("polp.sources.account_details")
    read_pages = getattr(account_details, "read_pages", None)
    if read_pages is None:
        pytest.skip("no account-details reader in polp.sources yet")
    pages: Inventory = read_pages([CORPUS])
    return pages


_CORPUS_RUNS: dict[str, list[Finding]] = {}


def corpus_findings(check: Check) -> list[Finding]:
    found = _CORPUS_RUNS.get(check.rule.id)
    if found is None:
        found = run_checks(load_corpus(), [check], now=NOW).findings
        _CORPUS_RUNS[check.rule.id] = found
    return found
