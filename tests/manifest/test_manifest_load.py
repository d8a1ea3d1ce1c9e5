"""Loading polp.yaml: the examples load, and every kind of mistake is reported as file:line: path: what
was expected, never as a traceback."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from polp.errors import InputError
from polp.manifest.load import load_manifest, load_manifest_text
from polp.manifest.model import EksServiceAccount, GitHubActions, GitLabCI, ServicePrincipal
from polp.manifest.schema import ManifestError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

BASE = """\
version: 1
pipeline: demo
account: "111122223333"
region: us-east-1
identities:
  builder:
    trust:
      github_actions: {repository: retail-co/demo, branches: [main]}
    capabilities:
      - ecr_push: {repository: demo}
"""


def load(text: str) -> object:
    return load_manifest_text(textwrap.dedent(text), "polp.yaml")


def error_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        load(text)
    return str(caught.value)


@pytest.mark.parametrize("name", ["demand-forecast", "sagemaker-pipeline", "eks-kserve"])
def test_examples_load(name: str) -> None:
    manifest = load_manifest(str(EXAMPLES / name / "polp.yaml"))
    assert manifest.identities
    assert all(i.capabilities and i.never for i in manifest.identities)


def test_demand_forecast_is_the_case_study() -> None:
    manifest = load_manifest(str(EXAMPLES / "demand-forecast" / "polp.yaml"))
    assert manifest.account == "111122223333" and manifest.region == "us-east-1"
    builder, deployer = manifest.identities
    assert builder.role_name == "demand-forecast-builder" and deployer.role_name == "demand-forecast-deployer"
    assert isinstance(deployer.trust, GitHubActions) and deployer.trust.branches == ("main",)
    assert deployer.abac.resource_tags == (("Environment", "Staging"),)
    assert "databases" in [n.label for n in deployer.never]
    assert deployer.max_session_duration == 3600


def test_every_trust_kind_loads() -> None:
    pipeline = load_manifest(str(EXAMPLES / "sagemaker-pipeline" / "polp.yaml"))
    eks = load_manifest(str(EXAMPLES / "eks-kserve" / "polp.yaml"))
    kinds = {type(i.trust) for i in (*pipeline.identities, *eks.identities)}
    assert {GitHubActions, GitLabCI, ServicePrincipal, EksServiceAccount} <= kinds
    trusts = {i.name: i.trust for i in eks.identities}
    assert isinstance(trusts["model-server"], EksServiceAccount) and trusts["model-server"].pod_identity
    assert isinstance(trusts["trainer"], EksServiceAccount) and not trusts["trainer"].pod_identity


def test_defaults_apply_and_identities_override() -> None:
    manifest = load(
        BASE.replace("identities:", "defaults:\n  max_session_duration: 2h\n  never: [iam]\nidentities:")
    )
    identity = manifest.identities[0]  # type: ignore[attr-defined]
    assert identity.max_session_duration == 7200
    assert [n.label for n in identity.never] == ["iam"]
    assert identity.never[0].excluded == ("iam:PassRole",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t.replace('account: "111122223333"', "account: 111122223333"),
            "polp.yaml:3: account: expected a 12-digit account id, in quotes, found 111122223333",
        ),
        (
            lambda t: t.replace("region: us-east-1", "region: Virginia"),
            "polp.yaml:4: region: expected a region such as us-east-1, found 'Virginia'",
        ),
        (lambda t: t.replace("version: 1\n", ""), "polp.yaml:1: missing required key 'version'"),
        (
            lambda t: t.replace(
                "      - ecr_push: {repository: demo}", "      - ecr_pusher: {repository: demo}"
            ),
            "polp.yaml:10: identities.builder.capabilities[0].ecr_pusher: "
            "unknown key 'ecr_pusher' (expected one of",
        ),
        (
            lambda t: t.replace("{repository: demo}", "{repo: demo}"),
            "polp.yaml:10: identities.builder.capabilities[0].ecr_push: missing required key 'repository'",
        ),
        (
            lambda t: t.replace("{repository: demo}", "{repository: 'demo*'}"),
            "polp.yaml:10: identities.builder.capabilities[0].ecr_push.repository: expected a name",
        ),
        (
            lambda t: t.replace("branches: [main]", "branches: ['*']"),
            "polp.yaml:8: identities.builder.trust.github_actions.branches[0]: expected a branch or tag name",
        ),
        (
            lambda t: t.replace(", branches: [main]", ""),
            "polp.yaml:8: identities.builder.trust.github_actions: expected branches, tags or environments",
        ),
        (
            lambda t: t + "    max_session_duration: 13h\n",
            "polp.yaml:11: identities.builder.max_session_duration: "
            "expected a maximum session duration from 1h",
        ),
        (
            lambda t: t + "    network: {cidrs: [203.0.113.5/24]}\n",
            "polp.yaml:11: identities.builder.network.cidrs[0]: "
            "203.0.113.5/24 has host bits set; did you mean 203.0.113.0/24?",
        ),
        (
            lambda t: t + "    never: [passwords]\n",
            "polp.yaml:11: identities.builder.never[0]: expected one of databases, iam, kms, organizations",
        ),
        (
            lambda t: t + "    never: [{actions: ['nosuch:Thing*']}]\n",
            "polp.yaml:11: identities.builder.never[0].actions[0]: "
            "nosuch:Thing* matches no action in the catalog",
        ),
        (
            lambda t: (
                t + "  other:\n    role_name: demo-builder\n    trust: {aws_service: {service: "
                "sagemaker.amazonaws.com}}\n    capabilities: [{ecr_pull: {repository: demo}}]\n"
            ),
            "polp.yaml:11: identities.other: role name demo-builder is also the role of identity builder",
        ),
        (
            lambda t: t.replace("  builder:", "  Builder:"),
            "polp.yaml:6: identities.Builder: expected an identity name (lower case), found 'Builder'",
        ),
    ],
)
def test_mistakes_name_file_line_and_what_was_expected(change: object, expected: str) -> None:
    assert callable(change)
    assert expected in error_of(change(BASE))


def test_every_problem_is_reported_at_once() -> None:
    text = BASE.replace("region: us-east-1", "region: 42").replace("{repository: demo}", "{repo: demo}")
    with pytest.raises(ManifestError) as caught:
        load(text)
    assert len(caught.value.problems) == 3  # the region, and the missing and the unknown key
    assert str(caught.value).splitlines()[0].startswith("polp.yaml:4: region:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "polp.yaml:1: empty manifest"),
        ("version: 1\nversion: 2\n", "polp.yaml:2:1: duplicate key 'version'"),
        ("a: &x 1\nb: *x\n", "polp.yaml:1:4: anchors and aliases"),
        ("a: [1, 2\n", "polp.yaml:2:1: not valid YAML"),
        ("--- 1\n--- 2\n", "not valid YAML"),
        ("a: !Ref x\n", "polp.yaml:1:4: cannot read this value"),
        ("a: !!python/object:os.system x\n", "cannot read this value"),
        ("- 1\n- 2\n", "polp.yaml:1: expected a mapping with version"),
        ("1: a\n", "polp.yaml:1:1: keys must be strings"),
        ("<<: {a: 1}\n", "merge keys"),
        ("a: 1\n  b: 2\n", "polp.yaml:2:4: not valid YAML: mapping values are not allowed here"),
    ],
)
def test_hostile_yaml_is_an_input_error(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_deep_nesting_is_refused() -> None:
    text = "a: " + "[" * 200 + "]" * 200 + "\n"
    assert "nested too deeply" in error_of(text)


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read|no such"):
        load_manifest(str(tmp_path / "missing.yaml"))
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (2 * 1024 * 1024) + "\n")
    with pytest.raises(InputError):
        load_manifest(str(big))
