"""POLP-KEY-001: active access keys of IAM users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rulekit import findings, role, user

from polp.audit.engine import run_checks
from polp.checks.interface import Severity
from polp.checks.rules.long_lived_keys import CHECK
from polp.errors import Location
from polp.inventory import AccessKey, Inventory, PrincipalRecord

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def run(*principals: PrincipalRecord) -> list[Severity]:
    return [f.effective_severity for f in findings(CHECK, *principals, now=NOW.timestamp())]


def test_recent_active_key_is_medium() -> None:
    key = AccessKey("AKIAEXAMPLE1", True, created=ago(10), last_used=ago(1))
    (finding,) = findings(CHECK, user("ci-deployer", keys=[key]), now=NOW.timestamp())
    assert finding.effective_severity is Severity.medium
    assert finding.message == "user ci-deployer has an active access key AKIAEXAMPLE1"
    assert finding.resources == ("AKIAEXAMPLE1",)


def test_old_key_is_high() -> None:
    key = AccessKey("AKIAEXAMPLE1", True, created=ago(400), last_used=ago(1))
    (finding,) = findings(CHECK, user("ci-deployer", keys=[key]), now=NOW.timestamp())
    assert finding.effective_severity is Severity.high
    assert "created 400 days ago (limit 90)" in finding.message


def test_max_age_comes_from_the_context() -> None:
    key = AccessKey("AKIAEXAMPLE1", True, created=ago(100), last_used=ago(1))
    result = run_checks(Inventory(principals=(user("u", keys=[key]),)), [CHECK], now=NOW.timestamp(),
                        max_key_age_days=365)
    assert [f.effective_severity for f in result.findings] == [Severity.medium]


def test_unused_and_never_used_keys_are_high() -> None:
    unused = AccessKey("access_key_1", True, created=ago(30), last_used=ago(120))
    never = AccessKey("access_key_2", True, created=ago(200), last_used=None)
    found = findings(CHECK, user("trainer", keys=[unused, never]), now=NOW.timestamp())
    assert [f.effective_severity for f in found] == [Severity.high, Severity.high]
    assert "last used 120 days ago" in found[0].message
    assert "no recorded use since it was created" in found[1].message


def test_new_unused_key_is_not_called_dead() -> None:
    fresh = AccessKey("access_key_1", True, created=ago(5), last_used=None)
    assert run(user("trainer", keys=[fresh])) == [Severity.medium]


def test_key_without_dates_from_infrastructure_code() -> None:
    where = Location("iam.tf", 12, 1)
    record = PrincipalRecord(kind="user", name="builder", arn="arn:aws:iam::111122223333:user/builder",
                             access_keys=(AccessKey("aws_iam_access_key.builder", True),), location=where)
    (finding,) = findings(CHECK, record, now=NOW.timestamp())
    assert finding.effective_severity is Severity.medium
    assert finding.location == where
    assert "use a role instead" in finding.message


def test_inactive_keys_roles_and_keyless_users_are_silent() -> None:
    inactive = AccessKey("AKIAEXAMPLE1", False, created=ago(900), last_used=ago(800))
    assert run(user("old", keys=[inactive]), user("human", password=True), role("ml-role")) == []


def test_root_key_is_critical() -> None:
    root = PrincipalRecord(kind="user", name="<root_account>", arn="arn:aws:iam::111122223333:root",
                           access_keys=(AccessKey("access_key_1", True, created=ago(5), last_used=ago(1)),))
    (finding,) = findings(CHECK, root, now=NOW.timestamp())
    assert finding.effective_severity is Severity.critical
    assert finding.message.startswith("the root user has an active access key")
