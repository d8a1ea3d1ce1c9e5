"""Each check on a plan that was changed by hand: a missing action is insufficient (at the manifest line
of its capability), an extra one is excess (at the statement that grants it), a dropped condition is an
unenforced condition, a widened trust lets in untrusted subjects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from polp.errors import UsageError
from polp.generate.compile import compile_manifest
from polp.generate.write import render, write_plan
from polp.manifest.load import load_manifest
from polp.sources import load_inventory
from polp.verify.command import verify_manifest
from polp.verify.describe import failures
from polp.verify.report import IdentityResult

MANIFEST = Path(__file__).resolve().parents[2] / "examples" / "demand-forecast" / "polp.yaml"


def deployer_after(tmp_path: Path, change: Any, max_excess: int = 0) -> IdentityResult:
    manifest = load_manifest(str(MANIFEST))
    write_plan(render(compile_manifest(manifest), "json"), str(tmp_path))
    roles_file = tmp_path / "roles.json"
    roles = json.loads(roles_file.read_text())
    deployer = next(r for r in roles["RoleDetailList"] if r["RoleName"] == "demand-forecast-deployer")
    change(deployer)
    roles_file.write_text(json.dumps(roles, indent=2))
    report = verify_manifest(manifest, load_inventory([str(roles_file)]), max_excess=max_excess)
    return report.identities[1]


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return list(role["RolePolicyList"][0]["PolicyDocument"]["Statement"])


def test_a_missing_pass_role_is_insufficient(tmp_path: Path) -> None:
    def drop(role: dict[str, Any]) -> None:
        role["RolePolicyList"][0]["PolicyDocument"]["Statement"] = [
            s for s in statements(role) if s["Action"] != "iam:PassRole"
        ]

    result = deployer_after(tmp_path, drop)
    assert not result.passed("sufficient") and result.passed("minimal")
    ((text, where),) = failures(result, "sufficient")
    assert text.startswith(
        "denied: iam:PassRole on arn:aws:iam::111122223333:role/service-role/DemandForecastSageMakerExecution"
    )
    assert where.endswith("examples/demand-forecast/polp.yaml:38")


def test_an_extra_action_is_excess_at_its_statement(tmp_path: Path) -> None:
    def add(role: dict[str, Any]) -> None:
        role["RolePolicyList"][0]["PolicyDocument"]["Statement"].append(
            {
                "Sid": "ReadData",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "rds:DescribeDBInstances"],
                "Resource": "*",
            }
        )

    result = deployer_after(tmp_path, add)
    assert result.passed("sufficient") and not result.passed("minimal") and not result.passed("never")
    (excess,) = result.excess
    assert excess.actions == ("rds:DescribeDBInstances", "s3:GetObject") and excess.resources == ("*",)
    assert excess.statement == "ReadData" and excess.location is not None
    assert result.excess_count == 2


def test_max_excess_gates_only_the_excess(tmp_path: Path) -> None:
    def add(role: dict[str, Any]) -> None:
        role["RolePolicyList"][0]["PolicyDocument"]["Statement"].append(
            {"Effect": "Allow", "Action": "sagemaker:DescribeEndpointConfig", "Resource": "*"}
        )

    assert not deployer_after(tmp_path, add).passed("minimal")
    assert deployer_after(tmp_path, add, max_excess=1).passed("minimal", max_excess=1)


def test_a_dropped_tag_condition_is_an_unenforced_condition(tmp_path: Path) -> None:
    def drop(role: dict[str, Any]) -> None:
        for statement in statements(role):
            if statement["Sid"] == "RollOutEndpoint":
                del statement["Condition"]

    result = deployer_after(tmp_path, drop)
    assert result.excess == () and not result.passed("minimal")
    gaps = [c for c in result.conditions if not c.passed]
    assert [(c.call.action, c.call.label) for c in gaps] == [
        ("sagemaker:DescribeEndpoint", "aws:ResourceTag/Environment is not Staging")
    ]


def test_a_wildcard_subject_lets_other_repositories_in(tmp_path: Path) -> None:
    def widen(role: dict[str, Any]) -> None:
        condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        condition["StringLike"] = {"token.actions.githubusercontent.com:sub": "repo:retail-co/*"}
        del condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
        role["MaxSessionDuration"] = 7200

    result = deployer_after(tmp_path, widen)
    assert not result.passed("trust")
    texts = [text for text, _ in failures(result, "trust")]
    assert texts[0] == "sessions last up to 7200 s (MaxSessionDuration), the manifest allows 3600 s"
    assert any("another repository of the owner" in t for t in texts)
    assert any("a pull request" in t for t in texts)


def test_an_explicit_deny_makes_a_never_item_pass(tmp_path: Path) -> None:
    def deny(role: dict[str, Any]) -> None:
        role["RolePolicyList"][0]["PolicyDocument"]["Statement"] += [
            {"Effect": "Allow", "Action": "rds:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "rds:*", "Resource": "*"},
        ]

    result = deployer_after(tmp_path, deny)
    assert result.passed("never") and result.excess == ()


def test_maps_must_name_identities_of_the_manifest() -> None:
    manifest = load_manifest(str(MANIFEST))
    with pytest.raises(UsageError, match="the manifest has no identity 'trainer'"):
        verify_manifest(manifest, load_inventory([str(MANIFEST.parent / "plan")]), maps=("trainer=x",))
    with pytest.raises(UsageError, match="expected IDENTITY=ARN"):
        verify_manifest(manifest, load_inventory([str(MANIFEST.parent / "plan")]), maps=("builder",))


def test_maps_accept_arns(tmp_path: Path) -> None:
    manifest = load_manifest(str(MANIFEST))
    arn = "arn:aws:iam::111122223333:role/demand-forecast-builder"
    report = verify_manifest(
        manifest, load_inventory([str(MANIFEST.parent / "plan")]), maps=(f"deployer={arn}",)
    )
    assert report.identities[1].principal_arn == arn
    assert not report.identities[1].passed("sufficient")


def test_maps_to_in_the_manifest(tmp_path: Path) -> None:
    text = MANIFEST.read_text().replace(
        "    role_name: demand-forecast-deployer\n",
        "    role_name: demand-forecast-deployer\n    maps_to: DeploymentAccount\n",
    )
    (tmp_path / "polp.yaml").write_text(text)
    manifest = load_manifest(str(tmp_path / "polp.yaml"))
    report = verify_manifest(manifest, load_inventory([str(MANIFEST.parent / "before")]))
    builder, deployer = report.identities
    assert not builder.found and deployer.principal_arn == "arn:aws:iam::111122223333:role/DeploymentAccount"
