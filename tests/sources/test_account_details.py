"""Account authorization details: the real cloudsplaining example, pages, URL-encoded documents."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from polp.errors import InputError
from polp.inventory import Inventory, PrincipalRecord
from polp.sources import load_inventory
from polp.sources.account_details import read_pages

EXAMPLE = "account-authorization-details/cloudsplaining-example.json"


@pytest.fixture(scope="module")
def example_path(corpora: Path) -> Path:
    return corpora / EXAMPLE


@pytest.fixture(scope="module")
def example(example_path: Path) -> Inventory:
    return read_pages([str(example_path)])


def _one(inventory: Inventory, kind: str, name: str) -> PrincipalRecord:
    found = [p for p in inventory.principals if p.kind == kind and p.name == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def test_counts_match_the_file(example: Inventory) -> None:
    kinds = [p.kind for p in example.principals]
    assert kinds.count("user") == 44
    assert kinds.count("group") == 5
    assert kinds.count("role") == 78
    assert not example.problems


def test_role_trust_policy_and_location(example: Inventory, example_path: Path) -> None:
    role = _one(example, "role", "OverprivilegedEC2")
    assert role.arn.endswith(":role/OverprivilegedEC2")
    assert role.trust_policy is not None and role.trust_policy.policy is not None
    statement = role.trust_policy.policy.statements[0]
    assert statement.action == ("sts:AssumeRole",)
    assert statement.principal is not None and statement.principal.service == ("ec2.amazonaws.com",)
    where = role.trust_policy.policy.locate(statement.path)
    assert where.file == str(example_path)
    assert where.path.endswith("AssumeRolePolicyDocument.Statement[0]")
    lines = example_path.read_text().splitlines()
    assert where.line is not None
    assert '"ec2.amazonaws.com"' in "\n".join(lines[where.line - 1 : where.line + 6])


def test_inline_statement_points_into_the_big_file(example: Inventory, example_path: Path) -> None:
    role = next(p for p in example.principals if p.kind == "role" and p.inline_policies)
    policy = role.inline_policies[0].policy
    assert policy is not None
    where = policy.locate(policy.statements[0].path)
    assert where.line is not None and where.line > 1
    assert where.path.startswith("RoleDetailList[")


def test_group_membership_resolves(example: Inventory) -> None:
    user = _one(example, "user", "privesc-sre-user")
    assert user.groups == ("privesc-sre-group",)
    groups = list(example.groups_of(user))
    assert [g.name for g in groups] == ["privesc-sre-group"]
    labels = [ref.label for ref in example.identity_policies(user)]
    assert labels == ["arn:aws:iam::200611803367:policy/privesc-sre-admin-policy"]


def test_managed_policies_use_the_default_version(example: Inventory) -> None:
    user = _one(example, "user", "obama")
    (admin,) = user.managed_policies
    assert admin.kind == "aws-managed"
    assert admin.policy is not None and admin.policy.statements[0].action == ("*",)


def test_role_last_used_and_created(example: Inventory) -> None:
    role = _one(example, "role", "AWS-QuickSetup-EnableCRecording-1clff_ap-northeast-1")
    assert role.last_used is not None and role.last_used.year == 2022
    assert role.created is not None and role.created.tzinfo is not None


def test_pages_merge_to_the_same_account(example_path: Path, tmp_path: Path, example: Inventory) -> None:
    data = json.loads(example_path.read_text())
    first = tmp_path / "page-1.json"
    second = tmp_path / "page-2.json"
    first.write_text(
        json.dumps(
            {
                "UserDetailList": data["UserDetailList"],
                "GroupDetailList": data["GroupDetailList"],
                "IsTruncated": True,
                "Marker": "abc",
            }
        )
    )
    second.write_text(
        json.dumps(
            {"RoleDetailList": data["RoleDetailList"], "Policies": data["Policies"], "IsTruncated": False}
        )
    )
    merged = load_inventory([str(first), str(second)])
    assert len(merged.principals) == len(example.principals)
    user = _one(merged, "user", "privesc-sre-user")
    # the user's managed policy is in the other page
    sre = _one(merged, "group", "privesc-sre-group")
    assert sre.managed_policies[0].policy is not None
    assert user.groups == ("privesc-sre-group",)


def _details(document: Any) -> dict[str, Any]:
    return {
        "RoleDetailList": [
            {
                "Path": "/",
                "RoleName": "trainer",
                "RoleId": "AROAEXAMPLE",
                "Arn": "arn:aws:iam::111122223333:role/trainer",
                "CreateDate": "2024-05-01T10:00:00Z",
                "AssumeRolePolicyDocument": document,
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document}],
                "AttachedManagedPolicies": [
                    {
                        "PolicyName": "AmazonSageMakerFullAccess",
                        "PolicyArn": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
                    },
                    {"PolicyName": "gone", "PolicyArn": "arn:aws:iam::111122223333:policy/gone"},
                ],
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess",
                },
                "MaxSessionDuration": 7200,
                "Tags": [{"Key": "team", "Value": "ml"}],
                "RoleLastUsed": {},
            }
        ],
        "Policies": [
            {
                "PolicyName": "unattached",
                "Arn": "arn:aws:iam::111122223333:policy/unattached",
                "Path": "/",
                "DefaultVersionId": "v2",
                "AttachmentCount": 0,
                "PermissionsBoundaryUsageCount": 0,
                "PolicyVersionList": [
                    {"Document": document, "VersionId": "v2", "IsDefaultVersion": True},
                    {
                        "Document": {"Version": "2012-10-17", "Statement": []},
                        "VersionId": "v1",
                        "IsDefaultVersion": False,
                    },
                ],
            }
        ],
    }


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def test_url_encoded_documents_are_decoded(tmp_path: Path) -> None:
    encoded = urllib.parse.quote(json.dumps(TRUST))
    path = tmp_path / "details.json"
    path.write_text(json.dumps(_details(encoded)))
    inventory = load_inventory([str(path)])
    role = inventory.principals[0]
    assert role.trust_policy is not None and role.trust_policy.policy is not None
    assert role.trust_policy.policy.statements[0].principal.service == ("sagemaker.amazonaws.com",)  # type: ignore[union-attr]
    assert role.inline_policies[0].policy is not None
    assert role.max_session_duration == 7200
    assert role.tags == (("team", "ml"),)
    # the encoded string is located in the file
    assert role.trust_policy.location is not None and role.trust_policy.location.line is not None


def test_attachments_boundary_unresolved_and_standalone(tmp_path: Path) -> None:
    path = tmp_path / "details.json"
    path.write_text(json.dumps(_details(TRUST), indent=2))
    inventory = load_inventory([str(path)])
    role = inventory.principals[0]
    sagemaker, gone = role.managed_policies
    assert sagemaker.kind == "aws-managed" and sagemaker.policy is not None  # from the snapshot
    assert gone.symbolic and gone.policy is None
    assert role.unresolved == ("arn:aws:iam::111122223333:policy/gone",)
    assert role.permissions_boundary is not None and role.permissions_boundary.kind == "boundary"
    assert role.permissions_boundary.policy is not None
    assert [p.name for p in inventory.policies] == ["unattached"]
    assert inventory.policies[0].policy is not None and inventory.policies[0].policy.statements  # v2, not v1


def test_bad_entries_are_problems_not_errors(tmp_path: Path) -> None:
    data = _details(TRUST)
    data["UserDetailList"] = [
        {"UserName": "no-arn"},
        "nonsense",
        {"Arn": "arn:aws:iam::1:user/x", "UserName": 5},
    ]
    data["RoleDetailList"][0]["RolePolicyList"].append(
        {"PolicyName": "broken", "PolicyDocument": {"Statement": 3}}
    )
    data["RoleDetailList"][0]["RolePolicyList"].append(
        {"PolicyName": "bad-encoding", "PolicyDocument": "%7Bnope"}
    )
    path = tmp_path / "details.json"
    path.write_text(json.dumps(data, indent=1))
    inventory = load_inventory([str(path)])
    messages = [p.message for p in inventory.problems]
    assert sum("without an Arn" in m for m in messages) == 2
    assert any("without a UserName" in m for m in messages)
    assert any("'broken'" in m for m in messages)
    assert any("'bad-encoding'" in m for m in messages)
    assert all(p.location.file == str(path) for p in inventory.problems)
    role = inventory.principals[0]
    assert [r.symbolic for r in role.inline_policies] == [False, True, True]


def test_not_account_details_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "details.json"
    path.write_text('{"RoleDetailList": 5}')
    inventory = read_pages([str(path)])
    assert inventory.problems and "not a list" in inventory.problems[0].message
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="get-account-authorization-details"):
        read_pages([str(path)])
