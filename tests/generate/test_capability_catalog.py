"""Every capability of the library, checked against the action catalog: each action exists, each
resource is of a type the action acts on, each condition key (the capability's own, and the ABAC tag
keys it can be gated by) applies to the action, and each role it passes goes to a known service."""

from __future__ import annotations

import pytest

from polp.generate.capabilities import ALL, BY_NAME
from polp.generate.capabilities.base import CapabilitySpec, Scope
from polp.generate.catalog_check import access_problems
from polp.generate.conditions import abac_conditions
from polp.iam.catalog import get_catalog
from polp.iam.dependent_actions import passed_to_service, passes_role
from polp.manifest.model import Abac

SCOPE = Scope("aws", "111122223333", "us-east-1", "demand-forecast", "deployer")
ABAC = Abac(resource_tags=(("Environment", "Staging"),))


def built(spec: CapabilitySpec):  # type: ignore[no-untyped-def]
    return spec.build(spec.example, SCOPE)


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_every_action_resource_and_condition_key_matches_the_catalog(spec: CapabilitySpec) -> None:
    result = built(spec)
    assert result.accesses
    for access in result.accesses:
        conditions = (*access.conditions, *abac_conditions(access.tag_keys, ABAC))
        assert access_problems(access.actions, access.resources, conditions) == [], access.sid


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_every_action_exists_by_its_canonical_name(spec: CapabilitySpec) -> None:
    catalog = get_catalog()
    for access in built(spec).accesses:
        for action in access.actions:
            info = catalog.action(action)
            assert info is not None and info.full_name == action


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_passed_roles_go_to_a_known_service(spec: CapabilitySpec) -> None:
    for access in built(spec).accesses:
        if access.passes_role is None:
            assert not any(passes_role(a) for a in access.actions), (
                f"{access.sid} passes a role it does not name"
            )
            continue
        assert access.passes_role.startswith("arn:aws:iam::111122223333:role/")
        assert {passed_to_service(a) for a in access.actions if passes_role(a)} == {"sagemaker.amazonaws.com"}


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_sids_are_letters_and_digits(spec: CapabilitySpec) -> None:
    for access in built(spec).accesses:
        assert access.sid.isalnum()


def test_ecr_push_is_the_documented_sequence() -> None:
    accesses = BY_NAME["ecr_push"].build({"repository": "demand-forecast"}, SCOPE).accesses
    login, push = accesses
    assert login.actions == ("ecr:GetAuthorizationToken",) and login.resources == ("*",)
    assert set(push.actions) == {
        "ecr:BatchCheckLayerAvailability",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    }
    assert push.resources == ("arn:aws:ecr:us-east-1:111122223333:repository/demand-forecast",)


def test_s3_read_lists_only_its_prefix() -> None:
    read, listing = BY_NAME["s3_read"].build({"bucket": "data", "prefix": "sales/"}, SCOPE).accesses
    assert read.resources == ("arn:aws:s3:::data/sales/*",)
    assert listing.conditions == (("StringLike", "s3:prefix", ("sales/*",)),)


def test_raw_capability_reports_catalog_problems() -> None:
    spec = BY_NAME["raw"]
    for params, problem in (
        ({"actions": ["s3:GetObjects"], "resources": ["*"]}, "s3:GetObjects is not an action"),
        ({"actions": ["s3:Get*"], "resources": ["*"]}, "name exact actions"),
        (
            {"actions": ["ecr:PutImage"], "resources": ["arn:aws:s3:::bucket"]},
            "ecr:PutImage acts on repository",
        ),
        (
            {"actions": ["ecr:GetAuthorizationToken"], "resources": ["arn:aws:ecr:us-east-1:1:repository/x"]},
            "no resource type (use *)",
        ),
        (
            {
                "actions": ["s3:GetObject"],
                "resources": ["arn:aws:s3:::b/*"],
                "conditions": {"StringEquals": {"ecr:ResourceTag/x": "y"}},
            },
            "does not apply to s3:GetObject",
        ),
    ):
        (access,) = spec.build(params, SCOPE).accesses
        problems = access_problems(access.actions, access.resources, access.conditions)
        assert any(problem in p for p in problems), problems
