"""POLP-FRAG-001: one identity that trains, publishes images and deploys."""

from __future__ import annotations

from rulekit import allow, deny, findings, one_role, policy_ref, role

from polp.checks.interface import Confidence, Severity
from polp.checks.rules._asking import ADMIN_PROBES
from polp.checks.rules.fragmentation import CHECK, POWERS
from polp.iam.catalog import get_catalog
from polp.sources.managed_snapshot import lookup_managed_policy

ENDPOINT = "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/churn"
REPO = "arn:aws:ecr:eu-west-1:111122223333:repository/churn"


def test_every_action_is_in_the_catalog() -> None:
    catalog = get_catalog()
    for power in POWERS:
        for name in power.actions:
            info = catalog.action(name)
            assert info is not None and info.full_name == name, name


def test_build_and_deploy_in_one_role_even_when_scoped() -> None:
    (finding,) = one_role(CHECK, allow(["ecr:PutImage", "ecr:InitiateLayerUpload"], REPO),
                          allow("sagemaker:UpdateEndpoint", ENDPOINT))
    assert finding.effective_severity is Severity.medium
    assert finding.details["powers"] == ["image publishing", "deployment"]
    assert "combines image publishing (ecr:PutImage) and deployment (sagemaker:UpdateEndpoint)" \
        in finding.message
    assert "one role per stage" in finding.message
    assert finding.actions == ("ecr:PutImage", "sagemaker:UpdateEndpoint")


def test_all_three_stages() -> None:
    (finding,) = one_role(CHECK, allow(["sagemaker:CreateTrainingJob", "sagemaker:CreateEndpoint",
                                        "ecr:PutImage"]))
    assert finding.details["powers"] == ["training", "image publishing", "deployment"]


def test_one_stage_per_role_is_silent() -> None:
    trainer = role("trainer", policy_ref("train", allow("sagemaker:CreateTrainingJob")))
    builder = role("builder", policy_ref("build", allow("ecr:PutImage", REPO)))
    deployer = role("deployer", policy_ref("deploy", allow("sagemaker:UpdateEndpoint", ENDPOINT)))
    assert findings(CHECK, trainer, builder, deployer) == []


def test_deny_and_boundary_remove_a_stage() -> None:
    assert one_role(CHECK, allow(["ecr:PutImage", "sagemaker:UpdateEndpoint"]), deny("ecr:PutImage")) == []
    assert one_role(CHECK, allow(["ecr:PutImage", "sagemaker:UpdateEndpoint"]),
                    boundary=allow("sagemaker:*")) == []


def test_admins_are_left_to_the_admin_checks() -> None:
    admin = lookup_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None
    assert findings(CHECK, role("DeploymentAccount", admin)) == []


def test_conditional_grants_lower_confidence() -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    (finding,) = one_role(CHECK, allow(["ecr:PutImage", "lambda:UpdateFunctionCode"], Condition=condition))
    assert finding.effective_confidence is Confidence.medium
    assert "only under conditions" in finding.message


def test_admin_probes_are_in_the_catalog() -> None:
    for name in ADMIN_PROBES:
        info = get_catalog().action(name)
        assert info is not None and info.full_name == name
