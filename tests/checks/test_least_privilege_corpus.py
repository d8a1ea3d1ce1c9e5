"""The data, destruction, exposure, wildcard, key and fragmentation rules over a real account file.

cloudsplaining's example account (``get-account-authorization-details`` format), hand-checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from polp.audit.engine import run_checks
from polp.checks.interface import Finding, Severity
from polp.checks.rules import (
    data_access,
    destruction,
    fragmentation,
    long_lived_keys,
    resource_exposure,
    wildcard_resource,
    wildcard_service,
)
from polp.inventory import Inventory

ByPrincipal = dict[tuple[str, str], list[Finding]]
CORPUS = Path("/work/shared/corpora/account-authorization-details/cloudsplaining-example.json")
CHECKS = [m.CHECK for m in (data_access, destruction, resource_exposure, wildcard_service, wildcard_resource,
                            long_lived_keys, fragmentation)]


def _loader() -> Callable[[list[str]], Inventory] | None:
    try:
        from polp.sources import load_inventory
    except ImportError:
        return None
    return load_inventory


@pytest.fixture(scope="module")
def by_principal() -> ByPrincipal:
    load = _loader()
    if load is None or not CORPUS.exists():
        pytest.skip("polp.sources.load_inventory or the corpus file is not available")
    result = run_checks(load([str(CORPUS)]), CHECKS)
    grouped: ByPrincipal = {}
    for finding in result.findings:
        assert finding.principal is not None
        grouped.setdefault((finding.principal.type, finding.principal.name), []).append(finding)
    return grouped


def rules(findings: list[Finding]) -> list[str]:
    return sorted(f.rule.id for f in findings)


def test_admin_role_is_told_it_can_delete_snapshots(by_principal: ByPrincipal) -> None:
    (finding,) = by_principal[("role", "OrganizationAccountAccessRole")]
    assert finding.rule.id == "POLP-DESTROY-001" and finding.effective_severity is Severity.critical
    assert "can delete backups and snapshots (RDS and Aurora database snapshots" in finding.message
    assert finding.policy == "arn:aws:iam::aws:policy/AdministratorAccess"


def test_denied_and_unused_grants_are_silent(by_principal: ByPrincipal) -> None:
    for name in ("fp1-allow-and-deny-role", "fp2-allow-and-deny-multiple-policies-role", "fp3-deny-iam-role",
                 "fp4-nonExploitableResourceConstraint-role", "privesc-AssumeRole-starting-role"):
        assert ("role", name) not in by_principal, name


def test_service_wildcards_of_the_sre_policy(by_principal: ByPrincipal) -> None:
    found = by_principal[("role", "privesc-sre-role")]
    assert rules(found) == ["POLP-DESTROY-001", "POLP-WILD-001"]  # an effective admin: no data/exposure
    wildcard = next(f for f in found if f.rule.id == "POLP-WILD-001")
    assert wildcard.actions == ("iam:*", "ec2:*", "s3:*") and wildcard.effective_severity is Severity.high


def test_overprivileged_ec2_role(by_principal: ByPrincipal) -> None:
    found = by_principal[("role", "OverprivilegedEC2")]
    assert rules(found) == ["POLP-DATA-001", "POLP-DATA-001", "POLP-EXPOSE-001", "POLP-WILD-002"]
    assert sorted(f.actions for f in found if f.rule.id == "POLP-DATA-001") == [("s3:GetObject",),
                                                                               ("s3:PutObject",)]
    (exposure,) = [f for f in found if f.rule.id == "POLP-EXPOSE-001"]
    assert exposure.actions == ("s3:PutObjectAcl",) and exposure.effective_severity is Severity.high
    (wild,) = [f for f in found if f.rule.id == "POLP-WILD-002"]
    assert wild.actions == ("s3:PutObject", "s3:PutObjectAcl")  # iam:CreateAccessKey is escalation's


def test_instance_profile_role_only_scopable_ec2_writes(by_principal: ByPrincipal) -> None:
    (finding,) = by_principal[("role", "MyRole")]
    assert finding.rule.id == "POLP-WILD-002"
    assert finding.actions == ("ec2:AssociateIamInstanceProfile", "ec2:DisassociateIamInstanceProfile")


def test_rds_full_access_group(by_principal: ByPrincipal) -> None:
    found = by_principal[("group", "biden")]
    (destroy,) = [f for f in found if f.rule.id == "POLP-DESTROY-001"]
    assert destroy.policy == "arn:aws:iam::aws:policy/AmazonRDSFullAccess"
    assert {"rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"} <= set(destroy.actions)
    assert destroy.effective_severity is Severity.critical


def test_read_only_roles_get_no_write_findings(by_principal: ByPrincipal) -> None:
    found = by_principal[("role", "AWSReservedSSO_ViewOnlyAccess_0ace44bbc7092ea8")]
    assert rules(found) == ["POLP-DATA-001"]  # ReadOnlyAccess reads every bucket and table


def test_no_keys_nor_fragmentation_in_this_format(by_principal: ByPrincipal) -> None:
    ids = {f.rule.id for found in by_principal.values() for f in found}
    assert "POLP-KEY-001" not in ids and "POLP-FRAG-001" not in ids
