"""``terraform show -json`` plans and states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polp.errors import InputError
from polp.inventory import Inventory, PrincipalRecord
from polp.sources import load_inventory
from polp.sources.terraform_plan import TerraformPlanSource

PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "plan" / "ml-platform.plan.json"


@pytest.fixture(scope="module")
def plan() -> Inventory:
    return load_inventory([str(PLAN)])


def _principal(inventory: Inventory, name: str) -> PrincipalRecord:
    (found,) = [p for p in inventory.principals if p.name == name]
    return found


def test_detection() -> None:
    assert TerraformPlanSource().detect(str(PLAN), PLAN.read_bytes()[:65536])
    assert not TerraformPlanSource().detect("x.json", b'{"Version": "2012-10-17", "Statement": []}')


def test_resources_from_root_and_child_modules(plan: Inventory) -> None:
    assert sorted((p.kind, p.name) for p in plan.principals) == [
        ("role", "github-deployer"),
        ("role", "legacy-etl"),
        ("role", "ml-trainer"),
        ("user", "ml-ci-bot"),
    ]
    deployer = _principal(plan, "github-deployer")
    assert deployer.location is not None and deployer.location.path == "module.ci.aws_iam_role.deployer"
    assert deployer.location.file == str(PLAN) and deployer.location.line == 1
    assert [r.label for r in deployer.managed_policies if not r.symbolic] == [
        "arn:aws:iam::aws:policy/AdministratorAccess"
    ]


def test_account_from_caller_identity(plan: Inventory) -> None:
    assert _principal(plan, "ml-trainer").arn == "arn:aws:iam::123456789012:role/ml/ml-trainer"
    assert _principal(plan, "ml-ci-bot").arn == "arn:aws:iam::123456789012:user/service/ml-ci-bot"


def test_policy_json_strings_parse(plan: Inventory) -> None:
    deployer = _principal(plan, "github-deployer")
    assert deployer.trust_policy is not None and deployer.trust_policy.policy is not None
    statement = deployer.trust_policy.policy.statements[0]
    assert statement.principal is not None and statement.principal.federated[0].endswith(
        "oidc-provider/token.actions.githubusercontent.com"
    )
    trainer = _principal(plan, "ml-trainer")
    assert [r.name for r in trainer.inline_policies] == ["cloudwatch-logs"]


def test_unknown_arn_recovered_from_configuration(plan: Inventory) -> None:
    trainer = _principal(plan, "ml-trainer")
    (data,) = [r for r in trainer.managed_policies if r.name == "ml-training-data-read"]
    assert data.arn == "arn:aws:iam::123456789012:policy/ml-training-data-read"
    assert data.policy is not None and not data.symbolic
    assert not trainer.unresolved  # computed attributes (managed_policy_arns) are not placeholders


def test_unrecoverable_unknown_is_symbolic(plan: Inventory) -> None:
    deployer = _principal(plan, "github-deployer")
    (extra,) = [r for r in deployer.managed_policies if r.symbolic]
    assert extra.policy is None
    assert deployer.unresolved == ("aws_iam_role_policy_attachment.ci_extra.policy_arn",)


def test_state_values_and_access_key(plan: Inventory) -> None:
    legacy = _principal(plan, "legacy-etl")
    assert legacy.arn == "arn:aws:iam::123456789012:role/legacy-etl"
    assert [r.label for r in legacy.managed_policies] == ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
    bot = _principal(plan, "ml-ci-bot")
    assert [(k.key_id, k.active) for k in bot.access_keys] == [("aws_iam_access_key.bot", True)]


def test_state_output_is_read(tmp_path: Path) -> None:
    data = json.loads(PLAN.read_text())
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        "values": {"root_module": data["planned_values"]["root_module"]},
    }
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state, indent=2))
    inventory = load_inventory([str(path)])
    assert len(inventory.principals) == 4
    trainer = _principal(inventory, "ml-trainer")
    assert trainer.location is not None and trainer.location.line is not None and trainer.location.line > 1


def test_malformed_plans(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2", "terraform_version": "1.9.5"}')
    with pytest.raises(InputError, match="terraform show"):
        load_inventory([str(path)])
    path.write_text(
        json.dumps(
            {
                "format_version": "1.2",
                "terraform_version": "1.9.5",
                "planned_values": {
                    "root_module": {
                        "resources": [
                            5,
                            {
                                "type": "aws_iam_role",
                                "name": "r",
                                "address": "aws_iam_role.r",
                                "values": {"assume_role_policy": "{"},
                            },
                            {
                                "type": "aws_iam_role_policy",
                                "name": "p",
                                "address": "aws_iam_role_policy.p",
                                "values": None,
                            },
                        ],
                        "child_modules": "nope",
                    }
                },
            }
        )
    )
    inventory = load_inventory([str(path)])
    assert any("not valid JSON" in p.message for p in inventory.problems)
    assert any("no role named" in p.message for p in inventory.problems)
