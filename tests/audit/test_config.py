"""Ignores from polp.toml / pyproject.toml, inline ignores, expiry, and the baseline gate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from polp.audit.config import load_config
from polp.audit.run import audit_inventory
from polp.checks.interface import AuditContext, Check, Confidence, Finding, Rule, Severity, Subject
from polp.errors import InputError, Location
from polp.inventory import Inventory, PrincipalRecord
from polp.outputs.json_report import render_json

RULE = Rule(
    id="POLP-TEST-009",
    name="always",
    category="wildcards",
    severity=Severity.high,
    confidence=Confidence.high,
    summary="s",
    explanation="e",
    remediation="r",
)
NOW = datetime(2026, 11, 27, tzinfo=UTC).timestamp()


def _always(subject: Subject, _context: AuditContext) -> Iterator[Finding]:
    yield Finding(RULE, "always fires", subject.info, location=subject.record.location)


CHECK = Check(RULE, _always)


def _inventory(tf: Path | None = None) -> Inventory:
    loc = Location(str(tf), 3, 1) if tf else None
    return Inventory(
        principals=(
            PrincipalRecord(
                "role", "legacy-build", "arn:aws:iam::111122223333:role/legacy-build", location=loc
            ),
            PrincipalRecord("role", "deployer", "arn:aws:iam::111122223333:role/deployer"),
        )
    )


def test_ignore_by_rule_and_principal_glob(tmp_path: Path) -> None:
    cfg = tmp_path / "polp.toml"
    cfg.write_text(
        '[[ignore]]\nrule = "always"\nprincipal = "arn:aws:iam::*:role/legacy-*"\n'
        'reason = "tracked in SEC-1"\n'
    )
    report = audit_inventory(_inventory(), load_config(str(cfg)), checks=[CHECK], now=NOW)
    assert [f.principal.name for f in report.findings if f.principal] == ["deployer"]
    assert report.suppressed[0].reason == "tracked in SEC-1"


def test_expired_ignore_stops_working_and_is_reported(tmp_path: Path) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text(
        '[project]\nname = "x"\n\n[tool.polp]\nfail-on = "high"\n\n[[tool.polp.ignore]]\n'
        'rule = "POLP-TEST-009"\nreason = "temporary"\nexpires = 2026-01-31\n'
    )
    config = load_config(str(cfg))
    assert config.fail_on is Severity.high
    report = audit_inventory(_inventory(), config, checks=[CHECK], now=NOW)
    rules = sorted(f.rule.id for f in report.findings)
    assert rules == ["POLP-CONFIG-001", "POLP-TEST-009", "POLP-TEST-009"]
    expired = next(f for f in report.findings if f.rule.id == "POLP-CONFIG-001")
    assert expired.location is not None and expired.location.line == 7
    assert not report.suppressed


def test_inline_ignore_in_terraform(tmp_path: Path) -> None:
    tf = tmp_path / "main.tf"
    tf.write_text(
        '# polp:ignore[POLP-TEST-009] generated names\nresource "aws_iam_role" "x" {\n'
        '  name = "legacy-build"\n}\n'
    )
    # The finding points at line 3; the comment is two lines up: not covered.
    report = audit_inventory(_inventory(tf), load_config(str(_empty(tmp_path))), checks=[CHECK], now=NOW)
    assert len(report.findings) == 2
    tf.write_text(
        'resource "aws_iam_role" "x" {\n  # polp:ignore[always] generated names\n  name = "legacy-build"\n}\n'
    )
    from polp.audit import inline_ignores

    inline_ignores._lines.cache_clear()
    report = audit_inventory(_inventory(tf), load_config(str(_empty(tmp_path))), checks=[CHECK], now=NOW)
    assert [s.by for s in report.suppressed] == ["inline"]


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path


def test_ignore_without_reason_is_an_input_error(tmp_path: Path) -> None:
    cfg = tmp_path / "polp.toml"
    cfg.write_text('[[ignore]]\nrule = "always"\n')
    with pytest.raises(InputError, match="reason"):
        load_config(str(cfg))
    cfg.write_text('[[ignore]]\nrule = "always"\nreason = "x"\nexpires = "soon"\n')
    with pytest.raises(InputError, match="date"):
        load_config(str(cfg))
    cfg.write_text("fail-on = [")
    with pytest.raises(InputError, match="TOML"):
        load_config(str(cfg))


def test_baseline_marks_old_findings(tmp_path: Path) -> None:
    empty = load_config(str(_empty(tmp_path)))
    first = audit_inventory(_inventory(), empty, checks=[CHECK], now=NOW)
    data = json.loads(b"".join(render_json(first)))
    data["findings"] = data["findings"][:1]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(data))
    second = audit_inventory(_inventory(), empty, checks=[CHECK], baseline=str(baseline), now=NOW)
    assert second.new is not None and len(second.new) == 1
    assert second.gate(Severity.high)
    data["findings"] = json.loads(b"".join(render_json(first)))["findings"]
    baseline.write_text(json.dumps(data))
    third = audit_inventory(_inventory(), empty, checks=[CHECK], baseline=str(baseline), now=NOW)
    assert not third.gate(Severity.low)
    baseline.write_text('{"findings": [{"no": "id"}]}')
    with pytest.raises(InputError):
        audit_inventory(_inventory(), empty, checks=[CHECK], baseline=str(baseline), now=NOW)


def test_every_check_is_registered_once_with_documentation() -> None:
    import pkgutil

    from polp.checks import registry, rules

    modules = {m.name for m in pkgutil.iter_modules(rules.__path__) if not m.name.startswith("_")}
    exporting = {
        name
        for name in modules
        if hasattr(__import__(f"polp.checks.rules.{name}", fromlist=["CHECK"]), "CHECK")
    }
    registered = {c.run.__module__.rsplit(".", 1)[-1] for c in registry.ALL_CHECKS}
    assert exporting == registered
    ids = [c.rule.id for c in registry.ALL_CHECKS]
    assert len(ids) == len(set(ids))
    for check in registry.ALL_CHECKS:
        assert check.rule.explanation and check.rule.remediation and check.rule.summary
        assert registry.check_by_id(check.rule.name) is check


def test_a_generic_finding_is_dropped_when_specific_findings_name_its_actions() -> None:
    from polp.audit.run import drop_covered
    from polp.checks.interface import PrincipalInfo

    generic = Rule(
        id="POLP-TEST-010",
        name="generic",
        category="wildcards",
        severity=Severity.medium,
        confidence=Confidence.high,
        summary="s",
        explanation="e",
        remediation="r",
        generic=True,
    )
    who = PrincipalInfo("role", "r", "arn:aws:iam::111122223333:role/r")
    other = PrincipalInfo("role", "o", "arn:aws:iam::111122223333:role/o")
    specific = Finding(RULE, "exposes", who, actions=("s3:PutObjectAcl",))
    covered = Finding(generic, "write on *", who, actions=("s3:PutObjectAcl",))
    wider = Finding(generic, "write on *", who, actions=("s3:PutObjectAcl", "sqs:SendMessage"))
    elsewhere = Finding(generic, "write on *", other, actions=("s3:PutObjectAcl",))
    assert drop_covered([specific, covered, wider, elsewhere]) == [specific, wider, elsewhere]
