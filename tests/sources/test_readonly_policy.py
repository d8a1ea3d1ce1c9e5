"""The read-only policy polp documents for `--aws`, checked with polp itself.

Every IAM action the live readers call (the action names they pass to ``aws_call``) must be allowed
by the shipped policy, nothing that writes may be, and the policy must pass polp's own validator and
audit with nothing to report.
"""

from __future__ import annotations

import re
from pathlib import Path

from polp.audit.config import AuditConfig
from polp.audit.run import audit_inventory
from polp.iam.catalog import get_catalog
from polp.iam.effective import PolicySet, SourcedPolicy
from polp.iam.evaluate import evaluate
from polp.iam.parse import parse_policy_file
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.inventory import Inventory, PolicyRef, PrincipalRecord
from polp.sources import live_aws, managed_snapshot
from polp.validate.finding import Severity as ValidationSeverity
from polp.validate.policy_type import PolicyType
from polp.validate.validator import validate_policy

POLICY = Path(live_aws.__file__).resolve().parents[1] / "data" / "polp-readonly-policy.json"
AUDITOR = RequestPrincipal.parse("arn:aws:iam::111122223333:role/polp-auditor")


def _called_actions() -> set[str]:
    found: set[str] = set()
    for module in (live_aws, managed_snapshot):
        text = Path(module.__file__ or "").read_text()
        for call in re.finditer(r"aws_call\(", text):
            action = re.compile(r'"(iam:[A-Za-z]+)"').search(text, call.end())
            if action is not None:
                found.add(action.group(1))
    return found


def test_every_action_the_live_readers_call_is_allowed() -> None:
    policy = parse_policy_file(POLICY)
    called = _called_actions()
    assert {"iam:GetAccountAuthorizationDetails", "iam:GetCredentialReport", "iam:ListPolicies"} <= called
    for action in called:
        resource = "arn:aws:iam::aws:policy/ReadOnlyAccess" if action == "iam:GetPolicyVersion" else "*"
        decision = evaluate(Request(AUDITOR, action, resource, identity_policies=(policy,)))
        assert decision.allowed, (action, decision)


def test_nothing_beyond_reading_is_allowed() -> None:
    policy = parse_policy_file(POLICY)
    allowed = list(PolicySet([SourcedPolicy(policy, "readonly")]).allowed_actions())
    assert set(allowed) == _called_actions()
    catalog = get_catalog()
    for name in allowed:
        info = catalog.action(name)
        assert info is not None and info.access_level in ("Read", "List"), name
    for write in ("iam:CreateAccessKey", "iam:PutRolePolicy", "iam:GetPolicyVersion"):
        resource = "arn:aws:iam::111122223333:policy/customer" if write == "iam:GetPolicyVersion" else "*"
        assert not evaluate(Request(AUDITOR, write, resource, identity_policies=(policy,))).allowed


def test_polp_validates_and_audits_its_own_policy_clean() -> None:
    policy = parse_policy_file(POLICY)
    findings = validate_policy(policy, PolicyType.IDENTITY)
    assert [f for f in findings if f.severity is not ValidationSeverity.SUGGESTION] == []
    ref = PolicyRef("polp-readonly", "inline", policy)
    role = PrincipalRecord(
        "role", "polp-auditor", "arn:aws:iam::111122223333:role/polp-auditor", inline_policies=(ref,)
    )
    report = audit_inventory(Inventory(principals=(role,)), AuditConfig())
    assert report.findings == []
