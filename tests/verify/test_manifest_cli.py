"""``polp plan`` and ``polp verify`` from the command line: formats, files, exit codes 0, 1 and 2, and a
one-line error instead of a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from polp.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEMAND = EXAMPLES / "demand-forecast"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_plan_writes_a_directory_and_check_detects_drift(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "plan", str(DEMAND / "polp.yaml"), "-o", str(tmp_path))
    assert code == 0 and "wrote 2 files" in err
    assert (tmp_path / "deployer.tf").read_text() == (DEMAND / "plan" / "deployer.tf").read_text()
    assert run(capsys, "plan", str(DEMAND / "polp.yaml"), "-o", str(tmp_path), "--check")[0] == 0
    (tmp_path / "deployer.tf").write_text("# edited by hand\n")
    code, _, err = run(capsys, "plan", str(DEMAND / "polp.yaml"), "-o", str(tmp_path), "--check")
    assert code == 1 and "out of date" in err and "deployer.tf" in err


@pytest.mark.parametrize("fmt", ["terraform", "terraform-json", "cloudformation", "json"])
def test_plan_prints_every_format(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "plan", str(EXAMPLES / "eks-kserve" / "polp.yaml"), "--format", fmt)
    assert code == 0 and "# ---- kubernetes/ci-deployer-ml-serving-fraud-scoring.yaml ----" in out


def test_plan_of_a_broken_manifest_is_exit_2_with_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "polp.yaml"
    broken.write_text(
        (DEMAND / "polp.yaml").read_text().replace("repository: demand-forecast}", "repo: demand-forecast}")
    )
    code, _, err = run(capsys, "plan", str(broken))
    assert code == 2 and "Traceback" not in err
    assert err.startswith(
        f"polp: error: {broken}:26: identities.builder.capabilities[0].ecr_push.repo: "
        "unknown key 'repo' (expected one of: repository)"
    )
    assert (
        f"{broken}:26: identities.builder.capabilities[0].ecr_push: missing required key 'repository'" in err
    )


def test_verify_against_the_plan_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", str(DEMAND / "polp.yaml"), "--against", str(DEMAND / "plan"))
    assert code == 0 and out.rstrip().endswith("PASS: 2 of 2 identities verified; excess 0 (--max-excess 0)")


def test_verify_against_before_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "verify",
        str(DEMAND / "polp.yaml"),
        "--against",
        str(DEMAND / "before"),
        "--map",
        "builder=DeploymentAccount",
        "--map",
        "deployer=DeploymentAccount",
    )
    assert code == 1
    assert "minimal     FAIL" in out and "AdministratorAccess" in out and "databases" in out
    assert "allowed, must be denied: another repository of the owner" in out


def test_verify_json_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run(
        capsys,
        "verify",
        str(DEMAND / "polp.yaml"),
        "--against",
        str(DEMAND / "before"),
        "--map",
        "deployer=DeploymentAccount",
        "--map",
        "builder=DeploymentAccount",
        "--format",
        "json",
        "-o",
        str(target),
    )
    assert code == 1 and out == ""
    report: dict[str, Any] = json.loads(target.read_text())
    assert report["schema_version"] == 1 and report["summary"]["passed"] is False
    deployer = report["identities"][1]
    assert deployer["checks"]["minimal"]["excess_count"] > 20_000
    assert deployer["checks"]["never"]["items"][0]["simulated"]["decision"]["decision"] == "Allowed"
    assert any(
        r["label"].startswith("another repository") and r["decision"]["decision"] == "Allowed"
        for r in deployer["checks"]["trust"]["requests"]
    )


def test_verify_markdown_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "verify",
        str(DEMAND / "polp.yaml"),
        "--against",
        str(DEMAND / "before"),
        "--map",
        "deployer=DeploymentAccount",
        "--format",
        "markdown",
    )
    assert code == 1 and out.startswith("## polp verify")
    assert (
        "| `deployer` | `role arn:aws:iam::111122223333:role/DeploymentAccount` | ✅ | ❌ | ❌ | ❌ |" in out
    )
    assert "| `builder` |" in out and "no role or user 'demand-forecast-builder'" in out


def test_verify_sarif_report(capsys: pytest.CaptureFixture[str], sarif_schema: dict[str, Any]) -> None:
    import jsonschema  # type: ignore[import-untyped]

    code, out, _ = run(
        capsys,
        "verify",
        str(DEMAND / "polp.yaml"),
        "--against",
        str(DEMAND / "before"),
        "--map",
        "deployer=DeploymentAccount",
        "--map",
        "builder=DeploymentAccount",
        "--format",
        "sarif",
    )
    assert code == 1
    log = json.loads(out)
    jsonschema.validate(log, sarif_schema)
    rules = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert rules == {"POLP-VERIFY-002", "POLP-VERIFY-003", "POLP-VERIFY-004"}
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert all(not u.startswith("arn:") for u in uris)


def test_verify_errors_are_exit_2_or_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "verify", str(DEMAND / "polp.yaml"), "--against", str(tmp_path / "nothing"))
    assert code == 2 and "no such file or directory" in err
    code, _, err = run(
        capsys, "verify", str(DEMAND / "polp.yaml"), "--against", str(DEMAND / "plan"), "--map", "nobody=x"
    )
    assert code == 3 and "the manifest has no identity 'nobody'" in err
    code, _, _ = run(capsys, "verify", str(DEMAND / "polp.yaml"))
    assert code == 3


def test_the_loop_declare_plan_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    manifest = tmp_path / "polp.yaml"
    shutil.copy(EXAMPLES / "sagemaker-pipeline" / "polp.yaml", manifest)
    assert (
        run(capsys, "plan", str(manifest), "--format", "cloudformation", "-o", str(tmp_path / "plan"))[0] == 0
    )
    assert run(capsys, "verify", str(manifest), "--against", str(tmp_path / "plan"))[0] == 0
    # Declaring more than the plan grants makes the old plan insufficient, until planned again.
    manifest.write_text(
        manifest.read_text().replace(
            "      - logs_read:", "      - metrics_write: {namespace: Churn}\n      - logs_read:"
        )
    )
    code, out, _ = run(capsys, "verify", str(manifest), "--against", str(tmp_path / "plan"))
    assert code == 1 and "cloudwatch:PutMetricData" in out
    assert (
        run(capsys, "plan", str(manifest), "--format", "cloudformation", "-o", str(tmp_path / "plan"))[0] == 0
    )
    assert run(capsys, "verify", str(manifest), "--against", str(tmp_path / "plan"))[0] == 0
