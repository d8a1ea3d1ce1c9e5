"""The escalation methods are data: every action they name must exist in the catalog."""

from __future__ import annotations

from polp.checks.rules.escalation_paths import METHODS, RHINO_METHODS, by_id
from polp.iam.catalog import get_catalog


def test_every_action_exists_in_the_catalog() -> None:
    catalog = get_catalog()
    missing = [(m.id, a) for m in METHODS for a in m.actions if catalog.action(a) is None]
    assert missing == []


def test_ids_are_unique_and_sourced() -> None:
    ids = [m.id for m in METHODS]
    assert len(ids) == len(set(ids))
    assert all(m.url().startswith("https://") for m in METHODS)
    assert by_id("sagemaker-002") is not None
    assert by_id("sagemaker-002").url() == "https://pathfinding.cloud/paths/sagemaker-002"  # type: ignore[union-attr]


def test_rhino_security_labs_list_is_covered() -> None:
    assert sorted(RHINO_METHODS) == list(range(1, 22))
    assert all(by_id(m) is not None for m in RHINO_METHODS.values())


def test_kinds_are_consistent() -> None:
    for method in METHODS:
        if method.kind == "passrole":
            assert method.actions[0] == "iam:PassRole" and method.services
        elif method.kind == "existing":
            assert "iam:PassRole" not in method.actions and method.services
        else:
            assert method.target in ("user", "group", "role", "policy")


def test_ml_paths_are_present() -> None:
    ids = {m.id for m in METHODS}
    assert {
        "sagemaker-001",
        "sagemaker-002",
        "sagemaker-003",
        "sagemaker-004",
        "sagemaker-005",
        "x-sagemaker-001",
        "x-sagemaker-002",
        "x-sagemaker-003",
        "bedrock-001",
        "bedrock-002",
        "bedrock-003",
        "bedrock-004",
        "bedrock-006",
        "codebuild-001",
        "ecs-004",
        "ssm-002",
    } <= ids
