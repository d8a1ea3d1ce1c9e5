"""``run_validate``: exit codes, type inference, and the text and JSON reports."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from validate_helpers import allow, policy

from polp.errors import UsageError
from polp.iam.parse import parse_policy_data
from polp.validate.command import run_validate
from polp.validate.policy_type import PolicyType
from polp.validate.validator import infer_policy_type

CLEAN = policy(allow("s3:ListAllMyBuckets"))
WARNS = policy(allow("s3:ListBuckets"))  # unknown action: a warning
FAILS = policy(allow("s3:ListAllMyBuckets"), version=None)  # missing Version: an error (identity)
TRUST = policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})


def _write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
    return str(path)


def _run(
    files: list[str], *, kind: str | None = None, fmt: str = "text", fail_on: str = "error"
) -> tuple[int, str]:
    out = io.StringIO()
    code = run_validate(files, kind, fmt, fail_on, out)
    return code, out.getvalue()


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    clean, warns, fails = (
        _write(tmp_path, n, d) for n, d in (("c.json", CLEAN), ("w.json", WARNS), ("f.json", FAILS))
    )
    assert _run([clean])[0] == 0
    assert _run([warns])[0] == 0
    assert _run([warns], fail_on="warning")[0] == 1
    assert _run([warns], fail_on="security-warning")[0] == 0
    assert _run([fails])[0] == 1
    assert _run([clean], fail_on="suggestion")[0] == 0


def test_unreadable_or_non_policy_input_exits_2_and_reports_the_others(tmp_path: Path) -> None:
    warns = _write(tmp_path, "w.json", WARNS)
    broken = _write(tmp_path, "broken.json", "{not json")
    array = _write(tmp_path, "array.json", [1, 2])
    other = _write(tmp_path, "other.json", {"name": "not a policy"})
    code, text = _run([warns, broken, array, str(tmp_path / "missing.json"), other])
    assert code == 2
    assert "unknown-action" in text
    for name in ("broken.json", "array.json", "missing.json", "other.json"):
        assert re.search(rf"{re.escape(name)}(:\d+:\d+)?: cannot validate", text), name
    assert "broken.json:1:2: cannot validate" in text  # the line and column of the JSON error


def test_json_report_schema(tmp_path: Path) -> None:
    warns = _write(tmp_path, "w.json", WARNS)
    broken = _write(tmp_path, "broken.json", "{")
    code, text = _run([warns, broken], fmt="json", fail_on="warning")
    report = json.loads(text)
    assert code == 2
    assert report["schema_version"] == 1
    finding = report["findings"][0]
    assert set(finding) == {"file", "policy_type", "code", "severity", "message", "line", "column", "path"}
    assert finding["code"] == "unknown-action" and finding["severity"] == "warning"
    assert finding["file"] == warns and finding["line"] == 6 and finding["path"] == "Statement[0].Action"
    assert [i["status"] for i in report["inputs"]] == ["validated", "unreadable"]
    summary = report["summary"]
    assert summary["files"] == 2 and summary["unreadable"] == 1 and summary["exit_code"] == 2
    assert summary["by_severity"] == {"error": 0, "security-warning": 0, "warning": 1, "suggestion": 0}


def test_text_report_groups_by_file_and_names_the_type(tmp_path: Path) -> None:
    fails = _write(tmp_path, "f.json", FAILS)
    code, text = _run([fails])
    assert code == 1
    assert "f.json (identity policy)" in text
    assert "missing-version" in text
    assert "1 error" in text.splitlines()[-1]


def test_type_option_and_inference(tmp_path: Path) -> None:
    trust = _write(tmp_path, "t.json", TRUST)
    assert _run([trust])[0] == 0  # inferred as a trust policy: no Resource needed
    code, text = _run([trust], kind="identity")
    assert code == 1 and "unsupported-element" in text and "missing-resource" in text


def test_directories_expand_to_their_json_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", "w.json", WARNS)
    _write(tmp_path, "c.json", CLEAN)
    code, text = _run([str(tmp_path)], fmt="json")
    assert code == 0 and json.loads(text)["summary"]["files"] == 2


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    clean = _write(tmp_path, "c.json", CLEAN)
    with pytest.raises(UsageError):
        _run([clean], kind="bucket")
    with pytest.raises(UsageError):
        _run([clean], fail_on="fatal")
    with pytest.raises(UsageError):
        _run([clean], fmt="xml")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (CLEAN, PolicyType.IDENTITY),
        (TRUST, PolicyType.TRUST),
        (
            policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "accounts.google.com"},
                    "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                }
            ),
            PolicyType.TRUST,
        ),
        (
            policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "111122223333"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                }
            ),
            PolicyType.RESOURCE,
        ),
    ],
)
def test_infer_policy_type(document: dict[str, Any], expected: PolicyType) -> None:
    assert infer_policy_type(parse_policy_data(document)) is expected


def test_module_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from polp.validate.__main__ import main

    warns = _write(tmp_path, "w.json", WARNS)
    assert main([warns, "--fail-on", "warning", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"]["by_severity"]["warning"] == 1
