"""The declared conditions, decided by the evaluator: the network perimeter (with AWS's exception for
calls services make on the identity's behalf) and attribute-based access through tags."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from polp.generate.compile import compile_manifest
from polp.iam.context import RequestContext
from polp.iam.evaluate import evaluate
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.manifest.load import load_manifest_text

MANIFEST = """\
version: 1
pipeline: demo
account: "111122223333"
region: us-east-1
identities:
  builder:
    trust: {github_actions: {repository: retail-co/demo, branches: [main]}}
    network:
      cidrs: [203.0.113.0/24]
      vpcs: [vpc-0a1b2c3d4e5f60718]
      vpc_endpoints: [vpce-0123456789abcdef0]
    abac: {resource_tags: {Environment: Staging}}
    capabilities:
      - ecr_push: {repository: demo}
"""
SESSION = "arn:aws:sts::111122223333:assumed-role/demo-builder/ci"
REPOSITORY = "arn:aws:ecr:us-east-1:111122223333:repository/demo"


def decide(context: dict[str, Any], action: str = "ecr:PutImage", resource: str = REPOSITORY) -> str:
    manifest = load_manifest_text(MANIFEST, "polp.yaml")
    policy = parse_policy_data(compile_manifest(manifest).identities[0].permissions)
    request = Request(
        RequestPrincipal.parse(SESSION),
        action,
        resource,
        context=RequestContext(context),
        identity_policies=(policy,),
    )
    return evaluate(request).decision


STAGING = {"aws:ResourceTag/Environment": "Staging"}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:SourceIp": "203.0.113.9", **STAGING}, "Allowed"),
        (
            {"aws:SourceVpc": "vpc-0a1b2c3d4e5f60718", "aws:SourceVpce": "vpce-0fffffffffffffff0", **STAGING},
            "Allowed",
        ),
        (
            {"aws:SourceVpc": "vpc-0ffffffffffffffff", "aws:SourceVpce": "vpce-0123456789abcdef0", **STAGING},
            "Allowed",
        ),
        ({"aws:SourceIp": "198.51.100.7", **STAGING}, "ExplicitlyDenied"),
        (
            {"aws:SourceVpc": "vpc-0ffffffffffffffff", "aws:SourceVpce": "vpce-0fffffffffffffff0", **STAGING},
            "ExplicitlyDenied",
        ),
        ({"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "true", **STAGING}, "Allowed"),
        ({"aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "false", **STAGING}, "ExplicitlyDenied"),
        ({"aws:SourceIp": "203.0.113.9", "aws:ResourceTag/Environment": "Production"}, "ImplicitlyDenied"),
        ({"aws:SourceIp": "203.0.113.9"}, "ImplicitlyDenied"),
    ],
    ids=[
        "inside-cidr",
        "declared-vpc",
        "declared-endpoint",
        "outside-cidr",
        "other-vpc-and-endpoint",
        "service-on-behalf",
        "outside-not-via-service",
        "wrong-tag",
        "no-tag",
    ],
)
def test_network_and_tags(context: dict[str, Any], expected: str) -> None:
    assert decide(context) == expected


def test_login_has_no_resource_tag_and_is_still_allowed_inside() -> None:
    assert decide({"aws:SourceIp": "203.0.113.9"}, "ecr:GetAuthorizationToken", "*") == "Allowed"
    assert decide({"aws:SourceIp": "198.51.100.7"}, "ecr:GetAuthorizationToken", "*") == "ExplicitlyDenied"


def test_the_perimeter_is_one_deny_statement() -> None:
    manifest = load_manifest_text(textwrap.dedent(MANIFEST), "polp.yaml")
    deny = compile_manifest(manifest).identities[0].permissions["Statement"][-1]
    assert deny == {
        "Sid": "DenyOutsideDeclaredNetwork",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "NotIpAddressIfExists": {"aws:SourceIp": ["203.0.113.0/24"]},
            "StringNotEqualsIfExists": {
                "aws:SourceVpc": ["vpc-0a1b2c3d4e5f60718"],
                "aws:SourceVpce": ["vpce-0123456789abcdef0"],
            },
            "BoolIfExists": {"aws:ViaAWSService": "false"},
        },
    }
