"""The whole audit: read the inputs, run the checks, apply ignores and the baseline."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from polp.audit.baseline import load_baseline
from polp.audit.config import AuditConfig
from polp.audit.engine import Progress, run_checks
from polp.audit.gcpause import paused_gc
from polp.audit.inline_ignores import inline_ignore
from polp.audit.report import AuditReport, Suppressed
from polp.checks.interface import Check, Confidence, Finding, Rule, Severity
from polp.checks.registry import all_checks
from polp.inventory import Inventory

EXPIRED_IGNORE = Rule(
    id="POLP-CONFIG-001",
    name="expired-ignore",
    category="config",
    severity=Severity.medium,
    confidence=Confidence.high,
    summary="An ignore in the polp configuration has expired",
    explanation="Ignores are meant to be temporary exceptions with a reason and a date. Once the date is "
    "past the ignore stops hiding its findings, and this finding asks for a decision.",
    remediation="Fix the findings it covered, or renew the ignore with a new date and reason.",
)


def drop_covered(findings: list[Finding]) -> list[Finding]:
    """Drop findings of generic rules whose actions specific findings of the principal already name."""
    specific: dict[str, set[str]] = {}
    for finding in findings:
        if finding.principal is not None and not finding.rule.generic:
            specific.setdefault(finding.principal.arn, set()).update(finding.actions)
    return [
        f
        for f in findings
        if not (
            f.rule.generic
            and f.principal is not None
            and f.actions
            and set(f.actions) <= specific.get(f.principal.arn, set())
        )
    ]


def select_checks(only: Sequence[str] = ()) -> tuple[Check, ...]:
    checks = all_checks()
    if not only:
        return checks
    wanted = set(only)
    return tuple(
        c for c in checks if c.rule.id in wanted or c.rule.name in wanted or c.rule.category in wanted
    )


def audit_inventory(
    inventory: Inventory,
    config: AuditConfig,
    *,
    checks: Sequence[Check] | None = None,
    baseline: str | None = None,
    now: float | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    checks = tuple(checks) if checks is not None else all_checks()
    moment = now if now is not None else time.time()
    with paused_gc():  # the caches and findings of a large audit live until the report is written
        result = run_checks(
            inventory, checks, now=moment, max_key_age_days=config.max_key_age_days, progress=progress
        )
    today = datetime.fromtimestamp(moment, UTC).date()
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in drop_covered(result.findings):
        active = [i for i in config.ignores if not i.expired(today) and i.matches(finding)]
        if active:
            suppressed.append(Suppressed(finding, active[0].reason, "config"))
            continue
        reason = inline_ignore(finding)
        if reason is not None:
            suppressed.append(Suppressed(finding, reason, "inline"))
            continue
        kept.append(finding)
    for ignore in config.ignores:
        if ignore.expired(today):
            kept.append(
                Finding(
                    rule=EXPIRED_IGNORE,
                    message=f"the ignore of {ignore.rule} ({ignore.reason}) expired on {ignore.expires}",
                    location=ignore.location,
                    details={"rule": ignore.rule, "expires": str(ignore.expires)},
                )
            )
    new: set[str] | None = None
    if baseline is not None:
        known = load_baseline(baseline)
        new = {f.fingerprint for f in kept if f.fingerprint not in known}
    rules = [c.rule for c in checks] + [EXPIRED_IGNORE]
    return AuditReport(
        findings=kept,
        rules=rules,
        suppressed=suppressed,
        problems=inventory.problems,
        subjects=result.subjects,
        inputs=inventory.origins,
        new=new,
    )
