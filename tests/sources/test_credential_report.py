"""The IAM credential report, as CSV and as the API's base64 JSON answer, merged with account details."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from polp.errors import InputError
from polp.sources import load_inventory
from polp.sources.credential_report import CredentialReportSource, parse_credential_report

REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "credential-report.csv"


def test_rows_become_users_with_keys() -> None:
    inventory = CredentialReportSource().read(str(REPORT))
    by_name = {p.name: p for p in inventory.principals}
    assert set(by_name) == {
        "<root_account>",
        "privesc-sre-user",
        "fn1-privesc3-partial-user",
        "ml-ci-bot",
        "never-logged-in",
    }
    root = by_name["<root_account>"]
    assert root.password_enabled is None and root.access_keys == ()
    sre = by_name["privesc-sre-user"]
    assert sre.password_enabled is True
    (key,) = sre.access_keys
    assert key.key_id == "access_key_1" and key.active
    assert key.created == datetime(2023, 3, 9, 10, 41, 41, tzinfo=UTC)
    assert key.last_used == datetime(2023, 3, 12, 17, 20, tzinfo=UTC)
    assert sre.last_used == key.last_used  # later than the password's last use
    partial = by_name["fn1-privesc3-partial-user"]
    assert [(k.key_id, k.active, k.last_used is None) for k in partial.access_keys] == [
        ("access_key_1", True, True),
        ("access_key_2", True, False),
    ]
    bot = by_name["ml-ci-bot"]
    assert [(k.key_id, k.active) for k in bot.access_keys] == [("access_key_1", False)]  # inactive, exists
    assert by_name["never-logged-in"].access_keys == () and by_name["never-logged-in"].last_used is None
    assert sre.location is not None and sre.location.line == 3


def test_api_json_answer(tmp_path: Path) -> None:
    content = base64.b64encode(REPORT.read_bytes()).decode()
    path = tmp_path / "report.json"
    path.write_text(
        json.dumps(
            {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": "2024-06-01T00:00:00Z"},
            indent=4,
        )
    )
    inventory = load_inventory([str(path)])
    assert len(inventory.principals) == 5


def test_merged_with_account_details_by_arn(corpora: Path) -> None:
    details = corpora / "account-authorization-details" / "cloudsplaining-example.json"
    inventory = load_inventory([str(details), str(REPORT)])
    sre = [p for p in inventory.principals if p.arn == "arn:aws:iam::200611803367:user/privesc-sre-user"]
    assert len(sre) == 1
    (user,) = sre
    assert user.groups == ("privesc-sre-group",)  # from the account details
    assert user.access_keys and user.password_enabled is True  # from the report
    assert user.location is not None and user.location.file == str(details)
    assert inventory.get(user.arn) is user


def test_bad_rows_are_problems(tmp_path: Path) -> None:
    lines = REPORT.read_text().splitlines()
    lines.append("short,row")
    lines.append("x,not-an-arn," + ",".join(["N/A"] * 20))
    inventory = parse_credential_report("\n".join(lines) + "\n", "r.csv")
    assert len(inventory.principals) == 5
    assert [p.location.line for p in inventory.problems] == [7, 8]


def test_broken_reports_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="header"):
        parse_credential_report("name,value\n", "r.csv")
    with pytest.raises(InputError, match="CSV"):
        parse_credential_report('user,arn\n"a\x00b,c\n', "r.csv")
    path = tmp_path / "r.json"
    path.write_text('{"Content": "@@@", "ReportFormat": "text/csv"}')
    with pytest.raises(InputError, match="base64"):
        load_inventory([str(path)])
