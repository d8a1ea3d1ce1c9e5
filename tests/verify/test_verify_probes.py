"""The simulated requests behind verification: for every identity of every example, every must-never
item and every untrusted subject (another repository, branch, account...) is denied against the plan,
and every declared subject and capability call is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from polp.generate.compile import compile_manifest
from polp.manifest.load import load_manifest
from polp.sources import load_inventory
from polp.verify.command import verify_manifest
from polp.verify.report import IdentityResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ("demand-forecast", "sagemaker-pipeline", "eks-kserve")


def results(name: str) -> list[IdentityResult]:
    manifest = load_manifest(str(EXAMPLES / name / "polp.yaml"))
    return verify_manifest(manifest, load_inventory([str(EXAMPLES / name / "plan")])).identities


@pytest.mark.parametrize("name", NAMES)
def test_every_never_item_is_denied_by_simulation(name: str) -> None:
    for result in results(name):
        assert {n.item.label for n in result.never} == {
            "databases",
            "secrets",
            "iam",
            "kms",
            "organizations",
            "role-assumption",
        }
        for outcome in result.never:
            assert outcome.probe is not None and not outcome.probe.decision.allowed, (
                result.name,
                outcome.item,
            )
            assert outcome.granted == () and outcome.actions_checked > 0


@pytest.mark.parametrize("name", NAMES)
def test_untrusted_subjects_are_denied_and_declared_ones_allowed(name: str) -> None:
    for result in results(name):
        denied = [t for t in result.trust if not t.expect_allowed]
        allowed = [t for t in result.trust if t.expect_allowed]
        assert denied and allowed
        assert all(not t.decision.allowed for t in denied), [t.label for t in denied if t.decision.allowed]
        assert all(t.decision.allowed for t in allowed)
        labels = " ".join(t.label for t in denied)
        assert "another account" in labels and "administrator role of the same account" in labels


def test_untrusted_repository_is_among_the_requests() -> None:
    deployer = results("demand-forecast")[1]
    untrusted = [t for t in deployer.trust if t.label.startswith("another repository of the owner")]
    assert len(untrusted) == 1
    assert "repo:retail-co/polp-untrusted-repo:ref:refs/heads/main" in untrusted[0].label
    assert untrusted[0].decision.decision == "ImplicitlyDenied"


@pytest.mark.parametrize("name", NAMES)
def test_every_capability_call_is_checked(name: str) -> None:
    manifest = load_manifest(str(EXAMPLES / name / "polp.yaml"))
    plan = compile_manifest(manifest)
    for compiled, result in zip(plan.identities, results(name), strict=True):
        called = {c.call.action for c in result.sufficient}
        granted = {a for s in compiled.statements for a in s.actions}
        assert called == granted, compiled.name
        assert all(c.decision.allowed for c in result.sufficient)


def test_network_probes_include_the_service_exception() -> None:
    runner = next(r for r in results("sagemaker-pipeline") if r.name == "pipeline-runner")
    routes = {c.call.route for c in runner.sufficient}
    assert {"from vpc-0a1b2c3d4e5f60718", "through vpce-0123456789abcdef0"} <= routes
    via = [c for c in runner.sufficient if "aws:ViaAWSService" in c.call.label]
    assert len(via) == 1 and via[0].decision.allowed
    outside = [c for c in runner.conditions if c.call.label == "outside the declared network"]
    assert outside and all(c.decision.decision == "ExplicitlyDenied" for c in outside)
