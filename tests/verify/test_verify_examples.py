"""polp verify on the shipped examples: their own plans pass every check; the case study's "before"
account fails every check but sufficiency, with the excess, the reachable never items and the untrusted
subjects listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from polp.generate.compile import compile_manifest
from polp.generate.write import render, write_plan
from polp.manifest.load import load_manifest
from polp.sources import load_inventory
from polp.verify.command import exit_code, verify_manifest
from polp.verify.report import CHECKS, VerifyReport

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ("demand-forecast", "sagemaker-pipeline", "eks-kserve")
BEFORE_MAPS = ("builder=DeploymentAccount", "deployer=DeploymentAccount")


def verify(name: str, *sources: str, maps: tuple[str, ...] = (), max_excess: int = 0) -> VerifyReport:
    manifest = load_manifest(str(EXAMPLES / name / "polp.yaml"))
    return verify_manifest(manifest, load_inventory(list(sources)), maps=maps, max_excess=max_excess)


@pytest.fixture(scope="module")
def before() -> VerifyReport:
    return verify("demand-forecast", str(EXAMPLES / "demand-forecast" / "before"), maps=BEFORE_MAPS)


@pytest.mark.parametrize("name", NAMES)
def test_examples_pass_against_their_own_plan(name: str) -> None:
    report = verify(name, str(EXAMPLES / name / "plan"))
    assert report.passed and exit_code(report) == 0
    for result in report.identities:
        assert result.found and result.excess_count == 0
        assert all(result.passed(check) for check in CHECKS)
        assert result.sufficient and result.trust and result.never


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", ["terraform", "cloudformation", "json"])
def test_examples_pass_against_every_plan_format(name: str, fmt: str, tmp_path: Path) -> None:
    manifest = load_manifest(str(EXAMPLES / name / "polp.yaml"))
    write_plan(render(compile_manifest(manifest), fmt), str(tmp_path))
    assert verify(name, str(tmp_path)).passed


def test_before_account_is_sufficient_but_nothing_else(before: VerifyReport) -> None:
    assert not before.passed and exit_code(before) == 1
    for result in before.identities:
        assert result.principal_arn == "arn:aws:iam::111122223333:role/DeploymentAccount"
        assert result.passed("sufficient")
        assert not result.passed("minimal") and not result.passed("never") and not result.passed("trust")


def test_before_account_excess_is_listed_and_counted(before: VerifyReport) -> None:
    deployer = before.identities[1]
    (admin,) = [e for e in deployer.excess if e.policy == "arn:aws:iam::aws:policy/AdministratorAccess"]
    assert admin.resources == ("*",) and len(admin.actions) > 10_000
    assert "rds:DeleteDBInstance" in admin.actions
    # Even a declared action is excess on "*": the manifest names one endpoint.
    assert "sagemaker:UpdateEndpoint" in admin.actions
    broken = {c.call.label for c in deployer.conditions if not c.passed}
    assert "aws:ResourceTag/Environment is not Staging" in broken
    assert "iam:PassedToService is not sagemaker.amazonaws.com" in broken
    assert before.excess_count == sum(r.excess_count for r in before.identities) > 20_000
    assert (
        verify(
            "demand-forecast",
            str(EXAMPLES / "demand-forecast" / "before"),
            maps=BEFORE_MAPS,
            max_excess=before.excess_count,
        ).passed
        is False
    )  # never and trust still fail


def test_before_account_reaches_databases_and_trusts_other_repositories(before: VerifyReport) -> None:
    deployer = before.identities[1]
    never = {n.item.label: n for n in deployer.never}
    assert not never["databases"].passed and never["databases"].probe is not None
    assert never["databases"].probe.call.action == "rds:DeleteDBInstance"
    assert never["databases"].probe.decision.allowed
    wrong = {t.label.split(":", 1)[0] for t in deployer.trust if not t.passed}
    assert {"another repository of the owner", "another branch", "a pull request"} <= wrong
    assert any("43200 s" in p for p in deployer.trust_problems)


def test_a_user_with_access_keys_is_not_a_task_identity() -> None:
    report = verify(
        "demand-forecast",
        str(EXAMPLES / "demand-forecast" / "before"),
        maps=("builder=ci-deployer", "deployer=ci-deployer"),
    )
    builder = report.identities[0]
    assert builder.principal_kind == "user"
    assert any("IAM user with 2 active access key(s)" in p for p in builder.trust_problems)
    assert not builder.passed("trust")


def test_an_identity_without_principal_fails_with_a_hint() -> None:
    report = verify("demand-forecast", str(EXAMPLES / "demand-forecast" / "before"))
    assert not report.passed
    assert all(not r.found for r in report.identities)
    assert "map the identity with maps_to or --map builder=ARN" in report.identities[0].trust_problems[0]
